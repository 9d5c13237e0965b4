"""Where a custom check's query goes, as Flagger sends it (pkg/metrics/providers/prometheus.go): a MetricTemplate's
`provider.address` (through the API server's service proxy when it names a Service in the cluster), with the
credentials of its `secretRef`; an inline query to Flagger's own metrics server. The Prometheus canaryscope was
given (`--prometheus`, else Flagger's -metrics-server) answers for a template without an address.

Credentials are read here, from the Secret, to make the request; they are registered with the redactor so no text
can show them, and they never leave this module's clients.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from tui.base import redact
from tui.base.safe_text import safe_text
from tui.cluster.api_paths import PathCall
from tui.cluster.http import get_json
from tui.domain.model import Check, CheckKind, MetricTemplateInfo
from tui.kube.flagger_deployment import in_cluster_service

# Queries longer than this are sent as POST form data (Prometheus's query API takes both).
GET_MAX_CHARS = 2000

Target = tuple[str, str] | str  # (namespace, `name:port`) for the service proxy, or a URL


@dataclass(frozen=True)
class Endpoint:
    """One Prometheus as a template (or Flagger) reaches it: identical endpoints share one client."""

    target: Target
    secret: tuple[str, str] | None = None  # (namespace, name) of the template's secretRef
    insecure: bool = False


class EndpointProblem(ValueError):
    """Why a check cannot be sent anywhere, in one line."""


def endpoint_for(
    check: Check, template: MetricTemplateInfo | None, given: Target | None, home: str | None
) -> Endpoint | None:
    """The endpoint of a template or inline-query check; None when the check has no query to send (its problem is
    the check's own). `given`: the Prometheus canaryscope uses (Flagger's metrics server, or --prometheus); `home`:
    Flagger's namespace, where a one-label host name such as `http://prometheus:9090` resolves."""
    if check.kind is CheckKind.QUERY:
        if given is None:
            raise EndpointProblem("no Prometheus: Flagger's -metrics-server was not found and no --prometheus given")
        return Endpoint(given)
    if check.kind is not CheckKind.TEMPLATE or template is None or not template.queryable:
        return None
    if not template.address:
        if given is None:
            raise EndpointProblem(f"MetricTemplate {template.key}: provider has no address and no --prometheus given")
        return Endpoint(given, _secret(template), template.insecure_skip_verify)
    service = in_cluster_service(template.address, home or template.namespace)
    if service is not None:
        return Endpoint(service, _secret(template), template.insecure_skip_verify)
    if not template.address.startswith(("http://", "https://")):
        # Flagger's words: "prometheus address %s is not a valid URL".
        raise EndpointProblem(f"prometheus address {safe_text(template.address, 80)} is not a valid URL")
    return Endpoint(template.address.rstrip("/"), _secret(template), template.insecure_skip_verify)


def _secret(template: MetricTemplateInfo) -> tuple[str, str] | None:
    return (template.namespace, template.secret_name) if template.secret_name else None


def read_credentials(api_client: Any, namespace: str, name: str) -> tuple[str, str] | str:
    """(username, password) or a bearer token from the Secret, as Flagger's prometheus provider reads it: `token`
    wins, else both `username` and `password` must be there. Errors name the secret, never its contents."""
    try:
        document = get_json(PathCall(api_client, f"/api/v1/namespaces/{namespace}/secrets/{name}"), _request_timeout=5)
    except Exception as exc:
        status = getattr(exc, "status", None)
        why = {403: "forbidden", 404: "not found"}.get(status or 0, "cannot be read")
        raise EndpointProblem(f"secret {namespace}/{name} {why}") from None
    data = document.get("data") if isinstance(document.get("data"), dict) else {}

    def field(key: str) -> str | None:
        value = data.get(key)
        if not isinstance(value, str):
            return None
        try:
            text = base64.b64decode(value).decode("utf-8")
        except ValueError:
            return None
        return text

    token = field("token")
    if token is not None:
        redact.register(token)
        return token
    username, password = field("username"), field("password")
    if username is None:
        raise EndpointProblem("prometheus credentials does not contain a username")
    if password is None:
        raise EndpointProblem("prometheus credentials does not contain a password")
    redact.register_basic_auth(username, password)
    return username, password


class QueryClient:
    """An instant query against one endpoint; a refusal raises with Prometheus's own error, first line."""

    def __init__(self, prom: Any, credentials: tuple[str, str] | str | None, proxied: bool) -> None:
        self.prom = prom
        self.headers = dict(prom.headers or {})
        self.auth: tuple[str, str] | None = None
        if credentials is not None and not proxied:
            # Through the API server's proxy the Authorization header is the API server's: only direct requests
            # carry the template's credentials.
            if isinstance(credentials, str):
                self.headers["Authorization"] = f"Bearer {credentials}"
            else:
                self.auth = credentials

    def custom_query(self, query: str) -> Any:
        session = self.prom._session
        # A long (grouped) query goes as form data: URLs that long are refused by some proxies.
        long = len(query) > GET_MAX_CHARS
        response = session.request(
            "POST" if long else "GET",
            f"{self.prom.url}/api/v1/query",
            params=None if long else {"query": query},
            data={"query": query} if long else None,
            headers=self.headers or None,
            auth=self.auth or session.auth,
            timeout=self.prom._timeout,
        )
        if response.status_code >= 400:
            raise QueryRefused(refusal(response.status_code, response.content))
        return response.json()["data"]["result"]


class QueryRefused(Exception):
    pass


def refusal(status: int, body: bytes) -> str:
    """Prometheus's `error` (a parse error reads `1:5: parse error: …`), else the HTTP status."""
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, str) and error.strip():
        text = error.strip().splitlines()[0]
        return text.removeprefix('invalid parameter "query": ')
    return f"HTTP {status}"


def make_client(endpoint: Endpoint, api_client: Any) -> QueryClient:
    from tui.cluster.prometheus import prometheus_client

    credentials = None
    if endpoint.secret is not None:
        credentials = read_credentials(api_client, *endpoint.secret)
    prom, _ = prometheus_client(endpoint.target, api_client)
    if endpoint.insecure:
        prom._session.verify = False
    return QueryClient(prom, credentials, proxied=not isinstance(endpoint.target, str))
