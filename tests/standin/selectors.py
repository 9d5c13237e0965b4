"""Label and field selectors with the API server's syntax and its 400 answers for what it does not support."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

Predicate = Callable[[dict], bool]


class SelectorError(ValueError):
    """Unparseable or unsupported selector; the API server answers 400 BadRequest with this message."""


_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_SET_RE = re.compile(rf"^\s*(?P<key>{_KEY})\s+(?P<op>in|notin)\s+\((?P<values>[^)]*)\)\s*$")
_EQ_RE = re.compile(rf"^\s*(?P<key>{_KEY})\s*(?P<op>==|=|!=)\s*(?P<value>[-A-Za-z0-9_.]*)\s*$")
_EXISTS_RE = re.compile(rf"^\s*(?P<neg>!?)\s*(?P<key>{_KEY})\s*$")


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not inside `in (...)` value lists."""
    terms, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append("".join(current))
            current = []
        else:
            current.append(ch)
    terms.append("".join(current))
    return [t for t in terms if t.strip()]


@dataclass(frozen=True)
class LabelSelector:
    text: str
    requirements: tuple[Predicate, ...]

    def matches(self, obj: dict) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(req(labels) for req in self.requirements)


def parse_label_selector(text: str | None) -> LabelSelector | None:
    if not text or not text.strip():
        return None
    reqs: list[Predicate] = []
    for term in _split_terms(text):
        if m := _SET_RE.match(term):
            key, values = m["key"], {v.strip() for v in m["values"].split(",") if v.strip()}
            if m["op"] == "in":
                reqs.append(lambda lb, k=key, vs=values: lb.get(k) in vs)
            else:
                reqs.append(lambda lb, k=key, vs=values: lb.get(k) not in vs)
        elif m := _EQ_RE.match(term):
            key, value = m["key"], m["value"]
            if m["op"] == "!=":
                reqs.append(lambda lb, k=key, v=value: lb.get(k) != v)
            else:
                reqs.append(lambda lb, k=key, v=value: lb.get(k) == v)
        elif m := _EXISTS_RE.match(term):
            key = m["key"]
            if m["neg"]:
                reqs.append(lambda lb, k=key: k not in lb)
            else:
                reqs.append(lambda lb, k=key: k in lb)
        else:
            raise SelectorError(f"unable to parse requirement: {term.strip()!r}")
    return LabelSelector(text, tuple(reqs))


def field_value(obj: dict, label: str) -> str:
    """The value a field selector compares against; events' `source` means `source.component`."""
    path = "source.component" if label == "source" else label
    node: object = obj
    for part in path.split("."):
        if not isinstance(node, dict):
            return ""
        node = node.get(part)
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)


@dataclass(frozen=True)
class FieldSelector:
    text: str
    terms: tuple[tuple[str, bool, str], ...]  # (label, equal?, value)

    def matches(self, obj: dict) -> bool:
        return all((field_value(obj, label) == value) == equal for label, equal, value in self.terms)

    def exact_name(self) -> str | None:
        for label, equal, value in self.terms:
            if label == "metadata.name" and equal:
                return value
        return None


def parse_field_selector(text: str | None, supported: Iterable[str]) -> FieldSelector | None:
    if not text or not text.strip():
        return None
    allowed = set(supported)
    terms = []
    for term in text.split(","):
        if not term.strip():
            continue
        m = re.match(r"^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$", term)
        if not m:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
        label, op, value = m.groups()
        if label not in allowed:
            raise SelectorError(f"field label not supported: {label}")
        terms.append((label, op != "!=", value))
    return FieldSelector(text, tuple(terms))
