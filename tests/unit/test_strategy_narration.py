"""The narration speaks the analysis's strategy: iterations i/N and who gets the traffic for A/B testing and
blue/green, never the canary strategy's weights ("Canary at 100 %", "next step to …%")."""

from __future__ import annotations

import pytest

from tests import router_objects as ro
from tests import strategy_states as ss
from tui.domain.narration import narrate, narration
from tui.domain.state import AppState

WEIGHT_WORDS = ("Canary at", "next step to", "100 %", "New revision detected")


def said(state: AppState) -> str:
    return narrate(state)


def assert_no_weight_talk(state: AppState) -> None:
    for form in narration(state).forms:
        for words in WEIGHT_WORDS:
            assert words not in form, form


def test_ab_mid_analysis_counts_iterations_and_estimates_promotion() -> None:
    text = said(ss.ab(4))
    assert text.startswith("A/B test: iteration 4/10, matched users on the canary;"), text
    # Six more iteration ticks from the next one (in 40 s), one minute apart: promotion at 6m40s.
    assert "promotion after 6 more checks (about 7m)" in text, text
    assert_no_weight_talk(ss.ab(4))


def test_ab_at_its_last_iteration_promotes_at_the_next_tick() -> None:
    text = said(ss.ab(10))
    assert "iteration 10/10" in text and "promotion follows at the next tick in 40s" in text, text


@pytest.mark.parametrize("written", [10, 9])
def test_ab_waiting_promotion_reads_n_of_n_whatever_the_status_writes(written: int) -> None:
    # Flagger writes iterations N-1 on entering WaitingPromotion, then N and N-1 on alternate ticks.
    state = ss.ab(written, "WaitingPromotion")
    text = said(state)
    assert text.startswith("A/B test passed 10/10 iterations and waits for promotion approval: press p."), text
    assert "Matched users stay on the canary" in text
    assert "9/10" not in text and "reports weight 0" not in text
    assert_no_weight_talk(state)


def test_blue_green_mid_analysis_says_the_primary_serves_everyone() -> None:
    text = said(ss.blue_green(2))
    assert text.startswith(
        "Blue/green: iteration 2/5 on the canary's own Service, podinfo-primary still serves everyone;"
    ), text
    assert "all traffic moves to the canary after 3 more checks" in text
    assert_no_weight_talk(ss.blue_green(2))


def test_blue_green_after_routing_to_the_canary() -> None:
    # The last iteration tick writes N+1: that is not 6/5, it is all traffic on the canary and promotion next.
    text = said(ss.blue_green(6, routed=True))
    assert text == "Blue/green: all traffic on the canary; promotion follows at the next tick in 40s.", text


def test_blue_green_mirroring_names_the_mirrored_share() -> None:
    assert "the canary gets mirrored copies of requests (50 %)" in said(ss.blue_green(2, mirror=True))


def test_kubernetes_is_blue_green_with_ten_iterations_and_no_routing() -> None:
    state = ss.kubernetes(3)
    text = said(state)
    assert text.startswith("Blue/green: iteration 3/10 on the canary's own Service"), text
    # No router to move: seven more iteration ticks, one silent, then the promotion tick.
    assert "promotion after 8 more checks" in text and "moves to the canary" not in text, text
    assert_no_weight_talk(state)


def test_blue_green_waiting_promotion() -> None:
    text = said(ss.blue_green(4, "WaitingPromotion"))
    assert text.startswith("Blue/green passed 5/5 iterations and waits for promotion approval"), text
    assert "podinfo-primary still serves everyone" in text


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_short_forms_keep_the_iteration(width: int) -> None:
    assert "4/10" in narration(ss.ab(4)).fitted(width)


def test_a_halt_during_ab_names_the_iteration_not_a_weight() -> None:
    obj = ss.canary_object("Progressing", 4, provider="gatewayapi:v1", iterations=10, match=ss.AB_MATCH)
    obj["status"]["failedChecks"] = 2
    halt = "Halt podinfo.test advancement success rate 91.00% < 99%"
    events = (*ss.advances(4, 10), halt)
    state = ss.build(obj, (ro.http_route(0, 100, ab=True),), events)
    text = said(state)
    assert text.startswith("A/B test, iteration 4/10: success rate"), text
    assert "failed check 2 of 5" in text and "Canary at" not in text, text


def test_ab_promoting_does_not_quote_the_match_rule_as_the_primary_share() -> None:
    text = said(ss.ab(10, "Promoting"))
    assert "primary at 0 %" not in text and text.startswith("Analysis passed"), text


def test_a_suspended_ab_test_keeps_matched_users_on_the_canary() -> None:
    obj = ss.canary_object("Progressing", 4, provider="gatewayapi:v1", iterations=10, match=ss.AB_MATCH)
    obj["spec"]["suspend"] = True
    text = said(ss.build(obj, (ro.http_route(0, 100, ab=True),)))
    assert "traffic stays at its A/B routes (matched users on the canary)" in text and "0/100" not in text, text
