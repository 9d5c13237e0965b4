"""Make a string from outside (a cluster, a logger pod, Prometheus, a server's error) safe to show and print.

Whatever a workload can write reaches the terminal, CI logs, recordings and SVG screenshots. Each such string
passes through `safe_text` once, where it is parsed, so nothing downstream has to care:

- C0 controls, DEL and C1 controls never reach an output: they become visible symbols (`␛` for ESC, `⏎` for a
  line break, `␀` for NUL), so an escape sequence is shown as text and a message is always one line;
- bidi controls, zero-width and other invisible format characters are removed (they shift what follows);
- emoji sequences are broken into their single emoji: without the zero-width joiner, variation selectors and
  skin-tone modifiers, every terminal draws each emoji in the cells Rich counts for it;
- lone surrogates (from a JSON `\\ud800`) become U+FFFD, so the text can always be encoded;
- the length is bounded.
"""

from __future__ import annotations

MAX_CHARS = 2048
ELLIPSIS = "…"

LINE_BREAK = "⏎"
# C1 controls have no picture of their own; U+FFFD marks each one.
C1_MARK = "\ufffd"


def _table() -> dict[int, str | None]:
    table: dict[int, str | None] = {code: chr(0x2400 + code) for code in range(0x20)}  # ␀ ␁ … ␟
    table[0x7F] = "\u2421"  # ␡
    for code in (0x0A, 0x0D, 0x2028, 0x2029, 0x85):
        table[code] = LINE_BREAK
    table[0x09] = " "  # a tab is whitespace to a reader; as a space it takes the one cell Rich counts
    for code in range(0x80, 0xA0):
        table.setdefault(code, C1_MARK)
    removed = [
        0x00AD,  # soft hyphen: drawn by some terminals, not by others
        0x061C,  # arabic letter mark
        0x180E,  # mongolian vowel separator
        *range(0x200B, 0x2010),  # zero-width space, non-joiner, joiner; LRM, RLM
        *range(0x202A, 0x202F),  # bidi embeddings and overrides
        *range(0x2060, 0x2070),  # word joiner, invisible operators, bidi isolates, deprecated format characters
        0xFEFF,  # zero-width no-break space (BOM)
        *range(0xFFF9, 0xFFFC),  # interlinear annotation
        *range(0xFE00, 0xFE10),  # variation selectors (VS16 asks for a wide emoji some terminals draw narrow)
        *range(0x1F3FB, 0x1F400),  # emoji skin-tone modifiers (one cell pair, or two, depending on the terminal)
        *range(0xE0000, 0xE0080),  # tag characters (subdivision flags)
        *range(0xE0100, 0xE01F0),  # variation selectors supplement
    ]
    for code in removed:
        table[code] = None
    for code in range(0xD800, 0xE000):
        table[code] = "\ufffd"
    return table


_TABLE = _table()


def safe_text(value: str, limit: int = MAX_CHARS) -> str:
    """`value` with every control shown as a symbol, invisible characters removed, at most `limit` characters."""
    if not (value.isascii() and value.isprintable()):
        value = value.translate(_TABLE)
    if len(value) > limit:
        value = value[: max(0, limit - 1)] + ELLIPSIS
    return value


def safe_optional(value: object, limit: int = MAX_CHARS) -> str | None:
    """A string made safe; anything that is not a string is None."""
    return safe_text(value, limit) if isinstance(value, str) else None


# Lines a CI runner reads as commands: GitHub's `::error::` workflow commands, Azure's `##vso[…]`.
_COMMAND_STARTS = ("::", "##")


def safe_line(line: str) -> str:
    """One line of output for a log a CI runner reads: safe, and never starting like a workflow command."""
    line = safe_text(line, limit=max(MAX_CHARS, len(line)))
    if line.lstrip().startswith(_COMMAND_STARTS):
        line = "\\" + line  # escaped with a backslash: the runner sees no command, a reader still sees the text
    return line
