"""Custom checks in the simulation: MetricTemplates and inline queries evaluated as Flagger v1.44's scheduler does
(pkg/controller/scheduler_metrics.go), the templates served, and the checks' values sampled as canaryscope's poller
takes them on a cluster."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.simkit import EXAMINER, history_since, run_until, simulation
from tui.domain.observations import CheckValueObserved, MetricTemplateDeleted, MetricTemplateObserved
from tui.domain.reducer import reduce
from tui.domain.state import AppState
from tui.sim import manifests
from tui.sim.engine import Simulation
from tui.sim.scenario import BUILTIN, ScenarioError, from_mapping, load_scenario

OBJ = "examiner.apps"
EXAMPLE = Path(__file__).parents[2] / "examples" / "custom-metrics.yaml"
ENDED = ("Succeeded", "Failed")


def checks_scenario(metrics: list[dict[str, Any]], templates: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The lab's quick Canary (interval 10s, threshold 2) with `metrics` as its checks."""
    raw = copy.deepcopy(BUILTIN["lab"])
    raw["canaries"][0]["analysis"]["metrics"] = metrics
    if templates is not None:
        raw["metricTemplates"] = templates
    return raw


def template(name: str, value: Any, query: str = "vector(1)") -> dict[str, Any]:
    return {"name": name, "namespace": "apps", "query": query, "value": value}


def ref(name: str, **keys: Any) -> dict[str, Any]:
    return {"name": name, "templateRef": {"name": name}, "interval": "30s", **keys}


def inline(name: str, value: Any, **keys: Any) -> dict[str, Any]:
    return {"name": name, "query": "sum(up)", "value": value, "interval": "30s", **keys}


def release(sim: Simulation, *, faulty: bool = False, errors: bool = False) -> list[tuple[str, str]]:
    """One release to its end: (type, message) of every event Flagger recorded for it."""
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=faulty)
    if errors:
        sim.inject_errors(EXAMINER)
    run_until(sim, lambda s: s.phase(EXAMINER) in ENDED and len(s.flagger.history) > start + 1, limit_s=900)
    return [(r.type, r.message) for r in history_since(sim, start)]


def halts(events: list[tuple[str, str]]) -> list[str]:
    """The Warnings that failed a check (not the rollback's own)."""
    return [m for t, m in events if t == "Warning" and not m.startswith(("Rolling back ", "Canary failed! "))]


def test_custom_metrics_faulty_release_halts_on_error_rate_and_rolls_back() -> None:
    sim = simulation("custom-metrics")
    events = release(sim, faulty=True)
    messages = [m for _, m in events]
    halted = [m for m in messages if m.startswith("Halt ")]
    assert len(halted) == 2
    for message in halted:
        # Flagger's words: the value with %.2f, the bound with %v.
        assert message.startswith(f"Halt {OBJ} advancement error-rate ") and message.endswith(" > 1")
        assert float(message.split()[4]) > 1
    assert messages[-2:] == [
        f"Rolling back {OBJ} failed checks threshold reached 2",
        f"Canary failed! Scaling down {OBJ}",
    ]
    assert sim.phase(EXAMINER) == "Failed"
    # No builtin check was ever run: the Canary has none.
    assert not [m for m in messages if "success rate" in m or "request duration" in m]


def test_custom_metrics_good_release_passes_both_checks() -> None:
    sim = simulation("custom-metrics")
    events = release(sim)
    assert not halts(events)
    assert sim.phase(EXAMINER) == "Succeeded"
    canary = sim.store.get("Canary", "apps", "examiner")
    names = [m["name"] for m in canary["spec"]["analysis"]["metrics"]]
    assert names == ["error-rate", "latency-p99"]


def test_error_injection_raises_error_rate() -> None:
    sim = simulation("custom-metrics")
    events = release(sim, errors=True)
    assert halts(events) and all(" error-rate " in m for m in halts(events) if m.startswith("Halt "))
    assert sim.phase(EXAMINER) == "Failed"


def test_inline_queries_run_before_every_template_whatever_the_order() -> None:
    # Flagger's two passes: builtin checks and inline queries first, then templateRef checks.
    metrics = [ref("first", thresholdRange={"max": 1}), inline("second", 5, thresholdRange={"max": 1})]
    sim = simulation(checks_scenario(metrics, [template("first", 7)]))
    assert halts(release(sim))[0] == f"Halt {OBJ} advancement second 5.00 > 1"


def test_a_value_equal_to_a_bound_passes() -> None:
    metrics = [
        inline("at-max", 0.8, thresholdRange={"max": 0.8}),
        ref("at-min", thresholdRange={"min": 99.5}),
    ]
    sim = simulation(checks_scenario(metrics, [template("at-min", 99.5)]))
    assert not halts(release(sim))
    assert sim.phase(EXAMINER) == "Succeeded"


@pytest.mark.parametrize(
    ("metric", "value", "halt"),
    [
        ({"thresholdRange": {"min": 99}}, 98.704, f"Halt {OBJ} advancement c 98.70 < 99"),
        ({"thresholdRange": {"max": 0.8}}, 0.805, f"Halt {OBJ} advancement c 0.81 > 0.8"),
        ({"thresholdRange": {"min": 0.5, "max": 2.5}}, 2.5001, f"Halt {OBJ} advancement c 2.50 > 2.5"),
        ({"thresholdRange": {"max": 0.0000001}}, 1, f"Halt {OBJ} advancement c 1.00 > 1e-07"),
        # The legacy threshold is a maximum; unset, Go's zero value.
        ({"threshold": 5}, 5.5, f"Halt {OBJ} advancement c 5.50 > 5"),
        ({}, 0.01, f"Halt {OBJ} advancement c 0.01 > 0"),
        # min above max: every value fails, on min first.
        ({"thresholdRange": {"min": 3, "max": 1}}, 2, f"Halt {OBJ} advancement c 2.00 < 3"),
    ],
)
def test_bounds_and_halt_wording(metric: dict[str, Any], value: float, halt: str) -> None:
    for check in (ref("c", **metric), inline("c", value, **metric)):
        sim = simulation(checks_scenario([check], [template("c", value)]))
        assert halts(release(sim))[0] == halt


def test_no_values_found_in_flaggers_words() -> None:
    sim = simulation(checks_scenario([ref("quiet", thresholdRange={"max": 1})], [template("quiet", "none")]))
    assert halts(release(sim))[0] == "Halt advancement no values found for custom metric: quiet: no values found"
    sim = simulation(checks_scenario([inline("quiet", "none", thresholdRange={"max": 1})]))
    assert halts(release(sim))[0] == "Halt advancement no values found for metric: quiet"


def test_error_rate_has_no_values_without_traffic() -> None:
    raw = checks_scenario([ref("error-rate", thresholdRange={"max": 1})], [template("error-rate", "errorRate")])
    raw["load"] = {"backgroundOn": False}
    sim = simulation(raw)
    expected = "Halt advancement no values found for custom metric: error-rate: no values found"
    assert halts(release(sim))[:2] == [expected, expected]


def test_a_release_dependent_value() -> None:
    raw = checks_scenario(
        [ref("saturation", thresholdRange={"max": 0.8})], [template("saturation", {"good": 0.4, "faulty": 0.9})]
    )
    sim = simulation(raw)
    assert not halts(release(sim))
    raw["load"] = {"backgroundOn": False}  # no traffic: only the constant speaks
    sim = simulation(raw)
    failed = halts(release(sim, faulty=True))
    assert failed[:2] == [f"Halt {OBJ} advancement saturation 0.90 > 0.8"] * 2


def test_a_missing_template_in_flaggers_words() -> None:
    raw = checks_scenario([ref("error-rate", thresholdRange={"max": 1})], [template("error-rate", 0)])
    raw["warmup"] = "0s"
    sim = simulation(raw)
    sim.store.delete("MetricTemplate", "apps", "error-rate")
    run_until(sim, lambda s: s.phase(EXAMINER) == "Initialized")
    init = [(r.type, r.message) for r in sim.flagger.history]
    not_found = 'metrictemplate.flagger.app "error-rate" not found'
    assert (
        "Warning",
        f"Error checking metric providers: metric template error-rate.apps error: {not_found}",
    ) in init
    assert ("Normal", "all the metrics providers are available!") not in init
    assert halts(release(sim))[0] == f"Metric template error-rate.apps error: {not_found}"


def test_a_template_query_that_cannot_render() -> None:
    raw = checks_scenario(
        [ref("err", thresholdRange={"max": 1})], [template("err", 0, query="rate(x[{{ variables.window }}])")]
    )
    failed = halts(release(simulation(raw)))
    assert failed[0] == (
        "Metric template err.apps query render error: template excution failed: "
        'at <variables.window>: map has no entry for key "window"'
    )


def test_template_variables_and_namespace_reach_the_rendered_query() -> None:
    templates = [{"name": "t", "namespace": "shared", "query": 'x{a="{{ variables.a }}"}[{{ interval }}]', "value": 0}]
    metric = {
        "name": "c",
        "templateRef": {"name": "t", "namespace": "shared"},
        "templateVariables": {"a": "b"},
        "thresholdRange": {"max": 1},
        "interval": "2m",
    }
    sim = simulation(checks_scenario([metric], templates))
    sim.advance(5)
    samples = [o for o in sim.drain() if isinstance(o, CheckValueObserved)]
    assert samples and samples[-1].sample.query == 'x{a="b"}[2m]' and samples[-1].sample.value == 0


def test_the_cluster_serves_templates_and_samples_reach_the_state() -> None:
    sim = simulation("custom-metrics")
    state = AppState()
    for observation in sim.drain():
        state = reduce(state, observation)
    assert set(state.templates) == {"apps/error-rate"}
    assert state.templates["apps/error-rate"].provider == "prometheus"
    sim.release(EXAMINER, faulty=True)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed", limit_s=900)
    for observation in sim.drain():
        state = reduce(state, observation)
    series = state.check_series(EXAMINER, "error-rate")
    assert series and all(s.subject == "canary" for s in series)
    assert 'deployment="examiner"' in (series[-1].query or "") and "[30s]" in (series[-1].query or "")
    assert max(s.value for s in series if s.value is not None) > 1
    latency = [s for s in state.check_series(EXAMINER, "latency-p99") if s.value is not None]
    assert latency and all(0 < s.value < 0.8 for s in latency)
    # The builtin checks are not the Canary's: nothing is sampled for them.
    assert set(state.check_values[EXAMINER]) == {"error-rate", "latency-p99"}
    sim.store.delete("MetricTemplate", "apps", "error-rate")
    sim.advance(1)
    assert MetricTemplateDeleted("apps", "error-rate") in sim.drain()


def test_the_canary_carries_the_checks_as_written() -> None:
    spec = load_scenario(str(EXAMPLE)).canaries[0]
    metrics = manifests.canary(spec)["spec"]["analysis"]["metrics"]
    assert [m["name"] for m in metrics] == ["request-success-rate", "error-rate", "memory", "latency-p99"]
    assert metrics[0] == {"name": "request-success-rate", "interval": "30s", "thresholdRange": {"min": 80.0}}
    assert metrics[2]["templateVariables"] == {"limit": "268435456"}
    assert "value" not in metrics[3] and metrics[3]["query"].startswith("histogram_quantile(0.99")


def test_the_example_halts_on_its_template_after_the_builtin_check_passes() -> None:
    sim = Simulation(load_scenario(str(EXAMPLE)), seed=1)
    failed = halts(release(sim, faulty=True))
    assert len(failed) == 2 and all(m.startswith(f"Halt {OBJ} advancement error-rate ") for m in failed), failed
    values = [s.sample.value for s in sim.drain() if isinstance(s, CheckValueObserved) and s.check == "memory"]
    assert 0.7 in values and 0.45 in values


def test_templates_are_observed_at_start() -> None:
    observed = [o for o in simulation("custom-metrics").drain() if isinstance(o, MetricTemplateObserved)]
    assert [o.template.key for o in observed] == ["apps/error-rate"]


@pytest.mark.parametrize(
    ("metrics", "templates", "message"),
    [
        ([inline("q", None)], [], "canaries[0].analysis.metrics[0].value: missing (what the simulated Prometheus"),
        ([inline("q", "loud")], [], "canaries[0].analysis.metrics[0].value: unknown behaviour 'loud'"),
        ([inline("q", {"good": 1})], [], "canaries[0].analysis.metrics[0].value.faulty: missing"),
        ([inline("q", {"measure": "errorRate", "of": "apex"})], [], "metrics[0].value.of: expected canary or primary"),
        ([ref("nope")], [], "canaries[0].analysis.metrics[0].templateRef: no MetricTemplate apps/nope"),
        ([{"name": "q"}], [], "canaries[0].analysis.metrics[0]: a custom check needs exactly one of templateRef or"),
        ([{**inline("q", 1), "templateRef": {"name": "t"}}], [], "exactly one of templateRef or query"),
        ([inline("q", 1, interval="1h")], [], "metrics[0].interval: expected seconds or minutes like 30s or 1m"),
        ([inline("q", 1, thresholdRange={"max": "high"})], [], "metrics[0].thresholdRange.max: expected a number"),
        ([{**inline("q", 1), "query": "x[{{ variables.w }}]"}], [], 'map has no entry for key "w"'),
        ([{"name": "request-duration", "query": "x"}], [], "request-duration is Flagger's builtin check"),
        ([inline("q", 1), inline("q", 2)], [], "canaries[0].analysis.metrics[1].name: q is listed twice"),
        ([], [], "canaries[0].analysis.metrics: expected a non-empty list of checks"),
        ([ref("t")], [template("t", None)], "metricTemplates[0].value: missing"),
        ([ref("t")], [{"name": "t", "value": 1}], "metricTemplates[0].query: expected a non-empty string"),
    ],
)
def test_scenario_mistakes_are_one_line(metrics: list[Any], templates: list[Any], message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        from_mapping(checks_scenario(metrics, templates))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_metrics_cannot_go_with_the_builtin_shorthands() -> None:
    raw = checks_scenario([inline("q", 1)])
    raw["canaries"][0]["analysis"]["successRateMin"] = 98
    with pytest.raises(ScenarioError, match=r"analysis.successRateMin: cannot go with metrics"):
        from_mapping(raw)


def test_cli_refuses_a_bad_check_with_exit_2(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "canaries:\n  - name: examiner\n    analysis:\n      metrics:\n        - name: x\n          query: up\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "tui", "demo", "--scenario", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "canaries[0].analysis.metrics[0].value: missing" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
