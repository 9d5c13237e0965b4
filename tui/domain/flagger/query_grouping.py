"""One PromQL query for several canaries sharing a check's query template, and each canary's share of its answer.

A template such as `sum(rate(x{namespace="{{ namespace }}", deployment="{{ target }}"}[1m]))` costs one request per
canary when rendered per canary. Where every variable that differs between the canaries sits inside an equality
matcher (or a regex matcher whose rendered text is a plain name), the canaries' values are put in one alternation
(`deployment=~"a|b"`, regex-escaped) and every aggregation keeps those labels (`sum by (namespace, deployment)`), so
the answer holds one group per canary, told apart by the labels the canary's own query selects on.

Where the answer's labels cannot tell the canaries apart (Flagger's pod regex `{{ target }}-[0-9a-zA-Z]+(...)`, a
`!=` on a differing value, selectors on different labels), each canary's own selectors are copied into the query,
each copy labelled with a marker (`label_replace(rate(x{...}[1m]), "canaryscope_canary", "3", "", "")`) and the
copies joined with `or`; aggregations keep the marker. A series two canaries' regexes both select is counted for
each, as their own queries count it. Longer, but exact.

Either way a canary with no series in the answer gets an empty share: exactly what its own query gives (Flagger's
"no values found"), never another's value. Anything else (a differing variable outside a label matcher, `without`,
`topk`, `absent()`, `vector()`, `scalar()`, subqueries, `label_replace`, `group_left`, `@`, a selector the same for
every canary next to one that differs...) is not grouped: `plan` returns None and the canaries are asked one by one,
as Flagger asks them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.domain.flagger.query_template import RenderError, TemplateModel, evaluate_action, render_actions

# A grouped query longer than this is split into several groups.
MAX_QUERY_CHARS = 12_000
# The label that tells members apart where their own label values cannot (see _Grouping.copies).
MARKER = "canaryscope_canary"

AGGREGATIONS = frozenset({"sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "quantile"})
# Functions that keep each series' labels (save the metric name): a group's series stay apart.
FUNCTIONS = frozenset(
    {
        "rate",
        "irate",
        "increase",
        "delta",
        "idelta",
        "deriv",
        "predict_linear",
        "resets",
        "changes",
        "histogram_quantile",
        "abs",
        "ceil",
        "floor",
        "round",
        "exp",
        "ln",
        "log2",
        "log10",
        "sqrt",
        "clamp",
        "clamp_min",
        "clamp_max",
        "timestamp",
        "avg_over_time",
        "min_over_time",
        "max_over_time",
        "sum_over_time",
        "count_over_time",
        "quantile_over_time",
        "stddev_over_time",
        "stdvar_over_time",
        "last_over_time",
        "present_over_time",
    }
)
_BINARY = {
    "or": 1,
    "and": 2,
    "unless": 2,
    "==": 3,
    "!=": 3,
    "<=": 3,
    "<": 3,
    ">=": 3,
    ">": 3,
    "+": 4,
    "-": 4,
    "*": 5,
    "/": 5,
    "%": 5,
    "atan2": 5,
    "^": 6,
}
_TOKEN = re.compile(
    r"""
    (?P<space>\s+|\#[^\n]*)
    |(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`)
    |(?P<range>\[[^\]]*\])
    |(?P<duration>(?:[0-9]+(?:ms|[smhdwy]))+(?![A-Za-z0-9_:]))
    |(?P<number>(?:0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)(?![A-Za-z0-9_:]))
    |(?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
    |(?P<op>==|!=|<=|>=|=~|!~|[-+*/%^<>=(){},])
    """,
    re.VERBOSE,
)
_PLACEHOLDER = re.compile("\x00([0-9]+)\x00")
_REGEX_META = re.compile(r"[.+*?()\[\]{}|^$\\]")
_UNQUOTABLE = re.compile(r"[\"'`\\\x00-\x1f\x7f]")  # would end, escape or break a string literal


class Unsupported(ValueError):
    """The query's shape cannot be grouped: the canaries are asked one by one."""


# The syntax tree of the forms understood here.


@dataclass
class Matcher:
    label: str
    op: str
    text: str  # the string's content, placeholders included


@dataclass
class Selector:
    name: str | None
    matchers: list[Matcher]
    range: str | None = None
    offset: str | None = None


@dataclass
class Number:
    text: str


@dataclass
class Call:
    function: str
    args: list[Any]


@dataclass
class Aggregation:
    op: str
    by: list[str]
    param: Any | None
    expr: Any


@dataclass
class Binary:
    op: str
    lhs: Any
    rhs: Any
    bool_: bool = False
    on: list[str] | None = None
    ignoring: list[str] | None = None


@dataclass
class Unary:
    op: str
    expr: Any


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        at = 0
        while at < len(text):
            match = _TOKEN.match(text, at)
            if match is None:
                raise Unsupported(f"not understood at {at}")
            kind = match.lastgroup or ""
            if kind != "space":
                self.tokens.append((kind, match.group()))
            at = match.end()
        self.at = 0

    def peek(self, ahead: int = 0) -> tuple[str, str]:
        index = self.at + ahead
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def take(self, expected: str | None = None) -> str:
        kind, text = self.peek()
        if kind == "end" or (expected is not None and text != expected):
            raise Unsupported(f"expected {expected or 'more'}")
        self.at += 1
        return text

    def separator(self, closing: str) -> None:
        """A comma, or the closing bracket next: Prometheus refuses two items side by side, so this does too."""
        if self.peek()[1] == ",":
            self.take()
        elif self.peek()[1] != closing:
            raise Unsupported(f"expected , or {closing}")

    def parse(self) -> Any:
        node = self.expression(1)
        if self.peek()[0] != "end":
            raise Unsupported("trailing text")
        return node

    def expression(self, level: int) -> Any:
        lhs = self.unary()
        while True:
            kind, text = self.peek()
            op = text.lower() if kind == "ident" else text
            precedence = _BINARY.get(op) if kind in ("op", "ident") else None
            if precedence is None or precedence < level:
                return lhs
            self.take()
            node = Binary(op, lhs, None)
            self.modifiers(node)
            # `^` binds to the right; everything else to the left.
            node.rhs = self.expression(precedence if op == "^" else precedence + 1)
            lhs = node

    def modifiers(self, node: Binary) -> None:
        if self.peek()[1].lower() == "bool":
            self.take()
            node.bool_ = True
        word = self.peek()[1].lower()
        if word in ("on", "ignoring"):
            self.take()
            labels = self.labels()
            if word == "on":
                node.on = labels
            else:
                node.ignoring = labels
            if self.peek()[1].lower() in ("group_left", "group_right"):
                raise Unsupported("many-to-one matching")

    def labels(self) -> list[str]:
        self.take("(")
        found: list[str] = []
        while self.peek()[1] != ")":
            if self.peek()[0] != "ident":
                raise Unsupported("label list")
            found.append(self.take())
            self.separator(")")
        self.take(")")
        return found

    def unary(self) -> Any:
        if self.peek()[1] in ("-", "+"):
            op = self.take()
            return Unary(op, self.expression(6))
        return self.postfix(self.primary())

    def postfix(self, node: Any) -> Any:
        kind, text = self.peek()
        if kind == "range":
            if not isinstance(node, Selector) or node.range is not None or ":" in text or "\x00" in text:
                raise Unsupported("subquery, or a range that differs")
            self.take()
            node.range = text
            kind, text = self.peek()
        if kind == "ident" and text.lower() == "offset":
            if not isinstance(node, Selector):
                raise Unsupported("offset")
            self.take()
            node.offset = self.take()
            if node.offset == "-":
                node.offset += self.take()
            if not re.fullmatch(r"-?(?:[0-9]+(?:ms|[smhdwy]))+", node.offset):
                raise Unsupported("offset")
        if self.peek()[1] == "@":
            raise Unsupported("@ modifier")
        return node

    def primary(self) -> Any:
        kind, text = self.peek()
        if kind == "number" or (kind == "ident" and text.lower() in ("inf", "nan")):
            self.take()
            return Number(text)
        if text == "(":
            self.take()
            node = self.expression(1)
            self.take(")")
            return node
        if text == "{":
            return Selector(None, self.matchers())
        if kind != "ident":
            raise Unsupported(f"unexpected {text[:20]!r}")
        self.take()
        word = text.lower()
        if word in AGGREGATIONS:
            return self.aggregation(word)
        if self.peek()[1] == "(":
            if text not in FUNCTIONS:
                raise Unsupported(f"function {text}")
            return Call(text, self.arguments())
        if (
            word in ("by", "without", "on", "ignoring", "bool", "offset", "group_left", "group_right")
            or word in _BINARY
        ):
            raise Unsupported(f"unexpected {text}")
        return Selector(text, self.matchers() if self.peek()[1] == "{" else [])

    def arguments(self) -> list[Any]:
        self.take("(")
        args: list[Any] = []
        while self.peek()[1] != ")":
            args.append(self.expression(1))
            self.separator(")")
        self.take(")")
        return args

    def grouping(self, by: list[str]) -> list[str]:
        """A `by (...)` clause here, else `by` as it was (PromQL puts it before or after the arguments)."""
        clause = self.peek()[1].lower()
        if clause == "without":
            raise Unsupported("without")
        if clause == "by":
            self.take()
            return self.labels()
        return by

    def aggregation(self, op: str) -> Aggregation:
        by = self.grouping([])
        args = self.arguments()
        by = self.grouping(by)
        expected = 2 if op == "quantile" else 1
        if len(args) != expected:
            raise Unsupported(f"{op} arguments")
        return Aggregation(op, by, args[0] if op == "quantile" else None, args[-1])

    def matchers(self) -> list[Matcher]:
        self.take("{")
        found: list[Matcher] = []
        while self.peek()[1] != "}":
            kind, label = self.peek()
            if kind != "ident":
                raise Unsupported("matcher")
            self.take()
            op = self.take()
            if op not in ("=", "!=", "=~", "!~"):
                raise Unsupported("matcher operator")
            kind, text = self.peek()
            if kind != "string":
                raise Unsupported("matcher value")
            self.take()
            if "\\" in text or text.startswith("`"):
                raise Unsupported("escapes in a matcher")  # kept simple: Flagger's templates use none
            found.append(Matcher(label, op, text[1:-1]))
            self.separator("}")
        self.take("}")
        return found


# Printing, with the grouping applied.


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _regex_escape(value: str) -> str:
    """RE2's escape of a literal: every character outside [A-Za-z0-9_] that has a meaning is preceded by `\\`."""
    return _REGEX_META.sub(lambda m: "\\" + m.group(), value)


@dataclass
class _Grouping:
    values: list[dict[int, str]]  # each member's value of each differing placeholder
    marked: bool = False  # each member's own selectors, told apart by a marker label (see `copies`)
    keys: list[str] = field(default_factory=list)  # the distinguishing labels, in the order first met
    rows: list[dict[str, str]] = field(default_factory=list)  # each member's value of each distinguishing label
    member: int | None = None  # while printing one member's copy

    def label_values(self, member: int, text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: self.values[member][int(m.group(1))], text)

    def copies(self, node: Any) -> str:
        """Marked: each member's own copy of a vector that selects on it, labelled with its marker, joined by `or`.
        The copies carry different markers, so `or` drops none of them, even a series two members' regexes share."""
        markers: dict[tuple[tuple[int, str], ...], int] = {}
        rows = [str(markers.setdefault(tuple(sorted(v.items())), i)) for i, v in enumerate(self.values)]
        parts = []
        for i in sorted(set(markers.values())):
            self.member = i
            try:
                parts.append(f'label_replace({self.text(node)}, "{MARKER}", "{i}", "", "")')
            finally:
                self.member = None
        self._agree({MARKER: rows})
        return "(" + " or ".join(parts) + ")"

    def selector(self, node: Selector) -> str:
        seen: dict[str, list[str]] = {}
        parts: list[str] = []
        for matcher in node.matchers:
            if not _PLACEHOLDER.search(matcher.text):
                parts.append(f"{matcher.label}{matcher.op}{_quote(matcher.text)}")
                continue
            if self.member is not None:
                parts.append(f"{matcher.label}{matcher.op}{_quote(self.label_values(self.member, matcher.text))}")
                continue
            if self.marked:
                raise Unsupported("a range selector outside a function")
            if matcher.op not in ("=", "=~") or matcher.label in seen or matcher.label == "__name__":
                raise Unsupported(f"a differing value in {matcher.label}{matcher.op}")
            values = [self.label_values(i, matcher.text) for i in range(len(self.values))]
            if any(not v or (matcher.op == "=~" and _REGEX_META.search(v)) for v in values):
                raise Unsupported(f"{matcher.label}{matcher.op} cannot tell the canaries apart")
            seen[matcher.label] = values
            alternation = "|".join(_regex_escape(v) for v in sorted(set(values)))
            parts.append(f"{matcher.label}=~{_quote(alternation)}")
        if self.member is None:
            self._agree(seen)
        text = (node.name or "") + "{" + ", ".join(parts) + "}"
        if node.range:
            text += node.range
        if node.offset:
            text += f" offset {node.offset}"
        return text

    def _agree(self, seen: dict[str, list[str]]) -> None:
        """Every selector selects on the same distinguishing labels, with the same value for each member."""
        if not seen:
            raise Unsupported("a selector that does not select on the canary")
        if not self.rows:
            self.keys = list(seen)
            self.rows = [{label: seen[label][i] for label in self.keys} for i in range(len(self.values))]
            return
        if set(seen) != set(self.keys) or any(
            seen[label][i] != row[label] for i, row in enumerate(self.rows) for label in self.keys
        ):
            raise Unsupported("selectors disagree on the distinguishing labels")

    def text(self, node: Any) -> str:
        if self.marked and self.member is None and _selects_per_member(node):
            return self.copies(node)
        if isinstance(node, Number):
            return node.text
        if isinstance(node, Selector):
            return self.selector(node)
        if isinstance(node, Unary):
            return f"{node.op}({self.text(node.expr)})"
        if isinstance(node, Call):
            return f"{node.function}(" + ", ".join(self.text(arg) for arg in node.args) + ")"
        if isinstance(node, Aggregation):
            inner = self.text(node.expr)  # first: the distinguishing labels are known after it
            by = node.by + [k for k in self.keys if k not in node.by]
            param = f"{self.text(node.param)}, " if node.param is not None else ""
            return f"{node.op} by ({', '.join(by)}) ({param}{inner})"
        if isinstance(node, Binary):
            lhs, rhs = self.text(node.lhs), self.text(node.rhs)
            modifiers = " bool" if node.bool_ else ""
            if node.on is not None:
                modifiers += " on (" + ", ".join(node.on + [k for k in self.keys if k not in node.on]) + ")"
            if node.ignoring is not None:
                if set(node.ignoring) & set(self.keys):
                    raise Unsupported("ignoring a distinguishing label")
                modifiers += " ignoring (" + ", ".join(node.ignoring) + ")"
            return f"{_wrap(node.lhs, lhs)} {node.op}{modifiers} {_wrap(node.rhs, rhs)}"
        raise Unsupported(type(node).__name__)


def _differs(node: Any) -> bool:
    return isinstance(node, Selector) and any(_PLACEHOLDER.search(m.text) for m in node.matchers)


def _selects_per_member(node: Any) -> bool:
    """An instant vector whose selection differs per member: a selector, or a function of a range that does."""
    if isinstance(node, Selector):
        return node.range is None and _differs(node)
    return isinstance(node, Call) and any(_differs(arg) and arg.range is not None for arg in node.args)


def _wrap(node: Any, text: str) -> str:
    """An operand in parentheses when it is itself an operation: the tree's order stays as parsed."""
    return f"({text})" if isinstance(node, Binary | Unary) else text


@dataclass(frozen=True)
class Grouped:
    """One query answering for several members (indices into the models given to `plan`)."""

    query: str
    members: tuple[int, ...]
    labels: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # each member's value of each label, in `members` order

    def shares(self, result: Any) -> dict[int, list[Any]]:
        """Each member's samples of the answer (those its own query selects), in the answer's order.

        One pass over the answer, keyed by the distinguishing labels: a thousand members sharing a thousand series
        cost a thousand lookups, not a million comparisons."""
        by_row: dict[tuple[Any, ...], list[Any]] = {}
        for sample in result if isinstance(result, list) else []:
            metric = sample.get("metric") if isinstance(sample, dict) else None
            if not isinstance(metric, dict):
                continue
            key = tuple(metric.get(label, "") for label in self.labels)
            try:
                by_row.setdefault(key, []).append(sample)
            except TypeError:
                continue  # a label value that is not text (hostile answer) equals no member's
        return {member: list(by_row.get(row, ())) for member, row in zip(self.members, self.rows, strict=True)}


def _placeheld(template: str, models: Sequence[TemplateModel]) -> tuple[str, list[dict[int, str]]] | None:
    """The template with actions equal for every model rendered, the others as numbered placeholders."""
    values: list[dict[int, str]] = [{} for _ in models]
    count = 0

    def evaluate(action: str) -> str:
        nonlocal count
        rendered = [evaluate_action(action, model) for model in models]
        if all(r == rendered[0] for r in rendered):
            return rendered[0]
        for i, value in enumerate(rendered):
            values[i][count] = value
        count += 1
        return f"\x00{count - 1}\x00"

    if "\x00" in template:
        return None
    try:
        text = render_actions(template, evaluate)
    except RenderError:
        return None
    if any(_UNQUOTABLE.search(v) for row in values for v in row.values()):
        return None  # a value that would end or escape a string literal: the canary's own query is what it is
    return text, values


def plan(template: str, models: Sequence[TemplateModel], max_chars: int = MAX_QUERY_CHARS) -> list[Grouped] | None:
    """Grouped queries covering the models whose rendered queries differ; None when the template cannot be grouped
    (then each model's own query is sent). Models rendering the same query share a group's share. A group of one is
    left out: its member is asked its own query."""
    if len(models) < 2:
        return None
    held = _placeheld(template, models)
    if held is None:
        return None
    text, values = held
    try:
        tree = _Parser(text).parse()
    except (Unsupported, RecursionError):
        return None
    marked = None
    for mode in (False, True):  # label values where they tell canaries apart, else a marker per canary
        try:
            _Grouping(values, mode).text(tree)
        except (Unsupported, RecursionError):
            continue
        marked = mode
        break
    if marked is None:
        return None
    groups: list[Grouped] = []
    pending = [list(range(len(models)))]
    while pending:
        members = pending.pop()
        grouping = _Grouping([values[i] for i in members], marked)
        query = grouping.text(tree)
        rows = tuple(tuple(row[k] for k in grouping.keys) for row in grouping.rows)
        if len(set(rows)) < 2:
            continue  # one canary's query: sent as its own
        if len(query) > max_chars:
            # As many parts as the length asks for (a part still too long is split again).
            parts = min(len(members), max(2, -(-len(query) * 10 // (max_chars * 9))))
            size = -(-len(members) // parts)
            pending += [members[at : at + size] for at in range(0, len(members), size)][::-1]
            continue
        groups.append(Grouped(query, tuple(members), tuple(grouping.keys), rows))
    return groups
