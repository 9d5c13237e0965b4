"""What a shared check query is grouped into, what falls back to one query per canary, and how a grouped answer is
shared out (values against a real Prometheus: tests/prom/test_query_grouping.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.domain.flagger.query_grouping import MARKER, plan
from tui.domain.flagger.query_template import TemplateModel

RATE = 'sum(rate(requests{namespace="{{ namespace }}", deployment="{{ target }}", code!~"5.."}[{{ interval }}]))'


def model(namespace: str, target: str, **variables: str) -> TemplateModel:
    return TemplateModel.for_canary(name=target, namespace=namespace, target=target, interval="1m", variables=variables)


TWO = [model("a", "web"), model("b", "api")]


def one_query(template: str, models: list[TemplateModel] = TWO) -> str:
    groups = plan(template, models)
    assert groups is not None and len(groups) == 1
    return groups[0].query


def test_label_values_become_one_alternation_and_aggregations_keep_the_labels() -> None:
    assert one_query(RATE) == (
        'sum by (namespace, deployment) (rate(requests{namespace=~"a|b", deployment=~"api|web", code!~"5.."}[1m]))'
    )
    p99 = 'histogram_quantile(0.99, sum(rate(lat_bucket{ns="{{ namespace }}", d=~"{{ target }}"}[5m])) by (le))'
    assert (
        one_query(p99) == 'histogram_quantile(0.99, sum by (le, ns, d) (rate(lat_bucket{ns=~"a|b", d=~"api|web"}[5m])))'
    )
    ratio = 'sum(a{d="{{ target }}"}) / on (x) sum by (x) (b{d="{{ target }}"}) * 100'
    assert one_query(ratio) == '(sum by (d) (a{d=~"api|web"}) / on (x, d) sum by (x, d) (b{d=~"api|web"})) * 100'


def test_values_are_escaped_as_regex_literals() -> None:
    models = [model("a", "web", app="shop.v1+x"), model("a", "web", app="books")]
    query = one_query('sum(x{app="{{ variables.app }}"} offset 5m)', models)
    assert query == 'sum by (app) (x{app=~"books|shop\\\\.v1\\\\+x"} offset 5m)'


@pytest.mark.parametrize(
    "template",
    [
        'sum without (pod) (x{d="{{ target }}"})',
        'topk(1, x{d="{{ target }}"})',
        'absent(x{d="{{ target }}"})',
        'scalar(sum(x{d="{{ target }}"}))',
        'sum(x{d="{{ target }}"}) or vector(0)',
        'max_over_time(sum(rate(x{d="{{ target }}"}[1m]))[5m:1m])',
        'sum(label_replace(x{d="{{ target }}"}, "a", "$1", "b", "(.*)"))',
        'sum(x{d="{{ target }}"}) / on (d) group_left sum(y{d="{{ target }}"})',
        'sum(rate(x{ns="a"}[{{ variables.window }}]))',
        'sum(rate(x{d=~"{{ target }}.*"}[1m])) / sum(y)',  # y is the same series for every canary
        'sum(x{d="{{ target }}"} offset {{ variables.window }})',
        'quantile({{ variables.q }}, x{d="{{ target }}"})',
        'sum(x{d="{{ target }}"}) / sum(y)',  # y is the same series for every canary
        'sum(x{d="{{ target }}" ns="{{ namespace }}"})',  # Prometheus refuses it: so does grouping
        'sum(x{d="{{ target }}"}) @ 100',
        'sum(x{d="{{ target }}"}',
    ],
)
def test_shapes_not_understood_fall_back_to_one_query_per_canary(template: str) -> None:
    models = [model("a", "web", window="1m", q="0.5"), model("b", "api", window="5m", q="0.9")]
    assert plan(template, models) is None


def test_canaries_the_answer_cannot_tell_apart_are_each_asked_their_own_selectors_with_a_marker() -> None:
    # Flagger's pod regex: a pod of one canary's may match another's regex, so each canary gets its own copy.
    pods = 'sum(rate(x{ns="{{ namespace }}", pod=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[1m])) by (le)'
    copy = 'label_replace(rate(x{{ns="{}", pod=~"{}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}}[1m]), "{}", "{}", "", "")'
    assert one_query(pods) == (
        f"sum by (le, {MARKER}) (({copy.format('a', 'web', MARKER, 0)} or {copy.format('b', 'api', MARKER, 1)}))"
    )
    for template in (
        'sum(x{d!="{{ target }}"})',
        'sum(x{d="{{ target }}"}) / sum(y{ns="{{ namespace }}"})',
        'sum(x{d=~"{{ target }}"}) / sum(x{d="{{ target }}-x"})',
        'x{d=~"{{ target }}.+"}',
        'sum by (d) (x{d="{{ target }}"}) / ignoring (d) sum by (d) (y{d="{{ target }}"})',
    ):
        (grouped,) = plan(template, TWO) or []
        assert grouped.labels == (MARKER,) and grouped.rows == (("0",), ("1",))
    answer = [{"metric": {MARKER: "1"}, "value": [0, "2"]}, {"metric": {MARKER: "0"}, "value": [0, "1"]}]
    assert grouped.shares(answer)[0] == [answer[1]] and grouped.shares(answer)[1] == [answer[0]]


@pytest.mark.parametrize("value", ["it's", 'say "hi"', "back\\slash", "new\nline", "tick`"])
def test_a_value_that_would_break_its_string_literal_is_not_grouped(value: str) -> None:
    # The canary's own query is whatever Prometheus makes of it (likely a parse error): grouping would hide that.
    for template in ("sum(x{app='{{ variables.app }}'})", 'sum(x{app="{{ variables.app }}"})'):
        assert plan(template, [model("a", "web", app=value), model("a", "web", app="fine")]) is None


def test_nothing_to_group_when_every_canary_renders_the_same_query() -> None:
    assert plan('sum(x{app="{{ variables.app }}"})', [model("a", "web", app="s"), model("b", "api", app="s")]) is None
    assert plan(RATE, [model("a", "web")]) is None


def test_a_canary_without_series_gets_nothing_never_anothers_value() -> None:
    groups = plan(RATE, [model("a", "web"), model("b", "api"), model("a", "api")])
    assert groups is not None
    (grouped,) = groups
    answer = [
        {"metric": {"namespace": "a", "deployment": "web"}, "value": [0, "1"]},
        {"metric": {"namespace": "b", "deployment": "api"}, "value": [0, "2"]},
    ]
    assert grouped.shares(answer) == {0: [answer[0]], 1: [answer[1]], 2: []}, "a/api has no series: none of another's"
    assert grouped.shares("not a vector") == {0: [], 1: [], 2: []}


label_value = st.one_of(st.sampled_from(["a", "b", "web", "api", ""]), st.lists(st.just("a"), max_size=1))
samples = st.one_of(
    st.fixed_dictionaries(
        {
            "metric": st.fixed_dictionaries(
                {}, optional={"namespace": label_value, "deployment": label_value, "pod": st.just("p")}
            ),
            "value": st.tuples(st.just(0), st.sampled_from(["1", "2"])),
        }
    ),
    st.just({"metric": "not a map"}),
    st.just("not a sample"),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(samples, max_size=12))
def test_one_pass_shares_out_what_each_canarys_own_filter_would(answer: list[object]) -> None:
    # The answer is indexed once by its distinguishing labels; each member gets exactly the samples whose labels
    # equal its row, in the answer's order, and a hostile sample (no map, a label that is not text) goes to no one.
    (grouped,) = plan(RATE, [model("a", "web"), model("b", "api"), model("a", "api")]) or []

    def own(member: int) -> list[object]:
        row = dict(zip(grouped.labels, grouped.rows[grouped.members.index(member)], strict=True))
        return [
            s
            for s in answer
            if isinstance(s, dict)
            and isinstance(s.get("metric"), dict)
            and all(s["metric"].get(k, "") == v for k, v in row.items())
        ]

    assert grouped.shares(answer) == {m: own(m) for m in grouped.members}


names = st.text(alphabet="abc.-1", min_size=1, max_size=6).filter(lambda s: s[0].isalnum())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, names), min_size=2, max_size=40, unique=True), st.integers(150, 2000))
def test_groups_are_bounded_and_each_answer_row_goes_to_its_canary_only(
    canaries: list[tuple[str, str]], max_chars: int
) -> None:
    models = [model(ns, target) for ns, target in canaries]
    groups = plan(RATE, models, max_chars=max_chars) or []
    members = [m for g in groups for m in g.members]
    assert len(members) == len(set(members)), "a canary is in one group at most"
    for grouped in groups:
        assert len(grouped.query) <= max_chars
        for label, alternation in re.findall(r'(\w+)=~"([^"]*)"', grouped.query):
            values = {re.sub(r"\\\\(.)", r"\1", v) for v in alternation.split("|")}
            mine = {canaries[m][0 if label == "namespace" else 1] for m in grouped.members}
            assert values == mine, "the alternation holds exactly the group's values, escaped"
        # One series per combination of the alternations (as Prometheus may answer), one value each.
        answer = [
            {"metric": {"namespace": ns, "deployment": t}, "value": [0, str(i)]}
            for i, (ns, t) in enumerate(
                (ns, t)
                for ns in {canaries[m][0] for m in grouped.members}
                for t in {canaries[m][1] for m in grouped.members}
            )
        ]
        for member in grouped.members:
            ns, target = canaries[member]
            assert [s["metric"] for s in grouped.shares(answer)[member]] == [{"namespace": ns, "deployment": target}]
    if not groups:
        assert len(RATE) + 40 > max_chars or len(canaries) < 2
