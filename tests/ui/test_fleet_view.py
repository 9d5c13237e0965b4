"""Several contexts in one app: the overview lists every context's canaries with a CONTEXT column, the top line has
one mark per context, `n` steps across contexts, Enter/Esc keep the context, and actions ask and act in the context
of the canary they are for."""

from __future__ import annotations

from typing import Any

from tests.cluster import objects
from tests.waiting import settle
from tui.actions import ActionKind, Outcome, ReadOnlyActions
from tui.actions.fleet import FleetActions
from tui.app import CanaryscopeApp
from tui.app.fleet_focus import Selection
from tui.domain.fleet import InContext
from tui.domain.model import CanaryKey, Health, SourceHealth
from tui.domain.observations import CanariesListed, ClockTick, HealthObserved, Observation
from tui.kube.parse import parse_canary
from tui.screens.confirm import ConfirmScreen
from tui.sources.mailbox import Consumer, Mailbox
from widgets.canary_table import CanaryTable
from widgets.topbar import TopBar

T0 = 1_772_625_600.0  # the objects' lastTransitionTime
NOW = T0 + 600.0
CONTEXTS = ("eu-west", "us-east", "ap-south")
CANARIES = {
    "eu-west": [("examiner", "Progressing", 20), ("payments", "Succeeded", 0)],
    "us-east": [("examiner", "Failed", 0), ("checkout", "WaitingPromotion", 50)],
    "ap-south": [],
}


def key(name: str) -> CanaryKey:
    return CanaryKey("apps", name)


def context_observations(context: str, canaries: dict[str, list[tuple[str, str, int]]] = CANARIES) -> InContext:
    infos = []
    for name, phase, weight in canaries[context]:
        info = parse_canary(objects.canary(name, "apps", phase=phase, weight=weight))
        assert info is not None
        infos.append(info)
    found: list[Observation] = [ClockTick(NOW)]
    if context == "ap-south":
        detail = "ap-south · https://10.0.0.7:6443: connection refused"
        found.append(HealthObserved(SourceHealth("kubernetes", Health.UNREACHABLE, detail, 3)))
    else:
        found += [HealthObserved(SourceHealth(s, Health.CONNECTED, "")) for s in ("kubernetes", "canaries")]
        found.append(CanariesListed(tuple(infos), "apps", T0))
    return InContext(context, tuple(found))


class FixedFleetSource:
    """Every context's observations in one burst, then nothing: a fleet caught at one moment."""

    label = "3 contexts"
    pacing = None

    def __init__(self, canaries: dict[str, list[tuple[str, str, int]]] = CANARIES) -> None:
        self.canaries = canaries

    def start(self, sink: Mailbox | Consumer) -> None:
        sink.put([context_observations(c, self.canaries) for c in CONTEXTS])  # type: ignore[union-attr,list-item]

    def pump(self) -> None:
        pass

    def stop(self) -> None:
        pass


class Recording:
    """One context's actions: what was asked and done there."""

    read_only = False
    needs_confirmation = True
    blocking = False

    def __init__(self, context: str) -> None:
        self.context = context
        self.performed: list[tuple[ActionKind, CanaryKey]] = []

    def describe(self, kind: ActionKind, key: CanaryKey) -> str:
        return f"Suspend {key}?"

    def perform(self, kind: ActionKind, key: CanaryKey) -> Outcome:
        self.performed.append((kind, key))
        return Outcome(True, f"Suspended {key}")

    def bind(self, report: Any) -> None:
        pass

    def after_state(self, state: Any) -> None:
        pass

    def stop(self) -> None:
        pass


def fleet_app(actions: Any = None) -> CanaryscopeApp:
    return CanaryscopeApp(
        FixedFleetSource(),  # type: ignore[arg-type]
        actions or ReadOnlyActions(),
        start_with_overview=True,
        contexts=CONTEXTS,
    )


def all_listed(app: CanaryscopeApp) -> bool:
    return app.focus is not None and app.focus.count() == 4 and len(app.overview_screen.query_one(CanaryTable)) == 4


async def ready(pilot: Any) -> None:
    app = pilot.app
    await settle(pilot, lambda: all_listed(app), "every context's canaries listed")
    await pilot.pause()


def test_overview_of_three_contexts_at_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(fleet_app(), terminal_size=(120, 40), run_before=ready)


def test_overview_of_three_contexts_at_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(fleet_app(), terminal_size=(80, 24), run_before=ready)


async def test_rows_carry_their_context_and_the_top_line_marks_each_context() -> None:
    app = fleet_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        table = app.overview_screen.query_one(CanaryTable)
        rows = [table.cells(k) for k in table.row_keys()]
        # Cells: namespace, name, phase, ..., marker, context (the context is drawn first).
        assert sorted((r[-1], r[1], r[2]) for r in rows) == [
            ("eu-west", "examiner", "▶ Progressing"),
            ("eu-west", "payments", "✔ Succeeded"),
            ("us-east", "checkout", "◷ WaitingPromotion"),
            ("us-east", "examiner", "✖ Failed"),
        ]
        line = app.overview_screen.query_one(TopBar).render_state(app.state).plain
        # No room at 120 columns for each context's word: its mark, and the attempt of the one being retried.
        assert line.endswith("eu-west ●  us-east ●  ap-south ✖ 3  12:10:00")
        # The first screen starts on the row that most needs a human: us-east's failed canary, the first counted.
        assert line.startswith("canaryscope · us-east · apps/examiner (1 of 4)")


async def test_n_steps_through_every_context_and_back_to_the_first() -> None:
    app = fleet_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert app.focus is not None
        seen = [app.focus.selection]
        for _ in range(4):
            await pilot.press("n")
            await settle(pilot, lambda: app.focus is not None and app.focus.selection != seen[-1], "the next canary")
            seen.append(app.focus.selection)
        # From the failed canary the overview starts on, through every context in name order, and round again.
        assert seen == [
            Selection("us-east", key("examiner")),
            Selection("eu-west", key("examiner")),
            Selection("eu-west", key("payments")),
            Selection("us-east", key("checkout")),
            Selection("us-east", key("examiner")),
        ]
        assert app.state is app.focus.fleet.state_of("us-east")


async def test_enter_opens_the_row_in_its_context_and_esc_returns_to_it() -> None:
    app = fleet_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        table = app.overview_screen.query_one(CanaryTable)
        wanted = next(k for k in table.row_keys() if (table.cells(k)[-1], table.cells(k)[1]) == ("us-east", "examiner"))
        for _ in range(3):
            table.move_cursor(wanted, notify=True)
            await settle(pilot, lambda: app.state.selected == key("examiner") and app.focus.context == "us-east", "row")  # type: ignore[union-attr]
            await pilot.press("enter")
            await settle(pilot, lambda: app.screen is app.rollout_screen, "the rollout screen")
            status = app.rollout_screen.query_one("#status").render_state(app.state).plain  # type: ignore[attr-defined]
            assert "apps/examiner" in status and "Failed" in status
            await pilot.press("escape")
            await settle(pilot, lambda: app.screen is app.overview_screen, "the overview again")
            assert table.cursor_key == wanted


async def test_the_question_names_the_context_and_only_its_actions_act() -> None:
    east, west = Recording("eu-west"), Recording("us-east")
    actions = FleetActions({"eu-west": east, "us-east": west}, read_only=False)
    app = fleet_app(actions)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        app.select_in("us-east", key("examiner"))
        await pilot.press("s")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert app.screen.question == "In context us-east: Suspend apps/examiner?"  # type: ignore[attr-defined]
        await pilot.press("y")
        await settle(pilot, lambda: bool(west.performed), "the suspension")
    assert west.performed == [(ActionKind.TOGGLE_SUSPEND, key("examiner"))]
    assert east.performed == []


async def open_us_east_examiner(pilot: Any) -> None:
    app = pilot.app
    await ready(pilot)
    app.select_in("us-east", key("examiner"))
    await pilot.press("enter")
    await settle(pilot, lambda: app.screen is app.rollout_screen, "the rollout screen")
    await pilot.pause()


def test_rollout_screen_names_its_context_at_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(fleet_app(), terminal_size=(80, 24), run_before=open_us_east_examiner)


async def test_a_narrow_top_line_counts_the_healthy_contexts_and_names_the_troubled() -> None:
    app = fleet_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        line = app.overview_screen.query_one(TopBar).render_state(app.state).plain
        assert line.startswith("canaryscope · us-east · apps/examiner")
        assert line.endswith("● 2/3  ap-south ✖ 3  12:10:00")


async def test_a_first_context_with_one_canary_still_opens_on_the_overview() -> None:
    one_first = {**CANARIES, "eu-west": CANARIES["eu-west"][:1]}
    app = CanaryscopeApp(
        FixedFleetSource(one_first),  # type: ignore[arg-type]
        ReadOnlyActions(),
        start_with_overview=True,
        contexts=CONTEXTS,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: app.focus is not None and app.focus.count() == 3, "every context listed")
        await pilot.pause()
        assert app.screen is app.overview_screen
