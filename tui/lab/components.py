"""Command lines for each lab process, and the kubeconfig they share.

Everything listens on 127.0.0.1 only. All clients use the admin certificate (group system:masters): the lab
is a single-user, throwaway cluster, so per-component identities would add set-up without adding realism
to what canaryscope observes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from tui.lab.pki import Pki

HOST = "127.0.0.1"
SERVICE_CIDR = "10.0.0.0/24"
POD_CIDR = "10.244.0.0/16"
# kwok manages only nodes with this annotation (its documented convention for fake nodes).
NODE_ANNOTATION = ("kwok.x-k8s.io/node", "fake")
NODE_LEASE_SECONDS = 40


@dataclass(frozen=True)
class Ports:
    etcd: int
    etcd_peer: int
    apiserver: int
    controller_manager: int
    scheduler: int
    kwok: int
    flagger: int
    prometheus: int

    @property
    def etcd_url(self) -> str:
        return f"http://{HOST}:{self.etcd}"

    @property
    def apiserver_url(self) -> str:
        return f"https://{HOST}:{self.apiserver}"

    @property
    def controller_manager_url(self) -> str:
        return f"https://{HOST}:{self.controller_manager}"

    @property
    def scheduler_url(self) -> str:
        return f"https://{HOST}:{self.scheduler}"

    @property
    def kwok_url(self) -> str:
        return f"https://{HOST}:{self.kwok}"

    @property
    def flagger_url(self) -> str:
        return f"http://{HOST}:{self.flagger}"


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


def etcd_argv(binary: Path, data_dir: Path, ports: Ports) -> list[str]:
    peer = f"http://{HOST}:{ports.etcd_peer}"
    return [
        str(binary),
        "--name=lab",
        f"--data-dir={data_dir}",
        f"--listen-client-urls={ports.etcd_url}",
        f"--advertise-client-urls={ports.etcd_url}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=lab={peer}",
        "--initial-cluster-state=new",
        # A throwaway store: durability is not worth the fsync latency.
        "--unsafe-no-fsync=true",
        "--quota-backend-bytes=2147483648",
        "--log-level=warn",
    ]


def apiserver_argv(binary: Path, pki: Pki, ports: Ports) -> list[str]:
    return [
        str(binary),
        f"--etcd-servers={ports.etcd_url}",
        f"--bind-address={HOST}",
        f"--advertise-address={HOST}",
        f"--secure-port={ports.apiserver}",
        f"--tls-cert-file={pki.crt('apiserver')}",
        f"--tls-private-key-file={pki.key('apiserver')}",
        f"--client-ca-file={pki.ca_crt}",
        # Published in kube-system/extension-apiserver-authentication, which the controller-manager and the
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
        # No kubelet mounts service account tokens here, so pods need not wait for their service account.
        "--disable-admission-plugins=ServiceAccount",
        "--allow-privileged=true",
        # For pod logs: the API server calls kwok's kubelet-like server at the fake node's address.
        f"--kubelet-certificate-authority={pki.ca_crt}",
        f"--kubelet-client-certificate={pki.crt('admin')}",
        f"--kubelet-client-key={pki.key('admin')}",
        "--kubelet-preferred-address-types=InternalIP",
        "--profiling=false",
        "--v=1",
    ]


def _delegating(kubeconfig: Path, port: int) -> list[str]:
    return [
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        f"--bind-address={HOST}",
        f"--secure-port={port}",
        # One instance each: leader election would only add lease traffic and a start-up delay.
        "--leader-elect=false",
        "--profiling=false",
        "--v=1",
    ]


def controller_manager_argv(binary: Path, kubeconfig: Path, pki: Pki, ports: Ports) -> list[str]:
    return [
        str(binary),
        *_delegating(kubeconfig, ports.controller_manager),
        f"--root-ca-file={pki.ca_crt}",
        f"--service-account-private-key-file={pki.sa_key}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
    ]


def scheduler_argv(binary: Path, kubeconfig: Path, ports: Ports) -> list[str]:
    return [str(binary), *_delegating(kubeconfig, ports.scheduler)]


def kwok_argv(binary: Path, kubeconfig: Path, config: Path, pki: Pki, ports: Ports) -> list[str]:
    return [
        str(binary),
        f"--kubeconfig={kubeconfig}",
        f"--config={config}",
        "--manage-all-nodes=false",
        f"--manage-nodes-with-annotation-selector={'='.join(NODE_ANNOTATION)}",
        f"--tls-cert-file={pki.crt('kwok')}",
        f"--tls-private-key-file={pki.key('kwok')}",
        # The node's address and kubelet port point at kwok's own server, which serves pod logs.
        f"--node-ip={HOST}",
        f"--node-port={ports.kwok}",
        f"--server-address={HOST}:{ports.kwok}",
        f"--cidr={POD_CIDR}",
        f"--node-lease-duration-seconds={NODE_LEASE_SECONDS}",
    ]


def flagger_argv(
    binary: Path,
    kubeconfig: Path,
    ports: Ports,
    prometheus_url: str,
    loop_interval: str,
    event_webhook: str | None,
    mesh_provider: str = "linkerd",
) -> list[str]:
    argv = [
        str(binary),
        f"-kubeconfig={kubeconfig}",
        f"-mesh-provider={mesh_provider}",
        f"-metrics-server={prometheus_url}",
        "-enable-leader-election=false",
        "-log-level=info",
        f"-port={ports.flagger}",
        f"-control-loop-interval={loop_interval}",
    ]
    if event_webhook:
        argv.append(f"-event-webhook={event_webhook}")
    return argv
