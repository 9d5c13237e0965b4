"""Scenario scripts: a YAML timeline that drives the actions by itself, so a talk or a recording runs the same
way every time. A step fires once the steps before it have fired and, besides, when

- `at: 40s`: that long after the script started (virtual seconds in the simulation, wall clock on a cluster);
- `wait: 20s`: that long after the previous step fired;
- `after: Succeeded`: the canary has moved into that phase since the previous step fired;
- `when: {phase: Progressing, weight: 20, failed-checks: 1}`: the canary shows all of that (weight and failed
  checks at least the number given).

A step that waits for the canary fails the script after `timeout:` (default 10m) without it: a script that
tells a story must not tell it about the wrong phase.

    canary: apps/examiner        # optional: the canary the steps act on (default: the one on screen)
    steps:
      - {at: 0s, do: load-on}
      - {at: 10s, do: release}
      - {after: Succeeded, do: say, text: "Promoted"}
      - {wait: 20s, do: quit}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.base.safe_text import safe_text
from tui.base.yaml_file import duration_value, mapping, read_yaml
from tui.cmdline.duration import format_duration
from tui.cmdline.names import CanaryRefError, parse_canary_ref
from tui.domain.model import CanaryKey, Phase

ACTIONS = (
    "release",
    "faulty-release",
    "change-config",
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
STEP_KEYS = {"at", "wait", "after", "when", "timeout", "do", "text"}
WHEN_KEYS = {"phase", "weight", "failed-checks"}
DEFAULT_TIMEOUT_S = 600.0
PHASES = tuple(p.value for p in Phase)


class ScriptError(ValueError):
    """A script problem, worded as one line naming the step and the key."""


def _mapping(value: Any, path: str, allowed: set[str]) -> dict[str, Any]:
    # The whole document is named "scenario" as the scenario files name theirs.
    return mapping(value, path, allowed, ScriptError, whole="scenario")


def _duration_value(value: Any, path: str, *, allow_zero: bool = True) -> float:
    return duration_value(value, path, ScriptError, allow_zero=allow_zero)


@dataclass(frozen=True)
class Condition:
    """What a step waits to see on the canary."""

    phase: str | None = None
    weight: int | None = None
    failed_checks: int | None = None
    # `after:` asks for a move into the phase after the previous step, not a phase that merely still holds.
    entered: bool = False

    def describe(self) -> str:
        if self.entered:
            return f"after: {self.phase}"
        parts = []
        if self.phase is not None:
            parts.append(f"phase: {self.phase}")
        if self.weight is not None:
            parts.append(f"weight: {self.weight}")
        if self.failed_checks is not None:
            parts.append(f"failed-checks: {self.failed_checks}")
        return "when: {" + ", ".join(parts) + "}"


@dataclass(frozen=True)
class Facts:
    """What the screen shows of the canary the script acts on."""

    phase: str | None
    weight: int = 0
    failed_checks: int = 0

    def describe(self) -> str:
        if self.phase is None:
            return "no canary is shown"
        return f"the canary is {self.phase} at {self.weight} % with {self.failed_checks} failed checks"


@dataclass(frozen=True)
class ScriptStep:
    at_s: float | None
    action: str
    text: str = ""
    wait_s: float | None = None
    condition: Condition | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    index: int = 0

    def describe(self) -> str:
        return f"steps[{self.index}] (do: {self.action})"


@dataclass(frozen=True)
class Script:
    name: str
    steps: tuple[ScriptStep, ...]
    canary: CanaryKey | None = None


def _phase(value: Any, path: str) -> str:
    if value not in PHASES:
        raise ScriptError(f"{path}: unknown phase {value!r} (allowed: {', '.join(PHASES)})")
    return str(value)


def _at_least_zero(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScriptError(f"{path}: expected a whole number 0 or more, got {value!r}")
    return value


def _condition(step: dict[str, Any], path: str) -> Condition | None:
    if "after" in step and "when" in step:
        raise ScriptError(f"{path}: give either 'after' or 'when', not both")
    if "after" in step:
        return Condition(phase=_phase(step["after"], f"{path}.after"), entered=True)
    if "when" not in step:
        return None
    when = _mapping(step["when"], f"{path}.when", WHEN_KEYS)
    if not when:
        raise ScriptError(f"{path}.when: expected a mapping with phase, weight or failed-checks")
    return Condition(
        phase=_phase(when["phase"], f"{path}.when.phase") if "phase" in when else None,
        weight=_at_least_zero(when["weight"], f"{path}.when.weight") if "weight" in when else None,
        failed_checks=(
            _at_least_zero(when["failed-checks"], f"{path}.when.failed-checks") if "failed-checks" in when else None
        ),
    )


def parse_script(raw: Any, name: str = "script") -> Script:
    top = _mapping(raw, "", {"steps", "canary"})
    canary = None
    if "canary" in top:
        try:
            namespace, canary_name = parse_canary_ref(top["canary"], "canary", need_namespace=True)
        except CanaryRefError as exc:
            raise ScriptError(str(exc)) from None
        canary = CanaryKey(namespace or "", canary_name)
    items = top.get("steps")
    if not isinstance(items, list) or not items:
        raise ScriptError("steps: expected a non-empty list of steps")
    steps: list[ScriptStep] = []
    last_at: tuple[float, Any] | None = None
    for i, item in enumerate(items):
        path = f"steps[{i}]"
        step = _mapping(item, path, STEP_KEYS)
        if "do" not in step:
            raise ScriptError(f"{path}: needs 'do' (an action)")
        if not {"at", "wait", "after", "when"} & step.keys():
            raise ScriptError(f"{path}: needs 'at' (a time like 30s), 'wait', 'after' (a phase) or 'when'")
        if "at" in step and "wait" in step:
            raise ScriptError(f"{path}: give either 'at' or 'wait', not both")
        at = _duration_value(step["at"], f"{path}.at") if "at" in step else None
        wait = _duration_value(step["wait"], f"{path}.wait") if "wait" in step else None
        condition = _condition(step, path)
        if "timeout" in step and condition is None:
            raise ScriptError(f"{path}.timeout: only a step with 'after' or 'when' waits, and can time out")
        timeout = (
            _duration_value(step["timeout"], f"{path}.timeout", allow_zero=False)
            if "timeout" in step
            else DEFAULT_TIMEOUT_S
        )
        action = step["do"]
        if action not in ACTIONS:
            raise ScriptError(f"{path}.do: unknown action {action!r} (allowed: {', '.join(ACTIONS)})")
        text = step.get("text", "")
        if not isinstance(text, str):
            raise ScriptError(f"{path}.text: expected a string, got {text!r}")
        if action == "say" and not text.strip():
            raise ScriptError(f"{path}: 'say' needs a text")
        if at is not None:
            if last_at is not None and at < last_at[0]:
                raise ScriptError(f"{path}.at: {step['at']} comes before the previous step's time {last_at[1]}")
            last_at = (at, step["at"])
        # The text is shown, recorded and screenshotted: controls are made visible like any outside text.
        steps.append(ScriptStep(at, action, safe_text(text), wait, condition, timeout, i))
    return Script(name, tuple(steps), canary)


def load_script(path: str) -> Script:
    file = Path(path)
    raw = read_yaml(path, "script", ScriptError)
    try:
        return parse_script(raw, file.name)
    except ScriptError as exc:
        raise ScriptError(f"{path}: {exc}") from None


class ScriptRunner:
    """Hands out the steps that are due, one at a time and in order; time starts at the first call.

    Pure: the caller says what time it is and what the canary looks like, and performs the steps.
    """

    def __init__(self, script: Script) -> None:
        self.script = script
        self._next = 0
        self.started_at: float | None = None
        self.failure: str | None = None
        # When the next step became the next one, and the phase seen since then (for `after:`).
        self._since = 0.0
        self._last_phase: str | None = None
        self._phase_moved = False

    def next_due(self, now: float, facts: Facts) -> ScriptStep | None:
        """The next step if it is due now (then it counts as fired), else None; sets `failure` on a timeout."""
        if self.started_at is None:
            self.started_at = self._since = now
            self._last_phase = facts.phase
        if self.done:
            return None
        if facts.phase != self._last_phase:
            self._last_phase = facts.phase
            self._phase_moved = True
        step = self.script.steps[self._next]
        if not self._time_has_come(step, now):
            return None
        if step.condition is not None and not self._holds(step.condition, facts):
            # The timeout counts from the moment the step could have fired but for the canary.
            start = max(self._since + (step.wait_s or 0), self.started_at + (step.at_s or 0))
            if now - start >= step.timeout_s:
                limit = format_duration(int(step.timeout_s), trim=True)
                self.failure = (
                    f"{self.script.name}: {step.describe()} timed out after {limit} "
                    f"waiting for {step.condition.describe()}; {facts.describe()}"
                )
            return None
        self._next += 1
        self._since = now
        self._phase_moved = False
        return step

    def due(self, now: float, facts: Facts | None = None) -> list[ScriptStep]:
        """Every step due now, for callers whose facts do not change between steps."""
        facts = facts or Facts(None)
        out: list[ScriptStep] = []
        while (step := self.next_due(now, facts)) is not None:
            out.append(step)
        return out

    def _time_has_come(self, step: ScriptStep, now: float) -> bool:
        assert self.started_at is not None
        if step.at_s is not None and now - self.started_at < step.at_s:
            return False
        return step.wait_s is None or now - self._since >= step.wait_s

    def _holds(self, condition: Condition, facts: Facts) -> bool:
        if condition.entered and not self._phase_moved:
            return False
        if condition.phase is not None and facts.phase != condition.phase:
            return False
        if condition.weight is not None and facts.weight < condition.weight:
            return False
        return condition.failed_checks is None or facts.failed_checks >= condition.failed_checks

    def next_at(self) -> float | None:
        """Absolute time of the next step when only time stands before it (None when done or not started)."""
        if self.started_at is None or self.done or self.failure is not None:
            return None
        step = self.script.steps[self._next]
        if step.condition is not None:
            return None
        at = self.started_at + step.at_s if step.at_s is not None else self._since
        return max(at, self._since + (step.wait_s or 0))

    @property
    def done(self) -> bool:
        return self._next >= len(self.script.steps) or self.failure is not None
