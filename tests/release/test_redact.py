"""Credentials in remote URLs are removed from every message."""

from __future__ import annotations

import pytest

from tui.release import ReleaseError, redact


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://user:pa55@github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://ghp_t0ken@github.com/o/r.git", "https://github.com/o/r.git"),
        (
            "fatal: unable to access 'http://u:p@w@127.0.0.1:9/r.git/': refused",
            "fatal: unable to access 'http://127.0.0.1:9/r.git/': refused",
        ),
        ("ssh://git@host:22/r.git", "ssh://host:22/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("To /tmp/cluster.git", "To /tmp/cluster.git"),
        ("a https://x:y@h/1 and https://z@h/2", "a https://h/1 and https://h/2"),
    ],
)
def test_userinfo_is_removed(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_release_errors_are_one_redacted_line() -> None:
    assert (
        str(ReleaseError("push to https://me:secret@h/r.git\nfailed:\n  badly"))
        == "push to https://h/r.git failed: badly"
    )
