"""The API stand-in and a Prometheus stand-in in a helper process, so their CPU is not the benchmark's.

    python -m bench.standin_process --canaries 1000 --namespaces 100 --kubeconfig PATH

prints one JSON line when ready ({"kubeconfig": ..., "prometheus": URL}), then obeys lines on stdin:
`rate N` (changes per second; 0 stops the writer), `stats` (prints a JSON line), `quit` (or end of input).

With `--probe`, the first canary is kept out of the writer's changes and `probe PHASE WEIGHT` writes its status,
then prints {"at": time.monotonic() just before the write} (one clock for every process on the machine).
`--peer-support` serves what kubectl and k9s need as well (see bench.cluster.new_standin).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.cluster import ChangeWriter, names, new_standin, populate
from bench.live_prometheus import LivePrometheus
from tests.standin.store import rfc3339


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--canaries", type=int, required=True)
    parser.add_argument("--namespaces", type=int, required=True)
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--probe", action="store_true", help="keep the first canary for `probe` writes")
    parser.add_argument("--peer-support", action="store_true", help="serve what kubectl and k9s need too")
    args = parser.parse_args()
    refs = names(args.canaries, args.namespaces)
    api = new_standin(peer_support=args.peer_support)
    populate(api, refs)
    changed = refs[1:] if args.probe else refs
    deployments = [(r.namespace, d) for r in refs for d in (r.name, f"{r.name}-primary")]
    prom = LivePrometheus(deployments, seed=args.seed).start()
    kubeconfig = api.write_kubeconfig(Path(args.kubeconfig), namespace=refs[0].namespace)
    writer: ChangeWriter | None = None
    print(json.dumps({"kubeconfig": str(kubeconfig), "prometheus": prom.url}), flush=True)
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
