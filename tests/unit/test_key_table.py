"""The key table is the one place keys are described: the bindings, the help and the README agree with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tui.actions import ACTION_TITLES, ActionKind
from tui.app import CanaryscopeApp, navigation
from tui.screens import keys
from tui.screens.analysis import AnalysisScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpScreen
from tui.screens.overview import OverviewScreen
from tui.screens.presentation import PresentationScreen
from tui.screens.rollout import RolloutScreen

README = Path(__file__).resolve().parents[2] / "README.md"

SCREENS = {
    navigation.ROLLOUT: RolloutScreen,
    navigation.OVERVIEW: OverviewScreen,
    navigation.DETAIL: DetailScreen,
    navigation.ANALYSIS: AnalysisScreen,
    navigation.PRESENTATION: PresentationScreen,
    navigation.HELP: HelpScreen,
    keys.CONFIRM: ConfirmScreen,
}


def test_the_app_and_every_screen_bind_exactly_their_rows() -> None:
    assert [row.binding() for row in keys.ROWS if row.where == keys.APP and row.bound] == CanaryscopeApp.BINDINGS
    for where, screen in SCREENS.items():
        assert list(screen.__dict__.get("BINDINGS", [])) == [row.binding() for row in keys.rows(where)], where
    assert set(SCREENS) | {keys.APP} == set(keys.WHERE)
    assert {row.where for row in keys.ROWS} <= set(keys.WHERE)


def test_the_rows_textual_binds_itself_are_the_command_palette_s() -> None:
    unbound = [row for row in keys.ROWS if not row.bound]
    assert [(row.key, row.method[0]) for row in unbound] == [
        (CanaryscopeApp.COMMAND_PALETTE_BINDING, "action_command_palette")
    ]
    assert callable(CanaryscopeApp.action_command_palette)


def test_a_key_means_one_thing_in_one_place() -> None:
    # Two rows for one key on the same screen: the second would never act.
    for where in keys.WHERE:
        bound = [row.key for row in keys.rows(where)]
        assert len(bound) == len(set(bound)), where


@pytest.mark.parametrize("row", [row for row in keys.ROWS if row.where == keys.APP and row.bound], ids=lambda r: r.key)
def test_every_app_key_runs_a_method_of_the_app(row: keys.Key) -> None:
    method, params = row.method
    assert callable(getattr(CanaryscopeApp, method, None)), row
    if method == "action_act":
        kind = ActionKind(params[0])
        assert row.palette == ACTION_TITLES[kind]


def test_every_action_has_a_key_and_a_palette_command() -> None:
    acted = {row.method[1][0] for row in keys.ROWS if row.method[0] == "action_act"}
    assert acted == {kind.value for kind in ActionKind}


def test_the_help_lists_the_rows_that_have_help_in_table_order() -> None:
    lines = keys.help_lines()
    assert [text for _, text in lines] == [row.help for row in keys.ROWS if row.help is not None]
    # The help writes keys as a user types them, never Textual's names for them.
    names = [name for name, _ in lines]
    assert "/" in names and "?" in names and "ctrl+p" in names
    assert not {"slash", "question_mark", "escape"} & set(names)
    # Only keys that act everywhere are in the help; a screen's own keys are on that screen's key bar.
    assert all(row.where == keys.APP for row in keys.ROWS if row.help is not None)


def test_palette_help_names_nothing_but_the_screenshot_folder() -> None:
    for row in keys.palette_rows():
        assert set(re.findall(r"{(\w*)}", row.palette_help)) <= {"screenshot_dir"}, row
        assert row.palette_help.format(screenshot_dir="x")


def readme_keys() -> list[tuple[list[str], str]]:
    """The rows of the README's "## Keys" table: the keys each names (in backticks) and its text."""
    section = README.read_text(encoding="utf-8").split("\n## Keys\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert rows[0] == "| key | what it does |"
    table = []
    for line in rows[1:]:
        key_cell, text = (cell.strip() for cell in line.strip("|").split("|", 1))
        table.append((re.findall(r"`([^`]+)`", key_cell), text.rstrip("|").strip()))
    return table


def test_the_readme_lists_every_key_of_the_table_in_its_order() -> None:
    table = readme_keys()
    named = [key for key_names, _ in table for key in key_names]
    assert named == [row.name for row in keys.rows(keys.APP)]


def test_each_readme_row_says_what_the_key_bar_says() -> None:
    by_name = {row.name: row for row in keys.rows(keys.APP)}
    for key_names, text in readme_keys():
        for name in key_names:
            words = by_name[name].label.lower().split()
            assert all(word in text.lower() for word in words), (name, text)


def test_key_names_of_rows() -> None:
    # How the help and the README write a key: its key_display, a word for a named key, else Textual's name.
    assert keys.Key("slash", "x", "X").name == "/"
    assert keys.Key("escape", "x", "X").name == "Esc"
    assert keys.Key("R", "x", "X", key_display="R").name == "R"
    assert keys.Key("ctrl+s", "x", "X").name == "ctrl+s"
    assert keys.Key("r", "act('release')", "Release").method == ("action_act", ("release",))
    assert keys.Key("d", "app.detail", "Back").method == ("action_detail", ())


def test_the_navigation_keys_come_from_the_table() -> None:
    from tui.screens.keys import navigation_keys

    derived = navigation_keys()
    assert derived == {
        "escape": navigation.BACK,
        "enter": navigation.OPEN,
        "o": navigation.OVERVIEW,
        "d": navigation.DETAIL,
        "c": navigation.ANALYSIS,
        "z": navigation.PRESENTATION,
        "question_mark": navigation.HELP,
    }
    assert all(any(row.key == key for row in keys.ROWS) for key in derived)
