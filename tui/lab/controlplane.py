"""The lab control plane as local processes: etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
kwok (one fake node whose pods become Running/Ready) and Flagger running out of cluster.

Everything binds to 127.0.0.1 on free ports and lives under one lab directory:

    <lab>/pki/         CA, serving and admin client certificates, service account keys
    <lab>/etcd/        etcd data (wiped by every `up`)
    <lab>/kubeconfig   admin kubeconfig (client certificate, group system:masters)
    <lab>/kwok.yaml    kwok's Stages (and any extra kwok config, e.g. ClusterLogs)
    <lab>/logs/*.log   one log per process
    <lab>/run/*.json   pid records, so `down` works from another process
    <lab>/lab.json     ports and URLs of the running lab

`up`, `status`, `describe` and `down` are what `canaryscope lab up|status|down` call.
"""

from __future__ import annotations

import json
import shutil
import ssl
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tui.lab import binaries as lab_binaries
from tui.lab import components, fakenode, processes
from tui.lab import crds as lab_crds
from tui.lab.pki import Pki, create_pki

# Stop order: Flagger first, then what it talks to (tui.lab.lab's mesh emulator, logger and Prometheus), then the
# other consumers of the API, etcd last.
STOP_ORDER = (
    "flagger",
    "loadtester",
    "mesh",
    "logger",
    "prometheus",
    "kwok",
    "kube-scheduler",
    "kube-controller-manager",
    "kube-apiserver",
    "etcd",
)

Log = Callable[[str], None]
# wait(process name, check, timeout): poll until check() is true, failing early if the process exited.
Wait = Callable[[str, Callable[[], bool], float], None]
# Runs once the API and the node are ready and before Flagger starts; returns extra addresses for lab.json.
BeforeFlagger = Callable[[Any, Path, Wait], dict[str, str]]


class LabError(RuntimeError):
    """The lab could not be brought up; the message names the component and ends with its log tail."""


@dataclass(frozen=True)
class LabInfo:
    lab_dir: Path
    kubeconfig: Path
    apiserver_url: str
    etcd_url: str
    kwok_url: str
    prometheus_url: str
    flagger_url: str | None
    node_name: str
    versions: dict[str, str]
    started_at: float
    startup_seconds: float
    health_urls: dict[str, str] = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["lab_dir"] = str(self.lab_dir)
        data["kubeconfig"] = str(self.kubeconfig)
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LabInfo:
        data = json.loads(text)
        data["lab_dir"] = Path(data["lab_dir"])
        data["kubeconfig"] = Path(data["kubeconfig"])
        return cls(**data)

    def urls(self) -> dict[str, str]:
        out = {
            "kube-apiserver": self.apiserver_url,
            "etcd": self.etcd_url,
            "kwok (pod logs)": self.kwok_url,
            "prometheus (Flagger's)": self.prometheus_url,
        }
        if self.flagger_url:
            out["flagger"] = self.flagger_url
        out.update(self.extras)
        return out


@dataclass(frozen=True)
class LabStatus:
    lab_dir: Path
    info: LabInfo | None
    running: dict[str, bool]

    @property
    def healthy(self) -> bool:
        return self.info is not None and bool(self.running) and all(self.running.values())


def _info_path(lab_dir: Path) -> Path:
    return lab_dir / "lab.json"


def status(lab_dir: Path) -> LabStatus:
    lab_dir = Path(lab_dir).resolve()
    try:
        info: LabInfo | None = LabInfo.from_json(_info_path(lab_dir).read_text())
    except (OSError, ValueError, TypeError):
        info = None
    running = {r.name: processes.is_alive(r) for r in processes.records(lab_dir)}
    return LabStatus(lab_dir, info, running)


def describe(st: LabStatus) -> str:
    """Human-readable status: kubeconfig, every URL and each process's state."""
    if st.info is None and not st.running:
        return f"lab in {st.lab_dir}: not running"
    lines = [f"lab in {st.lab_dir}: {'running' if st.healthy else 'DEGRADED'}"]
    if st.info is not None:
        lines.append(f"  {'kubeconfig':<26}{st.info.kubeconfig}")
        lines += [f"  {name:<26}{url}" for name, url in st.info.urls().items()]
    lines += [f"  {'process ' + name:<34}{'up' if alive else 'DOWN'}" for name, alive in sorted(st.running.items())]
    return "\n".join(lines)


def down(lab_dir: Path, log: Log = print) -> list[str]:
    """Stop every process the lab started (from any process); return the names that were running."""
    lab_dir = Path(lab_dir).resolve()
    stopped = processes.stop(lab_dir, STOP_ORDER)
    _info_path(lab_dir).unlink(missing_ok=True)
    if stopped:
        log(f"lab: stopped {', '.join(stopped)}")
    return stopped


def up(
    lab_dir: Path,
    *,
    prometheus_url: str | None = None,
    event_webhook: str | None = None,
    with_flagger: bool = True,
    flagger_loop_interval: str = "2s",
    kwok_config_docs: Iterable[dict[str, Any]] = (),
    before_flagger: BeforeFlagger | None = None,
    reserved_ports: Iterable[int] = (),
    cache_root: Path | None = None,
    mesh_provider: str = "linkerd",
    crd_providers: Iterable[str] = (),
    log: Log = print,
) -> LabInfo:
    """Start the lab (building binaries first if needed) and return its addresses once every part is ready.

    A lab already running healthily in ``lab_dir`` is returned as it is. ``prometheus_url`` is what Flagger
    queries; without it a free port is reserved and recorded for whoever starts Prometheus.
    ``kwok_config_docs`` are appended to kwok's config (e.g. a ClusterLogs object). ``before_flagger`` starts
    whatever Flagger should find in place (tui.lab.lab: Prometheus, the mesh emulator, the apps), on
    ``reserved_ports``, which the control plane leaves alone. ``mesh_provider`` is Flagger's -mesh-provider;
    ``crd_providers`` name the providers whose CRDs are installed besides those always there (tui.lab.crds).
    """
    lab_dir = Path(lab_dir).resolve()
    current = status(lab_dir)
    if current.healthy and current.info is not None:
        log(f"lab: already running in {lab_dir}")
        return current.info
    down(lab_dir, log=log)
    for sub in ("etcd", "pki", "run"):
        shutil.rmtree(lab_dir / sub, ignore_errors=True)
    lab_dir.mkdir(parents=True, exist_ok=True)

    bins = lab_binaries.ensure_binaries(cache_root, log=log)
    starter = _Starter(lab_dir, bins, log, frozenset(reserved_ports), mesh_provider, tuple(crd_providers))
    try:
        info = starter.run(
            prometheus_url, event_webhook, with_flagger, flagger_loop_interval, list(kwok_config_docs), before_flagger
        )
    except BaseException:
        down(lab_dir, log=lambda _msg: None)
        raise
    _info_path(lab_dir).write_text(info.to_json())
    log(f"lab: up in {info.startup_seconds:.1f}s; kubeconfig {info.kubeconfig}")
    return info


# --- health checks ---------------------------------------------------------------------------------------


def _ok(url: str, context: ssl.SSLContext | None = None, expect: str = "ok") -> bool:
    with urllib.request.urlopen(url, timeout=2.0, context=context) as resp:  # loopback URLs only
        return resp.status == 200 and expect in resp.read(65536).decode(errors="replace")


def _client_tls(pki: Pki) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki.ca_crt))
    ctx.load_cert_chain(str(pki.crt("admin")), str(pki.key("admin")))
    return ctx


def _self_signed_tls() -> ssl.SSLContext:
    # kube-controller-manager and kube-scheduler serve /healthz with a certificate they make at start-up.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class _Starter:
    def __init__(
        self,
        lab_dir: Path,
        bins: dict[str, Path],
        log: Log,
        reserved: frozenset[int],
        mesh_provider: str = "linkerd",
        crd_providers: tuple[str, ...] = (),
    ) -> None:
        self.lab_dir = lab_dir
        self.mesh_provider = mesh_provider
        self.crd_providers = crd_providers
        self.reserved = reserved
        self.bins = bins
        self.log = log
        self.t0 = time.monotonic()

    def elapsed(self) -> str:
        return f"{time.monotonic() - self.t0:.1f}s"

    def wait(self, name: str, check: Callable[[], bool], timeout: float) -> None:
        """Poll ``check`` until true; fail early (with the log tail) if the process has exited."""
        rec = next((r for r in processes.records(self.lab_dir) if r.name == name), None)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if rec is not None and not processes.is_alive(rec):
                raise LabError(f"{name} exited during start-up; last log lines:\n{processes.log_tail(rec)}")
            try:
                if check():
                    return
            except Exception:
                pass
            time.sleep(0.25)
        tail = processes.log_tail(rec) if rec else ""
        raise LabError(f"{name} not ready after {timeout:.0f}s; last log lines:\n{tail}")

    def run(
        self,
        prometheus_url: str | None,
        event_webhook: str | None,
        with_flagger: bool,
        loop_interval: str,
        kwok_docs: list[dict[str, Any]],
        before_flagger: BeforeFlagger | None,
    ) -> LabInfo:
        lab, bins = self.lab_dir, self.bins
        ports = components.Ports(*processes.free_ports(8, avoid=self.reserved))
        prometheus_url = prometheus_url or f"http://{components.HOST}:{ports.prometheus}"
        pki = create_pki(lab / "pki")
        kubeconfig = lab / "kubeconfig"
        components.write_kubeconfig(kubeconfig, ports.apiserver_url, pki)
        kwok_config = lab / "kwok.yaml"
        fakenode.write_kwok_config(kwok_config, kwok_docs)

        processes.start(lab, "etcd", components.etcd_argv(bins["etcd"], lab / "etcd", ports))
        self.wait("etcd", lambda: _ok(f"{ports.etcd_url}/health", expect='"health":"true"'), 30)
        self.log(f"lab: etcd ready ({self.elapsed()})")

        processes.start(lab, "kube-apiserver", components.apiserver_argv(bins["kube-apiserver"], pki, ports))
        tls = _client_tls(pki)
        self.wait("kube-apiserver", lambda: _ok(f"{ports.apiserver_url}/readyz", tls), 120)
        self.log(f"lab: kube-apiserver ready ({self.elapsed()})")

        kcm_argv = components.controller_manager_argv(bins["kube-controller-manager"], kubeconfig, pki, ports)
        processes.start(lab, "kube-controller-manager", kcm_argv)
        processes.start(lab, "kube-scheduler", components.scheduler_argv(bins["kube-scheduler"], kubeconfig, ports))
        processes.start(lab, "kwok", components.kwok_argv(bins["kwok"], kubeconfig, kwok_config, pki, ports))

        from kubernetes import config  # lazily: only the lab needs the Kubernetes client at import time

        api = config.new_client_from_config(config_file=str(kubeconfig))
        lab_crds.install_crds(api, lab_crds.lab_crds(self.crd_providers))
        self.log(f"lab: CRDs installed ({self.elapsed()})")
        fakenode.create_node(api)

        insecure = _self_signed_tls()
        self.wait("kube-controller-manager", lambda: _ok(f"{ports.controller_manager_url}/healthz", insecure), 60)
        self.wait("kube-scheduler", lambda: _ok(f"{ports.scheduler_url}/healthz", insecure), 60)
        self.wait("kwok", lambda: fakenode.node_ready(api), 60)
        self.log(f"lab: controller-manager, scheduler and node {fakenode.NODE_NAME} ready ({self.elapsed()})")

        extras = before_flagger(api, kubeconfig, self.wait) if before_flagger is not None else {}

        health = {
            "kube-apiserver": f"{ports.apiserver_url}/readyz",
            "etcd": f"{ports.etcd_url}/health",
            "kube-controller-manager": f"{ports.controller_manager_url}/healthz",
            "kube-scheduler": f"{ports.scheduler_url}/healthz",
        }
        if with_flagger:
            argv = components.flagger_argv(
                bins["flagger"], kubeconfig, ports, prometheus_url, loop_interval, event_webhook, self.mesh_provider
            )
            processes.start(lab, "flagger", argv)
            self.wait("flagger", lambda: _ok(f"{ports.flagger_url}/healthz", expect=""), 60)
            health["flagger"] = f"{ports.flagger_url}/healthz"
            self.log(f"lab: flagger ready ({self.elapsed()})")

        return LabInfo(
            lab_dir=lab,
            kubeconfig=kubeconfig,
            apiserver_url=ports.apiserver_url,
            etcd_url=ports.etcd_url,
            kwok_url=ports.kwok_url,
            prometheus_url=prometheus_url,
            flagger_url=ports.flagger_url if with_flagger else None,
            node_name=fakenode.NODE_NAME,
            versions=lab_binaries.pinned_versions(),
            started_at=time.time(),
            startup_seconds=round(time.monotonic() - self.t0, 2),
            health_urls=health,
            extras=extras,
        )
