"""examples/talk.yaml tells the truth: each caption matches the phase on screen when it appears, on every seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.simkit import simulation
from tui.app import CanaryscopeApp
from tui.app.script import load_script
from tui.domain.observations import CaptionObserved
from tui.sim.actions import SimActions
from tui.sim.source import SimulationSource

TALK = Path(__file__).resolve().parents[2] / "examples" / "talk.yaml"

# What each caption claims, checked against the screen: the phase, and the smallest weight / failed checks.
CLAIMS: dict[str, tuple[set[str], int, int]] = {
    "Background load is on": ({"Initialized", "Succeeded"}, 0, 0),
    "Flagger has seen the new revision": ({"Progressing"}, 0, 0),
    "The canary takes its first share": ({"Progressing"}, 1, 0),
    "Every check passed": ({"Promoting"}, 0, 0),
    "Promoted.": ({"Succeeded"}, 0, 0),
    "The faulty canary fails": ({"Progressing"}, 1, 1),
    "Rolled back": ({"Failed"}, 0, 0),
}


def claim_for(text: str) -> tuple[set[str], int, int]:
    matches = [claim for start, claim in CLAIMS.items() if text.startswith(start)]
    assert len(matches) == 1, f"no claim known for the caption {text!r}: add it to CLAIMS"
    return matches[0]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
async def test_every_caption_of_the_talk_matches_the_screen(seed: int) -> None:
    script = load_script(str(TALK))
    sim = simulation("demo", seed=seed)
    source = SimulationSource(sim, speed=5, autorun=False)
    app = CanaryscopeApp(source, SimActions(sim), script=script)
    said: list[tuple[str, str, int, int, bool]] = []
    apply = app.apply

    def watch(observations):  # type: ignore[no-untyped-def]
        for observation in observations:
            if isinstance(observation, CaptionObserved):
                view = app.state.selected_view
                assert view is not None
                load = any(s.label == "background load" and s.running for s in app.state.loads.values())
                weight = app.state.router_for(view).canary_weight or 0  # type: ignore[union-attr]
                said.append((observation.text, str(view.info.phase), weight, view.info.failed_checks or 0, load))
        apply(observations)

    app.apply = watch  # type: ignore[method-assign]
    start = sim.now
    async with app.run_test(size=(120, 40)) as pilot:
        while app.is_running:
            assert sim.now - start < 1800, f"the talk did not end; it said {[s[0] for s in said]}"
            source.advance(10)
            await pilot.pause()
    assert app.presenter.failure is None
    assert app.return_code == 0
    says = [step.text for step in script.steps if step.action == "say"]
    assert [text for text, *_ in said] == says, "every caption appeared, in order"
    for text, phase, weight, failed, load in said:
        phases, min_weight, min_failed = claim_for(text)
        assert phase in phases, f"seed {seed}: {text!r} shown while the canary is {phase}"
        assert weight >= min_weight and failed >= min_failed, f"seed {seed}: {text!r} at {weight} %, {failed} failed"
        assert load, f"seed {seed}: {text!r} shown without the background load"
