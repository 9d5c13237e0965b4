"""evolve makes what dataclasses.replace makes, and leaves to it every class whose dict is not just its fields."""

from __future__ import annotations

import dataclasses
import functools

import pytest

from tests.cluster import objects
from tui.domain.evolve import evolve
from tui.domain.model import CanaryKey
from tui.domain.observations import CanariesListed
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.kube.parse import parse_canary


def test_it_makes_what_replace_makes_and_leaves_the_original_alone() -> None:
    info = parse_canary(objects.canary(phase="Progressing", weight=20))
    assert info is not None
    state = reduce_all(AppState(), [CanariesListed((info,), None, 5.0)])
    view = state.canaries[info.key]
    state_before, view_before = dataclasses.replace(state), dataclasses.replace(view)
    for changes in ({"now": 9.0}, {"selected": None, "event_seq": 3}, {}):
        made = evolve(state, **changes)
        assert made == dataclasses.replace(state, **changes)
        assert type(made) is AppState and made is not state
    assert evolve(view, phase_since=1.0) == dataclasses.replace(view, phase_since=1.0)
    assert state == state_before and view == view_before
    assert state.selected == CanaryKey("test", "examiner")
    with pytest.raises(dataclasses.FrozenInstanceError):
        evolve(state, now=1.0).now = 2.0  # type: ignore[misc]
    assert hash(evolve(view, phase_since=1.0)) == hash(dataclasses.replace(view, phase_since=1.0))


def test_an_unknown_field_is_an_error_as_with_replace() -> None:
    with pytest.raises(TypeError, match="no field"):
        evolve(AppState(), nowt=1.0)


@dataclasses.dataclass(frozen=True)
class Checked:
    value: int

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("negative")


@dataclasses.dataclass(frozen=True)
class Cached:
    value: int

    @functools.cached_property
    def double(self) -> int:
        return 2 * self.value


@dataclasses.dataclass(frozen=True)
class Derived:
    value: int
    twice: int = dataclasses.field(init=False, default=0)


def test_a_class_with_more_than_its_fields_goes_through_replace() -> None:
    with pytest.raises(ValueError, match="negative"):
        evolve(Checked(1), value=-1)  # __post_init__ still checks
    cached = Cached(2)
    assert cached.double == 4
    assert evolve(cached, value=5).double == 10  # the cached value is not carried over
    assert evolve(Derived(1), value=2) == Derived(2)
