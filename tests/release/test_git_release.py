"""release_via_git against a real bare repository and a clone of it, with the git command line."""

from __future__ import annotations

import difflib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.release.conftest import Repos, git, needs_git
from tests.release.helmrelease import FILE, OLD_ECHO, TEXT
from tui.release import ReleaseError, commit_message, faulty_release, good_release, release_via_git

pytestmark = needs_git


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def configuration(text: str) -> dict[str, object]:
    return yaml.safe_load(text)["spec"]["values"]["configuration"]


def assert_untouched(repos: Repos, commits_before: int) -> None:
    assert repos.remote_count() == commits_before
    assert (repos.work / FILE).read_text() == TEXT
    assert git(repos.work, "status", "--porcelain") == ""


def test_a_release_is_one_pushed_commit_that_changes_only_the_echo_line(repos: Repos) -> None:
    before = repos.remote_count()
    message = commit_message("examiner", good_release("Go Flagger go!"))

    release = release_via_git(repos.work, FILE, good_release("Go Flagger go!"), message=message)

    assert repos.remote_count() == before + 1
    pushed = repos.remote_file()
    removed, added = changed_lines(TEXT, pushed)
    # SERVER_ERROR_RATE is already "0", so its line stays as it was.
    assert removed == ['      ECHO_VALUE: "⛈ NRW Rockx aber sowas von 🤘"   # the current release']
    assert added == ['      ECHO_VALUE: "Go Flagger go!"   # the current release']
    assert configuration(pushed) == {
        "ECHO_VALUE": "Go Flagger go!",
        "SERVER_ERROR_RATE": "0",
        "REQUEST_DELAY": "100..250",
        "LOG_METHODS": "GET,POST",
    }
    assert git(repos.bare, "diff-tree", "--no-commit-id", "--name-only", "-r", "main").split() == [FILE]
    assert git(repos.bare, "log", "-1", "--format=%B", "main") == message + "\n"
    assert git(repos.bare, "log", "-1", "--format=%an <%ae>", "main").strip() == "Ada Tester <ada@example.test>"

    assert release.commit == git(repos.bare, "rev-parse", "main").strip()
    assert release.commit.startswith(release.short) and 7 <= len(release.short) < 40
    assert release.subject == 'examiner: release "Go Flagger go!"'
    assert release.branch == "main"
    assert release.push is not None and release.push.ok and release.pushed
    assert (release.push.remote, release.push.branch) == ("origin", "main")
    assert release.push.summary.endswith(f"..{release.short}")
    assert release.push.url == str(repos.bare)
    assert release.describe() == (
        f'committed {release.short} on main: examiner: release "Go Flagger go!"; '
        f"pushed to origin/main: {release.push.summary}"
    )
    assert git(repos.work, "status", "--porcelain") == ""


def test_a_faulty_release_changes_the_echo_and_error_rate_lines_and_nothing_else(repos: Repos) -> None:
    values = faulty_release("⛈ broken on purpose 🤘")
    release = release_via_git(repos.work, FILE, values, message=commit_message("examiner", values))

    pushed = repos.remote_file()
    removed, added = changed_lines(TEXT, pushed)
    assert removed == [
        f'      ECHO_VALUE: "{OLD_ECHO}"   # the current release',
        '      SERVER_ERROR_RATE: "0"',
    ]
    assert added == [
        '      ECHO_VALUE: "⛈ broken on purpose 🤘"   # the current release',
        '      SERVER_ERROR_RATE: "10"',
    ]
    assert configuration(pushed)["SERVER_ERROR_RATE"] == "10"
    assert release.subject == 'examiner: faulty release "⛈ broken on purpose 🤘" (SERVER_ERROR_RATE=10)'
    # The whole file apart from those two lines is byte for byte the committed one.
    assert pushed.encode().count(b"\n") == TEXT.encode().count(b"\n")


def test_two_releases_in_a_row_push_two_commits(repos: Repos) -> None:
    before = repos.remote_count()
    first = release_via_git(repos.work, FILE, faulty_release("one"), message="first")
    second = release_via_git(repos.work, FILE, good_release("two"), message="second")
    assert repos.remote_count() == before + 2
    assert git(repos.bare, "rev-parse", "main~1").strip() == first.commit
    assert configuration(repos.remote_file()) == {
        "ECHO_VALUE": "two",
        "SERVER_ERROR_RATE": "0",
        "REQUEST_DELAY": "100..250",
        "LOG_METHODS": "GET,POST",
    }
    assert second.push is not None and second.push.summary == f"{first.short}..{second.short}"


def test_without_push_the_commit_stays_local(repos: Repos) -> None:
    before = repos.remote_count()
    release = release_via_git(repos.work, FILE, good_release("local only"), message="local", push=False)
    assert release.push is None and not release.pushed
    assert repos.remote_count() == before
    assert git(repos.work, "rev-parse", "HEAD").strip() == release.commit
    assert release.describe().endswith("; not pushed")


def test_a_rejected_push_keeps_the_local_commit_and_reports_git_s_words(repos: Repos) -> None:
    other = repos.clone("colleague")
    (other / "README.md").write_text("someone else was faster\n")
    git(other, "commit", "--quiet", "-am", "Colleague's change")
    git(other, "push", "--quiet", "origin", "main")
    remote_head = git(repos.bare, "rev-parse", "main").strip()

    release = release_via_git(repos.work, FILE, good_release("too late"), message="Release too late")

    assert release.push is not None and not release.push.ok
    assert release.push.summary == "[rejected] (fetch first)"
    assert release.push.stderr_last_line == f"error: failed to push some refs to '{repos.bare}'"
    assert release.describe() == (
        f"committed {release.short} on main: Release too late; push to origin/main failed: "
        f"[rejected] (fetch first); error: failed to push some refs to '{repos.bare}'"
    )
    assert git(repos.bare, "rev-parse", "main").strip() == remote_head
    assert git(repos.work, "rev-parse", "HEAD").strip() == release.commit
    assert configuration((repos.work / FILE).read_text())["ECHO_VALUE"] == "too late"


def test_an_explicit_remote_and_branch(repos: Repos) -> None:
    release = release_via_git(
        repos.work, FILE, good_release("to a side branch"), message="side", remote="origin", branch="release/side"
    )
    assert release.push is not None and release.push.ok
    assert release.push.summary == "[new branch]"
    assert git(repos.bare, "rev-parse", "release/side").strip() == release.commit
    assert configuration(repos.remote_file("release/side"))["ECHO_VALUE"] == "to a side branch"


def test_other_staged_changes_stay_out_of_the_release_commit(repos: Repos) -> None:
    (repos.work / "README.md").write_text("work in progress\n")
    git(repos.work, "add", "README.md")
    release_via_git(repos.work, FILE, good_release("only the release"), message="Release")
    assert git(repos.bare, "diff-tree", "--no-commit-id", "--name-only", "-r", "main").split() == [FILE]
    assert git(repos.work, "status", "--porcelain") == "M  README.md\n"


def test_a_missing_value_path_names_path_and_file(repos: Repos) -> None:
    before = repos.remote_count()
    with pytest.raises(ReleaseError) as caught:
        release_via_git(repos.work, FILE, good_release("x"), value_path="spec.values.env", message="m")
    assert str(caught.value) == f"spec.values.env not found in {FILE}: no key 'env' under spec.values"
    assert_untouched(repos, before)


@pytest.mark.parametrize("staged", [False, True])
def test_a_file_with_uncommitted_changes_is_refused(repos: Repos, staged: bool) -> None:
    before = repos.remote_count()
    path = repos.work / FILE
    path.write_text(TEXT + "# a note nobody committed\n")
    if staged:
        git(repos.work, "add", FILE)
    with pytest.raises(ReleaseError) as caught:
        release_via_git(repos.work, FILE, good_release("x"), message="m")
    assert str(caught.value) == f"{FILE} has uncommitted changes in {repos.work}; commit or stash them first"
    assert path.read_text() == TEXT + "# a note nobody committed\n"
    assert repos.remote_count() == before


def test_a_directory_that_is_no_checkout_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "manifests").mkdir(parents=True)
    with pytest.raises(ReleaseError, match=r"^.*/plain is not a git checkout$"):
        release_via_git(plain, FILE, good_release("x"), message="m")
    with pytest.raises(ReleaseError, match=r"^.*/nowhere is not a directory$"):
        release_via_git(tmp_path / "nowhere", FILE, good_release("x"), message="m")


def test_a_bare_repository_is_no_checkout(repos: Repos) -> None:
    with pytest.raises(ReleaseError, match=r"cluster\.git is not a git checkout$"):
        release_via_git(repos.bare, FILE, good_release("x"), message="m")


def test_a_missing_or_untracked_file_is_refused(repos: Repos) -> None:
    with pytest.raises(ReleaseError) as caught:
        release_via_git(repos.work, "manifests/nope.yaml", good_release("x"), message="m")
    assert str(caught.value) == f"manifests/nope.yaml not found in {repos.work}"
    (repos.work / "new.yaml").write_text(TEXT)
    with pytest.raises(ReleaseError) as caught:
        release_via_git(repos.work, "new.yaml", good_release("x"), message="m")
    assert str(caught.value) == f"new.yaml is not tracked by git in {repos.work}"
    with pytest.raises(ReleaseError, match=r"^\.\./outside\.yaml is outside the checkout "):
        release_via_git(repos.work, "../outside.yaml", good_release("x"), message="m")


def test_a_detached_head_is_refused(repos: Repos) -> None:
    git(repos.work, "checkout", "--quiet", "--detach", "HEAD")
    with pytest.raises(ReleaseError) as caught:
        release_via_git(repos.work, FILE, good_release("x"), message="m")
    assert str(caught.value) == f"HEAD is detached in {repos.work}; check out a branch first"
    assert (repos.work / FILE).read_text() == TEXT


def test_without_an_identity_nothing_is_invented(repos: Repos) -> None:
    git(repos.work, "config", "--unset", "user.name")
    git(repos.work, "config", "--unset", "user.email")
    before = repos.remote_count()
    with pytest.raises(ReleaseError) as caught:
        release_via_git(repos.work, FILE, good_release("x"), message="m")
    assert str(caught.value) == (
        f"no git identity for commits in {repos.work}: set user.name and user.email (git config user.email ...)"
    )
    assert_untouched(repos, before)


def test_an_identity_from_the_environment_is_used(repos: Repos, monkeypatch: pytest.MonkeyPatch) -> None:
    git(repos.work, "config", "--unset", "user.name")
    git(repos.work, "config", "--unset", "user.email")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Env Person")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "env@example.test")
    release_via_git(repos.work, FILE, good_release("from env"), message="m")
    assert git(repos.bare, "log", "-1", "--format=%an <%ae>", "main").strip() == "Env Person <env@example.test>"


def test_a_branch_without_upstream_is_refused_before_any_change(repos: Repos) -> None:
    git(repos.work, "checkout", "--quiet", "-b", "topic")
    with pytest.raises(ReleaseError) as caught:
        release_via_git(repos.work, FILE, good_release("x"), message="m")
    assert str(caught.value) == (
        f"branch 'topic' in {repos.work} has no upstream; name a remote, or set one: git push -u"
    )
    assert (repos.work / FILE).read_text() == TEXT


def test_a_commit_refused_by_a_hook_restores_the_file(repos: Repos) -> None:
    hook = repos.work / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'policy: releases are frozen' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = repos.remote_count()
    with pytest.raises(ReleaseError) as caught:
        release_via_git(repos.work, FILE, good_release("x"), message="m")
    assert str(caught.value) == f"git commit failed in {repos.work}: policy: releases are frozen"
    assert_untouched(repos, before)


def test_a_commit_that_runs_out_of_time_is_undone(repos: Repos) -> None:
    hook = repos.work / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nsleep 30\n")
    hook.chmod(0o755)
    before = repos.remote_count()
    started = time.monotonic()
    with pytest.raises(ReleaseError) as caught:
        release_via_git(repos.work, FILE, good_release("x"), message="m", timeout_s=2)
    assert time.monotonic() - started < 10
    assert str(caught.value) == f"git commit did not finish within 2s in {repos.work}; nothing was committed"
    assert_untouched(repos, before)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback TCP server that accepts connections and never answers, like a hung Git host."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    server.close()


def test_a_hung_push_is_reported_and_the_commit_stays(repos: Repos, silent_server: int) -> None:
    url = f"http://releaser:s3cr3t-t0ken@127.0.0.1:{silent_server}/cluster.git"
    git(repos.work, "remote", "add", "hung", url)
    started = time.monotonic()
    release = release_via_git(repos.work, FILE, good_release("x"), message="m", remote="hung", timeout_s=3)
    assert time.monotonic() - started < 10
    assert release.push is not None and not release.push.ok
    assert release.push.summary == "git push did not finish within 3s; the commit stays local"
    assert git(repos.work, "rev-parse", "HEAD").strip() == release.commit


def test_credentials_in_a_remote_url_never_reach_a_message(repos: Repos) -> None:
    # Port 9 on loopback: nothing listens, so the push fails at once with git's own error line.
    url = "http://releaser:s3cr3t-t0ken@127.0.0.1:9/cluster.git"
    release = release_via_git(repos.work, FILE, good_release("x"), message="m", remote=url, branch="main")
    assert release.push is not None and not release.push.ok
    shown = " ".join([release.describe(), release.push.remote, release.push.url, release.push.stderr_last_line])
    assert "s3cr3t" not in shown and "releaser" not in shown
    assert release.push.remote == "http://127.0.0.1:9/cluster.git"
    assert "127.0.0.1" in release.push.stderr_last_line
    with pytest.raises(ReleaseError) as caught:
        release_via_git(repos.work, FILE, good_release("y"), message="m", remote=f"-{url}", branch="main")
    assert str(caught.value) == "not a remote: '-http://127.0.0.1:9/cluster.git'"


def test_a_release_with_nothing_to_change_makes_no_commit(repos: Repos) -> None:
    before = repos.remote_count()
    with pytest.raises(ReleaseError) as caught:
        release_via_git(repos.work, FILE, good_release(OLD_ECHO), message="m")
    assert str(caught.value) == f"{FILE} already has these values; nothing to release"
    assert_untouched(repos, before)


def test_a_checkout_subdirectory_with_a_relative_file(repos: Repos) -> None:
    release = release_via_git(repos.work / "manifests", "cluster/apps/examiner.yaml", good_release("sub"), message="s")
    assert release.pushed
    assert configuration(repos.remote_file())["ECHO_VALUE"] == "sub"


def test_a_hook_that_hangs_after_the_commit_keeps_the_commit_and_pushes_nothing(repos: Repos) -> None:
    hook = repos.work / ".git" / "hooks" / "post-commit"
    hook.write_text("#!/bin/sh\nsleep 30\n")
    hook.chmod(0o755)
    before = repos.remote_count()
    with pytest.raises(ReleaseError) as caught:
        release_via_git(repos.work, FILE, good_release("kept"), message="m", timeout_s=2)
    head = git(repos.work, "rev-parse", "HEAD").strip()
    assert str(caught.value) == (
        f"git commit did not finish within 2s in {repos.work}, after committing {head[:12]}; it was not pushed"
    )
    assert git(repos.work, "log", "-1", "--format=%s").strip() == "m"
    assert git(repos.work, "status", "--porcelain") == ""
    assert configuration((repos.work / FILE).read_text())["ECHO_VALUE"] == "kept"
    assert repos.remote_count() == before
