"""The custom checks' poller against a Prometheus query API over HTTP: each check at its own interval and never
more often, identical queries sent once per round, bad input a one-line problem on its own check, credentials
from the template's Secret sent and never kept in what the poller reports."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cluster.poller_run import Run, canary
from tests.cluster.query_stub import QueryStub, query_stub
from tests.standin.apiserver import ApiServer
from tests.standin.resources import SECRETS
from tui.cluster import check_poller
from tui.cluster.kubeconfig import connect
from tui.domain.observations import CheckValueObserved
from tui.kube.checks import parse_metric_template

ERROR_RATE = 'sum(rate(errors{namespace="{{ namespace }}", app="{{ variables.app }}"}[{{ interval }}]))'


def template(address: str | None, query: str = ERROR_RATE, name: str = "error-rate", **provider: Any) -> Any:
    spec_provider = {"type": "prometheus", **({"address": address} if address else {}), **provider}
    return parse_metric_template(
        {"metadata": {"namespace": "test", "name": name}, "spec": {"provider": spec_provider, "query": query}}
    )


def shared(interval: str = "30s", app: str = "shop") -> dict[str, Any]:
    return {
        "name": "error-rate",
        "templateRef": {"name": "error-rate"},
        "interval": interval,
        "thresholdRange": {"max": 1},
        "templateVariables": {"app": app},
    }


@pytest.fixture
def stub() -> Iterator[QueryStub]:
    with query_stub() as made:
        yield made


def test_each_check_runs_at_its_own_interval_and_never_more_often(stub: QueryStub) -> None:
    fast = canary("fast", [shared("10s"), {"name": "slow", "query": "sum(slow)", "interval": "1m"}])
    run = Run([fast], [template(stub.url)], given=stub.url)
    assert run.round() == 2
    for _ in range(12):  # two minutes in 10 s steps, a round every 10 s
        run.clock.now += 10
        run.round()
    sent = stub.sent()
    assert sent.count("sum(slow)") == 3, "at 0 s, 60 s and 120 s: once per minute"
    assert len([q for q in sent if q.startswith("sum(rate(errors")]) == 13, "once every 10 s"
    before = len(stub.sent())
    run.round()  # a second round at the same instant sends nothing
    assert len(stub.sent()) == before


def test_identical_queries_in_a_round_are_sent_once(stub: QueryStub) -> None:
    # Four canaries share the template with the same variables; one asks for another app: one grouped query.
    canaries = [canary(f"c{i}", [shared()]) for i in range(4)] + [canary("other", [shared(app="books")])]
    run = Run(canaries, [template(stub.url)], given=stub.url)
    assert run.round() == 1
    assert stub.sent() == ['sum by (app) (rate(errors{namespace="test", app=~"books|shop"}[30s]))']
    samples = run.samples()
    assert {samples[(f"c{i}", "error-rate")].value for i in range(4)} == {1.5}
    assert samples[("other", "error-rate")].value == 1.5


PER_TARGET = 'sum(rate(requests{namespace="{{ namespace }}", deployment="{{ target }}"}[{{ interval }}]))'


def per_target(interval: str = "30s") -> dict[str, Any]:
    return {"name": "rate", "templateRef": {"name": "rate", "namespace": "test"}, "interval": interval}


def test_canaries_sharing_a_template_cost_one_query_and_each_gets_its_own_share(stub: QueryStub) -> None:
    stub.absent = {"quiet"}  # no series for this deployment: its own query would answer nothing
    canaries = [canary(name, [per_target()], namespace=ns) for name, ns in (("a", "x"), ("b", "x"), ("quiet", "y"))]
    canaries.append(canary("slow", [per_target("1m")]))  # another interval: another query
    run = Run(canaries, [template(stub.url, PER_TARGET, name="rate")], given=stub.url)
    assert run.round() == 2
    assert sorted(stub.sent()) == [
        'sum by (namespace, deployment) (rate(requests{namespace=~"x|y", deployment=~"a|b|quiet"}[30s]))',
        'sum(rate(requests{namespace="test", deployment="slow"}[1m]))',
    ]
    samples = run.samples()
    assert samples[("a", "rate")].value == 1.5 and samples[("b", "rate")].value == 1.5
    assert samples[("quiet", "rate")].value is None and samples[("quiet", "rate")].error == "no values found"
    # What the analysis view shows and copies: each canary's own query.
    assert samples[("a", "rate")].query == 'sum(rate(requests{namespace="x", deployment="a"}[30s]))'
    assert samples[("quiet", "rate")].query == 'sum(rate(requests{namespace="y", deployment="quiet"}[30s]))'
    run.clock.now += 30
    assert run.round() == 1, "the next interval: the grouped query again, the 1m check not yet due"


def test_a_refused_grouped_query_asks_each_canary_its_own(stub: QueryStub) -> None:
    stub.rules = [("=~", (422, "execution: query processing would load too many samples")), ('"b"', (400, "b refused"))]
    canaries = [canary(name, [per_target()]) for name in ("a", "b")]
    run = Run(canaries, [template(stub.url, PER_TARGET, name="rate")], given=stub.url)
    assert run.round() == 1 and not run.samples(), "refused as a group: nothing said yet, the checks stay due"
    assert run.round() == 2
    samples = run.samples()
    assert samples[("a", "rate")].value == 1.5
    assert samples[("b", "rate")].error == "query failed: b refused"
    run.clock.now += 30
    assert run.round() == 2 and len(stub.sent()) == 5, "still asked one by one"


def test_a_grouped_query_too_heavy_to_answer_in_time_asks_each_canary_its_own(stub: QueryStub) -> None:
    stub.slow = [("=~", 4.0)]  # past the 3 s read timeout: only the grouped query is that slow
    canaries = [canary(name, [per_target()]) for name in ("a", "b")]
    run = Run(canaries, [template(stub.url, PER_TARGET, name="rate")], given=stub.url)
    assert run.round() == 1 and not run.samples(), "timed out as a group: the checks stay due"
    assert run.round() == 2
    assert {name: sample.value for (name, _), sample in run.samples().items()} == {"a": 1.5, "b": 1.5}


def test_a_failed_grouped_request_is_each_canarys_failure_in_its_own_words() -> None:
    with query_stub() as gone:
        url = gone.url
    canaries = [canary(name, [per_target()]) for name in ("a", "b")]
    run = Run(canaries, [template(url, PER_TARGET, name="rate")], given=url)
    assert run.round() == 1
    for name in ("a", "b"):
        sample = run.samples()[(name, "rate")]
        assert sample.error is not None and sample.error.startswith("query failed:")
        assert "%7C" not in sample.error and "=~" not in sample.error, "no trace of the grouped query"


def test_a_round_sends_a_bounded_number_and_the_rest_follow(stub: QueryStub) -> None:
    canaries = [canary(f"c{i}", [{"name": "q", "query": f'sum(x{{i="{i}"}})', "interval": "1m"}]) for i in range(7)]
    run = Run(canaries, [], given=stub.url, max_requests=3)
    assert [run.round(), run.round(), run.round(), run.round()] == [3, 3, 1, 0]
    assert len(set(stub.sent())) == 7


def test_bad_input_is_one_line_on_its_own_check(stub: QueryStub) -> None:
    stub.rules = [("nothing", "empty"), ("zero", "nan"), ("sum(rate(", (400, "1:10: parse error: unclosed left paren"))]
    checks = [
        {"name": "good", "query": "sum(good)"},
        {"name": "ghost", "templateRef": {"name": "absent"}, "thresholdRange": {"max": 1}},
        {"name": "broken", "query": "sum(rate("},
        {"name": "empty", "query": "sum(nothing)"},
        {"name": "nan", "query": "sum(zero) / sum(zero)"},
        {"name": "nowhere", "templateRef": {"name": "no-address"}},
        {"name": "inverted", "query": "sum(good)", "thresholdRange": {"min": 5, "max": 1}},
        {"name": "unrendered", "templateRef": {"name": "error-rate"}},
    ]
    info = canary("podinfo", checks)
    run = Run([info], [template(stub.url), template(None, "sum(plain)", name="no-address")], given=None)
    run.round()
    samples = {check: sample for (_, check), sample in run.samples().items()}
    errors = {check: sample.error for check, sample in samples.items()}
    # With no Prometheus given, an inline query has nowhere to go; the template with an address still answers.
    assert errors["good"] == "no Prometheus: Flagger's -metrics-server was not found and no --prometheus given"
    assert errors["ghost"] == "MetricTemplate test/absent not found"
    assert errors["nowhere"] == "MetricTemplate test/no-address: provider has no address and no --prometheus given"
    # Flagger's own words, its typo included.
    missing = 'query render error: template excution failed: at <variables.app>: map has no entry for key "app"'
    assert errors["unrendered"] == missing
    assert "inverted" not in errors, "a check Flagger cannot judge is shown with its problem, not polled"
    run = Run([info], [template(stub.url), template(None, "sum(plain)", name="no-address")], given=stub.url)
    run.round()
    samples = {check: sample for (_, check), sample in run.samples().items()}
    assert samples["good"].value == 1.5 and samples["good"].error is None
    assert samples["broken"].error == "query failed: 1:10: parse error: unclosed left paren"
    assert samples["empty"].error == "no values found" and samples["nan"].error == "no values found"
    assert samples["nowhere"].value == 1.5, "a template without an address asks the Prometheus given"
    for sample in samples.values():
        assert sample.error is None or "\n" not in sample.error


def test_a_slow_prometheus_holds_only_its_own_thread(stub: QueryStub) -> None:
    stub.delay = 1.0
    run = Run([canary("podinfo", [{"name": "q", "query": "sum(q)", "interval": "1m"}])], [], given=stub.url)
    stop = run.poller.stop
    thread = threading.Thread(target=run.poller.run, daemon=True)
    started = time.monotonic()
    thread.start()
    deadline = time.monotonic() + 10
    while not stub.sent() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stub.sent(), "the poller asked"
    assert time.monotonic() - started < 1.0, "the caller was not held"
    stop.set()
    thread.join(10)
    assert not thread.is_alive(), "the poller stops with its source"


def secret(name: str, **data: str) -> dict[str, Any]:
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"namespace": "test", "name": name}, "data": encoded}


def test_credentials_from_the_secret_are_sent_and_never_reported(
    stub: QueryStub, apiserver: ApiServer, kubeconfig: Any
) -> None:
    apiserver.install_crd(SECRETS)
    apiserver.put(secret("prom-basic", username="reader", password="s3cret-pass"))
    apiserver.put(secret("prom-token", token="tok-abc123"))
    apiserver.put(secret("prom-partial", username="reader"))
    apiserver.put(secret("prom-echo", token="tok-echoed-987"))
    # A proxy that refuses the token and echoes it back in its error.
    stub.rules = [("sum(e", (401, "invalid token tok-echoed-987"))]
    templates = [
        template(stub.url, 'sum(a{app="{{ variables.app }}"})', name="basic", secretRef={"name": "prom-basic"}),
        template(stub.url, 'sum(b{app="{{ variables.app }}"})', name="token", secretRef={"name": "prom-token"}),
        template(stub.url, 'sum(c{app="{{ variables.app }}"})', name="partial", secretRef={"name": "prom-partial"}),
        template(stub.url, 'sum(d{app="{{ variables.app }}"})', name="absent", secretRef={"name": "prom-gone"}),
        template(stub.url, 'sum(e{app="{{ variables.app }}"})', name="echo", secretRef={"name": "prom-echo"}),
    ]
    checks = [
        {"name": name, "templateRef": {"name": name}, "templateVariables": {"app": "x"}}
        for name in ("basic", "token", "partial", "absent", "echo")
    ]
    connection = connect(str(kubeconfig), None)
    run = Run([canary("podinfo", checks)], templates, api_client=connection.api_client)
    run.round()
    headers = dict(stub.queries)
    assert headers['sum(a{app="x"})'] == "Basic " + base64.b64encode(b"reader:s3cret-pass").decode()
    assert headers['sum(b{app="x"})'] == "Bearer tok-abc123"
    errors = {check: sample.error for (_, check), sample in run.samples().items()}
    assert errors["partial"] == "query failed: prometheus credentials does not contain a password"
    assert errors["absent"] == "query failed: secret test/prom-gone not found"
    assert errors["echo"] is not None and errors["echo"].startswith("query failed: invalid token")
    reported = repr(run.seen)
    for secret_text in ("s3cret-pass", "tok-abc123", "tok-echoed-987"):
        assert secret_text not in reported


def test_a_long_grouped_query_goes_as_form_data_with_the_templates_credentials(
    stub: QueryStub, apiserver: ApiServer, kubeconfig: Any
) -> None:
    apiserver.install_crd(SECRETS)
    apiserver.put(secret("prom-token", token="tok-abc123"))
    rate = template(stub.url, PER_TARGET, name="rate", secretRef={"name": "prom-token"})
    canaries = [canary(f"service-with-a-long-name-{i:03d}", [per_target()]) for i in range(80)]
    run = Run(canaries, [rate], api_client=connect(str(kubeconfig), None).api_client)
    assert run.round() == 1
    ((query, authorization),) = stub.queries
    assert len(query) > 2000 and stub.posted == 1 and authorization == "Bearer tok-abc123"
    assert {sample.value for sample in run.samples().values()} == {1.5} and len(run.samples()) == 80


def test_a_provider_not_queried_here_reads_flaggers_recorded_value(stub: QueryStub) -> None:
    datadog = parse_metric_template(
        {
            "metadata": {"namespace": "test", "name": "dd-errors"},
            "spec": {"provider": {"type": "datadog", "address": "https://api.datadoghq.com"}, "query": "avg:x{*}"},
        }
    )
    check = {"name": "dd-errors", "templateRef": {"name": "dd-errors"}, "interval": "30s", "thresholdRange": {"max": 2}}
    stub.rules = [('metric="dd-errors"', 3.25)]
    stub.absent = {"quiet"}  # Flagger has recorded nothing for this one
    run = Run([canary("shop", [check]), canary("quiet", [check])], [datadog], given=stub.url)
    assert run.round() == 1, "the canaries sharing the check are asked one query"
    assert stub.sent() == ['flagger_canary_metric_analysis{name=~"quiet|shop", namespace="test", metric="dd-errors"}']
    samples = run.samples()
    assert samples[("shop", "dd-errors")].query == (
        'flagger_canary_metric_analysis{name="shop",namespace="test",metric="dd-errors"}'
    ), "each canary's own query is the one shown"
    assert samples[("shop", "dd-errors")].value == 3.25 and samples[("shop", "dd-errors")].error is None
    quiet = samples[("quiet", "dd-errors")]
    assert quiet.value is None and quiet.error is not None and "Flagger's verdict is shown" in quiet.error
    assert "avg:x" not in " ".join(stub.sent()), "the Datadog query itself is never sent to Prometheus"


def test_without_a_prometheus_a_provider_not_queried_here_says_so(stub: QueryStub) -> None:
    datadog = parse_metric_template(
        {"metadata": {"namespace": "test", "name": "dd"}, "spec": {"provider": {"type": "datadog"}, "query": "avg:x"}}
    )
    run = Run([canary("shop", [{"name": "dd", "templateRef": {"name": "dd"}, "interval": "30s"}])], [datadog])
    assert run.round() == 0
    sample = run.samples()[("shop", "dd")]
    assert sample.value is None and sample.error == "provider datadog is not queried here: Flagger's verdict is shown"


def test_a_quiet_fleet_is_not_looked_through_again_until_a_canary_changes_or_a_check_falls_due(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looked: list[str] = []
    real = check_poller.polled
    monkeypatch.setattr(check_poller, "polled", lambda check: looked.append(check.name) or real(check))
    builtin = [{"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "30s"}]
    run = Run([], [])
    run.canaries = tuple(canary(f"c{i}", builtin) for i in range(50))  # type: ignore[assignment]
    run.round()
    assert len(looked) == 50, "the first round looks at every canary's checks"
    looked.clear()
    for _ in range(3):
        run.clock.now += 1
        run.round()
    assert looked == [], "the same Canaries, nothing due: nothing looked at"
    with_query = canary("c7", [{"name": "errors", "query": "sum(up)", "interval": "30s"}])
    run.canaries = (*run.canaries[:7], with_query, *run.canaries[8:])  # type: ignore[assignment]
    run.round()
    assert looked == ["errors"], "a Canary changed: its new check is found at once"

    def evaluated() -> int:
        return sum(1 for o in run.seen if isinstance(o, CheckValueObserved) and o.check == "errors")

    assert evaluated() == 1
    looked.clear()
    run.clock.now += 1
    run.round()
    assert looked == [] and evaluated() == 1
    run.clock.now += 30
    run.round()
    assert evaluated() == 2, "evaluated again once its interval has passed"
