"""flagger-loadtester's gate API from canaryscope: open/close the promotion gate and the rollback gate.

The loadtester is reached directly (`--loadtester URL`) or, by default, through the API server's service
proxy at the address the canary's own webhooks name (e.g. http://flagger-loadtester.apps/gate/check).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tui.model import CanaryInfo, Webhook

GATE_CHECK = "/gate/check"
ROLLBACK_CHECK = "/rollback/check"


class LoadtesterError(Exception):
    """One line: what failed and where (never credentials)."""


def hook(info: CanaryInfo, hook_type: str, path: str) -> Webhook | None:
    for webhook in info.webhooks:
        if webhook.type == hook_type and urlsplit(webhook.url).path.rstrip("/") == path:
            return webhook
    return None


def service_of(url: str) -> tuple[str, str, int] | None:
    """In-cluster hook URL -> (namespace, service, port): http://flagger-loadtester.apps/... -> apps."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    labels = host.split(".")
    if len(labels) < 2 or not labels[0] or not labels[1]:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return labels[1], labels[0], port


@dataclass
class Loadtester:
    base_url: str
    headers: dict[str, str]
    verify: Any
    cert: tuple[str, str] | None
    timeout_s: float = 5.0

    def _post(self, path: str, name: str, namespace: str) -> int:
        import httpx

        payload = {"name": name, "namespace": namespace}
        try:
            with httpx.Client(verify=self.verify, cert=self.cert, timeout=self.timeout_s) as client:
                resp = client.post(self.base_url.rstrip("/") + path, json=payload, headers=self.headers)
        except httpx.HTTPError as exc:
            raise LoadtesterError(f"flagger-loadtester {path}: {exc.__class__.__name__}") from None
        return resp.status_code

    def _expect(self, path: str, name: str, namespace: str, ok: set[int]) -> None:
        status = self._post(path, name, namespace)
        if status not in ok:
            raise LoadtesterError(f"flagger-loadtester {path} answered HTTP {status}")

    def open_gate(self, name: str, namespace: str) -> None:
        self._expect("/gate/open", name, namespace, {200, 202})

    def close_gate(self, name: str, namespace: str) -> None:
        self._expect("/gate/close", name, namespace, {200, 202})

    def open_rollback(self, name: str, namespace: str) -> None:
        self._expect("/rollback/open", name, namespace, {200, 202})

    def close_rollback(self, name: str, namespace: str) -> None:
        self._expect("/rollback/close", name, namespace, {200, 202})

    def gate_open(self, name: str, namespace: str) -> bool:
        status = self._post(GATE_CHECK, name, namespace)
        if status not in (200, 403):
            raise LoadtesterError(f"flagger-loadtester {GATE_CHECK} answered HTTP {status}")
        return status == 200


def loadtester_for(info: CanaryInfo, explicit_url: str | None, api_client: Any) -> Loadtester | None:
    """The loadtester this canary's gate hooks talk to, or None when it has no gate hooks."""
    gates = [w for w in info.webhooks if urlsplit(w.url).path.rstrip("/") in (GATE_CHECK, ROLLBACK_CHECK)]
    if not gates:
        return None
    if explicit_url:
        return Loadtester(explicit_url, {}, True, None)
    target = service_of(gates[0].url)
    if target is None:
        return None
    namespace, service, port = target
    configuration = api_client.configuration
    if configuration.refresh_api_key_hook is not None:
        configuration.refresh_api_key_hook(configuration)
    token = configuration.get_api_key_with_prefix("BearerToken", alias="authorization")
    headers = {"Authorization": token} if token else {}
    cert = (configuration.cert_file, configuration.key_file) if configuration.cert_file else None
    verify = configuration.ssl_ca_cert or configuration.verify_ssl
    url = f"{configuration.host.rstrip('/')}/api/v1/namespaces/{namespace}/services/{service}:{port}/proxy"
    return Loadtester(url, headers, verify, cert)
