"""Names cut to a column's width still tell each other apart: the overview's context column at 80 columns."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.ui.overview_fleets import mixed_state
from tui.domain.short_names import distinct_short
from tui.screens.overview import CONTEXT, columns_for, row_for
from tui.sim.fleet import CLUSTERS


def test_the_fleet_demo_contexts_keep_what_tells_them_apart_at_80_columns() -> None:
    columns = columns_for(80, several=True, contexts=tuple(CLUSTERS))
    shown = dict(columns.contexts)
    assert shown == {"eu-west": "eu-we…", "us-east": "us-ea…", "ap-south": "ap-so…"}
    state = mixed_state(1)
    view = next(iter(state.canaries.values()))
    assert row_for(state, view, columns, "ap-south")[CONTEXT] == "ap-so…"


def test_names_alike_at_the_start_are_cut_to_their_ends() -> None:
    assert distinct_short(["prod-eu-west-1", "prod-us-east-1"], 7) == {
        "prod-eu-west-1": "prod-e…",
        "prod-us-east-1": "prod-u…",
    }
    shorts = distinct_short(["prod-eu-west-1", "prod-us-east-1"], 6)
    assert shorts == {"prod-eu-west-1": "…est-1", "prod-us-east-1": "…ast-1"}


def test_a_column_too_narrow_to_tell_names_apart_is_widened_from_its_neighbour() -> None:
    contexts = ("cluster-a-prod", "cluster-b-prod")
    assert distinct_short(contexts, 6) is None
    columns = columns_for(80, several=True, contexts=contexts)
    narrow = columns_for(80, several=True)
    assert columns.widths[CONTEXT] > narrow.widths[CONTEXT] and columns.widths[0] < narrow.widths[0]
    assert sum(columns.widths) == sum(narrow.widths), "the room comes from the other columns"
    assert len(set(dict(columns.contexts).values())) == 2


@given(st.lists(st.text("abc-1", min_size=1, max_size=12), min_size=1, max_size=6), st.integers(2, 12))
def test_cut_names_fit_never_read_alike_and_never_as_another(names: list[str], width: int) -> None:
    shorts = distinct_short(names, width)
    if shorts is None:
        return
    assert set(shorts) == set(names)
    assert all(len(short) <= width for short in shorts.values())
    assert len(set(shorts.values())) == len(shorts)
    for name, short in shorts.items():
        if short == name:
            continue
        head, _, tail = short.partition("…")
        readers = [other for other in shorts if len(other) > width and other.startswith(head) and other.endswith(tail)]
        assert readers == [name]


def test_short_context_names_leave_their_spare_cells_to_the_last_event() -> None:
    wide = columns_for(120, several=True, contexts=("eu-west-123", "us-east-123"))
    short = columns_for(120, several=True, contexts=("east", "west"))
    assert short.widths[CONTEXT] == len("context") < wide.widths[CONTEXT]
    assert short.widths[7] - wide.widths[7] == wide.widths[CONTEXT] - short.widths[CONTEXT]
    assert dict(short.contexts) == {"east": "east", "west": "west"}
