"""Prometheus cost: PromQL requests per refresh with 1, 10 and 1,000 canaries in scope, and with 1 and 1,000
canaries over mixed providers (each observer family present is asked its own three grouped queries).

A ClusterSource (the one `canaryscope -A` runs) watches the API stand-in and polls a counting Prometheus
stand-in over HTTP every 0.5 s (0.2 s in the smoke run). The stand-in counts the query requests it answers;
the poller counts its refreshes. Requests per refresh are taken after the source is stopped, so no refresh is
half counted.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import commands
from bench.cluster import CanaryRef, names, new_standin, populate, standin
from bench.live_prometheus import LivePrometheus
from bench.result import Result
from tests.cluster import objects
from tests.cluster.harness import StateSink
from tests.standin.apiserver import ApiServer
from tui.cluster.kubeconfig import ClusterTarget, connect
from tui.cluster.source import ClusterOptions, ClusterSource
from tui.domain.flagger.observers import observer_family

NAME = "prom-cost"
TITLE = "Prometheus cost"
BUDGET = "constant, ≤ 4 requests per refresh per provider family present"
SIZES = (1, 10, 1000)
MIXED_SIZES = (1, 1000)
# spec.provider of the i-th canary, round robin: five observer families (gatewayapi and kubernetes are both the
# app's own histogram), so a thousand canaries bring every family and one canary brings Linkerd's alone.
MIXED = ("linkerd", "istio", "nginx", "gatewayapi:v1", "contour", "kubernetes")


@contextmanager
def mixed_standin(refs: list[CanaryRef], tmp: Path) -> Iterator[tuple[ApiServer, Path]]:
    """The usual stand-in, its canaries' spec.provider taken round robin from MIXED."""
    api = new_standin()
    try:
        populate(api, refs)
        for i, ref in enumerate(refs):
            canary = objects.canary(ref.name, ref.namespace, phase="Succeeded")
            canary["spec"]["provider"] = MIXED[i % len(MIXED)]
            canary["spec"]["ingressRef"] = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": ref.name}
            api.put(canary)
        yield api, api.write_kubeconfig(tmp / "kubeconfig", namespace=refs[0].namespace)
    finally:
        api.stop()


def per_refresh(canaries: int, refreshes: int, refresh_s: float, *, mixed: bool = False) -> dict[str, float]:
    refs = names(canaries, max(1, canaries // 10))
    deployments = [(r.namespace, d) for r in refs for d in (r.name, f"{r.name}-primary")]
    prom = LivePrometheus(deployments).start()
    stand_in = mixed_standin if mixed else standin
    try:
        with tempfile.TemporaryDirectory() as tmp, stand_in(refs, Path(tmp)) as (_api, kubeconfig):
            connection = connect(str(kubeconfig), None)
            source = ClusterSource(
                connection,
                ClusterTarget(str(kubeconfig), connection.context, None, None),
                ClusterOptions(prometheus=prom.url, logger=None, read_timeout_s=10.0, refresh_s=refresh_s),
            )
            sink = StateSink()
            source.start(sink)
            deadline = time.monotonic() + 60
            while len(sink.state.canaries) < canaries or (source.poller is None or source.poller.refreshes == 0):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the source did not list {canaries} canaries and query Prometheus in 60 s")
                source.pump()
                time.sleep(0.05)
            first_requests, first_refreshes = prom.queries, source.poller.refreshes
            while source.poller.refreshes - first_refreshes < refreshes:
                source.pump()
                time.sleep(0.05)
            source.stop()
            source.join(5.0)
            source.pump()
            done = source.poller.refreshes - first_refreshes
            asked = prom.queries - first_requests
            samples = sum(len(series) for series in sink.state.metrics.values())
            return {
                "requests_per_refresh": asked / done,
                "poller_requests_per_refresh": source.poller.requests / source.poller.refreshes,
                "series_per_refresh": prom.answered_series / max(1, prom.queries) * (asked / done),
                "refreshes": done,
                "samples_kept": samples,
            }
    finally:
        prom.stop()


def families_present(canaries: int) -> int:
    return len({observer_family(MIXED[i % len(MIXED)], None) for i in range(canaries)})


def run(quick: bool = False, runs: int | None = None) -> Result:
    refreshes = runs or (3 if quick else 10)
    sizes, mixed_sizes, refresh_s = ((1, 10, 50), (1, 50), 0.2) if quick else (SIZES, MIXED_SIZES, 0.5)
    rows = {size: per_refresh(size, refreshes, refresh_s) for size in sizes}
    mixed = {size: per_refresh(size, refreshes, refresh_s, mixed=True) for size in mixed_sizes}
    counts = [rows[s]["requests_per_refresh"] for s in sizes]
    per_family = {s: mixed[s]["requests_per_refresh"] / families_present(s) for s in mixed_sizes}
    constant = max(counts) == min(counts) and max(per_family.values()) == min(per_family.values())
    passed = constant and max(counts) <= 4 and max(per_family.values()) <= 4
    return Result(
        name=NAME,
        title=TITLE,
        measured=", ".join(f"{s} → {rows[s]['requests_per_refresh']:g}" for s in sizes)
        + "; mixed providers per family present: "
        + ", ".join(f"{s} → {per_family[s]:g}" for s in mixed_sizes)
        + (" (constant)" if constant else " (NOT constant)"),
        budget=BUDGET,
        passed=passed,
        command=commands.reproduce(NAME),
        details=[
            f"canaries → requests per refresh, counted at the Prometheus stand-in over {refreshes} refreshes each",
            "series answered per refresh: "
            + ", ".join(f"{s} → {rows[s]['series_per_refresh']:.0f}" for s in sizes)
            + " (two deployments per canary, three queries)",
            "Prometheus requests per refresh over mixed providers (spec.provider round robin over "
            + ", ".join(MIXED)
            + "): "
            + ", ".join(
                f"{s} canar{'y' if s == 1 else 'ies'} → {mixed[s]['requests_per_refresh']:g} "
                f"({families_present(s)} observer famil{'y' if families_present(s) == 1 else 'ies'})"
                for s in mixed_sizes
            ),
        ],
        values={**{str(s): rows[s] for s in sizes}, **{f"mixed-{s}": mixed[s] for s in mixed_sizes}},
    )
