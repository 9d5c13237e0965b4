"""flagger-loadtester's gate API from canaryscope: open/close the promotion gate and the rollback gate.

The loadtester is reached directly (`--loadtester URL`), through the API server's service proxy at a service the
user names (`--loadtester svc/NAMESPACE/NAME:PORT`), or, by default, through the proxy at the service the action's
own hook names (e.g. http://flagger-loadtester.apps/gate/check). A POST through the proxy carries the user's
credentials, and a Canary's hooks are written by whoever may edit the Canary: by default only services in the
canary's own namespace are posted to, so a hook cannot aim the user's rights at another namespace's service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tui.base.redact import redact
from tui.domain.model import CanaryInfo, Webhook

GATE_CHECK = "/gate/check"
ROLLBACK_CHECK = "/rollback/check"


class LoadtesterError(Exception):
    """One line: what failed and where (never credentials); `status` when it answered with one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


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
            raise LoadtesterError(f"flagger-loadtester {path} answered HTTP {status}", status)

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


def parse_loadtester_option(value: str) -> tuple[str, str, int] | str:
    """`--loadtester`: a URL (posted to directly) or svc/NAMESPACE/NAME:PORT (through the API server)."""
    if value.startswith(("http://", "https://")):
        return value.rstrip("/")
    if value.startswith("svc/"):
        parts = value[4:].split("/")
        if len(parts) == 2 and parts[0] and ":" in parts[1]:
            name, _, port = parts[1].partition(":")
            if name and port.isdigit() and 0 < int(port) < 65536:
                return parts[0], name, int(port)
    raise ValueError(f"--loadtester: expected a URL or svc/NAMESPACE/NAME:PORT, got {redact(value)!r}")


@dataclass(frozen=True)
class GateRoute:
    """Where one gate action posts: a URL, or a service through the API server (with the user's credentials)."""

    url: str | None = None
    service: tuple[str, str, int] | None = None  # (namespace, name, port)

    def describe(self) -> str:
        if self.service is not None:
            namespace, name, port = self.service
            return f"service {name}:{port} in namespace {namespace} (through the API server, with your credentials)"
        return f"{redact(self.url or '')} (--loadtester)"


def gate_route(info: CanaryInfo, webhook: Webhook, explicit: str | None) -> GateRoute:
    """The route for an action on `webhook`; LoadtesterError when its host is not one canaryscope may post to."""
    if explicit:
        try:
            named = parse_loadtester_option(explicit)
        except ValueError as exc:
            raise LoadtesterError(str(exc)) from None
        return GateRoute(url=named) if isinstance(named, str) else GateRoute(service=named)
    target = service_of(webhook.url)
    if target is None:
        raise LoadtesterError(
            f"the {webhook.type} hook of {info.key} ({redact(webhook.url)}) names no in-cluster service; "
            "give --loadtester URL"
        )
    namespace, service, port = target
    if namespace != info.key.namespace:
        raise LoadtesterError(
            f"the {webhook.type} hook of {info.key} names service {service}:{port} in namespace {namespace}, "
            f"outside the canary's namespace {info.key.namespace}: canaryscope does not post there with your "
            f"credentials unless --loadtester svc/{namespace}/{service}:{port} names it"
        )
    return GateRoute(service=(namespace, service, port))


def loadtester_for(route: GateRoute, api_client: Any) -> Loadtester:
    """A client for the route: direct, or through the API server's service proxy with the client's credentials."""
    if route.url is not None:
        return Loadtester(route.url, {}, True, None)
    assert route.service is not None
    namespace, service, port = route.service
    configuration = api_client.configuration
    if configuration.refresh_api_key_hook is not None:
        configuration.refresh_api_key_hook(configuration)
    token = configuration.get_api_key_with_prefix("BearerToken", alias="authorization")
    headers = {"Authorization": token} if token else {}
    cert = (configuration.cert_file, configuration.key_file) if configuration.cert_file else None
    verify = configuration.ssl_ca_cert or configuration.verify_ssl
    url = f"{configuration.host.rstrip('/')}/api/v1/namespaces/{namespace}/services/{service}:{port}/proxy"
    return Loadtester(url, headers, verify, cert)
