"""Scripts drive the same actions as the keys, at exact virtual seconds in the simulation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.simkit import EXAMINER, simulation
from tui.app import CanaryscopeApp
from tui.script import ScriptError, ScriptRunner, load_script, parse_script
from tui.sim.actions import SimActions
from tui.sources import SimulationSource


def test_steps_are_due_relative_to_the_first_moment() -> None:
    runner = ScriptRunner(
        parse_script(
            {"steps": [{"at": "0s", "do": "load-on"}, {"at": "1m30s", "do": "release"}, {"at": 120, "do": "quit"}]}
        )
    )
    assert [s.action for s in runner.due(1000.0)] == ["load-on"]
    assert runner.due(1089.0) == []
    assert [s.action for s in runner.due(1090.0)] == ["release"]
    assert runner.next_at() == 1120.0
    assert [s.action for s in runner.due(5000.0)] == ["quit"]
    assert runner.done


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"steps": []}, "steps: expected a non-empty list"),
        ({"steps": [{"at": "5s"}]}, "steps[0]: needs both 'at'"),
        ({"steps": [{"at": "5s", "do": "deploy"}]}, "steps[0].do: unknown action 'deploy'"),
        ({"steps": [{"at": "soon", "do": "release"}]}, "steps[0].at: expected a duration"),
        ({"steps": [{"at": "10s", "do": "release"}, {"at": "5s", "do": "abort"}]}, "comes before the previous"),
        ({"steps": [{"at": "1s", "do": "say"}]}, "'say' needs a text"),
        ({"steps": [{"at": "1s", "do": "release", "when": "now"}]}, "steps[0].when: unknown key"),
        ({"canary": "examiner", "steps": [{"at": "1s", "do": "release"}]}, "canary: expected NAMESPACE/NAME"),
        ("release at 5s", "scenario: expected a mapping"),
    ],
)
def test_mistakes_are_one_line(raw: object, message: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(raw)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_script_file_that_is_missing_or_broken(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="no such file"):
        load_script(str(tmp_path / "missing.yaml"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("steps: [\n")
    with pytest.raises(ScriptError, match="not valid YAML"):
        load_script(str(broken))


async def test_steps_fire_at_their_virtual_second_whatever_the_ticks() -> None:
    script = parse_script(
        {
            "steps": [
                {"at": "7s", "do": "release"},
                {"at": "100s", "do": "inject-errors"},
                {"at": "101s", "do": "load-off"},
                {"at": "102s", "do": "say", "text": "hi"},
            ]
        }
    )
    sim = simulation("seed")
    fired: list[tuple[str, float]] = []
    release, inject = sim.release, sim.inject_errors
    sim.release = lambda key, faulty: fired.append(("release", sim.now)) or release(key, faulty=faulty)  # type: ignore
    sim.inject_errors = lambda key: fired.append(("errors", sim.now)) or inject(key)  # type: ignore[method-assign]
    source = SimulationSource(sim, speed=5, autorun=False)
    app = CanaryscopeApp(source, SimActions(sim), script=script)
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
    start = sim.now
    async with app.run_test(size=(120, 40)) as pilot:
        source.advance(53)  # one big step: the script still fires at +7s exactly
        source.advance(60)
        await pilot.pause()
    assert fired == [("release", start + 7), ("errors", start + 100)]
    assert not sim.background_on(EXAMINER), "load-off turned the background load off"
    assert "hi" in notes


async def test_on_a_cluster_a_script_asks_once_before_it_runs() -> None:
    from tui.actions.base import ActionKind, Outcome

    class AskingActions(SimActions):
        needs_confirmation = True
        performed: list[ActionKind] = []

        def perform(self, kind: ActionKind, key):  # type: ignore[no-untyped-def]
            self.performed.append(kind)
            return Outcome(True, "ok")

    sim = simulation("seed")
    source = SimulationSource(sim, speed=5, autorun=False)
    actions = AskingActions(sim)
    app = CanaryscopeApp(source, actions, script=parse_script({"steps": [{"at": "1s", "do": "release"}]}))
    async with app.run_test(size=(120, 40)) as pilot:
        question = str(app.screen.query_one("#confirm-question").render())
        assert "Run the script script (1 steps)" in question
        await pilot.press("y")
        source.advance(5)
        await pilot.pause()
    assert actions.performed == [ActionKind.RELEASE], "asked once for the script, not again for its step"
