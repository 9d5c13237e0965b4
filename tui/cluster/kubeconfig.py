"""Kubeconfig and contexts: one independent API client per context, never the global configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ClusterConfigError(Exception):
    """A kubeconfig problem, worded as one line (it never contains credentials)."""


@dataclass(frozen=True)
class ClusterTarget:
    kubeconfig: str | None
    context: str | None
    namespace: str | None  # None: all namespaces (-A)
    canary: str | None


@dataclass
class Connection:
    api_client: Any
    context: str
    server: str
    namespace: str
    insecure: bool = False  # insecure-skip-tls-verify: the server's certificate is not checked


def insecure_notice(connection: Connection) -> str:
    return (
        f"TLS verification is off for context {connection.context} (insecure-skip-tls-verify): "
        "the API server's identity is not checked"
    )


def kubeconfig_paths(explicit: str | None) -> list[Path]:
    if explicit:
        return [Path(explicit).expanduser()]
    env = os.environ.get("KUBECONFIG")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    return [Path("~/.kube/config").expanduser()]


def connect(kubeconfig: str | None, context: str | None, *, pool_size: int = 32) -> Connection:
    """Build an ApiClient for the context; raises ClusterConfigError with one line on any problem."""
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    paths = kubeconfig_paths(kubeconfig)
    existing = [p for p in paths if p.is_file()]
    if not existing:
        where = ", ".join(str(p) for p in paths)
        raise ClusterConfigError(f"no kubeconfig found at {where} (use --kubeconfig or KUBECONFIG)")
    config_file = str(existing[0]) if kubeconfig else os.pathsep.join(str(p) for p in existing)
    try:
        contexts, active = config.list_kube_config_contexts(config_file=config_file)
    except (ConfigException, OSError, ValueError, TypeError, AttributeError) as exc:
        raise ClusterConfigError(f"kubeconfig {config_file} cannot be read: {_first_line(exc)}") from None
    except Exception as exc:  # YAML errors surface as several exception types
        raise ClusterConfigError(f"kubeconfig {config_file} cannot be read: {exc.__class__.__name__}") from None
    names = [c.get("name") for c in contexts or []]
    chosen = context or (active or {}).get("name")
    if not chosen:
        raise ClusterConfigError(f"kubeconfig {config_file} has no current context; pass --context")
    if chosen not in names:
        known = ", ".join(n for n in names if n) or "none"
        raise ClusterConfigError(f"context {chosen!r} is not in {config_file} (contexts: {known})")
    entry = next(c for c in contexts if c.get("name") == chosen)
    _check_references(chosen, entry, existing, config_file)
    configuration = client.Configuration()
    try:
        config.load_kube_config(
            config_file=config_file, context=chosen, client_configuration=configuration, persist_config=False
        )
    except (ConfigException, OSError, ValueError, TypeError, KeyError) as exc:
        raise ClusterConfigError(f"context {chosen!r} cannot be used: {_first_line(exc)}") from None
    except Exception as exc:  # a value of the wrong type deep in the file (e.g. a numeric server)
        raise ClusterConfigError(
            f"context {chosen!r} cannot be used: a value in {config_file} has the wrong type ({exc.__class__.__name__})"
        ) from None
    # Each watch and log follow holds a connection for its lifetime.
    configuration.connection_pool_maxsize = pool_size
    # urllib3 would otherwise sleep a whole Retry-After (an hour, if a server says so) inside one request,
    # unseen; the watch loops honour it themselves, up to a cap, and say so on the health line.
    from urllib3.util.retry import Retry

    configuration.retries = Retry(total=3, status=0, respect_retry_after_header=False)
    insecure = configuration.verify_ssl is False
    if insecure:
        from tui.cluster.connect_errors import quiet_insecure_warnings

        quiet_insecure_warnings()  # said once by the caller instead of once per request
    namespace = (entry.get("context") or {}).get("namespace") or "default"
    return Connection(client.ApiClient(configuration), chosen, configuration.host, namespace, insecure)


def _check_references(name: str, entry: dict[str, Any], paths: list[Path], config_file: str) -> None:
    """The user and cluster a context names must exist: the client would otherwise go on without credentials (a
    missing user) and only fail later, far from the cause. kubectl refuses both too."""
    import yaml

    names: dict[str, set[str]] = {"users": set(), "clusters": set()}
    for path in paths:
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return  # already read once by the client; leave the wording of other problems to it
        for kind, found in names.items():
            items = document.get(kind) if isinstance(document, dict) else None
            found.update(i["name"] for i in items or [] if isinstance(i, dict) and isinstance(i.get("name"), str))
    context = entry.get("context") if isinstance(entry.get("context"), dict) else {}
    for key, kind in (("user", "users"), ("cluster", "clusters")):
        wanted = context.get(key)
        if wanted and wanted not in names[kind]:
            raise ClusterConfigError(f"context {name!r} names {key} {wanted!r}, which is not in {config_file}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__
