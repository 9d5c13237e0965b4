"""Several contexts in one view: API stand-ins as separate contexts, watched through the real `kubernetes` client by
one ClusterSource each, their observations folded into one Fleet."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster import objects
from tests.standin.apiserver import ApiServer
from tests.standin.kubeconfig import FAKE_TOKEN, write_kubeconfig
from tests.standin.resources import DEMO_CRDS
from tui.cluster.contexts import choose_contexts
from tui.cluster.fleet_source import FleetSource, LoadingContext
from tui.cluster.kubeconfig import ClusterConfigError, ClusterTarget, Connection, connect
from tui.cluster.source import ClusterOptions, ClusterSource
from tui.domain.fleet import Fleet, reduce_fleet
from tui.domain.model import CanaryKey, Health
from tui.domain.observations import Observation
from tui.sim.live_forecast import LiveForecasts

KEY = CanaryKey("test", "examiner")
OPTIONS = ClusterOptions(prometheus=None, logger=None, read_timeout_s=5.0)


class FleetSink:
    def __init__(self, contexts: tuple[str, ...]) -> None:
        self.fleet = Fleet.of_contexts(contexts)

    def apply(self, observations: list[Observation]) -> None:
        self.fleet = reduce_fleet(self.fleet, observations)


class Watching:
    """A FleetSource over the given contexts of a kubeconfig, folding into a Fleet."""

    def __init__(self, kubeconfig: str | None, contexts: tuple[str, ...], builder: Builder | None = None) -> None:
        members: dict[str, ClusterSource | LoadingContext] = {}
        make = builder or build
        for context in contexts:
            try:
                members[context] = make(kubeconfig, connect(kubeconfig, context))
            except ClusterConfigError as exc:
                members[context] = LoadingContext(
                    context, str(exc), lambda c: connect(kubeconfig, c), lambda conn: make(kubeconfig, conn)
                )
        self.source = FleetSource(members, "test")
        self.sink = FleetSink(contexts)

    def __enter__(self) -> Watching:
        self.source.start(self.sink)
        return self

    def __exit__(self, *exc: object) -> None:
        self.source.stop()
        self.source.join(5.0)

    def wait_for(self, predicate: Callable[[Fleet], bool], what: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self.sink.fleet):
            if time.monotonic() > deadline:
                health = {
                    c: {k: (v.state.value, v.detail) for k, v in s.health.items()}
                    for c, s in self.sink.fleet.states.items()
                }
                raise AssertionError(f"timed out waiting for {what}; health: {health}")
            time.sleep(0.02)
            self.source.pump()


Builder = Callable[[str | None, Connection], ClusterSource]


def build(kubeconfig: str | None, connection: Connection) -> ClusterSource:
    return ClusterSource(connection, ClusterTarget(kubeconfig, connection.context, "test", None), OPTIONS)


def forecasting(kubeconfig: str | None, connection: Connection) -> ClusterSource:
    """A context's source with forecasts, as the command line wires it."""
    forecasts = LiveForecasts()
    return ClusterSource(
        connection,
        ClusterTarget(kubeconfig, connection.context, "test", None),
        OPTIONS,
        forecaster=forecasts.changed,
        forecast_inputs=forecasts.observed,
        forecast_follow=forecasts.follow,
    )


def weight(fleet: Fleet, context: str) -> int | None:
    view = fleet.state_of(context).canaries.get(KEY)
    return view.info.canary_weight if view else None


def health(fleet: Fleet, context: str, source: str) -> Health | None:
    item = fleet.state_of(context).health.get(source)
    return item.state if item else None


def seed(api: ApiServer, weight: int) -> None:
    api.put(objects.canary(phase="Progressing", weight=weight))
    api.put(objects.deployment("examiner", echo="new"))
    api.put(objects.deployment("examiner-primary", echo="old"))


@pytest.fixture
def standins() -> Iterator[list[ApiServer]]:
    apis = [ApiServer(crds=DEMO_CRDS, bookmark_interval=0.5).start() for _ in range(3)]
    try:
        yield apis
    finally:
        for api in apis:
            api.stop()
    for api in apis:
        assert not api.internal_errors


def one_kubeconfig(path: Path, servers: Mapping[str, str]) -> Path:
    first, *rest = servers
    return write_kubeconfig(
        path, servers[first], namespace="test", context=first, extra_contexts={n: servers[n] for n in rest}
    )


def test_two_contexts_in_one_kubeconfig_are_both_listed_and_each_updates(
    standins: list[ApiServer], tmp_path: Path
) -> None:
    east, west, _ = standins
    seed(east, 10)
    seed(west, 30)
    kubeconfig = str(one_kubeconfig(tmp_path / "kubeconfig", {"east": east.url, "west": west.url}))
    with Watching(kubeconfig, ("east", "west")) as w:
        w.wait_for(lambda f: weight(f, "east") == 10 and weight(f, "west") == 30, "both contexts' canaries")
        east.wait_for_watches("canaries.flagger.app")
        west.wait_for_watches("canaries.flagger.app")
        west.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 40})
        w.wait_for(lambda f: weight(f, "west") == 40, "west's change")
        assert weight(w.sink.fleet, "east") == 10, "a change in one context stays in that context"
        for context in ("east", "west"):
            assert health(w.sink.fleet, context, "canaries") is Health.CONNECTED


def test_three_contexts_over_kubeconfig_with_several_files(
    standins: list[ApiServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = []
    for index, (name, api) in enumerate(zip(("eu", "us", "ap"), standins, strict=True)):
        seed(api, 10 * (index + 1))
        path = write_kubeconfig(tmp_path / f"{name}.yaml", api.url, namespace="test", context=name)
        # Each file its own cluster and user names: KUBECONFIG merges them (the first file's current context wins).
        doc = yaml.safe_load(path.read_text())
        doc["users"][0]["name"] = f"{name}-user"
        doc["contexts"][0]["context"]["user"] = f"{name}-user"
        path.write_text(yaml.safe_dump(doc))
        files.append(str(path))
    monkeypatch.setenv("KUBECONFIG", ":".join(files))
    contexts = choose_contexts(None, (), every=True)
    assert contexts == ("eu", "us", "ap")
    with Watching(None, contexts) as w:
        w.wait_for(lambda f: (weight(f, "eu"), weight(f, "us"), weight(f, "ap")) == (10, 20, 30), "all three contexts")
    for api in standins:  # each context asked its own server
        assert any("canaries" in r.path for r in api.requests())
        assert {r.authorization for r in api.requests()} == {f"Bearer {FAKE_TOKEN}"}


def test_an_unknown_context_names_itself_and_the_contexts_there_are(standins: list[ApiServer], tmp_path: Path) -> None:
    kubeconfig = str(one_kubeconfig(tmp_path / "kubeconfig", {"east": standins[0].url, "west": standins[1].url}))
    with pytest.raises(ClusterConfigError) as caught:
        choose_contexts(kubeconfig, ("east", "nort"), every=False)
    assert str(caught.value) == f"context 'nort' not in {kubeconfig} (contexts: east, west)"


def test_one_context_down_the_other_keeps_updating_and_the_first_resyncs(
    standins: list[ApiServer], tmp_path: Path
) -> None:
    east, west, _ = standins
    seed(east, 10)
    seed(west, 30)
    kubeconfig = str(one_kubeconfig(tmp_path / "kubeconfig", {"east": east.url, "west": west.url}))
    with Watching(kubeconfig, ("east", "west")) as w:
        w.wait_for(lambda f: weight(f, "east") == 10 and weight(f, "west") == 30, "both contexts")
        west.wait_for_watches("canaries.flagger.app")
        east.refuse_connections(None)  # east's API server goes away
        east.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 20})  # unseen meanwhile
        w.wait_for(lambda f: health(f, "east", "canaries") is Health.RECONNECTING, "east reconnecting")
        for step in (40, 50):
            west.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": step})
            w.wait_for(lambda f, step=step: weight(f, "west") == step, f"west at {step} while east is down")
        assert health(w.sink.fleet, "west", "canaries") is Health.CONNECTED
        assert weight(w.sink.fleet, "east") == 10, "nothing is invented for the context that cannot be seen"
        east.resume_listening()
        w.wait_for(
            lambda f: weight(f, "east") == 20 and health(f, "east", "canaries") is Health.CONNECTED, "east resynced"
        )


def test_a_forbidden_context_is_named_and_the_other_is_listed(standins: list[ApiServer], tmp_path: Path) -> None:
    east, west, _ = standins
    seed(east, 10)
    seed(west, 30)
    west.forbid("canaries.flagger.app")
    kubeconfig = str(one_kubeconfig(tmp_path / "kubeconfig", {"east": east.url, "west": west.url}))
    with Watching(kubeconfig, ("east", "west")) as w:
        w.wait_for(
            lambda f: weight(f, "east") == 10 and health(f, "west", "canaries") is Health.FORBIDDEN,
            "east listed, west forbidden",
        )
        detail = w.sink.fleet.state_of("west").health["canaries"].detail
        assert "canaries" in detail and "test" in detail
        assert not w.sink.fleet.state_of("west").canaries


def test_a_context_that_fails_to_load_is_named_retried_and_watched_once_it_loads(
    standins: list[ApiServer], tmp_path: Path
) -> None:
    east, west, _ = standins
    seed(east, 10)
    seed(west, 30)
    path = one_kubeconfig(tmp_path / "kubeconfig", {"east": east.url, "west": west.url})
    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    token_file = tmp_path / "west-token"
    doc["users"].append({"name": "west-user", "user": {"tokenFile": str(token_file)}})
    west_context = next(c for c in doc["contexts"] if c["name"] == "west")
    west_context["context"]["user"] = "west-user"
    path.write_text(yaml.safe_dump(doc))
    kubeconfig = str(path)
    with pytest.raises(ClusterConfigError):
        connect(kubeconfig, "west")  # the token file is not there yet
    with Watching(kubeconfig, ("east", "west")) as w:
        w.wait_for(
            lambda f: weight(f, "east") == 10 and health(f, "west", "kubernetes") is Health.UNREACHABLE,
            "east listed, west named as failing to load",
        )
        assert "west" in w.sink.fleet.state_of("west").health["kubernetes"].detail
        token_file.write_text(FAKE_TOKEN)
        w.wait_for(lambda f: weight(f, "west") == 30, "west watched once its kubeconfig entry loads")


def test_an_action_asks_in_its_context_and_changes_only_that_context(standins: list[ApiServer], tmp_path: Path) -> None:
    from tui.actions import ActionKind
    from tui.actions.fleet import FleetActions
    from tui.cli import apply_lab_defaults, build_actions, build_watch_parser

    east, west, _ = standins
    seed(east, 10)
    seed(west, 30)
    kubeconfig = str(one_kubeconfig(tmp_path / "kubeconfig", {"east": east.url, "west": west.url}))
    args = build_watch_parser().parse_args(["--kubeconfig", kubeconfig, "--context", "east,west"])
    apply_lab_defaults(args)
    with Watching(kubeconfig, ("east", "west")) as w:
        w.wait_for(lambda f: weight(f, "east") == 10 and weight(f, "west") == 30, "both contexts")
        by_context = {}
        for context, member in w.source.members.items():
            assert isinstance(member, ClusterSource)
            state = lambda context=context: w.sink.fleet.state_of(context)  # noqa: E731
            by_context[context] = build_actions(args, member.connection, member, state)
        actions = FleetActions(by_context, read_only=False).for_context("west")
        assert actions.needs_confirmation
        question = actions.describe(ActionKind.TOGGLE_SUSPEND, KEY)
        assert question.startswith("In context west: Suspend Canary test/examiner (spec.suspend=true)")
        outcome = actions.perform(ActionKind.TOGGLE_SUSPEND, KEY)
        assert outcome.ok, outcome.message
        w.wait_for(lambda f: f.state_of("west").canaries[KEY].info.suspend, "west suspended")
    assert [r.path for r in west.requests() if r.method == "PATCH"] == [
        "/apis/flagger.app/v1beta1/namespaces/test/canaries/examiner"
    ]
    assert not [r for r in east.requests() if r.method != "GET"], "east is never changed"
    assert not (east.get("canaries.flagger.app", "examiner", "test") or {}).get("spec", {}).get("suspend")


def test_a_context_without_flagger_is_named_and_the_other_is_listed(standins: list[ApiServer], tmp_path: Path) -> None:
    east = standins[0]
    seed(east, 10)
    bare = ApiServer(bookmark_interval=0.5).start()  # no Canary CRD: Flagger is not installed there
    try:
        kubeconfig = str(one_kubeconfig(tmp_path / "kubeconfig", {"east": east.url, "bare": bare.url}))
        with Watching(kubeconfig, ("east", "bare")) as w:
            w.wait_for(
                lambda f: weight(f, "east") == 10 and health(f, "bare", "canaries") is Health.NOT_INSTALLED,
                "east listed, bare without Flagger",
            )
            assert "context bare" in w.sink.fleet.state_of("bare").health["canaries"].detail
    finally:
        bare.stop()


def test_a_context_whose_server_is_killed_and_restarted_resyncs_while_the_other_updates(
    standins: list[ApiServer], tmp_path: Path
) -> None:
    east, west, _ = standins
    seed(east, 10)
    seed(west, 30)
    port = east.port
    kubeconfig = str(one_kubeconfig(tmp_path / "kubeconfig", {"east": east.url, "west": west.url}))
    with Watching(kubeconfig, ("east", "west")) as w:
        w.wait_for(lambda f: weight(f, "east") == 10 and weight(f, "west") == 30, "both contexts")
        east.stop()  # killed: its process and every connection gone; its etcd (the store) survives, as a cluster's does
        w.wait_for(lambda f: health(f, "east", "canaries") is not Health.CONNECTED, "east seen gone")
        west.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 40})
        w.wait_for(lambda f: weight(f, "west") == 40, "west while east is gone")
        east.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 20})  # unseen meanwhile
        restarted = ApiServer(crds=DEMO_CRDS, bookmark_interval=0.5, port=port)
        restarted.store = east.store
        restarted.start()
        try:
            w.wait_for(
                lambda f: weight(f, "east") == 20 and health(f, "east", "canaries") is Health.CONNECTED,
                "east resynced from the restarted server",
            )
            assert weight(w.sink.fleet, "west") == 40
        finally:
            restarted.stop()


def test_only_the_followed_contexts_canary_is_forecast(standins: list[ApiServer], tmp_path: Path) -> None:
    east, west, _ = standins
    seed(east, 10)
    seed(west, 30)
    kubeconfig = str(one_kubeconfig(tmp_path / "kubeconfig", {"east": east.url, "west": west.url}))

    def forecast_in(context: str) -> Callable[[Fleet], bool]:
        return lambda f: KEY in f.state_of(context).forecasts

    with Watching(kubeconfig, ("east", "west"), forecasting) as w:
        w.wait_for(lambda f: forecast_in("east")(f) and forecast_in("west")(f), "both forecasts (none followed yet)")
        east.wait_for_watches("canaries.flagger.app")
        west.wait_for_watches("canaries.flagger.app")
        w.source.follow("east", KEY)
        west.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 40})
        w.wait_for(lambda f: not forecast_in("west")(f), "west's forecast withdrawn once it changed")
        east.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 20})
        w.wait_for(lambda f: f.state_of("east").forecasts[KEY].ticks_left == 8, "east forecast again from 20 %")
        assert not forecast_in("west")(w.sink.fleet)
        w.source.follow("west", KEY)
        w.wait_for(forecast_in("west"), "west's forecast, once followed")
        assert w.sink.fleet.state_of("west").forecasts[KEY].ticks_left == 6
