"""Faults of the Kubernetes API, measured over real sockets against the stand-in: an outage, 410 Gone, a silent
watch, the logger pod replaced. Each test records its figure in RELIABILITY.md and then asserts it."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.reliability.report import Report
from tests.standin.apiserver import ApiServer
from tests.standin.events import EventRecorder
from tui.cli import build_parser
from tui.cluster.source import ClusterOptions
from tui.cluster.watch_loop import DEFAULT_READ_TIMEOUT_S
from tui.domain.model import CanaryKey, Health
from tui.domain.observations import HealthObserved
from tui.domain.state import AppState
from widgets.topbar import TopBar

SECTION = "Faults survived"
KEY = CanaryKey("test", "examiner")
LOGGER = ("monitoring", "app.kubernetes.io/name=logger")
LOGGER_POD = "logger-7d9f-abcde"
WATCHED = ("canaries", "deployments", "trafficsplits", "events", "logger pods")
OUTAGE_S = 10.0
RELIST_BUDGET_S = 5.0


def seed(api: ApiServer) -> dict:
    stored = api.put(objects.canary(phase="Progressing", weight=20, failed=0))
    api.put(objects.deployment("examiner", echo="v2"))
    api.put(objects.deployment("examiner-primary", echo="v1"))
    api.put(objects.traffic_split(primary=80, canary_weight=20))
    return stored


def messages(state: AppState) -> list[str]:
    return [e.event.message for e in state.events]


def all_connected(state: AppState, sources: tuple[str, ...]) -> bool:
    return all(s in state.health and state.health[s].state is Health.CONNECTED for s in sources)


def topbar_text(state: AppState) -> str:
    return TopBar("cluster standin").render_state(state).plain


def test_an_api_server_outage_is_shown_and_everything_is_relisted_soon_after_it(
    apiserver: ApiServer, kubeconfig: Path, report: Report
) -> None:
    stored = seed(apiserver)
    events = EventRecorder(apiserver)
    apiserver.put(objects.pod(LOGGER_POD))
    now_ms = int(time.time() * 1000)
    apiserver.append_log(
        "monitoring", LOGGER_POD, *objects.logger_lines("Advance examiner.test canary weight 20", t_ms=now_ms - 30_000)
    )
    events.normal(stored, "Starting canary analysis for examiner.test")
    options = ClusterOptions(prometheus=None, logger=LOGGER)  # the default read timeout: an outage is not silence
    with Harness(kubeconfig, options=options) as h:
        h.wait_for(
            lambda s: all_connected(s, (*WATCHED, "logger")) and len(s.events) == 2 and KEY in s.canaries,
            what="everything connected",
        )
        started = time.monotonic()
        apiserver.refuse_connections(None)
        # What happens while canaryscope cannot see: Flagger advances, the logger and the Events API say so.
        apiserver.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 30, "failedChecks": 1})
        apiserver.put(objects.traffic_split(primary=70, canary_weight=30))
        apiserver.put(objects.deployment("examiner", echo="v3"))
        apiserver.append_log(
            "monitoring",
            LOGGER_POD,
            *objects.logger_lines("Advance examiner.test canary weight 30", t_ms=int(time.time() * 1000)),
        )
        events.normal(stored, "Advance examiner.test canary weight 30")
        events.warning(stored, "Halt examiner.test advancement success rate 91.00% < 99%")
        noticed = h.wait_for(
            lambda s: all(s.health[w].state is Health.RECONNECTING for w in WATCHED), what="reconnecting everywhere"
        )
        attempts: Counter[str] = Counter()
        line = ""
        while time.monotonic() - started < OUTAGE_S:
            h.source.pump()
            for source in WATCHED:
                attempts[source] = max(attempts[source], h.state.health[source].attempt)
            line = topbar_text(h.state)
            assert h.state.canaries[KEY].info.canary_weight == 20, "nothing is invented while blind"
            time.sleep(0.1)
        apiserver.resume_listening()
        back = time.monotonic()

        def current(s: AppState) -> bool:
            return (
                s.canaries[KEY].info.canary_weight == 30
                and s.routers[("test", "examiner")].canary_weight == 30
                and s.deployment("test", "examiner").echo_value == "v3"  # type: ignore[union-attr]
                and "Halt examiner.test advancement success rate 91.00% < 99%" in messages(s)
                and "Advance examiner.test canary weight 30" in messages(s)
                and all_connected(s, (*WATCHED, "logger"))
            )

        try:
            h.wait_for(current, timeout=30, what="the state made during the outage")
        finally:
            relisted = time.monotonic() - back
            ok = report.figure(
                SECTION,
                "api-outage-relist",
                "API server refuses connections for 10 s, then returns",
                "time from its return until every watch, the logger and the state changed during the outage are "
                "shown (weight, router, deployment, logger and Events lines)",
                relisted,
                RELIST_BUDGET_S,
                "s",
            )
        assert ok, f"re-listed {relisted:.1f}s after the API server came back"
        time.sleep(1.5)  # anything repeated by a re-list or a log tail would arrive now
        h.source.pump()
        shown = messages(h.state)
    duplicates = [m for m, n in Counter(shown).items() if n > 1]
    report.outcome(
        SECTION,
        "api-outage-health",
        "API server refuses connections for 10 s",
        "the health line during the outage; events shown twice afterwards",
        f"reconnecting after {noticed:.1f} s, up to attempt {max(attempts.values())}; {len(duplicates)} duplicates "
        f"among {len(shown)} events",
        "reconnecting (attempt" in line and "connection refused" in line and not duplicates,
    )
    assert "reconnecting (attempt" in line and "connection refused" in line, line
    assert min(attempts.values()) >= 2, f"every watch kept trying: {attempts}"
    assert not duplicates, f"shown twice: {duplicates}"
    assert sorted(shown) == sorted(
        [
            "Advance examiner.test canary weight 20",
            "Starting canary analysis for examiner.test",
            "Advance examiner.test canary weight 30",
            "Halt examiner.test advancement success rate 91.00% < 99%",
        ]
    )


def test_410_gone_relists_without_losing_any_update(apiserver: ApiServer, kubeconfig: Path, report: Report) -> None:
    seed(apiserver)
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: all_connected(s, ("canaries", "deployments", "trafficsplits")), what="connected")
        loops = {name: h.source.loops[name] for name in ("canaries", "deployments", "trafficsplits")}
        before = {name: loop.relists for name, loop in loops.items()}
        for resource in ("canaries.flagger.app", "apps/v1/deployments", "trafficsplits.split.smi-spec.io"):
            apiserver.wait_for_watches(resource)
        # The history the watches would resume from is gone; every update below happened in that gap.
        apiserver.compact()
        for resource in ("canaries.flagger.app", "apps/v1/deployments", "trafficsplits.split.smi-spec.io"):
            apiserver.expire_next_watch(resource)
        apiserver.drop_connections()
        started = time.monotonic()
        apiserver.patch_status("canaries.flagger.app", "examiner", "test", {"phase": "Promoting", "canaryWeight": 50})
        apiserver.put(objects.traffic_split(primary=50, canary_weight=50))
        apiserver.put(objects.deployment("examiner-primary", echo="v2"))
        apiserver.delete("apps/v1/deployments", "examiner", "test")

        def updated(s: AppState) -> bool:
            return (
                s.canaries[KEY].info.phase == "Promoting"
                and s.routers[("test", "examiner")].canary_weight == 50
                and s.deployment("test", "examiner-primary").echo_value == "v2"  # type: ignore[union-attr]
                and s.deployment("test", "examiner") is None
            )

        try:
            h.wait_for(updated, timeout=20, what="every update after the 410s")
        finally:
            took = time.monotonic() - started
            relists = {name: loop.relists - before[name] for name, loop in loops.items()}
            ok = report.figure(
                SECTION,
                "watch-410",
                "every watch answers 410 Gone after the history was compacted",
                "time until the four updates made in the gap (a status, a router, a changed and a deleted "
                "Deployment) are shown",
                took,
                RELIST_BUDGET_S,
                "s",
            )
        assert ok and all(n >= 1 for n in relists.values()), relists


def test_a_silent_watch_is_detected_within_the_read_timeout(
    apiserver: ApiServer, kubeconfig: Path, report: Report
) -> None:
    read_timeout = 5.0
    seed(apiserver)
    options = ClusterOptions(prometheus=None, logger=None, read_timeout_s=read_timeout)
    with Harness(kubeconfig, options=options) as h:
        h.wait_for(lambda s: all_connected(s, ("canaries",)), what="connected")
        # The watch open now ends normally at its server-side timeout; the next one is silent.
        apiserver.silence_watches("canaries.flagger.app")
        before = len(watches(apiserver))
        h.wait_for(lambda s: len(watches(apiserver)) > before, timeout=read_timeout * 2, what="a silent watch")
        silent = watches(apiserver)[before]
        apiserver.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 40})
        h.wait_for(lambda s: len(watches(apiserver)) > before + 1, timeout=read_timeout * 3, what="a new watch")
        detected = watches(apiserver)[before + 1].at - silent.at
        assert h.state.canaries[KEY].info.canary_weight == 20, "the silent watch hid the change"
        apiserver.silence_watches("canaries.flagger.app", False)
        h.wait_for(
            lambda s: s.canaries[KEY].info.canary_weight == 40,
            timeout=read_timeout * 3,
            what="the change hidden by the silent watch",
        )
    ok = report.figure(
        SECTION,
        "watch-silent",
        "a watch connection accepts, sends headers, then nothing (read timeout set to 5 s)",
        "time from the silent watch's start until a new watch replaces it; the hidden change is shown after",
        detected,
        read_timeout + 1.0,
        "s",
    )
    assert ok and detected >= read_timeout - 0.5, f"detected after {detected:.1f}s"
    cli_default = build_parser().parse_args(["watch"]).read_timeout
    ok = report.outcome(
        SECTION,
        "watch-silent-default",
        "a watch goes silent, default settings",
        "the default client-side read timeout (library and CLI), at most 60 s",
        f"{DEFAULT_READ_TIMEOUT_S:g} s (CLI --read-timeout default {cli_default:g} s)",
        DEFAULT_READ_TIMEOUT_S <= 60 and cli_default <= 60,
    )
    assert ok


def watches(api: ApiServer) -> list:
    return [
        r
        for r in api.requests(path="/apis/flagger.app/v1beta1/namespaces/test/canaries")
        if r.query.get("watch") in ("true", "1")
    ]


def test_a_replaced_logger_pod_is_followed_without_repeating_its_tail(
    apiserver: ApiServer, kubeconfig: Path, report: Report
) -> None:
    apiserver.put(objects.canary())
    apiserver.put(objects.pod(LOGGER_POD))
    base = int(time.time() * 1000) - 60_000
    first = [objects.logger_lines(f"Advance examiner.test canary weight {w}", t_ms=base + w * 100) for w in (10, 20)]
    apiserver.append_log("monitoring", LOGGER_POD, *first[0], *first[1])
    options = ClusterOptions(prometheus=None, logger=LOGGER, read_timeout_s=5.0)
    with Harness(kubeconfig, options=options) as h:
        h.wait_for(lambda s: len(s.events) == 2, what="the old pod's lines")
        apiserver.delete("v1/pods", LOGGER_POD, "monitoring")
        h.wait_for(lambda s: s.health["logger"].state is Health.NOT_INSTALLED, what="no logger pod")
        gap = h.state.health["logger"].detail
        new_pod = "logger-7d9f-fghij"
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        # The new pod's log repeats the old lines (a shared volume, a sidecar replaying) and then goes on.
        apiserver.append_log("monitoring", new_pod, *first[0], *first[1], container="examiner")
        apiserver.append_log(
            "monitoring",
            new_pod,
            *objects.logger_lines("Advance examiner.test canary weight 30", t_ms=base + 3000),
            container="examiner",
        )
        started = time.monotonic()
        apiserver.put(objects.pod(new_pod, created=created))
        try:
            h.wait_for(lambda s: "Advance examiner.test canary weight 30" in messages(s), what="the new pod's lines")
        finally:
            took = time.monotonic() - started
            ok = report.figure(
                SECTION,
                "logger-pod-replaced",
                "the logger pod is deleted and recreated under a new name",
                "time from the new pod's appearance until its lines are shown; its tail repeats the old pod's lines",
                took,
                RELIST_BUDGET_S,
                "s",
            )
        time.sleep(1.0)
        h.source.pump()
        shown = messages(h.state)
        assert h.source.follower is not None and h.source.follower.followed == [LOGGER_POD, new_pod]
    assert ok
    assert "no running pod matches app.kubernetes.io/name=logger in monitoring" in gap
    assert shown == [f"Advance examiner.test canary weight {w}" for w in (10, 20, 30)], "nothing shown twice"


def reported(h: Harness) -> list[str]:
    return [
        o.health.detail
        for o in h.sink.observations
        if isinstance(o, HealthObserved) and o.health.source == "canaries" and o.health.state is Health.RECONNECTING
    ]


def test_a_failing_callback_is_reported_and_the_watch_goes_on(
    apiserver: ApiServer, kubeconfig: Path, report: Report
) -> None:
    seed(apiserver)
    harness = Harness(kubeconfig)
    handle = harness.source._canary_event
    failures = []

    def flaky(kind: str, obj: dict) -> None:
        if not failures:
            failures.append(kind)
            raise RuntimeError("a bug in handling one event")
        handle(kind, obj)

    # In place before the source starts: its watches take the handler when they are set up.
    harness.source._canary_event = flaky  # type: ignore[method-assign]
    with harness as h:
        h.wait_for(lambda s: all_connected(s, ("canaries",)), what="connected")
        apiserver.wait_for_watches("canaries.flagger.app")
        apiserver.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 30})
        # The report and the recovery may land in one batch: look at what was reported, not only at the last state.
        h.wait_for(lambda s: bool(reported(h)), what="the failure reported")
        detail = reported(h)[0]
        took = h.wait_for(lambda s: s.canaries[KEY].info.canary_weight == 30, what="the update after a re-list")
    ok = report.outcome(
        SECTION,
        "watch-internal-error",
        "handling one watch event raises (a bug)",
        "the health line names it; the watch re-lists and goes on instead of ending silently",
        f"'{detail}', the update shown {took:.1f} s later",
        detail == "internal error: RuntimeError" and failures == ["MODIFIED"],
    )
    assert ok, (detail, failures)
