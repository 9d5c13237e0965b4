"""Release the seed demo's way: edit the HelmRelease values in a local checkout, commit that one file, push.

Identity: the commit is made with the author the checkout's git configuration (or GIT_AUTHOR_* variables) names.
When there is none, the release refuses instead of inventing one, so every commit in the GitOps history belongs
to a person; git's guess from the host name (`root@host.(none)`) is switched off as well.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tui.base.file_limits import MANIFEST_LIMIT, FileTooLarge, read_bytes_limited
from tui.base.safe_text import safe_text
from tui.release.errors import ReleaseError
from tui.release.git_cli import Git, GitMissing, GitResult, GitTimeout
from tui.release.redact import redact
from tui.release.yaml_edit import set_scalars
from tui.release.yaml_scalar import Scalar

DEFAULT_VALUE_PATH = "spec.values.configuration"
_NO_GUESSED_IDENTITY = ("user.useConfigOnly=true",)
# Push output without the multi-line advice, so git's last stderr line is its verdict.
_PUSH_CONFIG = ("advice.pushUpdateRejected=false",)


@dataclass(frozen=True)
class PushResult:
    ok: bool
    remote: str  # remote name, or its URL without credentials
    branch: str  # the branch on the remote
    url: str  # where git says it pushed ("To ..."), without credentials
    summary: str  # git's ref status, e.g. "1a2b3c4..5d6e7f8", "[rejected] (fetch first)", or why there was none
    stderr_last_line: str  # git's own last stderr line, without credentials ("" when git printed none)

    def describe(self) -> str:
        named = not any(c in self.remote for c in "/:")  # a remote's name, not a URL or path
        target = f"{self.remote}/{self.branch}" if named else f"{self.branch} at {self.remote}"
        if self.ok:
            return f"pushed to {target}: {self.summary}"
        detail = "; ".join(part for part in (self.summary, self.stderr_last_line) if part)
        return f"push to {target} failed: {detail}"


@dataclass(frozen=True)
class GitRelease:
    repo: Path
    file: str
    branch: str  # the local branch the commit is on
    commit: str
    short: str
    subject: str
    values: tuple[tuple[str, Scalar], ...]
    push: PushResult | None  # None when pushing was not asked for

    @property
    def pushed(self) -> bool:
        return self.push is not None and self.push.ok

    def describe(self) -> str:
        """One line for a status bar or notification."""
        line = f"committed {self.short} on {self.branch}: {self.subject}"
        return f"{line}; {self.push.describe()}" if self.push else f"{line}; not pushed"


def release_via_git(
    repo: Path,
    file: str,
    values: Mapping[str, Scalar],
    *,
    value_path: str = DEFAULT_VALUE_PATH,
    message: str,
    push: bool = True,
    remote: str | None = None,
    branch: str | None = None,
    timeout_s: float = 60,
) -> GitRelease:
    """Set `values` under `value_path` in `repo`/`file`, commit only that file with `message`, and push it.

    Problems before the commit raise ReleaseError (one line) and leave the checkout as it was. Once the commit
    exists, a failed or rejected push is reported in the result, with the commit left in place.
    """
    repo = Path(repo)
    if not message.strip():
        raise ReleaseError("the commit message is empty")
    if timeout_s <= 0:
        raise ReleaseError(f"timeout must be above 0 seconds, got {timeout_s:g}")
    if not repo.is_dir():
        raise ReleaseError(f"{repo} is not a directory")
    try:
        git = Git(repo, timeout_s)
        return _release(git, repo, file, values, value_path, message, push, remote, branch)
    except GitMissing as exc:
        raise ReleaseError(str(exc)) from None
    except GitTimeout as exc:
        raise ReleaseError(f"{exc} in {repo}; nothing was committed") from None


def _release(
    git: Git,
    repo: Path,
    file: str,
    values: Mapping[str, Scalar],
    value_path: str,
    message: str,
    push: bool,
    remote: str | None,
    branch: str | None,
) -> GitRelease:
    top = _checkout_root(git, repo)
    path, rel = _tracked_file(git, repo, top, file)
    current = _current_branch(git, repo)
    _require_identity(git, repo)
    target = _push_target(git, repo, current, remote, branch) if push else None
    status = _git(git, repo, "status", "--porcelain=v1", "-z", "--", rel)
    if status.stdout:
        raise ReleaseError(f"{file} has uncommitted changes in {repo}; commit or stash them first")

    try:
        original = read_bytes_limited(path, MANIFEST_LIMIT)
    except FileTooLarge as exc:
        raise ReleaseError(f"{exc} (a HelmRelease file is a few kilobytes)") from None
    try:
        text = original.decode("utf-8")
    except UnicodeDecodeError:
        raise ReleaseError(f"{file} is not UTF-8 text") from None
    edited = set_scalars(text, value_path, values, source=file)
    if edited == text:
        raise ReleaseError(f"{file} already has these values; nothing to release")

    head_before = _head(git)
    try:
        path.write_bytes(edited.encode("utf-8"))
        _git(git, repo, "add", "--", rel)
        # `-- rel` commits this file only, even when other changes are staged in the checkout.
        _git(git, repo, "commit", "--quiet", "-m", message, "--", rel, config=_NO_GUESSED_IDENTITY)
    except BaseException as exc:  # whatever stopped the commit (also Ctrl-C)
        made = _head(git)
        if made == head_before:  # no commit: the checkout goes back to how it was
            _restore(git, path, original, rel)
            raise
        # A post-commit hook hung after the commit was made: keep it, say so, push nothing.
        if isinstance(exc, ReleaseError | GitTimeout):
            raise ReleaseError(f"{exc} in {repo}, after committing {made[:12]}; it was not pushed") from None
        raise
    # Outside the deadline: the commit exists, so a timeout here must not claim that nothing was committed.
    try:
        log = git.run("log", "-1", "--format=%H%n%h%n%s", cleanup=True).stdout
    except GitTimeout:
        log = ""
    full, short, subject = [*log.splitlines(), "", "", ""][:3]
    outcome = _push(git, *target) if target else None
    return GitRelease(repo, file, current, full, short, subject, tuple(values.items()), outcome)


def _git(git: Git, repo: Path, *args: str, config: tuple[str, ...] = ()) -> GitResult:
    result = git.run(*args, config=config)
    if not result.ok:
        raise ReleaseError(f"git {args[0]} failed in {repo}: {result.last_error_line() or f'exit {result.returncode}'}")
    return result


def _head(git: Git) -> str:
    return git.run("rev-parse", "--verify", "--quiet", "HEAD", cleanup=True).stdout.strip()


def _checkout_root(git: Git, repo: Path) -> Path:
    inside = git.run("rev-parse", "--is-inside-work-tree")
    if not inside.ok or inside.stdout.strip() != "true":
        raise ReleaseError(f"{repo} is not a git checkout")
    return Path(git.run("rev-parse", "--show-toplevel").stdout.strip()).resolve()


def _tracked_file(git: Git, repo: Path, top: Path, file: str) -> tuple[Path, str]:
    path = (repo / file).resolve()
    if not path.is_relative_to(top):
        raise ReleaseError(f"{file} is outside the checkout {repo}")
    if not path.is_file():
        raise ReleaseError(f"{file} not found in {repo}")
    rel = path.relative_to(top).as_posix()
    git.cwd = top  # from here on paths are relative to the top of the checkout
    if not git.run("ls-files", "--error-unmatch", "--", rel).ok:
        raise ReleaseError(f"{file} is not tracked by git in {repo}")
    return path, rel


def _current_branch(git: Git, repo: Path) -> str:
    head = git.run("symbolic-ref", "--quiet", "--short", "HEAD")
    if not head.ok:
        raise ReleaseError(f"HEAD is detached in {repo}; check out a branch first")
    if not git.run("rev-parse", "--verify", "--quiet", "HEAD").ok:
        raise ReleaseError(f"branch {head.stdout.strip()!r} in {repo} has no commits yet")
    return head.stdout.strip()


def _require_identity(git: Git, repo: Path) -> None:
    for who in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        if not git.run("var", who, config=_NO_GUESSED_IDENTITY).ok:
            raise ReleaseError(
                f"no git identity for commits in {repo}: set user.name and user.email (git config user.email ...)"
            )


def _config(git: Git, key: str) -> str | None:
    result = git.run("config", "--get", key)
    return result.stdout.strip() if result.ok else None


def _push_target(git: Git, repo: Path, current: str, remote: str | None, branch: str | None) -> tuple[str, str]:
    upstream_remote = _config(git, f"branch.{current}.remote")
    upstream_merge = _config(git, f"branch.{current}.merge")
    if upstream_remote == ".":  # tracks a local branch: nothing to push to
        upstream_remote = upstream_merge = None
    if remote is None:
        if upstream_remote is None:
            raise ReleaseError(f"branch {current!r} in {repo} has no upstream; name a remote, or set one: git push -u")
        remote = upstream_remote
    if branch is None:
        tracked = remote == upstream_remote and upstream_merge
        branch = upstream_merge.removeprefix("refs/heads/") if tracked and upstream_merge else current
    if remote.startswith("-") or not remote.strip():
        raise ReleaseError(f"not a remote: {redact(remote)!r}")
    branch = branch.removeprefix("refs/heads/")
    if branch.startswith("-") or not git.run("check-ref-format", f"refs/heads/{branch}").ok:
        raise ReleaseError(f"not a valid branch name: {branch!r}")
    return remote, branch


def _push(git: Git, remote: str, branch: str) -> PushResult:
    shown = redact(remote)
    try:
        result = git.run("push", "--porcelain", remote, f"HEAD:refs/heads/{branch}", config=_PUSH_CONFIG)
    except GitTimeout as exc:
        return PushResult(False, shown, branch, "", f"{exc}; the commit stays local", "")
    url, summary, flag = "", "", ""
    for line in result.stdout.splitlines():
        if line.startswith("To "):
            url = redact(line[3:].strip())
        # Porcelain ref lines: "<flag>\t<from>:<to>\t<summary>"; " " fast-forward, "*" new, "+" forced, "!" rejected.
        parts = line.split("\t")
        if len(parts) == 3 and len(parts[0]) == 1:
            flag, summary = parts[0], safe_text(redact(parts[2]))
    ok = result.ok and flag in (" ", "*", "+", "=")
    last_line = safe_text(result.last_error_line())  # a remote's hooks write what they like
    if not ok and not summary and not last_line:
        summary = f"git exited with {result.returncode}"
    return PushResult(ok, shown, branch, url, summary, last_line)


def _restore(git: Git, path: Path, original: bytes, rel: str) -> None:
    """Undo the edit after a failed commit: the file was clean, so its old bytes and HEAD's index entry match."""
    path.write_bytes(original)
    with contextlib.suppress(GitTimeout):
        git.run("reset", "--quiet", "--", rel, cleanup=True)
