"""`n`'s order among every context's canaries is built again only when some context's canaries come or go, not when a
canary's status changes; the top line's `k of n` counts in the overview's order (triage: a canary in flight first)."""

from __future__ import annotations

from tui.app.fleet_focus import FleetFocus, Selection
from tui.domain.fleet import InContext
from tui.domain.model import CanaryInfo, CanaryKey, Health, SourceHealth
from tui.domain.observations import CanariesListed, CanaryDeleted, CanaryObserved, HealthObserved


def info(name: str, phase: str = "Succeeded") -> CanaryInfo:
    return CanaryInfo(CanaryKey("apps", name), target=name, phase=phase)


def listed(*names: str) -> CanariesListed:
    return CanariesListed(tuple(info(n) for n in names), "apps", 0.0)


def test_a_status_change_keeps_the_order_and_a_new_canary_moves_the_place() -> None:
    focus = FleetFocus(("a", "b"))
    focus.fold([InContext("a", (listed("y", "x"),)), InContext("b", (listed("x"),))])
    focus.select("b", CanaryKey("apps", "x"))
    order = focus.ordered()
    assert order == [Selection("a", CanaryKey("apps", "x")), Selection("a", CanaryKey("apps", "y")), order[2]]
    assert focus.position() == (3, 3)

    # A status change replaces a view, not the canaries in scope: the same order, not sorted again.
    assert focus.fold([InContext("a", (CanaryObserved(info("y", "Progressing"), 1.0),))])
    assert focus.fleet.state_of("a").canaries[CanaryKey("apps", "y")].info.phase == "Progressing"
    assert focus.ordered() is order
    assert focus.position() == (3, 3)

    # A canary that comes or goes does.
    focus.fold([InContext("a", (CanaryObserved(info("w"), 2.0),))])
    assert focus.ordered() is not order
    assert focus.position() == (4, 4)
    focus.fold([InContext("a", (CanaryDeleted(CanaryKey("apps", "w"), 3.0),))])
    assert focus.position() == (3, 3)
    focus.select("a", CanaryKey("apps", "y"))
    assert focus.position() == (1, 3), "in flight, y comes before the canaries at rest"
    assert focus.next() == Selection("b", CanaryKey("apps", "x")), "`n` goes by name: after a/y, b/x"


def test_the_first_screen_is_complete_when_every_context_has_listed_or_cannot() -> None:
    focus = FleetFocus(("a", "b", "c"))

    def batch(*items: InContext) -> bool:
        focus.fold(items)
        return focus.all_listed(items)

    assert not batch(InContext("a", (listed("x"),)))
    assert not batch(InContext("b", (HealthObserved(SourceHealth("kubernetes", Health.CONNECTING)),)))
    # A context that cannot be reached lists nothing until it recovers: nobody waits for it.
    assert not batch(InContext("c", (HealthObserved(SourceHealth("kubernetes", Health.UNREACHABLE, "refused")),)))
    assert batch(InContext("b", (listed(),)))  # an empty list is a list
    assert not batch(InContext("c", (listed("y"),))), "said once"
