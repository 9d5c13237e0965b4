"""The stand-in serves Flagger's MetricTemplates once their CRD is installed; what the real client lists parses
into provider, address, query and the secret's name only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from tests.standin.apiserver import ApiServer
from tests.standin.resources import METRICTEMPLATES
from tui.kube.checks import parse_metric_template


@pytest.fixture
def custom(kubeconfig: Path) -> Iterator[client.CustomObjectsApi]:
    api_client = config.new_client_from_config(config_file=str(kubeconfig))
    api_client.configuration.retries = 0
    try:
        yield client.CustomObjectsApi(api_client)
    finally:
        api_client.close()


def template(namespace: str, name: str, provider: dict, query: str) -> dict:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "MetricTemplate",
        "metadata": {"namespace": namespace, "name": name},
        "spec": {"provider": provider, "query": query},
    }


def test_metric_templates_in_every_namespace_are_listed_and_parsed(
    apiserver: ApiServer, custom: client.CustomObjectsApi
) -> None:
    with pytest.raises(ApiException) as unserved:
        custom.list_cluster_custom_object("flagger.app", "v1beta1", "metrictemplates")
    assert unserved.value.status == 404, "not served before the CRD is installed"
    apiserver.install_crd(METRICTEMPLATES)
    apiserver.put(
        template(
            "test",
            "error-rate",
            {"type": "prometheus", "address": "http://prometheus.monitoring:9090", "secretRef": {"name": "prom"}},
            'sum(rate(http_requests_total{namespace="{{ namespace }}"}[{{ interval }}]))',
        )
    )
    apiserver.put(template("flagger-system", "apdex", {"type": "datadog"}, "avg:apdex{*}"))
    listed = custom.list_cluster_custom_object("flagger.app", "v1beta1", "metrictemplates")["items"]
    parsed = sorted((t for t in map(parse_metric_template, listed) if t is not None), key=lambda t: t.key)
    assert [(t.key, t.provider, t.queryable) for t in parsed] == [
        ("flagger-system/apdex", "datadog", False),
        ("test/error-rate", "prometheus", True),
    ]
    assert parsed[1].secret_name == "prom" and parsed[1].address == "http://prometheus.monitoring:9090"
