"""A recorded rollout replayed through the API stand-in into the whole app: each panel at each step.

The recording (recordings/gated-then-faulty.json) holds every Canary, Deployment and TrafficSplit change, the
logger pod's lines and the metric samples of a run with a promotion gate (WaitingPromotion reports weight 0
while traffic stays at 50 %) followed by a faulty release (failedChecks reset to 0 on rollback).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.cluster import objects
from tests.cluster.recorded_prometheus import RecordedPrometheus
from tests.cluster.recording import Recording, Step
from tests.standin.apiserver import ApiServer
from tests.standin.resources import DEMO_CRDS
from tui.actions import ReadOnlyActions
from tui.app import CanaryscopeApp
from tui.cluster.kubeconfig import ClusterTarget, connect
from tui.cluster.source import ClusterOptions, ClusterSource
from tui.domain.state import AppState
from widgets.line_log import LineLog

LOGGER_POD = "logger-5c8f7d9b6-x2k4q"


class Replay:
    def __init__(self, tmp_path: Path, *, canary: str | None, recording: str = "gated-then-faulty") -> None:
        self.recording = Recording.load(recording)
        self.cursor = self.recording.steps[0].t
        self.api = ApiServer(
            crds=DEMO_CRDS, bookmark_interval=0.5, clock=lambda: datetime.fromtimestamp(self.cursor, UTC)
        ).start()
        self.prom = RecordedPrometheus().start()
        self.api.put(objects.pod(LOGGER_POD, created="2026-03-04T11:00:00Z"))
        # Prometheus answers from the start with the recording's first values (stamped with their own time): polls
        # in the seconds before them would otherwise leave gaps wherever the machine's timing put those polls.
        first = next((step for step in self.recording.steps if step.samples), None)
        if first is not None:
            self.prom.set_samples(first.t, first.samples)
        self.apply(self.recording.steps[0])
        kubeconfig = self.api.write_kubeconfig(tmp_path / "kubeconfig", namespace="apps")
        connection = connect(str(kubeconfig), None)
        options = ClusterOptions(
            prometheus=self.prom.url,
            logger=("monitoring", "app.kubernetes.io/name=logger"),
            read_timeout_s=10.0,
            refresh_s=0.05,
        )
        self.source = ClusterSource(
            connection, ClusterTarget(str(kubeconfig), "standin", "apps", canary), options, clock=lambda: self.cursor
        )
        self.app = CanaryscopeApp(self.source, ReadOnlyActions(), start_with_overview=canary is None)

    def close(self) -> None:
        self.source.stop()
        self.api.stop()
        self.prom.stop()

    def apply(self, step: Step) -> None:
        # Samples before the clock moves: a query stamped with the new time then sees the new values.
        if step.samples:
            self.prom.set_samples(step.t, step.samples)
        self.cursor = step.t
        for change in step.changes:
            obj = change["object"]
            if change["type"] == "DELETED":
                self.api.delete(f"{obj['apiVersion']}/{obj['kind'].lower()}s", obj["metadata"]["name"], "apps")
            else:
                self.api.put(obj)
        if step.log:
            self.api.append_log("monitoring", LOGGER_POD, *step.log)

    async def wait(self, pilot: Pilot, predicate: Callable[[AppState], bool], what: str, timeout: float = 60) -> None:
        started = time.monotonic()
        while not predicate(self.app.state):
            if time.monotonic() - started > timeout:
                raise AssertionError(f"the app did not show {what} within {timeout}s")
            await pilot.pause(0.02)

    async def run(self, pilot: Pilot, check: Callable[[Step, dict[str, Any]], None] | None = None) -> None:
        await self.wait(pilot, lambda s: bool(s.canaries) and ("apps", "examiner") in s.routers, "the first lists")
        expected: dict[str, Any] = {}
        for change in self.recording.steps[0].changes:
            expected[change["object"]["kind"] + "/" + change["object"]["metadata"]["name"]] = change["object"]
        for step in self.recording.steps[1:]:
            self.apply(step)
            for change in step.changes:
                obj = change["object"]
                expected[obj["kind"] + "/" + obj["metadata"]["name"]] = obj
            await self.settle(pilot, step, expected)
            if check is not None:
                check(step, expected)
        # The screen's clock (ages, countdowns, sparkline columns) catches up with the end of the recording.
        end = self.recording.steps[-1].t
        await self.wait(pilot, lambda s: s.now == end, "the final time")
        # The screen, not only the state, shows the recording's last event: the log scrolls to it after a refresh,
        # and a snapshot must not catch it on its way.
        last = next((m for step in reversed(self.recording.steps) for m in reversed(logged_messages(step))), None)
        if last is not None and self.app.screen is self.app.rollout_screen:
            events = self.app.rollout_screen.query_one("#events")
            log = events.query_one(LineLog)

            def at_the_end(_: AppState) -> bool:
                return last in events.visible_text() and log.scroll_y >= log.max_scroll_y

            await self.wait(pilot, at_the_end, f"{last!r} at the end of the event log")
        await pilot.pause()

    async def settle(self, pilot: Pilot, step: Step, expected: dict[str, Any]) -> None:
        canary = expected.get("Canary/examiner")
        split = expected.get("TrafficSplit/examiner")
        phase = canary["status"].get("phase") if canary and "status" in canary else None
        weights = {b["service"]: int(b["weight"]) for b in split["spec"]["backends"]} if split else {}
        messages = logged_messages(step)

        def shown(state: AppState) -> bool:
            view = next(iter(state.canaries.values()), None)
            router = state.routers.get(("apps", "examiner"))
            if phase is not None and (view is None or view.info.phase != phase):
                return False
            if weights and (router is None or router.canary_weight != weights["examiner-canary"]):
                return False
            # Every deployment's sample of this step, or the next step's would replace one not yet read.
            for sample in step.samples:
                series = state.metrics.get((sample["namespace"], sample["deployment"]), ())
                if not any(s.t == step.t for s in series):
                    return False
            logged = [e.event.message for e in state.events]
            return all(m in logged for m in messages)

        await self.wait(pilot, shown, f"the state at +{step.t - self.recording.steps[0].t:.0f}s")
        await pilot.pause()


def logged_messages(step: Step) -> list[str]:
    """The Flagger events in a recorded step's logger lines (the JSON ones)."""
    return [json.loads(line)["metadata"]["eventMessage"] for line in step.log if line.startswith("{")]


def panel(app: CanaryscopeApp, selector: str) -> str:
    return str(app.rollout_screen.query_one(selector).render())


@pytest.fixture
def replay(tmp_path: Path) -> Any:
    replays: list[Replay] = []

    def make(canary: str | None = "examiner", recording: str = "gated-then-faulty") -> Replay:
        replays.append(Replay(tmp_path, canary=canary, recording=recording))
        return replays[-1]

    yield make
    for r in replays:
        r.close()


async def test_every_step_of_the_recorded_rollout_is_shown(replay: Any) -> None:
    r = replay("examiner")
    seen_phases: list[str] = []

    def check(step: Step, expected: dict[str, Any]) -> None:
        canary = expected.get("Canary/examiner")
        split = expected.get("TrafficSplit/examiner")
        if not canary or "status" not in canary or not split:
            return
        status = canary["status"]
        weights = {b["service"]: int(b["weight"]) for b in split["spec"]["backends"]}
        phase = status["phase"]
        if not seen_phases or seen_phases[-1] != phase:
            seen_phases.append(phase)
        status_text = panel(r.app, "#status")
        traffic_text = panel(r.app, "#traffic")
        assert phase in status_text
        assert f"weight     {weights['examiner-canary']}%" in status_text
        assert (
            f"router   SMI TrafficSplit examiner · {weights['examiner-primary']} / {weights['examiner-canary']}"
            in traffic_text
        )
        if status["canaryWeight"] != weights["examiner-canary"]:
            assert f"canaryWeight {status['canaryWeight']} ≠ router {weights['examiner-canary']}" in traffic_text
        else:
            assert f"status   canaryWeight {status['canaryWeight']}" in traffic_text
        if phase == "WaitingPromotion":
            assert "Flagger reports 0 while waiting for promotion" in traffic_text
        if phase == "Progressing" and status["failedChecks"]:
            assert f"failed {status['failedChecks']}/2" in status_text
        if phase == "Failed":
            assert "failed 2/2 at rollback (status now reads 0)" in status_text

    async with r.app.run_test(size=(120, 40)) as pilot:
        await r.run(pilot, check)
        logged = [e.event.message for e in r.app.state.events]
    assert seen_phases == [
        "Initialized",
        "Progressing",
        "WaitingPromotion",
        "Promoting",
        "Finalising",
        "Succeeded",
        "Progressing",
        "Failed",
    ]
    recorded = [m for step in r.recording.steps for m in logged_messages(step)]
    assert logged == recorded, "every Flagger event once, in order"


# Recordings of real Flagger v1.44.0 in the local lab (tests/lab/test_rollouts.py with CANARYSCOPE_RECORD_LAB).
LAB_RECORDINGS = sorted(p.stem for p in (Path(__file__).parent / "recordings").glob("lab-*.json"))


@pytest.mark.parametrize("name", LAB_RECORDINGS)
async def test_every_step_of_a_real_flagger_recording_is_shown(replay: Any, name: str) -> None:
    r = replay("examiner", recording=name)
    seen_phases: list[str] = []

    def check(step: Step, expected: dict[str, Any]) -> None:
        canary = expected.get("Canary/examiner")
        split = expected.get("TrafficSplit/examiner")
        if not canary or "status" not in canary or not split:
            return
        phase = canary["status"]["phase"]
        weights = {b["service"]: int(b["weight"]) for b in split["spec"]["backends"]}
        if not seen_phases or seen_phases[-1] != phase:
            seen_phases.append(phase)
        assert phase in panel(r.app, "#status")
        assert (
            f"router   SMI TrafficSplit examiner · {weights['examiner-primary']} / {weights['examiner-canary']}"
            in panel(r.app, "#traffic")
        )

    async with r.app.run_test(size=(120, 40)) as pilot:
        await r.run(pilot, check)
        logged = [e.event.message for e in r.app.state.events]
    assert "Progressing" in seen_phases and seen_phases[-1] in ("Succeeded", "Failed")
    recorded = [m for step in r.recording.steps for m in logged_messages(step)]
    assert logged == recorded, "every Flagger event once, in order"


def test_replayed_overview(replay: Any, snap_compare: Any) -> None:
    r = replay(None)

    async def run_before(pilot: Pilot) -> None:
        await r.run(pilot)
        assert r.app.screen is r.app.rollout_screen, "one canary in scope: its rollout screen opens"
        await pilot.press("o")
        overview = r.app.screen
        # The overview refreshes at most twice a second: its last refresh has the final state.
        await r.wait(
            pilot, lambda _: overview._pending is None and not overview._flush_alarm.pending, "the overview refreshed"
        )
        await pilot.pause()

    assert snap_compare(r.app, terminal_size=(120, 40), run_before=run_before)


def test_replayed_detail_charts(replay: Any, snap_compare: Any) -> None:
    r = replay("examiner")

    async def run_before(pilot: Pilot) -> None:
        await r.run(pilot)

    assert snap_compare(r.app, terminal_size=(120, 40), run_before=run_before, press=["d"])


def test_replayed_rollout_screen_after_the_rollback(replay: Any, snap_compare: Any) -> None:
    r = replay("examiner")

    async def run_before(pilot: Pilot) -> None:
        await r.run(pilot)

    assert snap_compare(r.app, terminal_size=(120, 40), run_before=run_before)
