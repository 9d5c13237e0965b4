"""Scripts drive the same actions as the keys, at exact virtual seconds in the simulation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.simkit import EXAMINER, simulation
from tui.app import CanaryscopeApp
from tui.app.script import Facts, ScriptError, ScriptRunner, load_script, parse_script
from tui.sim.actions import SimActions
from tui.sim.source import SimulationSource


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
        ({"steps": [{"at": "5s"}]}, "steps[0]: needs 'do'"),
        ({"steps": [{"do": "release"}]}, "steps[0]: needs 'at' (a time like 30s), 'wait', 'after'"),
        ({"steps": [{"after": "Done", "do": "say", "text": "x"}]}, "steps[0].after: unknown phase 'Done'"),
        ({"steps": [{"when": {"phase": "Failed", "colour": 1}, "do": "quit"}]}, "steps[0].when.colour: unknown key"),
        ({"steps": [{"when": {"weight": "ten"}, "do": "quit"}]}, "steps[0].when.weight: expected a whole number"),
        ({"steps": [{"when": {}, "do": "quit"}]}, "steps[0].when: expected a mapping with phase"),
        ({"steps": [{"after": "Failed", "when": {"weight": 1}, "do": "quit"}]}, "either 'after' or 'when'"),
        ({"steps": [{"after": "Failed", "timeout": "soon", "do": "quit"}]}, "steps[0].timeout: expected a duration"),
        ({"steps": [{"after": "Failed", "timeout": 0, "do": "quit"}]}, "steps[0].timeout: must be longer than 0"),
        ({"steps": [{"at": "1s", "timeout": "1m", "do": "quit"}]}, "steps[0].timeout: only a step with 'after'"),
        ({"steps": [{"at": "1s", "wait": "1s", "do": "quit"}]}, "steps[0]: give either 'at' or 'wait'"),
        ({"steps": [{"at": "5s", "do": "deploy"}]}, "steps[0].do: unknown action 'deploy'"),
        ({"steps": [{"at": "soon", "do": "release"}]}, "steps[0].at: expected a duration"),
        ({"steps": [{"at": "10s", "do": "release"}, {"at": "5s", "do": "abort"}]}, "comes before the previous"),
        ({"steps": [{"at": "1s", "do": "say"}]}, "'say' needs a text"),
        ({"steps": [{"at": "1s", "do": "release", "until": "now"}]}, "steps[0].until: unknown key"),
        ({"steps": [{"at": "1s", "do": "release", "when": "now"}]}, "steps[0].when: expected a mapping"),
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


def test_after_waits_for_a_move_into_the_phase_not_one_that_still_holds() -> None:
    runner = ScriptRunner(
        parse_script(
            {
                "steps": [
                    {"at": "0s", "do": "release"},
                    {"after": "Succeeded", "do": "say", "text": "Promoted"},
                    {"wait": "10s", "do": "quit"},
                ]
            }
        )
    )
    assert [s.action for s in runner.due(0.0, Facts("Succeeded"))] == ["release"]
    assert runner.due(30.0, Facts("Succeeded")) == [], "still Succeeded from before the release"
    assert runner.due(60.0, Facts("Progressing", 10)) == []
    assert [s.action for s in runner.due(200.0, Facts("Succeeded"))] == ["say"]
    assert runner.due(209.0, Facts("Succeeded")) == []
    assert [s.action for s in runner.due(210.0, Facts("Succeeded"))] == ["quit"]
    assert runner.done and runner.failure is None


def test_when_holds_on_what_the_canary_shows() -> None:
    script = {"steps": [{"when": {"phase": "Progressing", "weight": 20, "failed-checks": 1}, "do": "abort"}]}
    runner = ScriptRunner(parse_script(script))
    assert runner.due(0.0, Facts("Progressing", 30, 0)) == []
    assert runner.due(1.0, Facts("Progressing", 10, 1)) == []
    assert runner.due(2.0, Facts("Failed", 30, 1)) == []
    assert [s.action for s in runner.due(3.0, Facts("Progressing", 20, 1))] == ["abort"]


def test_a_step_that_waits_too_long_fails_the_script_naming_it() -> None:
    script = {
        "steps": [
            {"at": "10s", "do": "release"},
            {"after": "Failed", "timeout": "2m", "do": "say", "text": "Rolled back"},
            {"wait": "1s", "do": "quit"},
        ]
    }
    runner = ScriptRunner(parse_script(script, "talk.yaml"))
    assert [s.action for s in runner.due(0.0, Facts("Succeeded"))] == []
    assert [s.action for s in runner.due(10.0, Facts("Succeeded"))] == ["release"]
    assert runner.due(129.0, Facts("Progressing", 20)) == [] and runner.failure is None
    assert runner.due(130.0, Facts("Progressing", 20)) == []
    assert runner.failure == (
        "talk.yaml: steps[1] (do: say) timed out after 2m waiting for after: Failed; "
        "the canary is Progressing at 20 % with 0 failed checks"
    )
    assert runner.done, "nothing after a failed step runs"
    assert runner.due(500.0, Facts("Failed")) == []


async def test_a_timed_out_step_is_an_error_notice_and_stops_the_script() -> None:
    script = parse_script(
        {
            "steps": [
                {"when": {"phase": "Failed"}, "timeout": "30s", "do": "say", "text": "never"},
                {"at": "40s", "do": "release"},
            ]
        }
    )
    sim = simulation("seed")
    released: list[float] = []
    release = sim.release
    sim.release = lambda key, faulty: released.append(sim.now) or release(key, faulty=faulty)  # type: ignore
    source = SimulationSource(sim, speed=5, autorun=False)
    app = CanaryscopeApp(source, SimActions(sim), script=script)
    notes: list[tuple[str, str]] = []
    app.notify = lambda message, **kw: notes.append((message, kw.get("severity", "")))  # type: ignore
    async with app.run_test(size=(120, 40)) as pilot:
        source.advance(29)
        await pilot.pause()
        assert notes == []
        source.advance(30)
        await pilot.pause()
    assert len(notes) == 1 and notes[0][1] == "error"
    assert "steps[0] (do: say) timed out after 30s waiting for when: {phase: Failed}" in notes[0][0]
    assert app.state.caption is None
    assert released == [], "the steps after the failed one do not run"
    assert app.presenter.exit_code == 1


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
    start = sim.now
    async with app.run_test(size=(120, 40)) as pilot:
        source.advance(53)  # one big step: the script still fires at +7s exactly
        source.advance(60)
        await pilot.pause()
    assert fired == [("release", start + 7), ("errors", start + 100)]
    assert not sim.background_on(EXAMINER), "load-off turned the background load off"
    assert app.state.caption == "hi", "a say is the caption above the narration"


async def test_a_change_config_step_changes_the_config_map_and_flagger_starts_an_analysis() -> None:
    script = parse_script({"steps": [{"at": "5s", "do": "change-config"}]})
    sim = simulation("configmap")
    template = sim.store.get("Deployment", "apps", "examiner")["spec"]["template"]
    before = sim.store.get("ConfigMap", "apps", "examiner-config")["data"]["ECHO_VALUE"]
    source = SimulationSource(sim, speed=5, autorun=False)
    app = CanaryscopeApp(source, SimActions(sim), script=script)
    async with app.run_test(size=(120, 40)) as pilot:
        source.advance(40)
        await pilot.pause()
    assert sim.store.get("ConfigMap", "apps", "examiner-config")["data"]["ECHO_VALUE"] != before
    assert sim.store.get("Deployment", "apps", "examiner")["spec"]["template"] == template
    assert sim.phase(EXAMINER) == "Progressing"


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
