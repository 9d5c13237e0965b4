"""Every object the demo applies is valid against the schema of its kind (kubeconform, strict, no kind skipped)."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from . import schemas
from .render import Obj, find

# A kind with no schema must fail the test rather than be skipped, so the list of schema sources stays complete.
KUBECONFORM_FLAGS = ["-strict", "-output", "json", "-verbose", "-n", "2"]


def kubeconform_check(kubeconform: Path, schema_dir: Path, sources: dict[str, list[Obj]], tmp: Path) -> list[dict]:
    for index, (label, objects) in enumerate(sources.items()):
        text = f"# {label}\n" + yaml.safe_dump_all(objects, allow_unicode=True, sort_keys=False)
        (tmp / f"{index:02d}.yaml").write_text(text)
    result = subprocess.run(
        [str(kubeconform), *KUBECONFORM_FLAGS, "-schema-location", schemas.location_template(schema_dir), str(tmp)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stdout)
    return report["resources"]


def _problems(resources: list[dict]) -> list[str]:
    return [
        f"{r['filename']}: {r['kind']} {r['name']} ({r['version']}): {r['status']} {r.get('msg', '')}"
        for r in resources
        if r["status"] != "statusValid"
    ]


def test_every_object_matches_its_schema(
    kubeconform,
    schema_dir,
    layers,
    chart_renders,
    flagger_render,
    identity_objects,
    istio_layers,
    istio_chart_renders,
    istio_flagger_render,
    tmp_path,
):
    sources = {f"flux path {k}": v for k, v in layers.items()}
    sources |= {f"chart: {k}": v for k, v in chart_renders.items()}
    sources["flagger chart with the HelmRelease values"] = flagger_render
    sources["linkerd-identity.sh output"] = identity_objects
    sources |= {f"istio variant, flux path {k}": v for k, v in istio_layers.items()}
    sources |= {f"istio variant, chart: {k}": v for k, v in istio_chart_renders.items()}
    sources["istio variant, flagger chart with the HelmRelease values"] = istio_flagger_render
    resources = kubeconform_check(kubeconform, schema_dir, sources, tmp_path)

    assert _problems(resources) == []
    expected = sum(len(v) for v in sources.values())
    assert len(resources) == expected, "kubeconform must report on every rendered object"
    kinds = Counter(f"{r['version']}/{r['kind']}" for r in resources)
    # The kinds the demo depends on were all seen, so none of them slipped through unvalidated.
    for kind in (
        "kustomize.toolkit.fluxcd.io/v1/Kustomization",
        "helm.toolkit.fluxcd.io/v2/HelmRelease",
        "source.toolkit.fluxcd.io/v1/HelmRepository",
        "flagger.app/v1beta1/Canary",
        "monitoring.coreos.com/v1/PodMonitor",
        "monitoring.coreos.com/v1/ServiceMonitor",
        "apps/v1/Deployment",
        "networking.k8s.io/v1/Ingress",
        "autoscaling/v2/HorizontalPodAutoscaler",
        "v1/Secret",
        "networking.istio.io/v1/Gateway",
        "networking.istio.io/v1/VirtualService",
    ):
        assert kinds[kind] > 0, f"no {kind} was validated"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda c: c["spec"]["analysis"].update(stepWeigth=5), "stepWeigth"),
        (lambda c: c["spec"]["analysis"].update(interval="30 seconds"), "interval"),
        (lambda c: c["spec"]["analysis"]["webhooks"][0].update(type="events"), "type"),
        (lambda c: c["metadata"].update(label={"a": "b"}), "label"),
    ],
    ids=["unknown-field", "bad-pattern", "bad-enum", "bad-metadata"],
)
def test_schema_rejects_broken_canary(kubeconform, schema_dir, chart_renders, tmp_path, mutate, expected):
    """The validation can fail: typical mistakes in a Canary are caught."""
    canary = json.loads(json.dumps(find(chart_renders["examiner canary gatewayapi"], "Canary", "examiner")))
    mutate(canary)
    resources = kubeconform_check(kubeconform, schema_dir, {"broken canary": [canary]}, tmp_path)
    assert [r["status"] for r in resources] == ["statusInvalid"]
    assert expected in json.dumps(resources[0])


def test_unknown_kind_is_an_error_not_a_skip(kubeconform, schema_dir, tmp_path):
    bogus = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    resources = kubeconform_check(kubeconform, schema_dir, {"unknown kind": [bogus]}, tmp_path)
    assert [r["status"] for r in resources] == ["statusError"]


def test_flagger_routes_are_valid_gateway_api(kubeconform, schema_dir, chart_renders, tmp_path):
    """The HTTPRoute Flagger derives from the Canary (parentRefs = service.gatewayRefs, primary and canary
    backends) is valid Gateway API v1, so Linkerd can accept it."""
    canary = find(chart_renders["examiner canary gatewayapi"], "Canary", "examiner")
    service = canary["spec"]["service"]
    apex = service.get("name", canary["spec"]["targetRef"]["name"])
    port = service["port"]
    route = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": apex, "namespace": canary["metadata"]["namespace"]},
        "spec": {
            "parentRefs": service["gatewayRefs"],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [
                        {"group": "", "kind": "Service", "name": f"{apex}-primary", "port": port, "weight": 100},
                        {"group": "", "kind": "Service", "name": f"{apex}-canary", "port": port, "weight": 0},
                    ],
                }
            ],
        },
    }
    resources = kubeconform_check(kubeconform, schema_dir, {"derived HTTPRoute": [route]}, tmp_path)
    assert _problems(resources) == []


def _flagger_istio_objects(canary: Obj, primary: int, weight: int) -> list[Obj]:
    """The VirtualService and DestinationRules Flagger writes for a Canary with provider istio (networking.istio.io
    v1beta1, pkg/router/istio.go): hosts = service.hosts plus the apex Service, gateways = service.gateways."""
    spec, namespace = canary["spec"], canary["metadata"]["namespace"]
    apex = spec["service"].get("name", spec["targetRef"]["name"])
    meta = {"namespace": namespace}
    rules = [
        {
            "apiVersion": "networking.istio.io/v1beta1",
            "kind": "DestinationRule",
            "metadata": {"name": name, **meta},
            "spec": {"host": name},
        }
        for name in (f"{apex}-primary", f"{apex}-canary")
    ]
    service = {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "VirtualService",
        "metadata": {"name": apex, **meta},
        "spec": {
            "hosts": [*spec["service"]["hosts"], apex],
            "gateways": spec["service"]["gateways"],
            "http": [
                {
                    "route": [
                        {"destination": {"host": f"{apex}-primary"}, "weight": primary},
                        {"destination": {"host": f"{apex}-canary"}, "weight": weight},
                    ]
                }
            ],
        },
    }
    return [service, *rules]


def test_flagger_virtualservice_is_valid_istio(kubeconform, schema_dir, istio_chart_renders, tmp_path):
    """What Flagger writes from the Istio variant's Canary is valid against Istio's CRDs, so istiod accepts it."""
    canary = find(istio_chart_renders["examiner canary istio"], "Canary", "examiner")
    objects = _flagger_istio_objects(canary, 90, 10)
    resources = kubeconform_check(kubeconform, schema_dir, {"derived Istio router": objects}, tmp_path)
    assert _problems(resources) == []
    assert sorted(r["kind"] for r in resources) == ["DestinationRule", "DestinationRule", "VirtualService"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda vs: vs["spec"]["http"][0]["route"][0].update(weight="ninety"), "weight"),
        (lambda vs: vs["spec"]["http"][0]["route"][0]["destination"].update(hots="x"), "hots"),
        (lambda vs: vs["spec"].update(gateway=["mesh"]), "gateway"),
    ],
    ids=["bad-type", "unknown-nested-field", "unknown-field"],
)
def test_istio_schema_rejects_broken_virtualservice(
    kubeconform, schema_dir, istio_chart_renders, tmp_path, mutate, expected
):
    """The Istio schemas are strict too: a malformed VirtualService fails validation."""
    canary = find(istio_chart_renders["examiner canary istio"], "Canary", "examiner")
    service = _flagger_istio_objects(canary, 100, 0)[0]
    mutate(service)
    resources = kubeconform_check(kubeconform, schema_dir, {"broken VirtualService": [service]}, tmp_path)
    assert [r["status"] for r in resources] == ["statusInvalid"]
    assert expected in json.dumps(resources[0])
