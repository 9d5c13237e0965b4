"""SVG snapshots of fixed states. The simulation's clock and randomness are fixed by seed and scenario."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot

from tests.simkit import EXAMINER, run_until, sim_app
from tui.sim.source import SimulationSource


def driven(source: SimulationSource, steps: Callable[[], None]) -> Callable[[Pilot], Awaitable[None]]:
    async def run_before(pilot: Pilot) -> None:
        steps()
        source.pump()
        await pilot.pause()

    return run_before


def progressing_with_errors(name: str = "demo"):  # type: ignore[no-untyped-def]
    app, source, sim = sim_app(name)

    def steps() -> None:
        sim.release(EXAMINER, faulty=False)
        sim.advance(80)
        sim.inject_errors(EXAMINER)
        sim.advance(75)

    return app, driven(source, steps)


def test_progressing_with_errors_at_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, run_before = progressing_with_errors()
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_progressing_with_errors_at_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, run_before = progressing_with_errors()
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_waiting_for_promotion_shows_router_beside_status_weight(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, source, sim = sim_app("gated")

    def steps() -> None:
        sim.release(EXAMINER, faulty=False)
        run_until(sim, lambda s: s.phase(EXAMINER) == "WaitingPromotion")

    assert snap_compare(app, terminal_size=(120, 40), run_before=driven(source, steps))


def test_failed_keeps_the_failed_checks(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, source, sim = sim_app("seed")

    def steps() -> None:
        sim.release(EXAMINER, faulty=True)
        run_until(sim, lambda s: s.phase(EXAMINER) == "Failed")
        sim.advance(5)

    assert snap_compare(app, terminal_size=(120, 40), run_before=driven(source, steps))


def test_terminal_too_small(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, source, sim = sim_app("seed")
    assert snap_compare(app, terminal_size=(60, 20))


def test_help_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, source, sim = sim_app("seed")
    assert snap_compare(app, terminal_size=(120, 40), press=["question_mark"])


def test_detail_charts(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, source, sim = sim_app("seed")

    def steps() -> None:
        sim.release(EXAMINER, faulty=True)
        sim.advance(150)

    assert snap_compare(app, terminal_size=(120, 40), run_before=driven(source, steps), press=["d"])


def test_halt_reason_keeps_its_threshold_at_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """A halt reason at 120x40 is cut before the analysis' value and threshold, never through them."""
    app, source, sim = sim_app("demo")

    def steps() -> None:
        sim.release(EXAMINER, faulty=False)
        sim.advance(80)
        sim.inject_errors(EXAMINER)
        sim.advance(45)

    assert snap_compare(app, terminal_size=(120, 40), run_before=driven(source, steps))


def test_failed_at_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, source, sim = sim_app("seed")

    def steps() -> None:
        sim.release(EXAMINER, faulty=True)
        run_until(sim, lambda s: s.phase(EXAMINER) == "Failed")
        sim.advance(5)

    assert snap_compare(app, terminal_size=(80, 24), run_before=driven(source, steps))


# Names long enough to be cut, told apart by their ends.
SEVERAL = {
    "canaries": [
        {"name": "examiner", "namespace": "apps", "gates": ["rollback"]},
        {"name": "payments-gateway-eu-west-7", "namespace": "payments-production"},
        {"name": "payments-gateway-eu-west-8", "namespace": "payments-production"},
    ]
}


def several_in_the_overview():  # type: ignore[no-untyped-def]
    app, source, sim = sim_app(SEVERAL)

    def steps() -> None:
        sim.release(EXAMINER, faulty=False)
        sim.advance(80)
        sim.inject_errors(EXAMINER)
        sim.advance(75)

    return app, driven(source, steps)


def test_overview_at_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, run_before = several_in_the_overview()
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before, press=["o"])


def test_overview_at_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, run_before = several_in_the_overview()
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before, press=["o"])


def test_detail_charts_at_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, source, sim = sim_app("seed")

    def steps() -> None:
        sim.release(EXAMINER, faulty=True)
        sim.advance(150)

    assert snap_compare(app, terminal_size=(80, 24), run_before=driven(source, steps), press=["d"])


def load_finishing():  # type: ignore[no-untyped-def]
    """Background load running, one error injection just finished, a second one running."""
    app, source, sim = sim_app("demo")

    def steps() -> None:
        sim.inject_errors(EXAMINER)
        sim.advance(200)
        sim.inject_errors(EXAMINER)
        sim.advance(45)

    return app, driven(source, steps)


def test_load_panel_with_a_finished_injection_at_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, run_before = load_finishing()
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_load_panel_with_a_finished_injection_at_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, run_before = load_finishing()
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
