"""Several contexts: which are chosen from the command line, how each context's health is marked, and how the
selection steps through every context's canaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.standin.kubeconfig import write_kubeconfig
from tui.app.fleet_focus import FleetFocus, Selection
from tui.cli import main
from tui.cluster.contexts import split_contexts
from tui.domain.fleet import InContext
from tui.domain.fleet_health import context_health
from tui.domain.model import CanaryInfo, CanaryKey, Health, SourceHealth
from tui.domain.observations import CanariesListed, HealthObserved
from tui.domain.state import AppState


def test_contexts_come_comma_separated_or_repeated_each_once_in_order() -> None:
    assert split_contexts(["east,west", "north", "west", " ,south"]) == ("east", "west", "north", "south")
    assert split_contexts(None) == ()


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Path:
    return write_kubeconfig(
        tmp_path / "kubeconfig", "http://127.0.0.1:1", context="east", extra_contexts={"west": "http://127.0.0.1:2"}
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--context", "east,nort"], "context 'nort' not in {kc} (contexts: east, west)"),
        (
            ["--context", "east", "--context", "x", "--context", "y"],
            "contexts 'x', 'y' not in {kc} (contexts: east, west)",
        ),
        (["--context", "east,west", "apps/examiner"], "a CANARY needs one context: give one --context"),
    ],
)
def test_a_context_mistake_is_one_line_and_exit_2(
    args: list[str], message: str, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--kubeconfig", str(kubeconfig), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("canaryscope: " + message.format(kc=kubeconfig)), err
    assert err.count("\n") == 1


def health(*items: tuple[str, Health, int]) -> AppState:
    return AppState(health={s: SourceHealth(s, h, "why", a) for s, h, a in items})


def test_a_context_is_marked_by_its_worst_source_and_switched_off_sources_do_not_count() -> None:
    assert context_health("e", AppState()).state is Health.CONNECTING
    quiet = health(("kubernetes", Health.CONNECTED, 0), ("logger", Health.DISABLED, 0))
    assert (context_health("e", quiet).state, context_health("e", quiet).troubled) == (Health.CONNECTED, ())
    mixed = health(
        ("kubernetes", Health.CONNECTED, 0), ("canaries", Health.RECONNECTING, 2), ("events", Health.FORBIDDEN, 0)
    )
    marked = context_health("e", mixed)
    assert marked.state is Health.FORBIDDEN
    assert [h.source for h in marked.troubled] == ["events", "canaries"]
    assert marked.attempt == 2


def listed(*names: str) -> CanariesListed:
    return CanariesListed(tuple(CanaryInfo(CanaryKey("apps", n), target=n) for n in names), "apps", 0.0)


def test_the_selection_steps_through_every_context_and_skips_an_empty_one() -> None:
    focus = FleetFocus(("a", "b", "c"))
    assert focus.next() is None
    focus.fold(
        [
            InContext("a", (listed("y", "x"),)),
            InContext("b", (HealthObserved(SourceHealth("kubernetes", Health.UNREACHABLE, "down")),)),
            InContext("c", (listed("x"),)),
        ]
    )
    assert focus.selection == Selection("a", CanaryKey("apps", "x"))  # the reducer selects a context's first
    seen = []
    for _ in range(3):
        step = focus.next()
        assert step is not None
        focus.select(step.context, step.key)
        seen.append((focus.selection, focus.position()))
    assert seen == [
        (Selection("a", CanaryKey("apps", "y")), (2, 3)),
        (Selection("c", CanaryKey("apps", "x")), (3, 3)),
        (Selection("a", CanaryKey("apps", "x")), (1, 3)),
    ]
    assert focus.state is focus.fleet.state_of("a")
