"""Every key, driven through Textual's Pilot against the simulation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.simkit import EXAMINER, sim_app
from tui.app import CanaryscopeApp
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpScreen

SIZE = (120, 40)


def record_notifications(app: CanaryscopeApp) -> list[tuple[str, dict[str, Any]]]:
    notes: list[tuple[str, dict[str, Any]]] = []

    def notify(message: str, **kwargs: Any) -> None:
        notes.append((message, kwargs))

    app.notify = notify  # type: ignore[method-assign]
    return notes


def env_of(sim, name: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    container = sim.store.get("Deployment", "apps", name)["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e["value"] for e in container["env"]}


async def test_r_releases_a_new_version_and_the_rollout_shows_up() -> None:
    app, source, sim = sim_app("seed")
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        before = env_of(sim, "examiner")["ECHO_VALUE"]
        await pilot.press("r")
        assert env_of(sim, "examiner")["ECHO_VALUE"] != before
        assert env_of(sim, "examiner")["SERVER_ERROR_RATE"] == "0"
        assert notes[-1][0].startswith("Released apps/examiner: ECHO_VALUE=")
        # Released at 120s; Flagger ticks at 130s (detection) and 160s (first step).
        source.advance(45)
        await pilot.pause()
        assert app.state.canaries[EXAMINER].info.phase == "Progressing"
        assert app.state.routers[("apps", "examiner")].canary_weight == 10


async def test_shift_r_releases_a_faulty_version() -> None:
    app, source, sim = sim_app("seed")
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        assert env_of(sim, "examiner")["SERVER_ERROR_RATE"] == "10"
        assert "faulty" in notes[-1][0]
        source.advance(1)
        await pilot.pause()
        assert app.state.deployments[("apps", "examiner")].error_rate == "10"


async def test_l_toggles_background_load() -> None:
    app, source, sim = sim_app("seed")
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        assert "background:apps/examiner" in app.state.loads
        await pilot.press("l")
        assert "background:apps/examiner" not in app.state.loads
        assert notes[-1][0].startswith("Background load off")
        await pilot.press("l")
        assert app.state.loads["background:apps/examiner"].running
        assert notes[-1][0].startswith("Background load on: -c 5 -q 5")


async def test_e_injects_errors_that_show_in_the_load_panel() -> None:
    app, source, sim = sim_app("seed")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        source.advance(10)
        await pilot.pause()
        errors = [s for s in app.state.loads.values() if s.label == "error injection"]
        assert len(errors) == 1
        assert dict(errors[0].status_counts).get(500, 0) > 30
        assert errors[0].duration_s == 240
        source.advance(240)
        await pilot.pause()
        assert all(s.label != "error injection" or not s.running for s in app.state.loads.values())


async def test_a_second_e_while_errors_run_is_refused_and_says_so() -> None:
    app, source, sim = sim_app("seed")
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        source.advance(30)
        await pilot.pause()
        await pilot.press("e")
        assert notes[-1][0].startswith("Errors are already being injected (210s left): one injection at a time")
        assert notes[-1][1]["severity"] == "warning"
        assert len([s for s in app.state.loads.values() if s.label == "error injection"]) == 1
        source.advance(240)
        await pilot.pause()
        await pilot.press("e")  # once it has ended, e starts a new one
        assert notes[-1][0].startswith("Injecting errors")


async def test_p_refuses_when_there_is_nothing_to_promote_and_promotes_during_analysis() -> None:
    app, source, sim = sim_app("seed")
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert notes[-1][0].startswith("Nothing to promote: apps/examiner is Initialized")
        assert notes[-1][1]["severity"] == "warning"
        await pilot.press("r")
        source.advance(70)
        await pilot.pause()
        await pilot.press("p")
        assert "skipAnalysis" in notes[-1][0]
        source.advance(60)
        await pilot.pause()
        assert app.state.canaries[EXAMINER].info.phase == "Succeeded"


async def test_p_opens_the_promotion_gate_when_the_canary_has_one() -> None:
    app, source, sim = sim_app("gated")
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        for _ in range(30):
            source.advance(10)
            if app.state.canaries[EXAMINER].info.phase == "WaitingPromotion":
                break
        await pilot.pause()
        assert app.state.canaries[EXAMINER].info.phase == "WaitingPromotion"
        await pilot.press("p")
        assert notes[-1][0].startswith("Promotion gate opened for apps/examiner")
        source.advance(30)
        await pilot.pause()
        assert app.state.canaries[EXAMINER].info.phase == "Promoting"


async def test_a_aborts_through_the_rollback_gate() -> None:
    app, source, sim = sim_app("demo")
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        assert notes[-1][0].startswith("Nothing to abort")
        await pilot.press("r")
        source.advance(70)
        await pilot.press("a")
        assert notes[-1][0].startswith("Rollback gate opened")
        source.advance(30)
        await pilot.pause()
        view = app.state.canaries[EXAMINER]
        assert view.info.phase == "Failed"
        assert view.last_warning is not None
        assert view.last_warning.message == "Canary failed! Scaling down examiner.apps"


async def test_a_explains_what_is_missing_without_a_rollback_hook() -> None:
    app, source, sim = sim_app("seed")
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        source.advance(70)
        await pilot.press("a")
        assert "needs a rollback webhook" in notes[-1][0]
        assert notes[-1][1]["severity"] == "warning"


async def test_s_suspends_and_resumes() -> None:
    app, source, sim = sim_app("seed")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert app.state.canaries[EXAMINER].info.suspend
        source.advance(30)
        await pilot.pause()
        assert "suspended" in str(app.rollout_screen.query_one("#status").render())
        assert app.state.events[-1].event.message == "skipping canary run as object is suspended"
        await pilot.press("s")
        assert not app.state.canaries[EXAMINER].info.suspend


async def test_d_opens_and_closes_the_detail_charts() -> None:
    app, source, sim = sim_app("seed")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        assert isinstance(app.screen, DetailScreen)
        source.advance(10)
        await pilot.pause()
        await pilot.press("d")
        assert app.screen is app.rollout_screen
        await pilot.press("d", "escape")
        assert app.screen is app.rollout_screen


async def test_question_mark_shows_help() -> None:
    app, source, sim = sim_app("seed")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is app.rollout_screen


async def test_slash_filters_the_event_log() -> None:
    app, source, sim = sim_app("seed")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await pilot.press(*"Initialization")
        await pilot.pause()
        box = app.rollout_screen.query_one("#event-filter")
        # One line inside the panel, showing what was typed (no tall Input border hiding it).
        assert box.region.height == 1 and box.styles.border_top[0] in ("", "none")
        assert "Initialization" in box.render_line(0).text
        text = app.rollout_screen.query_one("#events").visible_text()
        assert "Initialization done! examiner.apps" in text
        assert "all the metrics providers" not in text
        await pilot.press("escape")
        await pilot.pause()
        assert "all the metrics providers" in app.rollout_screen.query_one("#events").visible_text()


async def test_n_follows_the_next_canary() -> None:
    two = {"canaries": [{"name": "examiner"}, {"name": "podinfo", "namespace": "test"}]}
    app, source, sim = sim_app(two)
    async with app.run_test(size=SIZE) as pilot:
        assert str(app.state.selected) == "apps/examiner"
        await pilot.press("n")
        assert str(app.state.selected) == "test/podinfo"
        await pilot.press("r")
        source.advance(40)
        await pilot.pause()
        assert app.state.canaries[app.state.selected].info.phase == "Progressing"
        assert app.state.canaries[EXAMINER].info.phase == "Initialized"


async def test_q_quits() -> None:
    app, source, sim = sim_app("seed")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
    assert app.return_code == 0


@pytest.mark.parametrize("key", ["r", "R", "l", "e", "p", "a", "s"])
async def test_every_action_key_is_also_a_palette_command(key: str) -> None:
    app, source, sim = sim_app("seed")
    async with app.run_test(size=SIZE):
        titles = {command.title for command in app.get_system_commands(app.screen)}
        binding = next(b for b in app.BINDINGS if b.key == key)
        action = binding.action.split("'")[1]
        from tui.actions import ACTION_TITLES, ActionKind

        assert ACTION_TITLES[ActionKind(action)] in titles
