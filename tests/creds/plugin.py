"""A test exec credential plugin, written to a test's tmp_path: it hands out tokens valid a few seconds that
tests/standin/tokens.py accepts, records each run, and can be told (through its settings file) to fail or hang, or
to wait until the test releases it."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.standin import tokens

SCRIPT = '''#!{python}
"""Exec credential plugin for tests: a signed token valid LIFETIME seconds."""
import hashlib, hmac, json, os, sys, time

here = {here!r}
settings = json.load(open(os.path.join(here, "settings.json")))
with open(os.path.join(here, "runs"), "a") as runs:
    runs.write(f"{{time.time()}} {{os.getpid()}}\\n")
mode = settings["mode"]
if mode == "hang":
    time.sleep(3600)
if mode == "wait":
    # Blocks until the test releases it; the line in `runs` above says it started.
    while not os.path.exists(os.path.join(here, "release")):
        time.sleep(0.05)
if mode == "fail":
    sys.stderr.write("plugin failed; its token was " + settings.get("leak", "") + "\\n")
    sys.exit(3)
if mode == "garbage":
    print("not json " + settings.get("leak", ""))
    sys.exit(0)
info = json.loads(os.environ.get("KUBERNETES_EXEC_INFO", "{{}}"))
api_version = info.get("apiVersion") or settings["api_version"]
expiry_ms = int((time.time() + settings["lifetime_s"]) * 1000)
serial = str(sum(1 for _ in open(os.path.join(here, "runs"))))
mac = hmac.new(settings["secret"].encode(), f"{{expiry_ms}}.{{serial}}".encode(), hashlib.sha256).hexdigest()[:32]
status = {{"token": f"{prefix}.{{expiry_ms}}.{{serial}}.{{mac}}"}}
if settings["claim_s"] is not None:
    claimed = time.gmtime(time.time() + settings["claim_s"])
    status["expirationTimestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", claimed)
print(json.dumps({{"apiVersion": api_version, "kind": "ExecCredential", "status": status}}))
'''


@dataclass
class Plugin:
    directory: Path
    secret: str
    api_version: str

    @property
    def command(self) -> Path:
        return self.directory / "get-token"

    def pids(self) -> list[int]:
        path = self.directory / "runs"
        return [int(line.split()[1]) for line in path.read_text().splitlines()] if path.exists() else []

    def release(self) -> None:
        """Let a plugin in mode "wait" hand out its token."""
        (self.directory / "release").touch()

    def runs(self) -> int:
        path = self.directory / "runs"
        return len(path.read_text().splitlines()) if path.exists() else 0

    def set(self, **settings: object) -> None:
        path = self.directory / "settings.json"
        current = json.loads(path.read_text())
        current.update(settings)
        path.write_text(json.dumps(current))

    def user(self, **extra: object) -> dict[str, object]:
        """The kubeconfig user entry that runs this plugin."""
        return {
            "exec": {
                "apiVersion": self.api_version,
                "command": str(self.command),
                "args": ["--cluster", "standin"],
                "interactiveMode": "Never",
                **extra,
            }
        }


def write_plugin(
    directory: Path,
    *,
    secret: str = "plugin-secret",
    lifetime_s: float = 3.0,
    claim_s: float | None = None,
    api_version: str = "client.authentication.k8s.io/v1",
    mode: str = "ok",
) -> Plugin:
    """`lifetime_s`: how long the stand-in accepts a token; `claim_s`: the lifetime its expirationTimestamp states
    (None: no expirationTimestamp, so every renewal follows a 401)."""
    directory.mkdir(parents=True, exist_ok=True)
    settings = {"secret": secret, "lifetime_s": lifetime_s, "claim_s": claim_s, "api_version": api_version}
    (directory / "settings.json").write_text(json.dumps({**settings, "mode": mode}))
    script = directory / "get-token"
    script.write_text(SCRIPT.format(python=sys.executable, here=str(directory), prefix=tokens.PREFIX))
    script.chmod(0o755)
    return Plugin(directory, secret, api_version)
