"""Servers that misbehave without failing: a watch answered 410 or ended at once every time, a 429 with a long
Retry-After, a watch or a Prometheus that trickles bytes, giant events. Over real sockets (the API stand-in with
the real `kubernetes` client, a real Prometheus behind the fault front); each test records its figure first."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.prom.exporter import LinkerdScenario, Traffic
from tests.prom.front import PromFront
from tests.reliability.report import Report
from tests.reliability.test_api_faults import seed  # the same canary at 20 %, its Deployments and router
from tests.standin.apiserver import ApiServer
from tui.cluster.kubeconfig import connect
from tui.cluster.prometheus import prometheus_client
from tui.cluster.source import ClusterOptions
from tui.cluster.watch_loop import WatchLoop, WatchSpec
from tui.domain.model import CanaryKey, Health, SourceHealth
from tui.domain.observations import HealthObserved
from tui.domain.state import AppState
from tui.sources.mailbox import Mailbox

SECTION = "Faults survived"
KEY = CanaryKey("test", "examiner")
CANARIES = "canaries.flagger.app"
CANARY_PATH = "/apis/flagger.app/v1beta1/namespaces/test/canaries"
WINDOW_S = 6.0
# Backoff with jitter from 0.5 s, capped at 3 s early in an outage: a handful of cycles in six seconds; without
# it the loop made thousands.
CYCLES_BUDGET = 12


def connected(state: AppState) -> bool:
    return KEY in state.canaries and state.health["canaries"].state is Health.CONNECTED


def canary_requests(api: ApiServer, verb: str, since: float) -> int:
    return sum(1 for r in api.requests(verb=verb, path=CANARY_PATH) if r.at >= since)


def watch_health_over(h: Harness, seconds: float) -> tuple[int, set[str]]:
    """Pump for `seconds` of measurement; the highest attempt and every detail the canaries' health showed."""
    attempt, details = 0, set()
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        h.source.pump()
        health = h.state.health.get("canaries")
        if health is not None and health.state is Health.RECONNECTING:
            attempt = max(attempt, health.attempt)
            details.add(health.detail)
        time.sleep(0.02)
    return attempt, details


@pytest.mark.parametrize(
    ("fault", "said"),
    [("410", "410 Gone again right after a list"), ("empty", "the watch ended at once without any event")],
)
def test_a_watch_that_never_delivers_is_backed_off_and_counted(
    apiserver: ApiServer, kubeconfig: Path, report: Report, fault: str, said: str
) -> None:
    seed(apiserver)
    with Harness(kubeconfig) as h:
        h.wait_for(
            lambda s: KEY in s.canaries and s.health["canaries"].state is Health.CONNECTED, timeout=60, what="connected"
        )
        if fault == "410":
            apiserver.expire_next_watch(CANARIES, times=1_000_000)
        else:
            apiserver.empty_watches(CANARIES)
        started = time.monotonic()
        apiserver.drop_connections()  # the open watch ends; every later one meets the fault
        attempt, details = watch_health_over(h, WINDOW_S)
        lists = canary_requests(apiserver, "list", started - 0.01)
        watches = canary_requests(apiserver, "watch", started - 0.01)
        # Back to normal: the next cycle after the backoff picks up a change made meanwhile.
        if fault == "410":
            apiserver.faults.expiries.clear()
        else:
            apiserver.empty_watches(CANARIES, on=False)
        apiserver.patch_status(CANARIES, "examiner", "test", {"canaryWeight": 40})
        h.wait_for(lambda s: s.canaries[KEY].info.canary_weight == 40, timeout=15, what="the change after the fault")
    ok = report.figure(
        SECTION,
        f"watch-{fault}-loop",
        "every watch answers 410 Gone right after the list"
        if fault == "410"
        else "every watch is answered 200 and ends at once with no event",
        f"requests for canaries in {WINDOW_S:g} s (lists + watches; thousands without a backoff), the health line "
        f"counts the attempts (highest: {attempt}, '{said}')",
        lists + watches,
        CYCLES_BUDGET * 2,
        "requests",
    )
    assert said in details, (details, lists, watches)
    assert attempt >= 2, "the health line counts the attempts"
    assert ok, f"{lists} lists and {watches} watches in {WINDOW_S}s"
    if fault == "empty":
        assert lists <= 2, "an empty watch is watched again from where it was, not listed again"


def run_loop(kubeconfig: Path, cap_s: float) -> tuple[WatchLoop, Mailbox, threading.Event, threading.Thread]:
    from kubernetes import client

    connection = connect(str(kubeconfig), None)
    api = client.CustomObjectsApi(connection.api_client)
    spec = WatchSpec(
        "canaries",
        "canaries.flagger.app in test",
        "Flagger's CRD",
        api.list_namespaced_custom_object,
        {"group": "flagger.app", "version": "v1beta1", "namespace": "test", "plural": "canaries"},
    )
    emitter = Mailbox(wake=lambda: None)
    stop = threading.Event()
    loop = WatchLoop(spec, emitter, lambda items: None, lambda kind, obj: None, stop, retry_after_cap_s=cap_s)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    return loop, emitter, stop, thread


def healths(emitter: Mailbox, seen: list[SourceHealth]) -> list[SourceHealth]:
    seen.extend(o.health for o in emitter.drain() if isinstance(o, HealthObserved))
    return seen


def wait_health(emitter: Mailbox, seen: list[SourceHealth], detail: str, timeout: float = 10.0) -> SourceHealth:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for health in healths(emitter, seen):
            if detail in health.detail:
                return health
        time.sleep(0.02)
    raise AssertionError(f"no health with {detail!r} within {timeout}s: {seen}")


def test_retry_after_is_respected_up_to_a_cap_and_said(apiserver: ApiServer, kubeconfig: Path, report: Report) -> None:
    seed(apiserver)
    apiserver.throttle(CANARIES, "3600")
    cap_s = 2.0
    started = time.monotonic()
    loop, emitter, stop, thread = run_loop(kubeconfig, cap_s)
    seen: list[SourceHealth] = []
    try:
        shown = wait_health(emitter, seen, "asked to wait 1.0 h")
        shown_after = time.monotonic() - started
        first = apiserver.requests(verb="list", path=CANARY_PATH)[0].at
        # The cap, not the hour: the next list comes once the capped wait is over.
        deadline = time.monotonic() + 15
        while len(apiserver.requests(verb="list", path=CANARY_PATH)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        lists = apiserver.requests(verb="list", path=CANARY_PATH)
        assert len(lists) >= 2, "asked again once the capped wait was over"
        gap = lists[1].at - first
        apiserver.throttle(CANARIES, None)
        wait_health(emitter, seen, "", timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any(h.state is Health.CONNECTED for h in healths(emitter, seen)):
            time.sleep(0.02)
    finally:
        stop.set()
        loop.close()
        thread.join(5)
    ok = report.outcome(
        SECTION,
        "retry-after",
        "every list answers 429 with Retry-After: 3600",
        "the health line says so at once instead of `connecting`; the next request comes after the cap (here "
        f"{cap_s:g} s; 60 s by default), not after an hour",
        f"'{shown.detail}' after {shown_after:.1f} s; asked again after {gap:.1f} s",
        cap_s * 0.9 <= gap <= cap_s + 5 and shown_after < 5,
    )
    assert shown.state is Health.RECONNECTING and "throttled (HTTP 429)" in shown.detail
    assert any(h.state is Health.CONNECTED for h in seen), "connected again once the throttling ended"
    assert ok, (gap, shown_after)


def test_a_trickling_watch_is_given_up_and_the_truth_listed(
    apiserver: ApiServer, kubeconfig: Path, report: Report
) -> None:
    seed(apiserver)
    read_timeout = 5.0
    with Harness(kubeconfig, options=ClusterOptions(prometheus=None, logger=None, read_timeout_s=read_timeout)) as h:
        h.wait_for(
            lambda s: KEY in s.canaries and s.health["canaries"].state is Health.CONNECTED, timeout=60, what="connected"
        )
        apiserver.trickle_watches(CANARIES, 0.5)
        apiserver.drop_connections()
        apiserver.patch_status(CANARIES, "examiner", "test", {"phase": "Failed", "canaryWeight": 0})
        try:
            shown = h.wait_for(
                lambda s: str(s.canaries[KEY].info.phase) == "Failed", timeout=40, what="the Failed canary"
            )
        finally:
            apiserver.trickle_watches(CANARIES, None)
        detail = h.state.health["canaries"].detail
    ok = report.figure(
        SECTION,
        "watch-trickle",
        "a watch sends a byte every 0.5 s and never a newline (read timeout 5 s); the canary fails meanwhile",
        "time until the Failed canary is shown (the stalled watch is given up after the read timeout and the "
        f"canaries listed again; health: '{detail}')",
        shown,
        2 * read_timeout + 3,
        "s",
    )
    assert ok


@pytest.mark.prometheus
def test_a_trickling_prometheus_times_out_instead_of_looking_healthy(
    prom_front: PromFront, linkerd: LinkerdScenario, report: Report
) -> None:
    linkerd.set("examiner", Traffic(rps=20, error_ratio=0.0, latency_ms={45.0: 1.0}))
    prom, _ = prometheus_client(prom_front.url, None, timeout_s=1.0)
    prom_front.set_mode("trickle", delay=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(Exception) as raised:
            prom.custom_query("up")
        took = time.monotonic() - started
    finally:
        prom_front.set_mode("pass")
    ok = report.figure(
        SECTION,
        "prometheus-trickle",
        "Prometheus sends its answer one byte every 0.5 s (read timeout 1 s)",
        f"time until the query fails as timed out (an overall deadline of three read timeouts): '{raised.value}'",
        took,
        5.0,
        "s",
    )
    assert "timed out" in str(raised.value) or "Timeout" in type(raised.value).__name__
    assert ok


LOGGER = ("monitoring", "app.kubernetes.io/name=logger")
LOGGER_POD = "logger-7d9f-abcde"
BIG_EVENTS = 100


def big_message(n: int) -> str:
    return f"Halt examiner.test advancement {n} " + "x" * 1_000_000


async def test_giant_events_neither_empty_the_log_nor_freeze_the_keys(
    apiserver: ApiServer, kubeconfig: Path, report: Report
) -> None:
    from tests.reliability.apps import KEY_BUDGET_MS, cluster_app, key_latency, keys_answer, wait_state
    from tests.reliability.test_prometheus_faults import p95
    from tui.screens.detail import DetailScreen
    from tui.screens.help import HelpScreen
    from widgets.events_panel import EventsPanel

    seed(apiserver)
    apiserver.put(objects.pod(LOGGER_POD))
    t_ms = int(time.time() * 1000) - 60_000
    apiserver.append_log("monitoring", LOGGER_POD, *objects.logger_lines("Starting canary analysis", t_ms=t_ms))
    options = ClusterOptions(prometheus=None, logger=LOGGER, read_timeout_s=10.0)
    app, source = cluster_app(kubeconfig, options)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_state(pilot, app, lambda s: len(s.events) == 1, "the first event", timeout=60)
        # One giant event between two ordinary ones.
        apiserver.append_log("monitoring", LOGGER_POD, *objects.logger_lines(big_message(0), t_ms=t_ms + 1000))
        apiserver.append_log("monitoring", LOGGER_POD, *objects.logger_lines("Advance examiner.test", t_ms=t_ms + 2000))
        await wait_state(pilot, app, lambda s: len(s.events) == 3, "three events", timeout=60)
        await pilot.pause()
        shown = app.rollout_screen.query_one(EventsPanel).visible_text()
        assert "Starting canary analysis" in shown and "Advance examiner.test" in shown, shown[:2000]
        assert "MB in all)" in shown and len(shown) < 20_000, shown[-500:]
        # A flood of them, delivered while keys are pressed.
        flood = threading.Thread(
            target=lambda: [
                apiserver.append_log(
                    "monitoring", LOGGER_POD, *objects.logger_lines(big_message(n), t_ms=t_ms + 3000 + n)
                )
                for n in range(1, BIG_EVENTS + 1)
            ],
            daemon=True,
        )
        flood.start()
        latencies = []
        for i in range(20):
            if i % 2 == 0:
                latencies.append(await key_latency(app, "question_mark", "?", HelpScreen, "KeyTable"))
            else:
                latencies.append(await key_latency(app, "d", "d", DetailScreen, "#chart-success"))
            await pilot.press("escape")
            await wait_state(pilot, app, lambda s: True, "nothing")
        await wait_state(pilot, app, lambda s: len(s.events) >= 3 + BIG_EVENTS, "every giant event", timeout=120)
        shown = app.rollout_screen.query_one(EventsPanel).visible_text()
        await pilot.press("q")
    source.stop()
    wall = [w for w, _ in latencies]
    cpu = [c for _, c in latencies]
    ok = report.figure(
        SECTION,
        "event-flood",
        f"one 1 MB event, then {BIG_EVENTS} more through the logger stream while keys are pressed",
        f"the log keeps its other events and cuts the giant one with `…` and its size; key press to screen "
        f"({len(latencies)} presses of `?` and `d`) 95th percentile of UI-thread CPU (wall: {p95(wall):.0f} ms)",
        p95(cpu),
        KEY_BUDGET_MS,
        "ms",
    )
    assert "Starting canary analysis" in shown or len(app.state.events) >= 3 + BIG_EVENTS
    assert keys_answer(p95(cpu), ok), (p95(cpu), p95(wall))
