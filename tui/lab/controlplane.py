"""The lab control plane as local processes: etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
kwok (one fake node whose pods become Running/Ready) and Flagger running out of cluster.

Everything binds to 127.0.0.1 on free ports and lives under one lab directory:

    <lab>/pki/         CA, serving and admin client certificates, service account keys
    <lab>/etcd/        etcd data (wiped by every `up`)
    <lab>/kubeconfig   admin kubeconfig (client certificate, group system:masters)
    <lab>/logs/*.log   one log per process
    <lab>/run/*.json   pid records, so `down` works from another process
    <lab>/lab.json     ports and URLs of the running lab

`up`, `status` and `down` are the entry points the CLI wires to `canaryscope lab up|status|down`.
"""

from __future__ import annotations

import json
import shutil
import ssl
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tui.lab import binaries as lab_binaries
from tui.lab import crds as lab_crds
from tui.lab import processes
from tui.lab.pki import Pki, create_pki

NODE_NAME = "lab-node-0"
# kwok manages only nodes carrying this annotation (its documented convention for fake nodes).
NODE_ANNOTATION = ("kwok.x-k8s.io/node", "fake")
SERVICE_CIDR = "10.0.0.0/24"
POD_CIDR = "10.244.0.0/16"
# Stop order: consumers of the API first, etcd last.
STOP_ORDER = ("flagger", "kwok", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd")
# kwok's own "fast" stages (what kwokctl installs by default), read from the pinned kwok module.
KWOK_STAGE_FILES = (
    "kustomize/stage/node/fast/node-initialize.yaml",
    "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "kustomize/stage/pod/fast/pod-ready.yaml",
    "kustomize/stage/pod/fast/pod-complete.yaml",
    "kustomize/stage/pod/fast/pod-delete.yaml",
)
NODE_LEASE_SECONDS = 40


class LabError(RuntimeError):
    """The lab could not be brought up or inspected; the message names the component and its log."""


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
            "kwok": self.kwok_url,
            "prometheus (for Flagger)": self.prometheus_url,
        }
        if self.flagger_url:
            out["flagger"] = self.flagger_url
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
    info = None
    try:
        info = LabInfo.from_json(_info_path(lab_dir).read_text())
    except (OSError, ValueError, TypeError):
        info = None
    running = {r.name: processes.is_alive(r) for r in processes.records(lab_dir)}
    return LabStatus(lab_dir, info, running)


def down(lab_dir: Path, log: Callable[[str], None] = print) -> list[str]:
    """Stop every process the lab started (from any process); return the names that were running."""
    lab_dir = Path(lab_dir).resolve()
    stopped = processes.stop(lab_dir, STOP_ORDER)
    _info_path(lab_dir).unlink(missing_ok=True)
    if stopped:
        log(f"lab: stopped {', '.join(stopped)}")
    return stopped


# --- health checks -------------------------------------------------------------------------------------


def _get(url: str, context: ssl.SSLContext | None = None, timeout: float = 2.0) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout, context=context) as resp:  # loopback only
        return resp.status, resp.read(65536).decode(errors="replace")


def _client_tls(pki: Pki) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki.ca_crt))
    ctx.load_cert_chain(str(pki.crt("admin")), str(pki.key("admin")))
    return ctx


def _insecure_tls() -> ssl.SSLContext:
    # kube-controller-manager and kube-scheduler serve /healthz with a self-signed cert they make at start-up.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _ok(url: str, context: ssl.SSLContext | None = None, expect: str = "ok") -> bool:
    code, body = _get(url, context)
    return code == 200 and expect in body


def _wait_healthy(name: str, check: Callable[[], bool], lab_dir: Path, timeout: float) -> None:
    rec = next((r for r in processes.records(lab_dir) if r.name == name), None)

    def ready_or_dead() -> bool:
        if rec is not None and not processes.is_alive(rec):
            raise LabError(f"{name} exited during start-up; last log lines:\n{processes.log_tail(rec)}")
        return check()

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ready_or_dead():
                return
        except LabError:
            raise
        except Exception:
            pass
        time.sleep(0.25)
    tail = processes.log_tail(rec) if rec else ""
    raise LabError(f"{name} not healthy after {timeout:.0f}s; last log lines:\n{tail}")


# --- configuration files ----------------------------------------------------------------------------------


def write_kubeconfig(path: Path, server: str, pki: Pki) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "lab", "cluster": {"server": server, "certificate-authority": str(pki.ca_crt)}}],
        "users": [
            {
                "name": "lab-admin",
                "user": {"client-certificate": str(pki.crt("admin")), "client-key": str(pki.key("admin"))},
            }
        ],
        "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "lab-admin", "namespace": "default"}}],
        "current-context": "lab",
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)


def write_kwok_config(path: Path) -> None:
    kwok_dir = lab_binaries.module_dir("sigs.k8s.io/kwok")
    docs = [(kwok_dir / rel).read_text().strip() for rel in KWOK_STAGE_FILES]
    path.write_text("\n---\n".join(docs) + "\n")


def fake_node(name: str = NODE_NAME) -> dict[str, Any]:
    resources = {"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "100Gi"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {NODE_ANNOTATION[0]: NODE_ANNOTATION[1], "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "type": "kwok",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/role": "agent",
            },
        },
        "status": {"allocatable": resources, "capacity": resources},
    }


# --- start-up -----------------------------------------------------------------------------------------------


def _api_client(kubeconfig: Path) -> Any:
    from kubernetes import config  # imported lazily: the lab is optional

    return config.new_client_from_config(config_file=str(kubeconfig))


def install_crds(kubeconfig: Path, docs: list[dict[str, Any]], timeout: float = 60.0) -> None:
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    api = client.ApiextensionsV1Api(_api_client(kubeconfig))
    for doc in docs:
        try:
            api.create_custom_resource_definition(doc)
        except ApiException as exc:
            if exc.status != 409:
                raise LabError(f"installing CRD {doc['metadata']['name']}: {exc.status} {exc.reason}") from exc
            current = api.read_custom_resource_definition(doc["metadata"]["name"])
            doc = {**doc, "metadata": {**doc["metadata"], "resourceVersion": current.metadata.resource_version}}
            api.replace_custom_resource_definition(doc["metadata"]["name"], doc)

    names = {d["metadata"]["name"] for d in docs}

    def established() -> bool:
        ready = set()
        for crd in api.list_custom_resource_definition().items:
            if any(c.type == "Established" and c.status == "True" for c in (crd.status.conditions or [])):
                ready.add(crd.metadata.name)
        return names <= ready

    if not processes.wait_until(established, timeout, 0.5):
        raise LabError(f"CRDs not established after {timeout:.0f}s")


def _create_node(kubeconfig: Path) -> None:
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    try:
        client.CoreV1Api(_api_client(kubeconfig)).create_node(fake_node())
    except ApiException as exc:
        if exc.status != 409:
            raise LabError(f"creating node {NODE_NAME}: {exc.status} {exc.reason}") from exc


def _node_ready(kubeconfig: Path) -> bool:
    from kubernetes import client

    node = client.CoreV1Api(_api_client(kubeconfig)).read_node(NODE_NAME)
    return any(c.type == "Ready" and c.status == "True" for c in (node.status.conditions or []))


def _reset(lab_dir: Path) -> None:
    for sub in ("etcd", "pki", "run"):
        shutil.rmtree(lab_dir / sub, ignore_errors=True)
    _info_path(lab_dir).unlink(missing_ok=True)


def up(
    lab_dir: Path,
    *,
    prometheus_url: str | None = None,
    event_webhook: str | None = None,
    with_flagger: bool = True,
    flagger_loop_interval: str = "2s",
    cache_root: Path | None = None,
    log: Callable[[str], None] = print,
) -> LabInfo:
    """Start the lab (building binaries if needed) and return its addresses once every part is ready.

    A lab already running healthily in ``lab_dir`` is returned as it is. ``prometheus_url`` is what Flagger
    queries; without it a free port is reserved and recorded for whoever starts Prometheus.
    """
    lab_dir = Path(lab_dir).resolve()
    current = status(lab_dir)
    if current.healthy and current.info is not None:
        log(f"lab: already running in {lab_dir}")
        return current.info
    down(lab_dir, log=log)
    _reset(lab_dir)
    lab_dir.mkdir(parents=True, exist_ok=True)

    bins = lab_binaries.ensure_binaries(cache_root, log=log)
    started = time.monotonic()
    try:
        info = _start_all(
            lab_dir, bins, prometheus_url, event_webhook, with_flagger, flagger_loop_interval, started, log
        )
    except BaseException:
        down(lab_dir, log=lambda _msg: None)
        raise
    _info_path(lab_dir).write_text(info.to_json())
    log(f"lab: up in {info.startup_seconds:.1f}s; kubeconfig {info.kubeconfig}")
    return info


def _start_all(
    lab_dir: Path,
    bins: dict[str, Path],
    prometheus_url: str | None,
    event_webhook: str | None,
    with_flagger: bool,
    flagger_loop_interval: str,
    started: float,
    log: Callable[[str], None],
) -> LabInfo:
    (etcd_port, etcd_peer, api_port, kcm_port, sched_port, kwok_port, flagger_port, prom_port) = processes.free_ports(8)
    prometheus_url = prometheus_url or f"http://127.0.0.1:{prom_port}"
    pki = create_pki(lab_dir / "pki")
    kubeconfig = lab_dir / "kubeconfig"
    api_url = f"https://127.0.0.1:{api_port}"
    write_kubeconfig(kubeconfig, api_url, pki)
    kwok_config = lab_dir / "kwok.yaml"
    write_kwok_config(kwok_config)
    tls = _client_tls(pki)
    insecure = _insecure_tls()

    etcd_url = f"http://127.0.0.1:{etcd_port}"
    peer_url = f"http://127.0.0.1:{etcd_peer}"
    processes.start(
        lab_dir,
        "etcd",
        [
            str(bins["etcd"]),
            "--name=lab",
            f"--data-dir={lab_dir / 'etcd'}",
            f"--listen-client-urls={etcd_url}",
            f"--advertise-client-urls={etcd_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=lab={peer_url}",
            "--initial-cluster-state=new",
            # A throwaway store: durability is not worth the fsync latency.
            "--unsafe-no-fsync=true",
            "--quota-backend-bytes=2147483648",
            "--log-level=warn",
        ],
    )
    _wait_healthy("etcd", lambda: _ok(f"{etcd_url}/health", expect='"health":"true"'), lab_dir, 30)
    log(f"lab: etcd ready ({time.monotonic() - started:.1f}s)")

    processes.start(
        lab_dir,
        "kube-apiserver",
        [
            str(bins["kube-apiserver"]),
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={api_port}",
            f"--tls-cert-file={pki.crt('apiserver')}",
            f"--tls-private-key-file={pki.key('apiserver')}",
            f"--client-ca-file={pki.ca_crt}",
            # Published to kube-system/extension-apiserver-authentication, which the controller-manager and the
            # scheduler read for delegated authentication; no certificate with this CN is ever issued.
            f"--requestheader-client-ca-file={pki.ca_crt}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            f"--service-account-key-file={pki.sa_pub}",
            f"--service-account-signing-key-file={pki.sa_key}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--authorization-mode=RBAC",
            # Pods need no service account tokens here: no kubelet mounts them.
            "--disable-admission-plugins=ServiceAccount",
            "--allow-privileged=true",
            # For `kubectl logs`: the API server reaches kwok's kubelet-like server on the fake node.
            f"--kubelet-certificate-authority={pki.ca_crt}",
            f"--kubelet-client-certificate={pki.crt('admin')}",
            f"--kubelet-client-key={pki.key('admin')}",
            "--kubelet-preferred-address-types=InternalIP",
            "--profiling=false",
            "--v=1",
        ],
    )
    _wait_healthy("kube-apiserver", lambda: _ok(f"{api_url}/readyz", tls), lab_dir, 120)
    log(f"lab: kube-apiserver ready ({time.monotonic() - started:.1f}s)")

    kcm_url = f"https://127.0.0.1:{kcm_port}"
    processes.start(
        lab_dir,
        "kube-controller-manager",
        [
            str(bins["kube-controller-manager"]),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={kcm_port}",
            "--leader-elect=false",
            f"--root-ca-file={pki.ca_crt}",
            f"--service-account-private-key-file={pki.sa_key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--profiling=false",
            "--v=1",
        ],
    )
    sched_url = f"https://127.0.0.1:{sched_port}"
    processes.start(
        lab_dir,
        "kube-scheduler",
        [
            str(bins["kube-scheduler"]),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={sched_port}",
            "--leader-elect=false",
            "--profiling=false",
            "--v=1",
        ],
    )
    kwok_url = f"https://127.0.0.1:{kwok_port}"
    processes.start(
        lab_dir,
        "kwok",
        [
            str(bins["kwok"]),
            f"--kubeconfig={kubeconfig}",
            f"--config={kwok_config}",
            "--manage-all-nodes=false",
            f"--manage-nodes-with-annotation-selector={'='.join(NODE_ANNOTATION)}",
            f"--tls-cert-file={pki.crt('kwok')}",
            f"--tls-private-key-file={pki.key('kwok')}",
            "--node-ip=127.0.0.1",
            f"--node-port={kwok_port}",
            f"--server-address=127.0.0.1:{kwok_port}",
            f"--cidr={POD_CIDR}",
            f"--node-lease-duration-seconds={NODE_LEASE_SECONDS}",
        ],
    )

    install_crds(kubeconfig, lab_crds.lab_crds())
    log(f"lab: CRDs installed ({time.monotonic() - started:.1f}s)")
    _create_node(kubeconfig)

    _wait_healthy("kube-controller-manager", lambda: _ok(f"{kcm_url}/healthz", insecure), lab_dir, 60)
    _wait_healthy("kube-scheduler", lambda: _ok(f"{sched_url}/healthz", insecure), lab_dir, 60)
    _wait_healthy("kwok", lambda: _node_ready(kubeconfig), lab_dir, 60)
    log(f"lab: controllers, scheduler and node {NODE_NAME} ready ({time.monotonic() - started:.1f}s)")

    flagger_url = None
    if with_flagger:
        flagger_url = f"http://127.0.0.1:{flagger_port}"
        argv = [
            str(bins["flagger"]),
            f"-kubeconfig={kubeconfig}",
            "-mesh-provider=linkerd",
            f"-metrics-server={prometheus_url}",
            "-enable-leader-election=false",
            "-log-level=info",
            f"-port={flagger_port}",
            f"-control-loop-interval={flagger_loop_interval}",
        ]
        if event_webhook:
            argv.append(f"-event-webhook={event_webhook}")
        processes.start(lab_dir, "flagger", argv)
        _wait_healthy("flagger", lambda: _ok(f"{flagger_url}/healthz", expect=""), lab_dir, 60)
        log(f"lab: flagger ready ({time.monotonic() - started:.1f}s)")

    return LabInfo(
        lab_dir=lab_dir,
        kubeconfig=kubeconfig,
        apiserver_url=api_url,
        etcd_url=etcd_url,
        kwok_url=kwok_url,
        prometheus_url=prometheus_url,
        flagger_url=flagger_url,
        node_name=NODE_NAME,
        versions={
            "kubernetes": lab_binaries.KUBERNETES_VERSION,
            "etcd": lab_binaries.ETCD_VERSION,
            "kwok": lab_binaries.KWOK_VERSION,
            "flagger": lab_binaries.FLAGGER_VERSION,
            "gateway-api": lab_binaries.GATEWAY_API_VERSION,
        },
        started_at=time.time(),
        startup_seconds=round(time.monotonic() - started, 2),
        health_urls={
            "kube-apiserver": f"{api_url}/readyz",
            "etcd": f"{etcd_url}/health",
            "kube-controller-manager": f"{kcm_url}/healthz",
            "kube-scheduler": f"{sched_url}/healthz",
            **({"flagger": f"{flagger_url}/healthz"} if flagger_url else {}),
        },
    )


def describe(st: LabStatus) -> str:
    """Human-readable status: kubeconfig, every URL and each process's state."""
    if st.info is None and not st.running:
        return f"lab in {st.lab_dir}: not running"
    lines = [f"lab in {st.lab_dir}: {'running' if st.healthy else 'DEGRADED'}"]
    if st.info is not None:
        lines.append(f"  kubeconfig  {st.info.kubeconfig}")
        lines += [f"  {name + ' ':<26}{url}" for name, url in st.info.urls().items()]
    lines += [f"  process {name + ' ':<26}{'up' if alive else 'DOWN'}" for name, alive in sorted(st.running.items())]
    return "\n".join(lines)
