"""Scenario scripts: a YAML timeline that drives the actions by itself, so a talk or a recording runs the same
way every time. In the simulation the steps fire at exact virtual seconds; on a cluster, at wall-clock offsets.

    canary: apps/examiner        # optional: the canary the steps act on (default: the one on screen)
    steps:
      - {at: 0s, do: load-on}
      - {at: 10s, do: release}
      - {at: 40s, do: inject-errors}
      - {at: 3m, do: say, text: "Watch the rollback"}
      - {at: 6m, do: quit}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.model import CanaryKey
from tui.safe_text import safe_text
from tui.sim.scenario import ScenarioError, _mapping, parse_duration
from tui.yaml_file import read_yaml

ACTIONS = (
    "release",
    "faulty-release",
    "load-on",
    "load-off",
    "inject-errors",
    "promote",
    "abort",
    "suspend",
    "resume",
    "say",
    "screenshot",
    "quit",
)


class ScriptError(ScenarioError):
    """A script problem, worded as one line naming the step and the key."""


@dataclass(frozen=True)
class ScriptStep:
    at_s: float
    action: str
    text: str = ""


@dataclass(frozen=True)
class Script:
    name: str
    steps: tuple[ScriptStep, ...]
    canary: CanaryKey | None = None


def parse_script(raw: Any, name: str = "script") -> Script:
    try:
        top = _mapping(raw, "", {"steps", "canary"})
        canary = None
        if "canary" in top:
            text = top["canary"]
            if not isinstance(text, str) or text.count("/") != 1 or not all(text.split("/")):
                raise ScriptError(f"canary: expected NAMESPACE/NAME, got {text!r}")
            namespace, _, canary_name = text.partition("/")
            canary = CanaryKey(namespace, canary_name)
        items = top.get("steps")
        if not isinstance(items, list) or not items:
            raise ScriptError("steps: expected a non-empty list of steps")
        steps: list[ScriptStep] = []
        for i, item in enumerate(items):
            step = _mapping(item, f"steps[{i}]", {"at", "do", "text"})
            if "at" not in step or "do" not in step:
                raise ScriptError(f"steps[{i}]: needs both 'at' (a time like 30s) and 'do' (an action)")
            at = parse_duration(step["at"], f"steps[{i}].at")
            action = step["do"]
            if action not in ACTIONS:
                raise ScriptError(f"steps[{i}].do: unknown action {action!r} (allowed: {', '.join(ACTIONS)})")
            text = step.get("text", "")
            if not isinstance(text, str):
                raise ScriptError(f"steps[{i}].text: expected a string, got {text!r}")
            if action == "say" and not text:
                raise ScriptError(f"steps[{i}]: 'say' needs a text")
            if steps and at < steps[-1].at_s:
                raise ScriptError(f"steps[{i}].at: {step['at']} comes before the previous step's time")
            # The text is shown, recorded and screenshotted: controls are made visible like any outside text.
            steps.append(ScriptStep(at, action, safe_text(text)))
    except ScriptError:
        raise
    except ScenarioError as exc:
        raise ScriptError(str(exc)) from None
    return Script(name, tuple(steps), canary)


def load_script(path: str) -> Script:
    file = Path(path)
    raw = read_yaml(path, "script", ScriptError)
    try:
        return parse_script(raw, file.name)
    except ScriptError as exc:
        raise ScriptError(f"{path}: {exc}") from None


class ScriptRunner:
    """Hands out the steps that are due; time starts at the first call."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self._next = 0
        self.started_at: float | None = None

    def due(self, now: float) -> list[ScriptStep]:
        if self.started_at is None:
            self.started_at = now
        steps = self.script.steps
        out: list[ScriptStep] = []
        while self._next < len(steps) and steps[self._next].at_s <= now - self.started_at:
            out.append(steps[self._next])
            self._next += 1
        return out

    def next_at(self) -> float | None:
        """Absolute time of the next step (None when done or not started)."""
        if self.started_at is None or self._next >= len(self.script.steps):
            return None
        return self.started_at + self.script.steps[self._next].at_s

    @property
    def done(self) -> bool:
        return self._next >= len(self.script.steps)
