"""Scalar rendering: quoted exactly when a parser could read the plain text as something else."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tui.release.yaml_scalar import double_quoted, plain_ok, render_scalar

TRICKY = [
    "10",
    "0",
    "-1",
    "+5",
    ".5",
    "1e3",
    "0x1F",
    "0o17",
    "1_000",
    "12:30",
    "2024-01-01",
    ".inf",
    "-.Inf",
    ".NaN",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "n",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "",
    " ",
    " padded ",
    "a: b",
    "a:",
    "key:value",
    "#hash",
    "a #not a comment",
    "a#b",
    "*star",
    "&amp",
    "!bang",
    "|pipe",
    ">fold",
    "%percent",
    "@at",
    "`tick",
    "'single'",
    '"double"',
    "- dash",
    "-dash",
    "? question",
    "[list]",
    "{map}",
    "a, b",
    "<<",
    "=",
    "multi\nline",
    "trailing newline\n",
    "tab\there",
    "bell\x07",
    "nel\x85",
    "line\u2028separator",
    "bom\ufeff",
    'quote " and \\ backslash',
    "it's",
    "⛈ NRW Rockx aber sowas von 🤘",
    "ünïcödé",
    "Go Flagger go!",
]


@pytest.mark.parametrize("value", TRICKY)
@pytest.mark.parametrize("style", [None, '"', "'", "|"])
def test_every_style_reads_back_as_the_same_string(value: str, style: str | None) -> None:
    rendered = render_scalar(value, style=style)
    assert yaml.safe_load(f"key: {rendered}\n") == {"key": value}
    assert yaml.safe_load(f"{{key: {render_scalar(value, style=style, flow=True)}}}") == {"key": value}


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ("gatewayapi", True),
        ("Go Flagger go!", True),
        ("100..250", False),  # starts like a number
        ("⛈ NRW Rockx 🤘", True),
        ("yes", False),
        ("a: b", False),
        ("a #b", False),
        ("*star", False),
        ("", False),
    ],
)
def test_plain_only_when_unambiguous(value: str, plain: bool) -> None:
    assert plain_ok(value) is plain
    assert (render_scalar(value) == value) is plain


def test_quoting_style_of_the_old_value_is_kept() -> None:
    assert render_scalar("smi", style='"') == '"smi"'
    assert render_scalar("smi", style="'") == "'smi'"
    assert render_scalar("it's", style="'") == "'it''s'"
    assert render_scalar("two\nlines", style="'") == '"two\\nlines"'  # single quotes cannot carry a line break
    assert render_scalar("smi", style="|") == "smi"


def test_flow_context_quotes_flow_indicators() -> None:
    assert render_scalar("a, b") == "a, b"
    assert render_scalar("a, b", flow=True) == '"a, b"'
    assert render_scalar("x:y", flow=True) == '"x:y"'


def test_booleans_and_integers_are_written_typed() -> None:
    assert render_scalar(True, style='"') == "true"
    assert render_scalar(False) == "false"
    assert render_scalar(10, style="'") == "10"


def test_double_quoted_escapes_only_what_it_must() -> None:
    assert double_quoted("⛈ ok 🤘") == '"⛈ ok 🤘"'
    assert double_quoted('a"b\\c\n') == '"a\\"b\\\\c\\n"'
    assert double_quoted("\x01\x9f\ufffe") == '"\\x01\\x9f\\ufffe"'


@given(st.text())
def test_any_text_reads_back_exactly(value: str) -> None:
    for style in (None, '"', "'"):
        assert yaml.safe_load(f"key: {render_scalar(value, style=style)}\n") == {"key": value}
        assert yaml.safe_load(f"[{render_scalar(value, style=style, flow=True)}]") == [value]
