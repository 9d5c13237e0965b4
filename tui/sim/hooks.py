"""Flagger's webhook runner (pkg/controller/webhook.go, scheduler_hooks.go, v1.44) against the simulated loadtester.

Hooks of one type run in spec order and the first failure stops the loop. A hook passes when it answers a
status <= 202; a failure's text is what Flagger's retryablehttp client reports: the body for a 4xx, and
`POST <url> giving up after N attempt(s)` (body discarded) for a 5xx or a closed connection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from tui.domain.flagger import messages as msg
from tui.sim.loadtester import SimLoadtester

# Flagger's webhook types (pkg/apis/flagger/v1beta1/canary.go); a hook without a type is a rollout hook.
WEBHOOK_TYPES = (
    "confirm-rollout",
    "pre-rollout",
    "rollout",
    "confirm-traffic-increase",
    "confirm-promotion",
    "post-rollout",
    "rollback",
    "event",
)


class Emit(Protocol):
    def __call__(self, canary: dict[str, Any], event_type: str, message: str, phase: str | None = None) -> None: ...


# --- Flagger's wording ------------------------------------------------------------------------------------


def pre_rollout_failed(obj: str, hook: str, error: str) -> str:
    return f"Halt {obj} advancement pre-rollout check {hook} failed {error}"


def pre_rollout_passed(hook: str) -> str:
    return f"Pre-rollout check {hook} passed"


def external_check_failed(obj: str, hook: str, error: str) -> str:
    return f"Halt {obj} advancement external check {hook} failed {error}"


def post_rollout_failed(hook: str, error: str) -> str:
    return f"Post-rollout hook {hook} failed {error}"


def post_rollout_passed(hook: str) -> str:
    return f"Post-rollout check {hook} passed"


def call_error(url: str, status: int | None, body: str, retries: int = 0) -> str | None:
    """None when the hook passed, else the error text Flagger formats into its message."""
    if status is not None and status <= 202:
        return None
    giving_up = f"POST {url} giving up after {retries + 1} attempt(s)"
    if status is None:
        return f'{giving_up}: Post "{url}": EOF'
    if (status >= 500 and status != 501) or status == 429:
        return giving_up
    return body


def hooks_of(canary: dict[str, Any], hook_type: str) -> list[dict[str, Any]]:
    hooks = (canary["spec"].get("analysis") or {}).get("webhooks") or []
    return [h for h in hooks if (h.get("type") or "rollout") == hook_type]


class HookRunner:
    """Calls a Canary's hooks of one type as Flagger does, and records Flagger's events through `emit`."""

    def __init__(self, loadtester: SimLoadtester, emit: Emit) -> None:
        self._loadtester = loadtester
        self._emit: Callable[..., None] = emit

    def call(self, canary: dict[str, Any], hook: dict[str, Any]) -> str | None:
        """One hook's POST: None when it passed, else Flagger's error text."""
        meta = canary["metadata"]
        url = hook.get("url", "")
        status, body = self._loadtester.call(url, meta["name"], meta["namespace"], hook.get("metadata"))
        return call_error(url, status, body, int(hook.get("retries") or 0))

    def pre_rollout(self, canary: dict[str, Any], obj: str) -> bool:
        """runPreRolloutHooks: each passing hook says so; the first failure halts the analysis."""
        for hook in hooks_of(canary, "pre-rollout"):
            error = self.call(canary, hook)
            if error is not None:
                self._emit(canary, msg.WARNING, pre_rollout_failed(obj, hook["name"], error))
                return False
            self._emit(canary, msg.NORMAL, pre_rollout_passed(hook["name"]))
        return True

    def rollout(self, canary: dict[str, Any], obj: str) -> bool:
        """runAnalysis's external checks: passing rollout hooks are silent; the first failure halts."""
        for hook in hooks_of(canary, "rollout"):
            error = self.call(canary, hook)
            if error is not None:
                self._emit(canary, msg.WARNING, external_check_failed(obj, hook["name"], error))
                return False
        return True

    def post_rollout(self, canary: dict[str, Any], event_phase: str) -> None:
        """runPostRolloutHooks: after Succeeded or Failed; a failure skips the remaining ones and changes nothing.
        `event_phase` is the phase of the Canary object Flagger records the events on."""
        for hook in hooks_of(canary, "post-rollout"):
            error = self.call(canary, hook)
            if error is not None:
                self._emit(canary, msg.WARNING, post_rollout_failed(hook["name"], error), event_phase)
                return
            self._emit(canary, msg.NORMAL, post_rollout_passed(hook["name"]), event_phase)
