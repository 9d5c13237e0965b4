"""Real git repositories in tmp_path: a bare "server" repository and a clone of it with the HelmRelease committed.

Git runs with a private HOME and no global or system configuration, so the machine's identity and settings cannot
leak into (or rescue) a test.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.release.helmrelease import FILE, TEXT

# For test modules that run git: `pytestmark = needs_git`.
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="the git command is not installed")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


@dataclass(frozen=True)
class Repos:
    bare: Path
    work: Path

    def clone(self, name: str) -> Path:
        other = self.bare.parent / name
        git(self.bare.parent, "clone", "--quiet", str(self.bare), str(other))
        identify(other, "Other Person", "other@example.test")
        return other

    def remote_file(self, ref: str = "main") -> str:
        return git(self.bare, "show", f"{ref}:{FILE}")

    def remote_count(self) -> int:
        return int(git(self.bare, "rev-list", "--count", "main"))


def identify(repo: Path, name: str, email: str) -> None:
    git(repo, "config", "user.name", name)
    git(repo, "config", "user.email", email)


@pytest.fixture(autouse=True)
def hermetic_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repos(tmp_path: Path) -> Repos:
    bare = tmp_path / "cluster.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    work = tmp_path / "work"
    git(tmp_path, "clone", "--quiet", str(bare), str(work))
    identify(work, "Ada Tester", "ada@example.test")
    path = work / FILE
    path.parent.mkdir(parents=True)
    path.write_bytes(TEXT.encode())
    (work / "README.md").write_text("cluster\n")
    git(work, "add", ".")
    git(work, "commit", "--quiet", "-m", "Initial cluster")
    git(work, "push", "--quiet", "origin", "main")
    return Repos(bare, work)
