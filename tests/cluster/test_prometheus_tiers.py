"""On a large fleet the poller asks for the rows on screen each refresh and for every canary once in a while; a
followed canary's history is filled in by a range query. Over HTTP to the Prometheus stand-in, through the client
canaryscope uses."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.cluster.recorded_prometheus import RecordedPrometheus
from tests.prom.exporter import LinkerdScenario, Traffic
from tests.prom.fixtures import wait_until
from tests.prom.server import PrometheusServer
from tui.cluster.builtin_queries import FAMILIES, VALUES, MetricTarget, queries, rows
from tui.cluster.prometheus import (
    COLD_REFRESH_S,
    TIER_FROM,
    PrometheusPoller,
    Scope,
    _value,
    prometheus_client,
)
from tui.domain.model import Health
from tui.domain.observations import HealthObserved, MetricsObserved
from tui.domain.state import METRIC_HISTORY_S
from tui.sources.mailbox import Mailbox

T0 = 1_800_000_000.0  # when the stand-in was first given values
REFRESH_S = 5.0


def fleet(count: int) -> tuple[MetricTarget, ...]:
    return tuple(MetricTarget(f"team-{i % 10:02d}", f"app-{i:04d}", 60.0, "linkerd") for i in range(count))


@pytest.fixture
def prom() -> Iterator[RecordedPrometheus]:
    server = RecordedPrometheus().start()
    try:
        yield server
    finally:
        server.stop()


class Poll:
    """A poller on a clock of the test's, over the stand-in's HTTP API; each refresh's requests and samples."""

    def __init__(self, prom: RecordedPrometheus, targets: tuple[MetricTarget, ...]) -> None:
        self.prom, self.targets = prom, targets
        self.now = T0 + 600
        self.scope = Scope(None, targets)
        self.mailbox = Mailbox()
        client, _ = prometheus_client(prom.url, None)
        self.client = client
        self.poller = PrometheusPoller(
            lambda: client, "test", lambda: self.scope, self.mailbox, None, refresh_s=REFRESH_S, clock=lambda: self.now
        )  # type: ignore[arg-type]

    def give_values(self) -> None:
        self.prom.set_samples(
            self.now,
            [
                {"namespace": t.namespace, "deployment": d, "success_rate": 99.0, "rps": 5.0, "p99_ms": 20.0}
                for t in self.targets
                for d in (t.target, f"{t.target}-primary")
            ],
        )

    def refresh(self, after_s: float, **scope: object) -> tuple[list[tuple[str, int]], list[MetricsObserved]]:
        """Refresh `after_s` seconds later with the Scope given; the (path, rows) asked and what was emitted."""
        self.now += after_s
        self.give_values()
        self.scope = Scope(None, self.targets, **scope)  # type: ignore[arg-type]
        self.prom.requests.clear()
        self.mailbox.drain()
        self.poller.refresh(self.client)
        return list(self.prom.requests), [o for o in self.mailbox.drain() if isinstance(o, MetricsObserved)]


def hot(*indexes: int) -> frozenset[tuple[str, str]]:
    return frozenset((f"team-{i % 10:02d}", f"app-{i:04d}") for i in indexes)


def deployments(observed: list[MetricsObserved]) -> set[str]:
    return {s.deployment for o in observed for s in o.samples}


def test_a_large_fleet_asks_for_the_rows_on_screen_and_for_every_canary_once_in_a_while(
    prom: RecordedPrometheus,
) -> None:
    poll = Poll(prom, fleet(TIER_FROM + 20))
    everyone = 2 * (TIER_FROM + 20)
    asked, _ = poll.refresh(0, hot=hot(1, 2, 3))
    assert asked == [("query", everyone)] * 3, "the first refresh asks for every canary"

    asked, observed = poll.refresh(REFRESH_S, hot=hot(1, 2, 3))
    assert asked == [("query", 6)] * 3, "then the three on screen alone, narrowed to their six deployments"
    assert deployments(observed) == {f"app-000{i}{end}" for i in (1, 2, 3) for end in ("", "-primary")}

    # A row that comes on screen half a second later: asked at once, and alone (the others were just asked).
    asked, observed = poll.refresh(0.5, hot=hot(1, 2, 3, 4))
    assert asked == [("query", 2)] * 3
    assert deployments(observed) == {"app-0004", "app-0004-primary"}

    asked, _ = poll.refresh(REFRESH_S, hot=hot(1, 2, 3, 4))
    assert asked == [("query", 8)] * 3
    asked, observed = poll.refresh(COLD_REFRESH_S, hot=hot(1, 2, 3, 4))
    assert asked == [("query", everyone)] * 3, "every canary again after COLD_REFRESH_S"
    assert len(deployments(observed)) == everyone


@pytest.mark.parametrize("count", [1, TIER_FROM - 1])
def test_a_smaller_fleet_or_no_word_from_the_screen_asks_for_every_canary_each_refresh(
    prom: RecordedPrometheus, count: int
) -> None:
    poll = Poll(prom, fleet(count))
    for scope in ({"hot": hot(0)}, {"hot": hot(0)}, {}):
        asked, observed = poll.refresh(REFRESH_S, **scope)
        assert asked == [("query", 2 * count)] * 3
        assert len(deployments(observed)) == 2 * count
    big = Poll(prom, fleet(TIER_FROM + 1))
    for _ in range(2):
        asked, _ = big.refresh(REFRESH_S)  # hot None: the screen has not said (or every row's rates count)
        assert asked == [("query", 2 * (TIER_FROM + 1))] * 3


def test_a_followed_canary_gets_the_history_before_its_refreshes_once(prom: RecordedPrometheus) -> None:
    poll = Poll(prom, fleet(TIER_FROM + 20))
    prom.set_samples(
        T0,
        [
            {"namespace": "team-01", "deployment": d, "success_rate": 97.0, "rps": 4.0, "p99_ms": 30.0}
            for d in ("app-0001", "app-0001-primary")
        ],
    )
    poll.refresh(0, hot=hot(7))
    first_ask = poll.now
    asked, observed = poll.refresh(REFRESH_S, hot=hot(1), followed=("team-01", "app-0001"))
    assert asked[-3:] == [("query_range", 2)] * 3, "one range query a value, narrowed to the canary's deployments"
    history = [s for o in observed[1:] for s in o.samples]
    assert {s.deployment for s in history} == {"app-0001", "app-0001-primary"}
    times = sorted({s.t for s in history if s.deployment == "app-0001"})
    step = int(REFRESH_S)
    assert all(t % step == 0 for t in times), "on a grid of the refresh: a second fill lands on the same times"
    assert times[-1] < poll.now - step, "all before its own refreshes' samples"
    assert times[0] >= T0 and times[0] >= poll.now - METRIC_HISTORY_S - step, "since Prometheus had values"
    assert len(times) == int((times[-1] - times[0]) / step) + 1, "a point every refresh"
    assert all(None not in (s.success_rate, s.rps, s.p99_ms) for s in history)
    assert first_ask < poll.now

    asked, _ = poll.refresh(REFRESH_S, hot=hot(1), followed=("team-01", "app-0001"))
    assert [path for path, _ in asked] == ["query"] * 3, "filled in once while it stays followed"
    asked, _ = poll.refresh(REFRESH_S, hot=hot(2), followed=("team-02", "app-0002"))
    assert [path for path, _ in asked] == ["query"] * 3 + ["query_range"] * 3, "another canary followed: its own"


@pytest.mark.prometheus
@pytest.mark.parametrize("provider", ["linkerd", "istio", "http"])
def test_a_narrowed_query_reads_the_named_canaries_alone_and_what_the_whole_query_reads(
    prometheus: PrometheusServer, mesh: Callable[[str], LinkerdScenario], provider: str
) -> None:
    """Against a real Prometheus: `app` must not match `app-2` (regexes match whole values), and the values are the
    whole query's."""
    scenario = mesh(provider)
    ns = scenario.namespace
    for i, name in enumerate(("app", "app-primary", "app-2", "app-2-primary")):
        scenario.set(name, Traffic(rps=10 + i, error_ratio=0.1 * i, latency_ms={20.0 * (i + 1): 1.0}))
    family = FAMILIES[provider]
    client, _ = prometheus_client(prometheus.url, None)
    targets = [MetricTarget(ns, "app", 5.0, provider), MetricTarget(ns, "app-2", 5.0, provider)]
    every_key = {key for t in targets for key in family.keys(t)}

    def answers(only: list[MetricTarget] | None) -> dict[str, dict[tuple[str, ...], float | None]]:
        return {
            value: {key: _value(row) for key, row in rows(family, client.custom_query(query)).items()}
            for value, query in queries(family, None, 5.0, only).items()
        }

    def whole_ready() -> bool:
        got = answers(None)
        return all(key in got[value] and got[value][key] is not None for value in VALUES for key in every_key)

    wait_until(whole_ready, 30, f"{provider}'s four deployments in the whole query")
    narrowed, whole = answers(targets[:1]), answers(None)
    app_keys = set(family.keys(targets[0]))
    for value in VALUES:
        assert set(narrowed[value]) == app_keys, f"{value}: the named canary's two deployments alone"
        for key in app_keys:
            assert narrowed[value][key] == pytest.approx(whole[value][key], rel=0.05), value
    assert family.narrow is not None


def test_a_refused_range_query_leaves_the_history_to_the_refreshes_and_prometheus_connected(
    prom: RecordedPrometheus,
) -> None:
    poll = Poll(prom, fleet(3))

    def refused(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("HTTP Status Code 405 (query_range not allowed here)")

    poll.client.custom_query_range = refused  # a proxy that lets instant queries through only
    poll.give_values()
    poll.scope = Scope(None, poll.targets, hot(1), ("team-01", "app-0001"))
    poll.poller.refresh(poll.client)  # raises nothing: run() would count an exception as Prometheus unreachable
    seen = poll.mailbox.drain()
    metrics = [o for o in seen if isinstance(o, MetricsObserved)]
    assert len(metrics) == 1 and len(metrics[0].samples) == 6, "this refresh's values, as without the history"
    health = [o.health for o in seen if isinstance(o, HealthObserved)]
    assert [h.state for h in health] == [Health.CONNECTED]
