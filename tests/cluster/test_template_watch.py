"""MetricTemplates watched through the real kubernetes client against the stand-in: the namespace in scope and the
ones templateRefs name, only when the kind is served; a refusal is a quiet note and nothing else is disturbed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.standin.apiserver import ApiServer
from tests.standin.resources import METRICTEMPLATES, SECRETS
from tui.domain.model import CanaryKey, Health

KEY = CanaryKey("test", "examiner")


def metric_template(namespace: str, name: str, **provider: Any) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "MetricTemplate",
        "metadata": {"namespace": namespace, "name": name},
        "spec": {
            "provider": {"type": "prometheus", "address": "http://prometheus.monitoring:9090", **provider},
            "query": 'sum(rate(errors{namespace="{{ namespace }}"}[{{ interval }}]))',
        },
    }


CHECKS = [
    {"name": "error-rate", "templateRef": {"name": "error-rate"}, "thresholdRange": {"max": 1}},
    {"name": "shared-latency", "templateRef": {"name": "latency", "namespace": "shared"}, "thresholdRange": {"max": 2}},
]


def test_templates_in_scope_and_named_elsewhere_are_watched(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.install_crd(METRICTEMPLATES)
    apiserver.install_crd(SECRETS)
    apiserver.put(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"namespace": "test", "name": "prom-auth"},
            "data": {"username": "cmVhZGVy", "password": "aHVudGVyMg=="},  # reader / hunter2
        }
    )
    apiserver.put(metric_template("test", "error-rate", secretRef={"name": "prom-auth"}))
    apiserver.put(metric_template("shared", "latency"))
    apiserver.put(metric_template("elsewhere", "unrelated"))
    apiserver.put(objects.canary(metrics=CHECKS))
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: set(s.templates) == {"test/error-rate", "shared/latency"}, what="both templates")
        template = h.state.templates["test/error-rate"]
        assert template.provider == "prometheus" and template.secret_name == "prom-auth"
        assert "hunter2" not in repr(h.state) and "aHVudGVy" not in repr(h.state)
        assert not any(r.path.startswith("/api/v1/namespaces/test/secrets") for r in apiserver.requests())

        apiserver.put(metric_template("test", "extra"))
        h.wait_for(lambda s: "test/extra" in s.templates, what="an added template")
        apiserver.delete("metrictemplates.flagger.app", "latency", "shared")
        h.wait_for(lambda s: "shared/latency" not in s.templates, what="a deleted template gone")
        assert set(h.state.templates) == {"test/error-rate", "test/extra"}


def test_not_served_means_not_watched(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary(metrics=CHECKS))
    with Harness(kubeconfig) as h:
        # Flagger's settings are looked for after the templates would have been watched.
        h.wait_for(lambda s: KEY in s.canaries and "flagger" in s.health, what="the canary and Flagger's settings")
        assert not any("metrictemplates" in r.path for r in apiserver.requests() if "/namespaces/" in r.path)
        assert not any(source.startswith("metrictemplates") for source in h.state.health)


def test_a_refusal_is_a_quiet_note_and_nothing_else_is_disturbed(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.install_crd(METRICTEMPLATES)
    apiserver.put(metric_template("test", "error-rate"))
    apiserver.put(objects.canary(metrics=CHECKS))
    apiserver.forbid("metrictemplates.flagger.app")
    with Harness(kubeconfig) as h:
        h.wait_for(
            lambda s: "metrictemplates" in s.health and s.health["metrictemplates"].state is Health.DISABLED,
            what="a note on the templates",
        )
        note = h.state.health["metrictemplates"].detail
        assert note.startswith("cannot list metrictemplates.flagger.app in test") and "\n" not in note
        h.wait_for(lambda s: KEY in s.canaries, what="the canary")
        assert h.state.health["canaries"].state is Health.CONNECTED
        assert h.state.health["kubernetes"].state is Health.CONNECTED
        assert h.state.templates == {}
