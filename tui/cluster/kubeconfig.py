"""Kubeconfig and contexts: one independent API client per context, never the global configuration."""

from __future__ import annotations

import base64
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.base import redact, yaml_fast
from tui.base.file_limits import KUBECONFIG_LIMIT
from tui.base.yaml_file import YamlReadProblem, load_yaml_document
from tui.cluster import kubeconfig_plain, lazy_kubernetes
from tui.cluster.credentials import PLUGIN_TIMEOUT_S, Credentials, CredentialsProblem, Issuer, issuer_for


class ClusterConfigError(Exception):
    """A kubeconfig problem, worded as one line (it never contains credentials)."""


class NoKubeconfig(ClusterConfigError):
    """None of the kubeconfig paths exists: a newcomer is better served by `canaryscope demo`."""


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


def list_contexts(kubeconfig: str | None) -> tuple[list[Path], str, list[Any], Any]:
    """(the kubeconfig files found, the file name the client reads, its contexts, the current one), as the client
    merges the files of KUBECONFIG; ClusterConfigError or NoKubeconfig with one line on any problem."""
    paths = kubeconfig_paths(kubeconfig)
    existing = [p for p in paths if p.exists() and not p.is_dir()]
    if not existing:
        directory = next((p for p in paths if p.is_dir()), None)
        if directory is not None:
            raise ClusterConfigError(f"kubeconfig {directory} is a directory; name the kubeconfig file in it")
        where = ", ".join(str(p) for p in paths)
        raise NoKubeconfig(f"no kubeconfig found at {where} (use --kubeconfig or KUBECONFIG)")
    for path in existing:
        _check_document(path)
    config_file = str(existing[0]) if kubeconfig else os.pathsep.join(str(p) for p in existing)
    merged = _plain(config_file)
    listed = kubeconfig_plain.contexts(merged) if merged is not None else None
    if listed is not None:
        return existing, config_file, listed[0], listed[1]
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    try:
        contexts, active = config.list_kube_config_contexts(config_file=config_file)
    except (ConfigException, OSError, ValueError, TypeError, AttributeError) as exc:
        raise ClusterConfigError(f"kubeconfig {config_file} cannot be read: {_first_line(exc)}") from None
    except Exception:  # anything else the client trips over in a document of the right shape
        raise ClusterConfigError(f"kubeconfig {config_file} cannot be read: a value has the wrong form") from None
    return existing, config_file, list(contexts or []), active


def connect(
    kubeconfig: str | None,
    context: str | None,
    *,
    pool_size: int = 32,
    plugin_timeout_s: float = PLUGIN_TIMEOUT_S,
) -> Connection:
    """Build an ApiClient for the context; raises ClusterConfigError with one line on any problem."""
    lazy_kubernetes.register()
    from kubernetes import client

    existing, config_file, contexts, active = list_contexts(kubeconfig)
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
    renewable = _renewable(chosen, entry, existing, plugin_timeout_s)
    credentials = None
    if renewable is not None:
        credentials = Credentials(chosen, renewable[1])
        credentials.first()  # bounded by the plugin's timeout; a failure is reported by the first refusal
        if credentials.client_certificates:
            credentials = renewable = None  # a certificate, not a token: the client loads it as before
    merged = _plain(config_file)
    without = renewable[0] if renewable is not None else None
    if merged is None or not kubeconfig_plain.load(merged, chosen, configuration, without_user_keys=without):
        _load_with_client(config_file, chosen, configuration, without)
    _register_credentials(existing, configuration)
    if credentials is not None:
        credentials.install(configuration)
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


def _plain(config_file: str) -> kubeconfig_plain.Merged | None:
    """The files merged without the client's loader; None sends every question to the client."""
    try:
        return kubeconfig_plain.merge(config_file, kubeconfig_plain.read_yaml)
    except Exception:  # any problem reading them: the client reads them again and words it
        return None


def _load_with_client(config_file: str, chosen: str, configuration: Any, without: str | None) -> None:
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    try:
        if without is None:
            config.load_kube_config(
                config_file=config_file, context=chosen, client_configuration=configuration, persist_config=False
            )
        else:
            _load_without(without, config_file, chosen, configuration)
    except (ConfigException, OSError, ValueError, TypeError, KeyError) as exc:
        raise ClusterConfigError(f"context {chosen!r} cannot be used: {_first_line(exc)}") from None
    except Exception:  # a value of the wrong type deep in the file (e.g. a numeric server)
        raise ClusterConfigError(
            f"context {chosen!r} cannot be used: a value in {config_file} has the wrong type"
        ) from None


def _check_document(path: Path) -> None:
    """The file must be a readable YAML mapping of reasonable size: the client would otherwise read /dev/zero
    without end, or fail inside on a document of another shape with a message about Python objects."""
    try:
        document = load_yaml_document(path, KUBECONFIG_LIMIT)
    except YamlReadProblem as problem:
        if problem.kind == "too-large":
            raise ClusterConfigError(f"kubeconfig {problem.detail} (a kubeconfig is a few kilobytes)") from None
        if problem.kind == "not-utf8":
            raise ClusterConfigError(
                f"kubeconfig {path} cannot be read: not UTF-8 text (byte {problem.byte})"
            ) from None
        if problem.kind == "invalid":
            where = f" at line {problem.line}" if problem.line is not None else ""
            raise ClusterConfigError(f"kubeconfig {path} cannot be read: not valid YAML{where}") from None
        raise ClusterConfigError(f"kubeconfig {path} cannot be read: {problem.detail}") from None
    if document is not None and not isinstance(document, dict):
        raise ClusterConfigError(
            f"kubeconfig {path} is not a kubeconfig (expected a YAML mapping with clusters, contexts and users)"
        )


def _register_credentials(paths: list[Path], configuration: Any) -> None:
    """Every credential in the kubeconfig (every user's, not only this context's) and the client's own, after
    each refresh too (exec plugins and token files hand out new tokens), is masked in anything shown or logged."""
    import yaml

    for path in paths:
        try:
            document = yaml_fast.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        users = document.get("users") if isinstance(document, dict) else None
        for item in users if isinstance(users, list) else []:
            user = item.get("user") if isinstance(item, dict) else None
            if isinstance(user, dict):
                _register_user(user)
    _register_client(configuration)
    hook = configuration.refresh_api_key_hook
    if hook is not None:

        def refresh_and_register(conf: Any) -> None:
            hook(conf)
            _register_client(conf)

        configuration.refresh_api_key_hook = refresh_and_register


def _register_user(user: dict[str, Any]) -> None:
    if isinstance(user.get("username"), str) and isinstance(user.get("password"), str):
        redact.register_basic_auth(user["username"], user["password"])
    for key in ("token", "password", "client-key-data"):
        if isinstance(user.get(key), str):
            redact.register(user[key])
    if isinstance(user.get("client-key-data"), str):
        with contextlib.suppress(ValueError):
            redact.register(base64.b64decode(user["client-key-data"]))
    for key in ("tokenFile", "client-key"):
        if isinstance(user.get(key), str):
            redact.register(_small_file(user[key]))
    provider = user.get("auth-provider")
    config = provider.get("config") if isinstance(provider, dict) else None
    for name, value in config.items() if isinstance(config, dict) else ():
        if isinstance(value, str) and ("token" in str(name).lower() or "secret" in str(name).lower()):
            redact.register(value)


def _register_client(configuration: Any) -> None:
    for value in (configuration.api_key or {}).values():
        redact.register(value)
    if configuration.username and configuration.password:
        redact.register_basic_auth(configuration.username, configuration.password)
    if configuration.key_file:
        redact.register(_small_file(configuration.key_file))


def _small_file(path: str, limit: int = 64 * 1024) -> str | None:
    try:
        with open(Path(path).expanduser(), encoding="utf-8", errors="replace") as handle:
            return handle.read(limit)
    except OSError:
        return None


def _check_references(name: str, entry: dict[str, Any], paths: list[Path], config_file: str) -> None:
    """The user and cluster a context names must exist: the client would otherwise go on without credentials (a
    missing user) and only fail later, far from the cause. kubectl refuses both too."""
    import yaml

    names: dict[str, set[str]] = {"users": set(), "clusters": set()}
    for path in paths:
        try:
            document = yaml_fast.safe_load(path.read_text(encoding="utf-8"))
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


def _named(paths: list[Path], kind: str, name: object) -> tuple[dict[str, Any], Path] | None:
    """The first entry of `kind` (users, clusters) called `name` across the files, as the client merges them."""
    import yaml

    for path in paths:
        try:
            document = yaml_fast.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        items = document.get(kind) if isinstance(document, dict) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("name") == name:
                return item, path
    return None


def _renewable(name: str, entry: dict[str, Any], paths: list[Path], timeout_s: float) -> tuple[str, Issuer] | None:
    """(user name, issuer) when the context's user gets its token from an exec plugin or an OIDC provider:
    canaryscope runs the one and refreshes the other itself."""
    context = entry.get("context") if isinstance(entry.get("context"), dict) else {}
    found = _named(paths, "users", context.get("user"))
    if found is None or not isinstance(found[0].get("user"), dict):
        return None
    (item, path), cluster = found, _named(paths, "clusters", context.get("cluster"))
    cluster_info = cluster[0].get("cluster") if cluster is not None else None
    try:
        issuer = issuer_for(
            item["user"], path.parent, cluster_info if isinstance(cluster_info, dict) else None, timeout_s=timeout_s
        )
    except CredentialsProblem as problem:
        raise ClusterConfigError(f"context {name!r} cannot be used: {problem}") from None
    return None if issuer is None else (str(item["name"]), issuer)


def _load_without(user_name: str, config_file: str, context: str, configuration: Any) -> None:
    """Load the context as the client does, except the user's exec or oidc entry: Credentials runs the plugin (with
    a timeout, without the terminal) and refreshes the id-token (with a timeout, off the UI thread) instead."""
    from kubernetes.config.kube_config import ConfigNode, KubeConfigLoader, KubeConfigMerger

    merger = KubeConfigMerger(config_file)
    users = merger.config.value["users"]
    for index, node in enumerate(users):
        if node["name"] == user_name:
            value = dict(node.value)
            value["user"] = {k: v for k, v in (value.get("user") or {}).items() if k not in ("exec", "auth-provider")}
            users[index] = ConfigNode(node.name, value, node.path)
            break
    KubeConfigLoader(config_dict=merger.config, active_context=context, config_base_path=None).load_and_set(
        configuration
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "an unreadable value"
