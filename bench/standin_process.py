"""The API stand-in and a Prometheus stand-in in a helper process, so their CPU is not the benchmark's.

    python -m bench.standin_process --canaries 1000 --namespaces 100 --kubeconfig PATH

prints one JSON line when ready ({"kubeconfig": ..., "prometheus": URL}), then obeys lines on stdin:
`rate N` (changes per second; 0 stops the writer), `stats` (prints a JSON line), `quit` (or end of input),
`change KIND VALUE` (KIND status, router or deployment: one write to the first canary, its TrafficSplit or its
canary Deployment; prints {"at": time.monotonic() just before the write}).

With `--probe` (or `--spare-first`) the writer never touches the first canary, so a targeted write is the only thing
that moves it; `probe PHASE WEIGHT` writes its status and prints {"at": ...} like `change` (one clock for every
process on the machine). `--checks ADDRESS` gives every canary the custom checks of bench/check_fleet.py, their
MetricTemplates' provider at ADDRESS. `--peer-support` serves what kubectl and k9s need as well (see
bench.cluster.new_standin). `--prometheus-service NAMESPACE/NAME:PORT` also serves the Prometheus stand-in through
the API server's service proxy (so each of several stand-ins has its own, as `--prometheus svc/...` finds it);
`down` refuses connections until `up` (each prints {"at": ...}); the ready line names the API server's URL as
"server" too.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.check_fleet import add_checks
from bench.cluster import CanaryRef, ChangeWriter, names, new_standin, populate
from bench.live_prometheus import LivePrometheus
from tests.cluster import objects
from tests.standin.apiserver import ApiServer
from tests.standin.store import rfc3339


def change(api: ApiServer, ref: CanaryRef, kind: str, value: str) -> float:
    """One write that the screens show; returns the monotonic time just before it."""
    at = time.monotonic()
    if kind == "status":
        api.patch_status("canaries.flagger.app", ref.name, ref.namespace, {"phase": value})
    elif kind == "router":
        weight = int(value)
        api.put(objects.traffic_split(ref.name, ref.namespace, primary=100 - weight, canary_weight=weight))
    elif kind == "deployment":
        replicas = int(value)
        api.put(objects.deployment(ref.name, ref.namespace, replicas=replicas, ready=replicas))
    else:
        raise ValueError(f"unknown change {kind!r}")
    return at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--canaries", type=int, required=True)
    parser.add_argument("--namespaces", type=int, required=True)
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--probe", action="store_true", help="keep the first canary for `probe` writes")
    parser.add_argument("--peer-support", action="store_true", help="serve what kubectl and k9s need too")
    parser.add_argument(
        "--providers", choices=("linkerd", "mixed"), default="linkerd", help="mixed: four providers in turn"
    )
    parser.add_argument("--spare-first", action="store_true", help="the writer leaves the first canary alone")
    parser.add_argument("--checks", metavar="ADDRESS", help="three custom checks per canary, templates at ADDRESS")
    parser.add_argument("--prometheus-service", metavar="NAMESPACE/NAME:PORT", help="Prometheus behind the proxy too")
    args = parser.parse_args()
    refs = names(args.canaries, args.namespaces)
    mixed = args.providers == "mixed"
    api = new_standin(peer_support=args.peer_support, mixed=mixed)
    populate(api, refs, mixed=mixed)
    if args.checks:
        add_checks(api, refs, args.checks)
    changed = refs[1:] if args.probe or (args.spare_first and len(refs) > 1) else refs
    deployments = [(r.namespace, d) for r in refs for d in (r.name, f"{r.name}-primary")]
    prom = LivePrometheus(deployments, seed=args.seed).start()
    if args.prometheus_service:
        namespace, _, service = args.prometheus_service.partition("/")
        api.proxy_service(namespace, service, prom.url)
    kubeconfig = api.write_kubeconfig(Path(args.kubeconfig), namespace=refs[0].namespace)
    writer: ChangeWriter | None = None
    print(json.dumps({"kubeconfig": str(kubeconfig), "prometheus": prom.url, "server": api.url}), flush=True)
    try:
        for line in sys.stdin:
            command, _, value = line.strip().partition(" ")
            if command == "rate":
                if writer is not None:
                    writer.stop()
                    writer = None
                if float(value) > 0 and changed:
                    writer = ChangeWriter(api, changed, float(value), seed=args.seed).start()
            elif command == "probe":
                phase, weight = value.split()
                at = time.monotonic()
                status = {"phase": phase, "canaryWeight": int(weight), "lastTransitionTime": rfc3339(datetime.now(UTC))}
                api.patch_status("canaries.flagger.app", refs[0].name, refs[0].namespace, status)
                print(json.dumps({"at": at}), flush=True)
            elif command == "stats":
                stats = {
                    "written": writer.written if writer else 0,
                    "late": writer.late if writer else 0,
                    "prometheus_queries": prom.queries,
                    "internal_errors": len(api.internal_errors),
                }
                print(json.dumps(stats), flush=True)
            elif command == "change":
                kind, _, argument = value.partition(" ")
                print(json.dumps({"at": change(api, refs[0], kind, argument)}), flush=True)
            elif command in ("down", "up"):
                at = time.monotonic()
                if command == "down":
                    api.refuse_connections(None)
                else:
                    api.resume_listening()
                print(json.dumps({"at": at}), flush=True)
            elif command == "quit":
                break
    finally:
        if writer is not None:
            writer.stop()
        prom.stop()
        api.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
