"""flagger-loadtester in memory: its gate API (gates start closed; all /gate/* hooks of a canary share a key) and
its task handler for the commands scenarios write (pkg/loadtester/server.go).

`bash` tasks run synchronously and answer 200 or 500; `cmd` tasks are queued and answered 202 before they run, so
Flagger never learns how they end. The only `bash` commands understood are the ones `outcome_cmd` writes; a
`cmd` task is handed to `start_task` (the simulation starts its `hey` load).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

# Task types the real loadtester runs synchronously and answers 200/500; `cmd` and `ngrinder` are queued (202).
BLOCKING_TYPES = ("bash", "helm", "helmv3", "kubectl", "concord")
QUEUED_TYPES = ("cmd", "ngrinder")
# A bash command that fails its first `failures` runs, then passes: a counter file in the loadtester's /tmp, so
# the real loadtester (in the lab) answers exactly as this one does. The file outlives rollouts, as the pod does.
_COUNTER = re.compile(
    r"^n=\$\(cat (?P<file>/tmp/[-a-z0-9.]+) 2>/dev/null \|\| echo 0\); "
    r"echo \$\(\(n\+1\)\) > (?P=file); test \$n -ge (?P<failures>\d+)$"
)
ALWAYS_FAILS = "exit 1"
PASSES = "true"


def outcome_cmd(counter: str, failures: int | None) -> str:
    """The bash command for a hook outcome: fails `failures` times then passes; None fails always."""
    if failures is None:
        return ALWAYS_FAILS
    if failures == 0:
        return PASSES
    path = f"/tmp/{counter}"
    return f"n=$(cat {path} 2>/dev/null || echo 0); echo $((n+1)) > {path}; test $n -ge {failures}"


class SimLoadtester:
    def __init__(self, start_task: Callable[[str, str, str], bool] | None = None) -> None:
        """`start_task(namespace, canary, cmd)` runs a queued `cmd` task; False when that task is still running."""
        self._open: set[str] = set()
        self._start_task = start_task
        self._counters: dict[str, int] = {}
        self.log: list[str] = []

    @staticmethod
    def gate_key(name: str, namespace: str) -> str:
        return f"{name}.{namespace}"

    @staticmethod
    def rollback_key(name: str, namespace: str) -> str:
        return f"rollback.{name}.{namespace}"

    def set_gate(self, name: str, namespace: str, is_open: bool) -> None:
        self._set(self.gate_key(name, namespace), is_open)

    def set_rollback(self, name: str, namespace: str, is_open: bool) -> None:
        self._set(self.rollback_key(name, namespace), is_open)

    def _set(self, key: str, is_open: bool) -> None:
        if is_open:
            self._open.add(key)
        else:
            self._open.discard(key)

    def gate_open(self, name: str, namespace: str) -> bool:
        return self.gate_key(name, namespace) in self._open

    def rollback_open(self, name: str, namespace: str) -> bool:
        return self.rollback_key(name, namespace) in self._open

    def call(
        self, url: str, name: str, namespace: str, metadata: dict[str, str] | None = None
    ) -> tuple[int | None, str]:
        """What a hook POST to `url` answers: (status, body); status None when the connection closes without an
        answer (the real loadtester panics on an unknown task type). Success is status <= 202."""
        path = urlsplit(url).path
        if path == "/gate/approve":
            return 200, "OK"
        if path == "/gate/halt":
            return 403, "Forbidden"
        if path == "/gate/check":
            return (200, "Approved") if self.gate_open(name, namespace) else (403, "Forbidden")
        if path == "/rollback/check":
            return (200, "Approved") if self.rollback_open(name, namespace) else (403, "Forbidden")
        return self._task(name, namespace, metadata or {})

    def _task(self, name: str, namespace: str, metadata: dict[str, str]) -> tuple[int | None, str]:
        """The loadtester's task handler: every path but the gate and rollback routes."""
        if not metadata:
            return 400, "metadata not found in payload"
        kind = metadata.get("type") or "cmd"
        cmd = metadata.get("cmd", "")
        if kind in QUEUED_TYPES:
            if not cmd:
                return 400, "cmd not found in metadata"
            if self._start_task is not None and not self._start_task(namespace, name, cmd):
                self._remember(f"command skipped {cmd} is already running")
            return 202, ""
        if kind == "bash":
            self._remember(f"bash command {cmd}")
            if self._bash(cmd):
                return 200, ""
            return 500, f"command {cmd} failed: : exit status 1"
        if kind in BLOCKING_TYPES:
            return 500, f"command {cmd} failed: {kind} is not simulated"
        return None, ""

    def _bash(self, cmd: str) -> bool:
        """Whether a bash command written by `outcome_cmd` exits 0 (any other command is not run: it fails)."""
        if cmd in (PASSES, "exit 0"):
            return True
        match = _COUNTER.match(cmd)
        if match is None:
            return False
        runs = self._counters.get(match["file"], 0)
        self._counters[match["file"]] = runs + 1
        return runs >= int(match["failures"])

    def _remember(self, line: str) -> None:
        self.log.append(line)
        del self.log[:-100]
