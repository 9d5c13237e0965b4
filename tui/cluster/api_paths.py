"""GET requests by API path through the client's ApiClient (its credentials, TLS and pool), without its typed APIs.

The `kubernetes` client builds its typed API classes lazily, and CoreV1Api and AppsV1Api each define hundreds of
pydantic models when first named: about a second of start-up CPU (more on a busy machine) for calls whose answers
are read as plain JSON anyway. A `PathCall` takes the keyword arguments of the typed list methods, so a watch loop
cannot tell the difference.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

# The typed methods' keyword arguments and the query parameters they stand for.
QUERY_NAMES = {
    "allow_watch_bookmarks": "allowWatchBookmarks",
    "_continue": "continue",
    "field_selector": "fieldSelector",
    "label_selector": "labelSelector",
    "limit": "limit",
    "resource_version": "resourceVersion",
    "timeout_seconds": "timeoutSeconds",
    "watch": "watch",
}
ACCEPT = "application/json, application/json;stream=watch"


def query_value(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def collection_path(group: str, version: str, plural: str, namespace: str | None = None) -> str:
    """`/api/v1/...` for the core group (""), `/apis/GROUP/VERSION/...` otherwise; namespaced when given one."""
    root = f"/api/{version}" if not group else f"/apis/{group}/{version}"
    if namespace is None:
        return f"{root}/{plural}"
    return f"{root}/namespaces/{quote(namespace, safe='')}/{plural}"


class PathCall:
    """A GET on one path: called like a typed list method, it answers as one called with `_preload_content=False`
    (the raw urllib3 response; a non-2xx status raises the client's ApiException, as the typed methods do)."""

    def __init__(self, api_client: Any, path: str) -> None:
        self.api_client = api_client
        self.path = path

    def __repr__(self) -> str:
        return f"PathCall({self.path!r})"

    def query(self, kwargs: dict[str, Any]) -> list[tuple[str, str]]:
        unknown = sorted(
            k for k in kwargs if k not in QUERY_NAMES and k not in ("_preload_content", "_request_timeout")
        )
        if unknown:
            raise TypeError(f"{self.path}: unexpected arguments {', '.join(unknown)}")
        return [(QUERY_NAMES[k], query_value(v)) for k, v in kwargs.items() if k in QUERY_NAMES and v is not None]

    def __call__(self, **kwargs: Any) -> Any:
        from kubernetes.client.exceptions import ApiException

        client = self.api_client
        method, url, headers, body, post = client.param_serialize(
            method="GET",
            resource_path=self.path,
            query_params=self.query(kwargs),
            header_params={"Accept": ACCEPT},
            auth_settings=["BearerToken"],
        )
        response = client.call_api(
            method,
            url,
            header_params=headers,
            body=body,
            post_params=post,
            _request_timeout=kwargs.get("_request_timeout"),
        )
        if not 200 <= response.status <= 299:
            response.read()
            raise ApiException.from_response(http_resp=response, body=None, data=None)
        return response.response
