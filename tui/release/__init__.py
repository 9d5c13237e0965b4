"""Releasing the Examiner through Git, the seed demo's way: edit the HelmRelease values, commit, push."""

from tui.release.errors import ReleaseError
from tui.release.git_release import DEFAULT_VALUE_PATH, GitRelease, PushResult, release_via_git
from tui.release.redact import redact
from tui.release.values import commit_message, faulty_release, good_release
from tui.release.yaml_edit import set_scalars

__all__ = [
    "DEFAULT_VALUE_PATH",
    "GitRelease",
    "PushResult",
    "ReleaseError",
    "commit_message",
    "faulty_release",
    "good_release",
    "redact",
    "release_via_git",
    "set_scalars",
]
