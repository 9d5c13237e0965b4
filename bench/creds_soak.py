"""Expiring credentials over a long run: python -m bench.creds_soak [--seconds 600] [--lifetime 60] [--json PATH]

The API stand-in accepts only tokens from a test exec plugin, each valid `--lifetime` seconds and handed out
without an expirationTimestamp (so every renewal follows a 401, the harder path). A ClusterSource watches the
canaries (status written several times a second), follows the logger pod's log (a line every few seconds) and
asks Prometheus through the API server's service proxy, for `--seconds`. At the end every status write must be
in state, each logger event once, the canaries listed once (renewals resume their watch), and no source ever
reported as forbidden. Exit status 1 when any of that fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import machine
from bench.cluster import names, new_standin, populate
from bench.live_prometheus import LivePrometheus
from tests.cluster import objects
from tests.cluster.harness import StateSink
from tests.creds.plugin import write_plugin
from tests.standin.tokens import TokenBook
from tui.cluster.kubeconfig import ClusterTarget, connect
from tui.cluster.source import ClusterOptions, ClusterSource
from tui.domain.model import CanaryKey, Health
from tui.domain.observations import CanaryObserved, HealthObserved

LOGGER = ("monitoring", "app.kubernetes.io/name=logger")
PROMETHEUS = ("monitoring", "prometheus:9090")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.creds_soak", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="length of the run (default 600)")
    parser.add_argument("--lifetime", type=float, default=60.0, help="seconds a token is accepted (default 60)")
    parser.add_argument("--canaries", type=int, default=20)
    parser.add_argument("--rate", type=float, default=5.0, help="status writes a second (default 5)")
    parser.add_argument(
        "--cut-at-expiry",
        action="store_true",
        help="cut every connection when the token in use expires: each watch and the log follow then meet the 401",
    )
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.lifetime <= 0 or args.canaries < 1 or args.rate <= 0:
        parser.exit(2, "python -m bench.creds_soak: --seconds, --lifetime, --rate and --canaries must be positive\n")
    return args


def run(seconds: float, lifetime: float, canaries: int, rate: float, cut_at_expiry: bool = False) -> dict[str, Any]:
    refs = names(canaries, 1)
    namespace = refs[0].namespace
    deployments = [(r.namespace, d) for r in refs for d in (r.name, f"{r.name}-primary")]
    prom = LivePrometheus(deployments).start()
    api = new_standin()
    started_at = machine.now()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            plugin = write_plugin(Path(tmp) / "plugin", lifetime_s=lifetime, claim_s=None)
            book = TokenBook(plugin.secret)
            api.require_tokens(book)
            populate(api, refs)
            api.proxy_service(*PROMETHEUS, prom.url)
            api.put(objects.pod("logger-0"))
            kubeconfig = api.write_kubeconfig(Path(tmp) / "kubeconfig", namespace=namespace, user=plugin.user())
            connection = connect(str(kubeconfig), None)
            source = ClusterSource(
                connection,
                ClusterTarget(str(kubeconfig), connection.context, namespace, None),
                ClusterOptions(prometheus=PROMETHEUS, logger=LOGGER, refresh_s=5.0),
            )
            sink = StateSink()
            source.start(sink)
            written: dict[CanaryKey, int] = {}
            logged: list[str] = []
            began = time.monotonic()
            next_write = next_line = began
            writes = cuts = 0
            cut_for: set[int] = set()
            while time.monotonic() - began < seconds:
                now = time.monotonic()
                if cut_at_expiry and book.accepted and book.outlived():
                    issued = plugin.runs()  # once per token: the cut is for the one that just expired
                    if issued not in cut_for:
                        cut_for.add(issued)
                        cuts += api.drop_connections() and 1
                if now >= next_write:
                    ref = refs[writes % len(refs)]
                    writes += 1
                    api.patch_status("canaries.flagger.app", ref.name, ref.namespace, {"iterations": writes})
                    written[CanaryKey(ref.namespace, ref.name)] = writes
                    next_write += 1 / rate
                if now >= next_line:
                    message = f"Advance {refs[0].name}.{namespace} soak line {len(logged)}"
                    stamp = 1_772_625_630_000 + 1000 * len(logged)
                    lines = objects.logger_lines(message, t_ms=stamp, name=refs[0].name, namespace=namespace)
                    api.append_log("monitoring", "logger-0", *lines)
                    logged.append(message)
                    next_line += 5.0
                source.pump()
                time.sleep(0.02)

            def caught_up() -> bool:
                state = sink.state
                seen = {e.event.message for e in state.events}
                return all(
                    key in state.canaries and state.canaries[key].info.iterations == value
                    for key, value in written.items()
                ) and all(m in seen for m in logged)

            deadline = time.monotonic() + 60
            while not caught_up() and time.monotonic() < deadline:
                source.pump()
                time.sleep(0.05)
            source.stop()
            source.join(5.0)
            source.pump()
            state = sink.state
            observed = Counter(
                (o.info.key, o.info.iterations) for o in sink.observations if isinstance(o, CanaryObserved)
            )
            duplicates = sum(n - 1 for n in observed.values() if n > 1)
            missed = sum(
                1
                for key, value in written.items()
                if key not in state.canaries or state.canaries[key].info.iterations != value
            )
            event_counts = Counter(e.event.message for e in state.events)
            forbidden = sorted(
                {
                    f"{o.health.source}: {o.health.detail}"
                    for o in sink.observations
                    if isinstance(o, HealthObserved) and o.health.state is Health.FORBIDDEN
                }
            )
            loops = {name: (loop.relists, loop.renewals) for name, loop in source.loops.items()}
            poller = source.poller
            return {
                "started": started_at,
                "seconds": seconds,
                "token_lifetime_s": lifetime,
                "canaries": canaries,
                "status_writes": writes,
                "status_writes_missed": missed,
                "duplicate_canary_updates": duplicates,
                "logger_lines": len(logged),
                "logger_events_missing": sum(1 for m in logged if event_counts[m] == 0),
                "logger_events_duplicated": sum(1 for m in logged if event_counts[m] > 1),
                "plugin_runs": plugin.runs(),
                "requests_refused_expired": book.expired,
                "requests_refused_invalid": book.invalid,
                "canary_lists": loops.get("canaries", (0, 0))[0],
                "watch_renewals": {name: renewals for name, (_, renewals) in loops.items()},
                "relists": {name: relists for name, (relists, _) in loops.items()},
                "connections_cut_at_expiry": cuts,
                "prometheus_refreshes": poller.refreshes if poller is not None else 0,
                "prometheus_queries": prom.queries,
                "forbidden_notes": forbidden,
                "machine": machine.describe(),
                "load_average_end": machine.load_average(),
            }
    finally:
        api.stop()
        prom.stop()


def verdict(result: dict[str, Any]) -> list[str]:
    lifetimes = result["seconds"] / result["token_lifetime_s"]
    problems = []
    if result["status_writes_missed"]:
        problems.append(f"{result['status_writes_missed']} status writes not in state")
    if result["duplicate_canary_updates"]:
        problems.append(f"{result['duplicate_canary_updates']} canary updates delivered twice")
    if result["logger_events_missing"] or result["logger_events_duplicated"]:
        problems.append("logger events missing or duplicated")
    if result["canary_lists"] != 1:
        problems.append(f"the canaries were listed {result['canary_lists']} times")
    if result["forbidden_notes"]:
        problems.append(f"forbidden: {result['forbidden_notes']}")
    if result["plugin_runs"] < max(2, lifetimes / 2) or result["plugin_runs"] > 2 * lifetimes + 2:
        problems.append(f"the plugin ran {result['plugin_runs']} times over {lifetimes:.0f} token lifetimes")
    if result["prometheus_refreshes"] < result["seconds"] / 5.0 * 0.8:
        problems.append(f"only {result['prometheus_refreshes']} Prometheus refreshes")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    result = run(args.seconds, args.lifetime, args.canaries, args.rate, args.cut_at_expiry)
    result["problems"] = verdict(result)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json is not None:
        args.json.write_text(text + "\n")
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
