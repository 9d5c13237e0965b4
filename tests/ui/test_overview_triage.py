"""The overview as a triage: the rows that need a human first with a marker word, a summary line per context, the
`/` filter, sorting by phase by urgency, and a sentence instead of an empty table."""

from __future__ import annotations

from textual import events

from tests.ui.overview_fleets import OverviewApp, mixed_state, two_contexts
from tests.ui.test_navigation import app_for
from tests.waiting import settle
from tui.domain.fleet import Fleet
from tui.domain.model import Health, SourceHealth
from tui.domain.observations import HealthObserved
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from widgets.canary_table import CanaryTable
from widgets.key_bar import KeyBar
from widgets.overview_filter import OverviewFilter

SIZE = (120, 40)


def table_of(app: OverviewApp) -> CanaryTable:
    return app.screen.query_one(CanaryTable)


def summary(app: OverviewApp) -> str:
    return str(app.screen.query_one("#overview-summary").render())


async def test_rows_that_need_a_human_come_first_with_their_marker() -> None:
    app = OverviewApp(Fleet.single(mixed_state()))
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await settle(pilot, lambda: len(table) == 30, "thirty rows")
        markers = [table.cells(key)[8] for key in table.row_keys()]
        assert markers[:8] == ["FAIL", "FAIL", "HALT", "HALT", "GATE", "HUNG", "TERM", ""], markers
        phases = [table.cells(key)[2] for key in table.row_keys()]
        assert phases.index("✔ Succeeded") > max(i for i, p in enumerate(phases) if p == "✖ Failed")
        first = table.cells(table.row_keys()[0])
        assert first[1] == "gateway-09", "the latest failure first"
        assert table.cursor_key == "identity/gateway-09", "the first screen starts on the most urgent row"
        await settle(pilot, lambda: str(app.state.selected) == "identity/gateway-09", "the first row followed")
        assert summary(app).startswith("2 failed · 2 halting · 1 waiting · 1 stuck · 1 terminating · 23 ok")
        halting = next(table.cells(k) for k in table.row_keys() if table.cells(k)[1] == "payments…west-13")
        assert halting[7].endswith("87.37% < 99%"), "a halt keeps its value and bound"
        names = [table.cells(k)[1] for k in table.row_keys()]
        assert {"payments…west-12", "payments…west-13"} <= set(names), "long names keep their ends"


async def test_sorting_by_phase_puts_failed_first_not_by_icon() -> None:
    app = OverviewApp(Fleet.single(mixed_state()))
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await settle(pilot, lambda: len(table) == 30, "thirty rows")
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")  # ns, name, phase
        assert app.screen.sort_column == 2
        phases = [table.cells(key)[2].split()[1] for key in table.row_keys()]
        assert phases[:3] == ["Failed", "Failed", "WaitingPromotion"], phases
        assert phases[-1] in ("Succeeded", "Terminated")
        await pilot.press("minus")
        assert table.cells(table.row_keys()[-1])[2] == "✖ Failed"


async def test_the_filter_matches_name_namespace_or_phase_and_esc_clears_it() -> None:
    app = OverviewApp(Fleet.single(mixed_state()))
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await settle(pilot, lambda: len(table) == 30, "thirty rows")
        app.screen.open_filter()
        await pilot.press(*"failed")
        await settle(pilot, lambda: len(table) == 2, "the two Failed rows")
        assert "2 of 30 match “failed”" in summary(app)
        await pilot.press("ctrl+u", *"search cache")
        await settle(pilot, lambda: len(table) == 1, "search/cache-22 alone")
        assert table.row_keys() == ["search/cache-22"]
        await pilot.press("ctrl+u", *"nothing-like-this")
        await settle(pilot, lambda: len(table) == 0, "no row")
        note = str(app.screen.query_one("#overview-note").render())
        assert "No canary matches “nothing-like-this”" in note
        assert not table.display
        await pilot.press("escape")
        await settle(pilot, lambda: len(table) == 30 and table.display, "every row again")
        assert "match" not in summary(app)
        assert isinstance(app.focused, CanaryTable), "the keys go back to the table"


async def test_enter_after_the_filter_opens_the_highlighted_match() -> None:
    app = OverviewApp(Fleet.single(mixed_state()))
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await settle(pilot, lambda: len(table) == 30, "thirty rows")
        app.screen.open_filter()
        await pilot.press(*"gateway-21", "enter")
        await settle(pilot, lambda: len(table) == 1, "one match")
        assert str(app.state.selected) == "checkout/gateway-21", "the one row left is the one followed"
        await pilot.press("enter")
        assert [str(key) for key in app.opened] == ["checkout/gateway-21"]


async def test_two_contexts_have_a_context_column_and_a_summary_each() -> None:
    app = OverviewApp(two_contexts())
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await settle(pilot, lambda: len(table) == 30, "thirty rows")
        assert table.header[1].strip() == "context"
        contexts = {table.cells(key)[9] for key in table.row_keys()}
        assert contexts == {"eu-west-1", "us-east-1"}
        line = summary(app)
        assert line.startswith("eu-west-1: ") and "us-east-1: " in line
        app.screen.open_filter()
        await pilot.press(*"us-east")
        await settle(pilot, lambda: len(table) == 12, "the second context's rows")


async def test_an_empty_namespace_and_a_refused_list_are_sentences() -> None:
    connected = reduce_all(AppState(), [HealthObserved(SourceHealth("canaries", Health.CONNECTED))])
    app = OverviewApp(Fleet.single(connected))
    async with app.run_test(size=SIZE) as pilot:
        note = app.screen.query_one("#overview-note")
        await settle(pilot, lambda: "none to show" in str(note.render()), "the empty scope sentence")
        assert not table_of(app).display, "no bare header"
    refused = reduce_all(
        AppState(),
        [
            HealthObserved(
                SourceHealth("canaries", Health.FORBIDDEN, "cannot list canaries.flagger.app in all namespaces")
            )
        ],
    )
    app = OverviewApp(Fleet.single(refused))
    async with app.run_test(size=SIZE) as pilot:
        note = app.screen.query_one("#overview-note")
        await settle(pilot, lambda: "-n NAMESPACE" in str(note.render()), "the hint")
        assert "You may not list Canaries in every namespace" in str(note.render())


async def test_esc_clears_a_filter_left_on_then_goes_back_to_the_same_row() -> None:
    app, _source = app_for("overview", start_with_overview=True)
    async with app.run_test(size=SIZE) as pilot:
        table = app.overview_screen.query_one(CanaryTable)
        await settle(pilot, lambda: len(table) == 30, "thirty rows")
        await pilot.press("slash", *"search", "enter", "down")
        await settle(pilot, lambda: len(table) == 6, "the six in search")
        chosen = app.state.selected
        assert chosen is not None and chosen.namespace == "search"
        await pilot.press("enter")
        assert app.screen is app.rollout_screen and app.state.selected == chosen
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is app.overview_screen, "back on the overview")
        assert table.cursor_key == str(chosen) and len(table) == 6, "the same row, the filter still on"
        await pilot.press("escape")
        await settle(pilot, lambda: len(table) == 30, "Esc clears the filter first")
        assert app.screen is app.overview_screen and table.cursor_key == str(chosen)
        await pilot.press("enter")
        assert app.screen is app.rollout_screen and app.state.selected == chosen, "it opens again"


async def test_rows_keep_the_triage_order_as_canaries_change() -> None:
    """The overview moves rows only when a row's triage changes and keeps its counts as rows change; after every change
    its order is the full sort's and its summary a full count's."""
    import random

    from tests.cluster import objects
    from tests.ui.overview_fleets import NOW, names
    from tui.domain.observations import CanaryObserved
    from tui.domain.triage import counts, ranked, triage
    from tui.kube.parse import parse_canary

    app = OverviewApp(Fleet.single(mixed_state()))
    chooser = random.Random(7)
    phases = ("Succeeded", "Failed", "Progressing", "WaitingPromotion", "Terminating", "Initialized")
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await settle(pilot, lambda: len(table) == 30, "thirty rows")
        for step in range(25):
            namespace, name = chooser.choice(names())
            phase = chooser.choice(phases)
            stamp = f"2026-03-04T12:59:{step:02d}Z"  # each change newer than the last: recency reorders too
            info = parse_canary(objects.canary(name, namespace, phase=phase, transition=stamp))
            app.apply([CanaryObserved(info, NOW)])
            expected = [str(view.key) for view, _ in ranked(app.state.canaries.values(), app.state.now)]
            await settle(pilot, lambda expected=expected: table.row_keys() == expected, f"step {step}: {phase}")
            # The summary's counts, kept as rows change, equal a count over every canary.
            line = counts(triage(view, app.state.now) for view in app.state.canaries.values()).line()
            assert summary(app).startswith(line), (summary(app), line)


async def test_a_filter_that_hid_the_row_then_cleared_goes_back_to_it() -> None:
    app, _source = app_for("overview", start_with_overview=True)
    async with app.run_test(size=SIZE) as pilot:
        table = app.overview_screen.query_one(CanaryTable)
        await settle(pilot, lambda: len(table) == 30, "thirty rows")
        await pilot.press("down", "down", "down")
        chosen = app.state.selected
        assert chosen is not None and table.cursor_key == str(chosen)
        await pilot.press("slash", *"pay")
        await settle(pilot, lambda: len(table) == 6, "the six in payments")
        assert app.state.selected != chosen, "the highlighted match is followed meanwhile"
        await pilot.press("escape")
        await settle(pilot, lambda: len(table) == 30, "every row again")
        assert table.cursor_key == str(chosen) and app.state.selected == chosen, "back on the row it was on"
        await pilot.press("enter")
        assert app.screen is app.rollout_screen and app.state.selected == chosen
        # A word that matches nothing, then deleted: the same row again.
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is app.overview_screen, "back on the overview")
        await pilot.press("slash", *"zzz")
        await settle(pilot, lambda: len(table) == 0, "no row")
        await pilot.press("backspace", "backspace", "backspace")
        await settle(pilot, lambda: len(table) == 30, "every row again")
        assert table.cursor_key == str(chosen) and app.state.selected == chosen


async def test_a_row_chosen_under_the_filter_stays_chosen_once_it_is_cleared() -> None:
    app, _source = app_for("overview", start_with_overview=True)
    async with app.run_test(size=SIZE) as pilot:
        table = app.overview_screen.query_one(CanaryTable)
        await settle(pilot, lambda: len(table) == 30, "thirty rows")
        await pilot.press("slash", *"identity", "enter", "down", "down")
        await settle(pilot, lambda: len(table) == 6, "the six in identity")
        chosen = app.state.selected
        assert chosen is not None and chosen.namespace == "identity"
        await pilot.press("escape")
        await settle(pilot, lambda: len(table) == 30, "every row again")
        assert table.cursor_key == str(chosen) and app.state.selected == chosen
        # Filtered again with a word its row matches: the cursor stays on it.
        await pilot.press("slash", *"iden")
        await settle(pilot, lambda: len(table) == 6, "the six in identity")
        assert table.cursor_key == str(chosen)
        await pilot.press("enter", "enter")
        assert app.screen is app.rollout_screen and app.state.selected == chosen


async def test_the_top_line_counts_the_canaries_in_the_order_the_overview_lists_them() -> None:
    app = OverviewApp(Fleet.single(mixed_state()))
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await settle(pilot, lambda: len(table) == 30, "thirty rows")
        top = app.screen.query_one("#topbar")
        for place in (1, 2, 5, 30):
            table.move_cursor(table.row_keys()[place - 1], notify=True)
            await settle(pilot, lambda p=place: f"({p} of 30)" in str(top.render()), f"row {place} counted {place}")


async def test_while_the_filter_is_typed_the_key_bar_shows_its_keys_not_keys_it_types() -> None:
    app = OverviewApp(Fleet.single(mixed_state()))
    async with app.run_test(size=(80, 24)) as pilot:
        table = table_of(app)
        await settle(pilot, lambda: len(table) == 30, "thirty rows")
        bar = app.screen.query_one(KeyBar)
        assert " - Reverse " in bar.render().plain
        app.screen.open_filter()
        await settle(pilot, lambda: " Esc Clear " in bar.render().plain, "the filter's keys")
        text = bar.render().plain
        assert " ⏎ Done " in text and "Reverse" not in text and "Sort" not in text, text
        await pilot.press("minus")
        assert app.screen.query_one("#overview-filter").value == "-", "typed, not a sort"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settle(pilot, lambda: " - Reverse " in bar.render().plain, "the overview's keys again")


async def test_words_typed_fast_after_slash_go_into_the_filter_not_to_the_keys() -> None:
    app, _source = app_for("overview", start_with_overview=True)
    async with app.run_test(size=SIZE) as pilot:
        table = app.overview_screen.query_one(CanaryTable)
        await settle(pilot, lambda: len(table) == 30, "thirty rows")
        # As a terminal sends a burst: every key is queued before the first is handled (`d` would open the detail).
        for character in "/identity":
            app.post_message(events.Key("slash" if character == "/" else character, character))
        await settle(pilot, lambda: len(table) == 6, "the six in identity")
        assert app.screen is app.overview_screen
        assert app.overview_screen.query_one(OverviewFilter).value == "identity"
