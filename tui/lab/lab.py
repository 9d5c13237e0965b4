"""The whole local lab: what `canaryscope lab up|status|down` runs.

On top of the control plane and Flagger (tui.lab.controlplane) it starts, before Flagger:

* Prometheus (Debian's binary) scraping the mesh emulator every second; Flagger's -metrics-server;
* the webhook receiver that writes the logger pod's log (tui.lab.logger);
* the mesh emulator: ingress, the mesh's proxies and examiner pods (tui.lab.mesh);
* the seed's apps (tui.lab.apps): examiner with its Canary in `apps`, the logger in `monitoring`.

The provider (linkerd, istio, gatewayapi or nginx) decides Flagger's -mesh-provider, the Canary's spec.provider
and which CRDs are installed besides those always there.

and then waits until Flagger has initialised the Canary. Every process records its pid in the lab directory,
so `down` (or `status`) works from any other process. lab.json keeps every address.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tui.lab import apps, controlplane, processes
from tui.lab import binaries as lab_binaries
from tui.lab import prometheus as lab_prometheus
from tui.lab.controlplane import LabError, LabInfo, LabStatus, Log, Wait
from tui.lab.watch_defaults import INGRESS, LOADTESTER

# Keys of LabInfo.extras (shown by `lab status` as they are).
MESH_METRICS = "mesh metrics (scraped)"
EVENT_WEBHOOK = "event webhook (logger)"
LOGGER_POD = "logger pod (--logger)"
LOGGER_LOG = "logger pod's log file"
CANARY = "canary"
PROVIDER = "provider (-mesh-provider)"
INITIALIZE_TIMEOUT_S = 120.0
REPO_ROOT = Path(__file__).resolve().parents[2]


def default_dir() -> Path:
    root = Path(os.environ.get("CANARYSCOPE_CACHE", Path.home() / ".cache" / "canaryscope"))
    return root / "lab" / "run"


def _python_env() -> dict[str, str]:
    # The helper processes import tui from this checkout even when it is not installed.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _get_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2.0) as resp:  # loopback only
        return bool(resp.status == 200)


def up(
    lab_dir: Path,
    *,
    kwok_config_docs: Iterable[dict[str, Any]] = (),
    wait_initialized: bool = True,
    seed: int | None = None,
    cache_root: Path | None = None,
    provider: str = "linkerd",
    flagger_provider: str | None = None,
    crd_providers: Iterable[str] = (),
    log: Log = print,
) -> LabInfo:
    """Start everything (building the Go binaries on first use); returns once the Canary is Initialized.

    ``provider`` is the seed Canary's and, unless ``flagger_provider`` says otherwise, Flagger's -mesh-provider
    (Flagger forces its Linkerd metric queries onto every canary while that flag names linkerd, so a lab that runs
    other providers' canaries beside the seed's passes another one). ``crd_providers`` add those providers' CRDs.
    """
    if provider not in apps.FLAGGER_PROVIDERS:
        raise LabError(f"unknown provider {provider!r}; choose one of {', '.join(apps.PROVIDERS)}")
    mesh_provider = flagger_provider or apps.FLAGGER_PROVIDERS[provider]
    crd_set = {provider, *crd_providers}
    lab_dir = Path(lab_dir).resolve()
    current = controlplane.status(lab_dir)
    if current.healthy and current.info is not None and INGRESS in current.info.extras:
        running = current.info.extras.get(PROVIDER, "linkerd")
        if running != mesh_provider:
            raise LabError(f"a lab with provider {running} is already running in {lab_dir}; run `lab down` first")
        log(f"lab: already running in {lab_dir}")
        return current.info
    binary = lab_prometheus.find_prometheus()
    if binary is None:
        raise LabError("the lab needs Prometheus: apt-get install prometheus (or set PROMETHEUS_BIN)")
    loadtester_bin = lab_binaries.ensure_loadtester(cache_root, log=log)
    controlplane.down(lab_dir, log=log)
    lab_dir.mkdir(parents=True, exist_ok=True)
    log_file = lab_dir / "logger" / "logger.cri"
    log_file.parent.mkdir(exist_ok=True)
    log_file.write_bytes(b"")
    ingress_port, metrics_port, logger_port, prometheus_port, loadtester_port = processes.free_ports(5)
    prometheus_url = f"http://127.0.0.1:{prometheus_port}"
    logger_url = f"http://127.0.0.1:{logger_port}/"
    loadtester_url = f"http://127.0.0.1:{loadtester_port}"
    spec = apps.lab_canary()

    def before_flagger(api: Any, kubeconfig: Path, wait: Wait) -> dict[str, str]:
        started = time.monotonic()
        lab_prometheus.start(lab_dir, binary, prometheus_port, [f"127.0.0.1:{metrics_port}"])
        python = [sys.executable, "-m"]
        env = _python_env()
        processes.start(
            lab_dir, "logger", [*python, "tui.lab.logger", "--port", str(logger_port), "--log-file", str(log_file)], env
        )
        mesh = [*python, "tui.lab.mesh", "--kubeconfig", str(kubeconfig)]
        mesh += ["--ingress-port", str(ingress_port), "--metrics-port", str(metrics_port)]
        if seed is not None:
            mesh += ["--seed", str(seed)]
        if "istio" in crd_set:
            mesh.append("--istio")
        processes.start(lab_dir, "mesh", mesh, env)
        # Flagger runs outside the cluster, so the Canaries' hooks reach the loadtester on loopback too.
        tester = [str(loadtester_bin), "-listen", f"127.0.0.1:{loadtester_port}", "-timeout", "5m"]
        processes.start(lab_dir, "loadtester", tester, env)
        wait("logger", lambda: _get_ok(f"{logger_url}.well-known/ready"), 30)
        wait("mesh", lambda: _get_ok(f"http://127.0.0.1:{metrics_port}/healthz"), 30)
        wait("prometheus", lambda: _get_ok(f"{prometheus_url}/-/ready"), 60)
        wait("loadtester", lambda: _get_ok(f"{loadtester_url}/healthz"), 30)
        log(f"lab: prometheus, logger, loadtester and mesh emulator ready ({time.monotonic() - started:.1f}s)")
        apps.apply(api, apps.objects(logger_url, spec, provider))
        targets = [(apps.MONITORING, apps.LOGGER), (spec.namespace, spec.name)]
        wait("kwok", lambda: apps.deployments_ready(api, targets), 60)
        log(f"lab: apps applied, examiner and logger ready ({time.monotonic() - started:.1f}s)")
        return {
            # localhost, as in the seed's URL, which `canaryscope load` allows without --allow-host.
            INGRESS: f"http://localhost:{ingress_port}/examine",
            MESH_METRICS: f"http://127.0.0.1:{metrics_port}/metrics",
            EVENT_WEBHOOK: logger_url,
            LOGGER_POD: f"{apps.MONITORING}/{apps.LOGGER_SELECTOR}",
            LOGGER_LOG: str(log_file),
            CANARY: f"{spec.namespace}/{spec.name}",
            PROVIDER: mesh_provider,
            LOADTESTER: loadtester_url,
        }

    info = controlplane.up(
        lab_dir,
        prometheus_url=prometheus_url,
        kwok_config_docs=[apps.cluster_logs(log_file), *kwok_config_docs],
        before_flagger=before_flagger,
        reserved_ports=(ingress_port, metrics_port, logger_port, prometheus_port, loadtester_port),
        cache_root=cache_root,
        mesh_provider=mesh_provider,
        crd_providers=sorted(crd_set),
        log=log,
    )
    if wait_initialized:
        _wait_initialized(info, spec.namespace, spec.name, log)
    return info


def _wait_initialized(info: LabInfo, namespace: str, name: str, log: Log) -> None:
    from kubernetes import config

    api = config.new_client_from_config(config_file=str(info.kubeconfig))
    started = time.monotonic()
    if not processes.wait_until(lambda: apps.canary_phase(api, namespace, name) == "Initialized", INITIALIZE_TIMEOUT_S):
        phase = None
        try:
            phase = apps.canary_phase(api, namespace, name)
        finally:
            controlplane.down(info.lab_dir, log=lambda _msg: None)
        raise LabError(
            f"Flagger did not initialise canary {namespace}/{name} within {INITIALIZE_TIMEOUT_S:.0f}s "
            f"(phase {phase!r}); see {info.lab_dir / 'logs' / 'flagger.log'}"
        )
    log(f"lab: Flagger initialised canary {namespace}/{name} ({time.monotonic() - started:.1f}s after start-up)")


def status(lab_dir: Path) -> LabStatus:
    return controlplane.status(Path(lab_dir))


def watch_command(info: LabInfo) -> str | None:
    """How to watch the lab's canary with canaryscope (every option spelled out)."""
    extras = info.extras
    if INGRESS not in extras:
        return None
    namespace, _, name = extras.get(CANARY, "apps/examiner").partition("/")
    loadtester = f" --loadtester {extras[LOADTESTER]}" if LOADTESTER in extras else ""
    return (
        f"canaryscope --kubeconfig {info.kubeconfig} -n {namespace} {name} "
        f"--prometheus {info.prometheus_url} --target {extras[INGRESS]}{loadtester}"
    )


def describe(st: LabStatus) -> str:
    text = controlplane.describe(st)
    command = watch_command(st.info) if st.info is not None else None
    return f"{text}\nwatch it with:\n  {command}" if command and st.healthy else text


def down(lab_dir: Path, log: Log = print) -> list[str]:
    return controlplane.down(Path(lab_dir), log=log)
