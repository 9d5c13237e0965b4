"""Text from outside made safe once, where it is parsed: controls visible, invisible characters gone, bounded."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from tui.base.safe_text import MAX_CHARS, safe_line, safe_text
from tui.cluster.prometheus import by_deployment
from tui.domain.flagger.logger_stream import parse_lines, render_record
from tui.domain.flagger.payload import EventPayload
from tui.kube.events import EventTracker
from tui.kube.parse import parse_canary, parse_deployment, parse_router

# What the issue saw planted: window title, clipboard, hyperlink, forged lines, erased lines.
OSC_TITLE = "\x1b]0;PWNED\x1b\\"
OSC_CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4K\x1b\\"
OSC_LINK = "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
FORGED = "ok\n2026-03-04T12:00:00Z succeeded test/examiner revision x after 1s\n::error title=x::owned"
ERASE = "fine\r\x1b[1A\x1b[2Kgone"
PLANTED = [OSC_TITLE, OSC_CLIPBOARD, OSC_LINK, FORGED, ERASE, "nul\x00del\x7fc1\x9b31m", "bell\x07tab\tend"]

RTL_AND_INVISIBLE = "a\u202eb\u2066c\u2069d\u200be\u200df\ufeffg\u2060h\u200ei\u200fj\u061ck"
ENGLAND = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
EMOJI = ["👨\u200d👩\u200d👧", "❤\ufe0f", "👍\U0001f3fd", ENGLAND]


def controls(text: str) -> list[str]:
    return [c for c in text if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0]


@pytest.mark.parametrize("planted", PLANTED)
def test_controls_become_visible_symbols_on_one_line(planted: str) -> None:
    safe = safe_text(planted)
    assert controls(safe) == []
    assert len(safe.splitlines()) == 1
    assert safe_text(safe) == safe  # once is enough: made safe twice changes nothing


def test_the_symbols_say_which_control_it_was() -> None:
    assert safe_text(OSC_TITLE) == "␛]0;PWNED␛\\"
    assert safe_text("a\nb\r\nc") == "a⏎b⏎⏎c"
    assert safe_text("nul\x00del\x7f") == "nul␀del␡"
    assert safe_text("c1\x9b31m") == "c1\ufffd31m"
    assert safe_text("tab\tend") == "tab end"
    assert safe_text("ordinary text: 91.60% < 99% [ok]") == "ordinary text: 91.60% < 99% [ok]"


def test_bidi_and_zero_width_characters_are_removed() -> None:
    assert safe_text(RTL_AND_INVISIBLE) == "abcdefghijk"
    assert safe_text("שלום") == "שלום"  # right-to-left letters themselves stay


@pytest.mark.parametrize("emoji", EMOJI)
def test_emoji_sequences_are_split_so_every_terminal_counts_the_cells_rich_counts(emoji: str) -> None:
    safe = safe_text(emoji)
    # No character joins its neighbour: the width is the sum of single characters' widths, as a terminal
    # without grapheme clustering draws them, and as one with it does when nothing is left to join.
    assert cell_len(safe) == sum(cell_len(c) for c in safe)
    assert safe and all(cell_len(c) in (1, 2) for c in safe)  # nothing left that draws in no cell


def test_lone_surrogates_become_replacement_characters_so_the_text_can_be_written() -> None:
    decoded = json.loads('"a\\ud800b"')
    safe_text(decoded).encode("utf-8")
    assert safe_text(decoded) == "a\ufffdb"


def test_length_is_bounded_with_an_ellipsis() -> None:
    long = "x" * (MAX_CHARS * 10)
    assert len(safe_text(long)) == MAX_CHARS and safe_text(long).endswith("…")
    assert safe_text("abcdef", limit=4) == "abc…"


@pytest.mark.parametrize("line", ["::error title=x::owned", "  ::warning::x", "##vso[task.setvariable variable=x]1"])
def test_a_line_never_starts_like_a_ci_workflow_command(line: str) -> None:
    safe = safe_line(line)
    assert not safe.lstrip().startswith(("::", "##"))
    assert line.strip() in safe


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_is_safe(text: str) -> None:
    safe = safe_text(text)
    assert controls(safe) == []
    assert "\u200d" not in safe and "\u202e" not in safe
    assert len(safe) <= MAX_CHARS
    safe.encode("utf-8")
    line = safe_line(text)
    assert "\n" not in line and not line.lstrip().startswith(("::", "##"))


# --- at the parsers ------------------------------------------------------------------------------------------


def test_canary_fields_are_made_safe_where_they_are_parsed() -> None:
    hook = {"name": "[@click=app.act('release')]smoke\x1b]0;PWNED\x1b\\", "type": "pre-rollout", "url": "http://x"}
    canary = {
        "metadata": {"namespace": "test", "name": "examiner"},
        "spec": {"targetRef": {"name": "[/]\u202eexaminer"}, "analysis": {"webhooks": [hook]}},
        "status": {"phase": "Progressing\n::error::x"},
    }
    info = parse_canary(canary)
    assert info is not None
    assert info.webhooks[0].name == "[@click=app.act('release')]smoke␛]0;PWNED␛\\"
    assert info.target == "[/]examiner"  # markup characters are text: kept; the bidi override is gone
    assert info.phase == "Progressing⏎::error::x"


def test_deployment_env_values_are_made_safe() -> None:
    deployment = {
        "metadata": {"namespace": "test", "name": "examiner"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "image": "img\x1b[2J",
                            "env": [
                                {"name": "ECHO_VALUE", "value": f"v2 {OSC_CLIPBOARD} 👨\u200d👩\u200d👧"},
                                {"name": "SERVER_ERROR_RATE", "value": "1\r"},
                            ],
                        }
                    ]
                }
            }
        },
    }
    info = parse_deployment(deployment)
    assert info is not None
    assert info.echo_value == "v2 ␛]52;c;cm0gLXJmIH4K␛\\ 👨👩👧"
    assert info.error_rate == "1⏎"
    assert info.image == "img␛[2J"


def test_router_backends_still_match_the_names_made_safe() -> None:
    router = {
        "kind": "TrafficSplit",
        "metadata": {"namespace": "test", "name": "a\x1bb"},
        "spec": {"backends": [{"service": "a\x1bb-primary", "weight": 90}, {"service": "a\x1bb-canary", "weight": 10}]},
    }
    info = parse_router(router)
    assert info is not None and info.name == "a␛b"
    assert (info.primary_weight, info.canary_weight) == (90, 10)


def test_logger_payloads_are_made_safe() -> None:
    payload = EventPayload("examiner", "test", "Progressing", FORGED + ERASE, "Warning", 1_700_000_000_000)
    (decoded,) = parse_lines(render_record(payload))
    assert controls(decoded.message) == [] and decoded.message.count("⏎") == 3
    assert decoded.message.startswith("ok⏎2026-03-04T12:00:00Z succeeded")


def test_kubernetes_event_messages_are_made_safe() -> None:
    event = {
        "metadata": {"name": "e", "namespace": "test", "uid": "u1"},
        "involvedObject": {"kind": "Canary", "name": "examiner", "namespace": "test"},
        "type": "Warning",
        "message": OSC_TITLE + FORGED,
        "lastTimestamp": "2026-03-04T12:00:00Z",
    }
    (occurrence,) = EventTracker().occurrences(event)
    assert controls(occurrence.message) == [] and "\n" not in occurrence.message


def test_prometheus_label_values_are_made_safe() -> None:
    result = [{"metric": {"namespace": "test", "deployment": "a\x1bb"}, "value": [0, "1"]}]
    assert list(by_deployment(result)) == [("test", "a␛b")]


def test_a_script_say_line_is_made_safe_when_the_script_is_read() -> None:
    from tui.app.script import parse_script

    script = parse_script({"steps": [{"at": "0s", "do": "say", "text": f"[/bold] 5 [ms]{OSC_TITLE}\nnext"}]})
    assert script.steps[0].text == "[/bold] 5 [ms]␛]0;PWNED␛\\⏎next"


def test_git_and_release_messages_are_one_safe_line() -> None:
    from tui.release.errors import ReleaseError

    error = ReleaseError(f"push rejected\nremote: {OSC_TITLE} [rejected] main -> main\r\x1b[2K")
    assert str(error) == "push rejected remote: ␛]0;PWNED␛\\ [rejected] main -> main ␛[2K"
