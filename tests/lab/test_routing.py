"""The mesh emulator's routing picture: Ingress rule -> Service -> TrafficSplit -> Deployment (no cluster needed)."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from tui.lab import apps
from tui.lab.routing import Topology, parse_workload


def deployment(
    name: str, app: str, *, ready: int = 1, env: dict[str, str] | None = None, inject: str | None = None
) -> dict[str, Any]:
    template: dict[str, Any] = {
        "metadata": {"labels": {"app.kubernetes.io/name": app}},
        "spec": {
            "containers": [{"name": "examiner", "env": [{"name": k, "value": v} for k, v in (env or {}).items()]}]
        },
    }
    if inject:
        template["metadata"]["annotations"] = {"linkerd.io/inject": inject}
    return {
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "apps"},
        "spec": {"replicas": 1, "template": template},
        "status": {"readyReplicas": ready},
    }


def service(name: str, app: str) -> dict[str, Any]:
    return {
        "kind": "Service",
        "metadata": {"name": name, "namespace": "apps"},
        "spec": {"selector": {"app.kubernetes.io/name": app}, "ports": [{"port": 80}]},
    }


def split(canary: int | str, primary: int | str) -> dict[str, Any]:
    return {
        "kind": "TrafficSplit",
        "metadata": {"name": "examiner", "namespace": "apps"},
        "spec": {
            "service": "examiner",
            "backends": [
                {"service": "examiner-canary", "weight": str(canary)},
                {"service": "examiner-primary", "weight": str(primary)},
            ],
        },
    }


def flagged_topology() -> Topology:
    """What the lab looks like once Flagger has initialised the Canary."""
    topo = Topology()
    ingress = next(o for o in apps.objects("http://127.0.0.1:1/") if o["kind"] == "Ingress")
    topo.put("Ingress", ingress)
    topo.put("Service", service("examiner", "examiner-primary"))  # Flagger points the apex at the primary
    topo.put("Service", service("examiner-primary", "examiner-primary"))
    topo.put("Service", service("examiner-canary", "examiner"))
    topo.put("Deployment", deployment("examiner-primary", "examiner-primary", env={"ECHO_VALUE": "old"}))
    topo.put("Deployment", deployment("examiner", "examiner", env={"ECHO_VALUE": "new"}))
    topo.put("TrafficSplit", split(0, 100))
    return topo


def first(choices: Any) -> str:
    return choices[0][0]


def test_the_seed_ingress_sends_every_path_to_the_apex_service() -> None:
    topo = flagged_topology()
    for path in ("/", "/examine", "/examine/deeper"):
        route = topo.route("localhost", path)
        assert route is not None and (route.namespace, route.service) == ("apps", "examiner")


def test_prefix_paths_match_whole_segments_and_hosts_must_match() -> None:
    topo = Topology()
    topo.put(
        "Ingress",
        {
            "kind": "Ingress",
            "metadata": {"name": "x", "namespace": "apps"},
            "spec": {
                "rules": [
                    {
                        "host": "shop.localhost",
                        "http": {
                            "paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "shop"}}}]
                        },
                    },
                    {
                        "http": {
                            "paths": [
                                {"path": "/exam", "pathType": "Prefix", "backend": {"service": {"name": "exam"}}},
                                {"path": "/ping", "pathType": "Exact", "backend": {"service": {"name": "ping"}}},
                            ]
                        }
                    },
                ]
            },
        },
    )
    assert topo.route("localhost", "/examine") is None
    assert topo.route("localhost", "/exam/1").service == "exam"  # type: ignore[union-attr]
    assert topo.route("localhost", "/ping").service == "ping"  # type: ignore[union-attr]
    assert topo.route("localhost", "/ping/x") is None
    assert topo.route("shop.localhost", "/exam/1").service == "shop"  # type: ignore[union-attr]


def test_the_traffic_split_decides_between_primary_and_canary() -> None:
    topo = flagged_topology()
    backend = topo.backend("apps", "examiner", first)
    assert backend is not None and backend.workload.name == "examiner-primary"
    assert backend.workload.env == {"ECHO_VALUE": "old"}
    topo.put("TrafficSplit", split(100, 0))
    backend = topo.backend("apps", "examiner", first)
    assert backend is not None and backend.workload.name == "examiner" and backend.service == "examiner-canary"


def test_weights_split_requests_in_proportion() -> None:
    topo = flagged_topology()
    topo.put("TrafficSplit", split(25, 75))
    rng = random.Random(3)

    def pick(choices: Any) -> str:
        return rng.choices([c[0] for c in choices], weights=[c[1] for c in choices])[0]

    served = Counter(topo.backend("apps", "examiner", pick).workload.name for _ in range(4000))  # type: ignore[union-attr]
    assert abs(served["examiner"] / 4000 - 0.25) < 0.03


def test_no_ready_pods_or_no_weight_means_no_backend() -> None:
    topo = flagged_topology()
    topo.put("TrafficSplit", split(100, 0))
    topo.put("Deployment", deployment("examiner", "examiner", ready=0))
    assert topo.backend("apps", "examiner", first) is None
    topo.put("TrafficSplit", split(0, 0))
    assert topo.backend("apps", "examiner", first) is None


def test_before_flagger_the_service_selects_the_deployment_itself() -> None:
    topo = Topology()
    topo.put("Service", service("examiner", "examiner"))
    topo.put("Deployment", deployment("examiner", "examiner", env={"ECHO_VALUE": "hello"}))
    backend = topo.backend("apps", "examiner", first)
    assert backend is not None and backend.workload.env["ECHO_VALUE"] == "hello"
    topo.remove("Deployment", deployment("examiner", "examiner"))
    assert topo.backend("apps", "examiner", first) is None


def test_a_new_pod_template_is_a_new_pod() -> None:
    old = parse_workload(deployment("examiner", "examiner", env={"ECHO_VALUE": "a"}))
    new = parse_workload(deployment("examiner", "examiner", env={"ECHO_VALUE": "b"}))
    assert old is not None and new is not None
    assert old.pod != new.pod and old.pod.startswith("examiner-")


def test_meshed_by_namespace_annotation_unless_the_pod_template_says_otherwise() -> None:
    topo = Topology()
    namespace = next(o for o in apps.objects("http://127.0.0.1:1/") if o["kind"] == "Namespace")
    plain = parse_workload(deployment("examiner", "examiner"))
    opted_out = parse_workload(deployment("other", "other", inject="disabled"))
    assert plain is not None and opted_out is not None
    assert not topo.meshed(plain)
    topo.put("Namespace", namespace)
    assert topo.meshed(plain)
    assert not topo.meshed(opted_out)


def test_a_daemonsets_ready_pods_answer_for_the_service_selecting_them() -> None:
    topo = Topology()
    topo.put("Service", service("examiner-canary", "examiner"))
    daemonset = deployment("examiner", "examiner", env={"ECHO_VALUE": "on every node"})
    daemonset["kind"] = "DaemonSet"
    del daemonset["spec"]["replicas"]
    daemonset["status"] = {"desiredNumberScheduled": 1, "numberReady": 0}
    topo.put("DaemonSet", daemonset)
    assert topo.backend("apps", "examiner-canary", first) is None
    daemonset["status"]["numberReady"] = 1
    topo.put("DaemonSet", daemonset)
    backend = topo.backend("apps", "examiner-canary", first)
    assert backend is not None and backend.workload.env["ECHO_VALUE"] == "on every node"
    assert [w.name for w in topo.workloads()] == ["examiner"]
    # Listing Deployments again leaves the DaemonSets alone.
    topo.replace_all("Deployment", [])
    assert topo.backend("apps", "examiner-canary", first) is not None
