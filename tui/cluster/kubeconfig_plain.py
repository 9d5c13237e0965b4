"""Kubeconfigs read without the `kubernetes` client's loader, for the start-up path.

`kubernetes.config` imports OAuth, Google and dateutil machinery that a token, a client certificate or a password
never use: about 60 ms of CPU before the first request. For the documents those make up, this module gives exactly
what the client's `list_kube_config_contexts` and `load_kube_config` give (the same merge of KUBECONFIG's files,
relative paths, temporary files for inline certificates and headers), and None for anything else it was not
written for (an auth provider, an exec plugin still in the user, a value of an unexpected type, a missing file):
the caller then asks the client's loader, which does the work or words the problem as before.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import contextlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.base import yaml_fast

# The user keys read here; any other one that could change how the client authenticates sends the document to it.
_FOREIGN_USER_KEYS = ("auth-provider", "exec")


@dataclass(frozen=True)
class _Entry:
    value: dict[str, Any]
    path: str  # the file it came from: relative paths in it are read from that file's directory


@dataclass(frozen=True)
class Merged:
    """KUBECONFIG's files merged as the client merges them: the first entry of a name wins, the last file that
    sets current-context sets it."""

    contexts: list[_Entry]
    clusters: list[_Entry]
    users: list[_Entry]
    current: object

    def named(self, kind: str, name: object) -> _Entry | None:
        return next((e for e in getattr(self, kind) if e.value["name"] == name), None)


def client_paths(config_file: str) -> list[str]:
    """The files the client reads for this value of config_file (it splits on ':' and skips missing files)."""
    paths = (os.path.expanduser(p) for p in config_file.split(":") if p)
    return [p for p in paths if os.path.exists(p)]


def merge(config_file: str, documents: Callable[[str], object]) -> Merged | None:
    """`documents(path)` reads one file's YAML; None when a file is not a mapping of named entries."""
    merged: dict[str, list[_Entry]] = {"clusters": [], "contexts": [], "users": []}
    current: object = None
    paths = client_paths(config_file)
    if not paths:
        return None
    for path in paths:
        document = documents(path)
        if not isinstance(document, dict):
            return None
        for kind, entries in merged.items():
            items = document.get(kind, []) or []
            if not isinstance(items, list):
                return None
            for item in items:
                if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                    return None
                if all(e.value["name"] != item["name"] for e in entries):
                    entries.append(_Entry(item, path))
        if "current-context" in document:
            current = document["current-context"]
    return Merged(merged["contexts"], merged["clusters"], merged["users"], current)


def contexts(merged: Merged) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """(every context, the current one), as `list_kube_config_contexts`; None where the client would refuse."""
    if _resolved(merged, merged.current) is None:
        return None
    current = merged.named("contexts", merged.current)
    assert current is not None
    return [e.value for e in merged.contexts], current.value


def load(merged: Merged, context: str, configuration: Any, *, without_user_keys: str | None = None) -> bool:
    """Set the configuration for `context` as `load_kube_config` would; False (nothing set) when the document
    needs the client's loader. `without_user_keys`: the user whose exec and auth-provider entries are left out
    (their credentials are run and refreshed by tui/cluster/credentials.py)."""
    resolved = _resolved(merged, context)
    if resolved is None:
        return False
    cluster, user = resolved
    if user is not None and without_user_keys is not None and user[0] == without_user_keys:
        user = (user[0], {k: v for k, v in user[1].items() if k not in _FOREIGN_USER_KEYS}, user[2])
    try:
        values = _values(cluster, user)
    except (OSError, ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        return False  # the client words it
    if values is None:
        return False
    _apply(values, configuration)
    return True


def _resolved(merged: Merged, context: object) -> tuple[_Entry, tuple[str, dict[str, Any], str] | None] | None:
    """The context's cluster and its user (name, entry, file), with the checks the client makes on the way."""
    if not isinstance(context, str) or not context:
        return None
    entry = merged.named("contexts", context)
    if entry is None or not isinstance(entry.value.get("context"), dict):
        return None
    body = entry.value["context"]
    cluster = merged.named("clusters", body.get("cluster"))
    if cluster is None or not isinstance(cluster.value.get("cluster"), dict):
        return None
    user = None
    if body.get("user") and merged.users:
        found = merged.named("users", body["user"])
        if found is not None:
            if not isinstance(found.value.get("user"), dict):
                return None
            user = (str(found.value["name"]), found.value["user"], found.path)
    return _Entry(cluster.value["cluster"], cluster.path), user


def _values(cluster: _Entry, user: tuple[str, dict[str, Any], str] | None) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    if None in cluster.value.values() or (user is not None and None in user[1].values()):
        return None  # the client refuses a key without a value
    if user is not None:
        body, base = user[1], _base(user[2])
        if any(key in body for key in _FOREIGN_USER_KEYS):
            return None
        token = body["token"] if "token" in body else _read(base, body["tokenFile"]) if "tokenFile" in body else None
        if token:
            if not isinstance(token, str):
                return None
            values["token"] = f"Bearer {token}"
        elif "username" in body and "password" in body:
            username, password = body["username"], body["password"]
            if not isinstance(username, str) or not isinstance(password, str):
                return None
            import urllib3

            values["token"] = urllib3.util.make_headers(basic_auth=f"{username}:{password}").get("authorization")
    server = cluster.value.get("server") if "server" in cluster.value else None
    if "server" in cluster.value:
        if not isinstance(server, str):
            return None
        values["host"] = server.rstrip("/")
        if values["host"].startswith("https"):
            base = _base(cluster.path)  # the client reads the user's certificate paths from the cluster's file too
            body = user[1] if user is not None else None
            values["ssl_ca_cert"] = _as_file(cluster.value, "certificate-authority", base)
            values["cert_file"] = _as_file(body, "client-certificate", base)
            values["key_file"] = _as_file(body, "client-key", base)
    if "insecure-skip-tls-verify" in cluster.value:
        values["verify_ssl"] = not cluster.value["insecure-skip-tls-verify"]
    for key, attribute in (("tls-server-name", "tls_server_name"), ("proxy-url", "proxy")):
        if key in cluster.value:
            values[attribute] = cluster.value[key]
    return values


def _apply(values: dict[str, Any], configuration: Any) -> None:
    token = values.get("token")
    fields = {k: v for k, v in values.items() if k != "token"}

    def apply(conf: Any) -> None:
        # As the client's loader: the hook sets the same values again before each request.
        if token is not None:
            conf.api_key["BearerToken"] = token
            conf.refresh_api_key_hook = apply
        for name, value in fields.items():
            setattr(conf, name, value)

    apply(configuration)


def _base(path: str) -> str:
    return os.path.abspath(os.path.dirname(path))


def _read(base: str, name: object) -> str:
    if not isinstance(name, str):
        raise TypeError("a file name that is not text")
    with open(os.path.normpath(os.path.join(base, name))) as handle:
        return handle.read()


def _as_file(body: dict[str, Any] | None, key: str, base: str) -> str | None:
    """The file holding `key`: its -data written to a temporary file (removed at exit), or its path."""
    if not body:
        return None
    if f"{key}-data" in body:
        data = body[f"{key}-data"]
        if not data:
            return None
        if not isinstance(data, str | bytes):
            raise TypeError(f"{key}-data is not text")
        return _temporary(base64.standard_b64decode(data.encode() if isinstance(data, str) else data))
    if key in body:
        name = body[key]
        if not isinstance(name, str):
            raise TypeError(f"{key} is not text")
        path = os.path.normpath(os.path.join(base, name))
        if not os.path.isfile(path):
            raise FileNotFoundError(path)
        return path
    return None


_temporaries: dict[bytes, str] = {}


def _temporary(content: bytes) -> str:
    if content in _temporaries and os.path.isfile(_temporaries[content]):
        return _temporaries[content]
    if not _temporaries:
        atexit.register(_remove_temporaries)
    descriptor, name = tempfile.mkstemp()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    _temporaries[content] = name
    return name


def _remove_temporaries() -> None:
    for name in _temporaries.values():
        with contextlib.suppress(OSError):
            os.remove(name)
    _temporaries.clear()


def read_yaml(path: str | Path) -> object:
    """One file as the client reads it (PyYAML's safe loader, the platform's encoding)."""
    with open(path) as handle:
        return yaml_fast.safe_load(handle.read())
