"""SVG snapshots of the demo on other providers: the traffic panel shows the router object Flagger writes there."""

from __future__ import annotations

from tests.simkit import EXAMINER, run_until, sim_app
from tests.ui.test_snapshots import driven


def _progressing(name: str):  # type: ignore[no-untyped-def]
    app, source, sim = sim_app(name)

    def steps() -> None:
        sim.release(EXAMINER, faulty=False)
        run_until(sim, lambda s: s.weights(EXAMINER) == (70, 30))
        sim.advance(10)

    return app, driven(source, steps)


def test_istio_progressing_at_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, run_before = _progressing("istio")
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_istio_progressing_at_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, run_before = _progressing("istio")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_gatewayapi_progressing_at_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, run_before = _progressing("gatewayapi")
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
