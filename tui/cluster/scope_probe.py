"""Which namespaces allow listing Canaries, asked when every namespace is refused: a bounded number of namespaces,
a few SelfSubjectAccessReviews at a time, on a worker thread; never a flood of requests to the API server."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tui.cluster.http import HttpProblem, get_json
from tui.domain.allowed_scopes import AllowedScopes

# Namespaces asked about at most (the first ones the API server lists), and how many reviews are in flight at once.
MAX_NAMESPACES = 100
AT_ONCE = 4
TIMEOUT = (5.0, 10.0)
# A namespace name is a DNS label; anything else from the server is not shown.
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


class ProbeUnavailable(Exception):
    """The server does not answer SelfSubjectAccessReview (or not sensibly): nothing can be said."""


def find_allowed(
    api_client: Any,
    context_namespace: str | None,
    stop: threading.Event,
    *,
    limit: int = MAX_NAMESPACES,
    at_once: int = AT_ONCE,
) -> AllowedScopes | None:
    """The namespaces (of the first `limit` listed, else the context's own) that allow listing Canaries; None when
    the server cannot be asked (no SelfSubjectAccessReview, an error) or `stop` is set."""
    from kubernetes import client

    try:
        document = get_json(client.CoreV1Api(api_client).list_namespace, limit=limit, _request_timeout=TIMEOUT)
    except HttpProblem as exc:
        if exc.status != 403:
            return None
        document = None
    except Exception:
        return None
    if document is None:
        names, more, guessed = ([context_namespace] if context_namespace else []), False, True
    else:
        items = document.get("items") if isinstance(document.get("items"), list) else []
        names = [str((i.get("metadata") or {}).get("name") or "") for i in items if isinstance(i, dict)][:limit]
        meta = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
        more, guessed = bool(meta.get("continue")), False
    names = [n for n in dict.fromkeys(names) if _LABEL.match(n)]
    api = client.AuthorizationV1Api(api_client)
    allowed: list[str] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, at_once), thread_name_prefix="scope-probe") as pool:
            for start in range(0, len(names), at_once):
                if stop.is_set():
                    return None
                batch = names[start : start + at_once]
                answers = pool.map(lambda ns: _may_list(api, ns), batch)
                allowed.extend(ns for ns, ok in zip(batch, answers, strict=True) if ok)
    except ProbeUnavailable:
        return None
    return AllowedScopes(tuple(allowed), len(names), more=more, guessed=guessed)


def _may_list(api: Any, namespace: str) -> bool:
    body = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {
                "group": "flagger.app",
                "resource": "canaries",
                "verb": "list",
                "namespace": namespace,
            }
        },
    }
    try:
        answer = get_json(api.create_self_subject_access_review, body=body, _request_timeout=TIMEOUT)
    except Exception:
        raise ProbeUnavailable from None
    status = answer.get("status")
    if not isinstance(status, dict):
        raise ProbeUnavailable
    return status.get("allowed") is True
