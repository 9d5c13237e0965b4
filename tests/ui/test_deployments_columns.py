"""The Deployments panel's columns: a long name is cut before `-primary` instead of squeezing the revision, and a
cut cell never runs into the next column."""

from __future__ import annotations

from rich.cells import cell_len

from tests.cluster import objects
from tests.simkit import sim_app
from tui.domain.observations import CanaryObserved, CanarySelected, DeploymentObserved
from tui.kube.parse import parse_canary, parse_deployment
from widgets.deployments_panel import _cell, _name_cell

LONG = "a-very-long-target-name-that-a-platform-team-generated-for-this-service"


def test_a_cut_cell_keeps_a_gap_before_the_next_column() -> None:
    for width in range(3, 20):
        cut = _cell("x" * 30, width)
        assert cell_len(cut) == width
        assert cut.endswith("… ")
    assert _cell("short", 10) == "short     "


def test_a_long_name_keeps_its_primary_suffix() -> None:
    cut = _name_cell(LONG, "-primary", 30)
    assert cell_len(cut) == 30
    assert cut.rstrip().endswith("…-primary")


async def test_a_long_target_leaves_room_for_the_revision() -> None:
    app, _source, _sim = sim_app("seed")
    async with app.run_test(size=(120, 40)) as pilot:
        canary = objects.canary("svc", phase="Progressing", weight=20, failed=0)
        canary["spec"]["targetRef"]["name"] = LONG
        info = parse_canary(canary)
        assert info is not None
        echo = "Hello from the new revision"
        deployments = [objects.deployment(LONG, echo=echo), objects.deployment(f"{LONG}-primary")]
        app.apply(
            [
                CanaryObserved(info, app.state.now),
                *(DeploymentObserved(d) for d in (parse_deployment(x) for x in deployments) if d is not None),
                CanarySelected(info.key),
            ]
        )
        await pilot.pause()
        text = str(app.rollout_screen.query_one("#deployments").render())
        assert f'"{echo}"' in text
        assert "…-primary" in text
