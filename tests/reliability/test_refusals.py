"""RBAC refusals and missing CRDs in the whole app: the panel that cannot be filled says what was refused or what
is missing, in which namespace or context, and everything else keeps working."""

from __future__ import annotations

from pathlib import Path

from tests.cluster import objects
from tests.reliability.apps import cluster_app, panel, wait_state
from tests.reliability.report import Report
from tests.standin.apiserver import ApiServer
from tui.cluster.source import ClusterOptions
from tui.domain.model import CanaryKey, Health
from tui.domain.state import AppState

SECTION = "Faults survived"
KEY = CanaryKey("test", "examiner")
OPTIONS = ClusterOptions(prometheus=None, logger=("monitoring", "app.kubernetes.io/name=logger"), read_timeout_s=5.0)


def seed(api: ApiServer) -> None:
    api.put(objects.canary(phase="Progressing", weight=20))
    api.put(objects.deployment("examiner", echo="v2"))
    api.put(objects.deployment("examiner-primary", echo="v1"))
    api.put(objects.traffic_split(primary=80, canary_weight=20))
    api.put(objects.pod("logger-1"))


def health_is(state: AppState, source: str, health: Health) -> bool:
    return source in state.health and state.health[source].state is health


async def test_each_refusal_names_verb_resource_and_namespace_and_the_rest_works(
    apiserver: ApiServer, kubeconfig: Path, report: Report
) -> None:
    seed(apiserver)
    apiserver.forbid("apps/v1/deployments", verbs=["list"], namespace="test")
    apiserver.forbid("v1/events", verbs=["watch"], namespace="test")
    apiserver.forbid("pods/log", namespace="monitoring")
    app, source = cluster_app(kubeconfig, OPTIONS)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_state(
            pilot,
            app,
            lambda s: (
                KEY in s.canaries
                and ("test", "examiner") in s.routers
                and all(health_is(s, x, Health.FORBIDDEN) for x in ("deployments", "events", "logger"))
            ),
            "the canary, its router and three refusals",
        )
        details = {x: app.state.health[x].detail for x in ("deployments", "events", "logger")}
        deployments = panel(app, "#deployments")
        status, traffic, top = panel(app, "#status"), panel(app, "#traffic"), panel(app, "#topbar")
        events_said = str(app.rollout_screen.query_one("#events").border_subtitle)
        await pilot.press("q")
    source.stop()
    expected = {
        "deployments": "cannot list deployments.apps in test",
        "events": "cannot watch events in test",
        "logger": "cannot get pods/log in monitoring",
    }
    ok = report.outcome(
        SECTION,
        "rbac-403",
        "403 Forbidden on list deployments, watch events and get pods/log",
        "the Deployments panel and the health line name verb, resource and namespace; canary and router still shown",
        "; ".join(details.values()),
        details == expected
        and deployments.count("forbidden: cannot list deployments.apps in test") == 2
        and all(f"{source} forbidden" in top for source in expected)
        and all(
            f"{source} forbidden: {text}" in events_said for source, text in expected.items() if source != "deployments"
        )
        and "▶ Progressing" in status
        and "SMI TrafficSplit examiner · 80 / 20" in traffic,
    )
    assert details == expected
    assert deployments.count("forbidden: cannot list deployments.apps in test") == 2, deployments
    # The top line names every refused source (its width holds what details fit); each panel says the rest.
    assert all(f"{source} forbidden" in top for source in expected), top
    assert all(
        f"{source} forbidden: {text}" in events_said for source, text in expected.items() if source != "deployments"
    ), events_said
    assert "▶ Progressing" in status and "SMI TrafficSplit examiner · 80 / 20" in traffic
    assert ok


async def test_a_forbidden_canary_list_is_named_where_the_canary_would_be(
    apiserver: ApiServer, kubeconfig: Path, report: Report
) -> None:
    seed(apiserver)
    apiserver.forbid("canaries.flagger.app", namespace="test")
    app, source = cluster_app(kubeconfig, OPTIONS)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_state(
            pilot,
            app,
            lambda s: health_is(s, "canaries", Health.FORBIDDEN) and len(s.deployments) == 2,
            "the refusal and the deployments",
        )
        status = panel(app, "#status")
        await pilot.press("q")
    source.stop()
    ok = report.outcome(
        SECTION,
        "rbac-403-canaries",
        "403 Forbidden on list canaries.flagger.app",
        "the Canary panel says what was refused instead of waiting for a canary",
        status.strip(),
        status.strip() == "forbidden: cannot list canaries.flagger.app in test",
    )
    assert ok, status


async def test_missing_crds_are_named_with_the_context_and_nothing_crashes(
    apiserver: ApiServer, kubeconfig: Path, report: Report
) -> None:
    seed(apiserver)
    apiserver.uninstall_crd("trafficsplits.split.smi-spec.io")
    apiserver.uninstall_crd("httproutes.gateway.networking.k8s.io")
    app, source = cluster_app(kubeconfig, OPTIONS)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_state(pilot, app, lambda s: KEY in s.canaries and "routers" in s.health, "the canary")
        traffic = panel(app, "#traffic")
        # Flagger's CRD removed while it is watched: the canary goes, the reason stays.
        apiserver.uninstall_crd("canaries.flagger.app")
        await wait_state(
            pilot, app, lambda s: health_is(s, "canaries", Health.NOT_INSTALLED) and not s.canaries, "no Flagger"
        )
        status = panel(app, "#status")
        await pilot.press("?")  # still answering keys
        help_shown = type(app.screen).__name__
        await pilot.press("escape")
        await pilot.press("q")
    source.stop()
    no_router = "router   SMI TrafficSplit not installed"  # the canary's provider is linkerd
    no_flagger = "canaries.flagger.app/v1beta1 is not served in context standin"
    ok = report.outcome(
        SECTION,
        "crd-missing",
        "no SMI and no Gateway API CRD; then Flagger's CRD removed while watched",
        "the Traffic panel names the provider's missing router kind, the Canary panel the missing CRD and the context; "
        "keys still answer",
        f"{no_router}; {no_flagger}",
        no_router in traffic and no_flagger in status and help_shown == "HelpScreen",
    )
    assert no_router in traffic, traffic
    assert no_flagger in status, status
    assert ok


async def test_no_flagger_at_start_is_named_with_the_context(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.uninstall_crd("canaries.flagger.app")
    app, source = cluster_app(kubeconfig, OPTIONS, canary=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_state(pilot, app, lambda s: health_is(s, "canaries", Health.NOT_INSTALLED), "no Flagger")
        await pilot.pause()
        top = str(app.overview_screen.query_one("#topbar").render())
        said = str(app.overview_screen.query_one("#overview-note").render())
        await pilot.press("o")
        await pilot.press("q")
    source.stop()
    # The top line names the source; the empty overview says what is missing, and where.
    assert "canaries not installed" in top, top
    assert "Flagger's Canary CRD (flagger.app) is not installed in context standin" in said, said
