"""Kubeconfig files pointing clients at the stand-in, with a token that tests can look for in anything displayed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

# Recognisable on purpose: a test can assert this string never appears on screen, in logs or in error messages.
FAKE_TOKEN = "standin-bearer-7f3a9c1e-NEVER-SHOW-THIS-TOKEN"


def write_kubeconfig(
    path: Path,
    server: str,
    *,
    token: str | None = FAKE_TOKEN,
    namespace: str | None = None,
    context: str = "standin",
    extra_contexts: Mapping[str, str] | None = None,
    insecure: bool = False,
    user: Mapping[str, object] | None = None,
) -> Path:
    """Write a kubeconfig whose current context is `context` -> `server`. `extra_contexts` maps more context names to
    server URLs (e.g. a closed port for an unreachable cluster), all using the same user: `user` (e.g. an exec
    plugin's entry) if given, else the token."""
    user = dict(user) if user is not None else ({"token": token} if token else {})
    contexts = {context: server, **(extra_contexts or {})}
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [
            {"name": name, "cluster": {"server": url, **({"insecure-skip-tls-verify": True} if insecure else {})}}
            for name, url in contexts.items()
        ],
        "users": [{"name": "standin-user", "user": user}],
        "contexts": [
            {
                "name": name,
                "context": {"cluster": name, "user": "standin-user", **({"namespace": namespace} if namespace else {})},
            }
            for name in contexts
        ],
        "current-context": context,
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    path.chmod(0o600)
    return path
