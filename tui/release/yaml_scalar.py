"""Write one string as a YAML scalar that common parsers (PyYAML, go-yaml in Flux and Helm) read back as that string.

Plain style is used only when it is unambiguous under both YAML 1.1 and 1.2; otherwise the value is quoted.
"""

from __future__ import annotations

import re

# Characters a plain scalar must not start with (YAML indicators), kept strict: quoting is always safe.
_PLAIN_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@`=<~ \t")
_FLOW_INDICATORS = frozenset(",[]{}?")  # PyYAML also ends a plain scalar at "?" in flow
# Words that some parser reads as a bool or null (go-yaml v2 also takes y/n and on/off).
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "=", "<<"})
# Anything that starts like a number, date, time, hex/octal or .inf/.nan: quoted, whatever the parser version.
_NUMBER_LIKE = re.compile(r"[-+]?\.?[0-9]|[-+]?\.(inf|nan)$", re.IGNORECASE)
# YAML's printable set, minus line breaks and the byte-order mark, which only double quotes may carry (escaped).
_SINGLE_LINE_PRINTABLE = re.compile(
    "[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)

_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\0": "\\0",
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
}


def plain_ok(value: str, *, flow: bool = False) -> bool:
    """True when `value` can be written without quotes and still read back as this exact string."""
    if not value or not _SINGLE_LINE_PRINTABLE.fullmatch(value):
        return False
    if value[0] in _PLAIN_FIRST or value[-1] in " :":
        return False
    if ": " in value or " #" in value:
        return False
    if flow and (":" in value or any(c in _FLOW_INDICATORS for c in value)):
        return False
    return value.lower() not in _RESERVED and not _NUMBER_LIKE.match(value)


def single_quoted_ok(value: str) -> bool:
    return bool(_SINGLE_LINE_PRINTABLE.fullmatch(value))


def double_quoted(value: str) -> str:
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _SINGLE_LINE_PRINTABLE.fullmatch(ch):
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def single_quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


Scalar = str | bool | int


def render_scalar(value: Scalar, *, style: str | None = None, flow: bool = False) -> str:
    """`value` as YAML text. `style` is the quoting of the value being replaced ('"', "'", or None/'|'/'>' for
    unquoted) and is kept when it can carry a string; a plain string that needs quotes gets double quotes.
    Booleans and integers (e.g. `canary.enabled`) are written plain, as YAML reads them back typed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if style == '"':
        return double_quoted(value)
    if style == "'":
        return single_quoted(value) if single_quoted_ok(value) else double_quoted(value)
    return value if plain_ok(value, flow=flow) else double_quoted(value)
