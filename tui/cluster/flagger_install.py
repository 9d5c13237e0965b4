"""Defaults that work on a real cluster: Flagger's own Deployment says which provider and Prometheus it uses.

When the user names nothing, canaryscope lists Deployments labelled as Flagger's (Helm or kustomize, any namespace)
and reads its flags; Prometheus is then Flagger's `-metrics-server`, reached through the API server's service proxy,
and Flagger's events also come from its own pod log. What cannot be read or is not there is a quiet grey note: the
defaults are guesses, and a guess that finds nothing is not an error. Whatever the user names (`--prometheus`,
`--logger`, `--provider`) wins and is reported as it is today.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from tui.cluster.api_paths import PathCall, collection_path
from tui.cluster.connect_errors import describe_transport
from tui.cluster.http import HttpProblem, get_json
from tui.domain.model import FlaggerSettings, Health
from tui.domain.observations import FlaggerSettingsObserved
from tui.kube.flagger_deployment import (
    FLAGGER_SELECTORS,
    FlaggerDeployment,
    in_cluster_service,
    parse_flagger_deployment,
)
from tui.sources.mailbox import Mailbox

SOURCE = "flagger"
FLAGGER_LOG = "flagger log"
SEED_LOGGER = ("monitoring", "app.kubernetes.io/name=logger")
SEED_PROMETHEUS = ("monitoring", "prometheus-operated:9090")
TIMEOUT = (5, 15)


class Defaulted(Enum):
    """An option the user left out: canaryscope looks for it (Flagger's own settings, then the seed's)."""

    LOOK = "look"


LOOK = Defaulted.LOOK


@dataclass(frozen=True)
class LogFollow:
    """One pod log to follow: the health line's source name, where, and whether absence is only a note."""

    source: str
    namespace: str
    selector: str
    container: str | None = None
    quiet: bool = False


@dataclass(frozen=True)
class PrometheusChoice:
    option: tuple[str, str] | str
    describe: str


@dataclass(frozen=True)
class Plan:
    flagger: FlaggerDeployment | None
    logs: tuple[LogFollow, ...]
    prometheus: PrometheusChoice | None
    settings: FlaggerSettings | None = None


@dataclass(frozen=True)
class Lookup:
    found: FlaggerDeployment | None = None
    # Why nothing was found: a refusal or an error, said as a note (None: asked, and there is none).
    why: str | None = None


def find_flagger(api_client: Any) -> Lookup:
    """Flagger's Deployment in any namespace, by the labels its Helm chart or kustomize base put on it."""
    why: str | None = None
    for selector in FLAGGER_SELECTORS:
        call = PathCall(api_client, collection_path("apps", "v1", "deployments"))
        try:
            document = get_json(call, label_selector=selector, limit=20, _request_timeout=TIMEOUT)
        except HttpProblem as exc:
            if exc.status in (401, 403):
                return Lookup(why="cannot list deployments.apps in all namespaces")
            why = f"listing deployments.apps answered HTTP {exc.status}"
            continue
        except Exception as exc:  # an unreachable server only loses the defaults; the watches say the rest
            return Lookup(why=describe_transport(exc))
        items = [item for item in document.get("items") or [] if isinstance(item, dict)]
        found = sorted(
            (d for d in map(parse_flagger_deployment, items) if d is not None), key=lambda d: (d.namespace, d.name)
        )
        if found:
            return Lookup(found[0])
    return Lookup(why=why)


def service_exists(api_client: Any, namespace: str, service: str) -> bool | None:
    """Whether the Service (`name:port`) exists in `namespace`; None when that cannot be told (refused, unreachable)."""
    name = service.split(":")[-2] if service.count(":") >= 1 else service
    call = PathCall(api_client, f"{collection_path('', 'v1', 'services', namespace)}/{name}")
    try:
        get_json(call, _request_timeout=TIMEOUT)
    except HttpProblem as exc:
        return False if exc.status == 404 else None
    except Exception:
        return None
    return True


def _settings_for(provider: str | None, found: FlaggerDeployment | None) -> FlaggerSettings | None:
    if provider:
        return FlaggerSettings(provider, found.metrics_server if found else None, "--provider")
    return found.settings() if found else None


def plan_readers(
    api_client: Any,
    emitter: Mailbox,
    *,
    logger: tuple[str, str] | Defaulted | None,
    prometheus: tuple[str, str] | str | Defaulted | None,
    provider: str | None,
) -> Plan:
    """Read Flagger's Deployment, report its settings, and decide which logs to follow and which Prometheus to ask."""
    if provider:
        emitter.emit(FlaggerSettingsObserved(FlaggerSettings(provider, None, "--provider")))
    lookup = find_flagger(api_client)
    found = lookup.found
    if found is not None:
        emitter.health(SOURCE, Health.CONNECTED, f"{found.where} · -mesh-provider={found.mesh_provider}")
    else:
        # Not an error: Flagger may run where this user cannot look, or under other labels.
        labels = " or ".join(FLAGGER_SELECTORS)
        emitter.health(SOURCE, Health.DISABLED, lookup.why or f"no Deployment labelled {labels}")
    settings = _settings_for(provider, found)
    if settings is not None:
        emitter.emit(FlaggerSettingsObserved(settings))
    logs = tuple(follow for follow in _logs(logger, found) if _may_follow(api_client, emitter, follow))
    return Plan(found, logs, _prometheus(api_client, emitter, prometheus, found), settings)


def _may_follow(api_client: Any, emitter: Mailbox, follow: LogFollow) -> bool:
    """A log canaryscope guessed is followed only if its pods may be listed: a refusal is a note, not an error (a
    log the user named is followed as asked, and a refusal then says so in red)."""
    if not follow.quiet:
        return True
    call = PathCall(api_client, collection_path("", "v1", "pods", follow.namespace))
    try:
        get_json(call, label_selector=follow.selector, limit=1, _request_timeout=TIMEOUT)
    except HttpProblem as exc:
        if exc.status in (401, 403):
            emitter.health(follow.source, Health.DISABLED, f"cannot list pods in {follow.namespace}")
            return False
    except Exception:
        pass  # unreachable now: the follower retries and says so
    return True


def _logs(logger: tuple[str, str] | Defaulted | None, found: FlaggerDeployment | None) -> tuple[LogFollow, ...]:
    if logger is None:
        return ()
    if isinstance(logger, tuple):
        return (LogFollow("logger", *logger, _flagger_container(logger, found)),)
    follows = []
    if found is not None and found.pod_selector:
        follows.append(LogFollow(FLAGGER_LOG, found.namespace, found.pod_selector, found.container, quiet=True))
    follows.append(LogFollow("logger", *SEED_LOGGER, quiet=True))
    return tuple(follows)


def _flagger_container(logger: tuple[str, str], found: FlaggerDeployment | None) -> str | None:
    """Flagger's container when `--logger` names Flagger's own pods (a sidecar beside it would make the log
    ambiguous); None otherwise (the API server then picks the pod's only container)."""
    namespace, selector = logger
    if found is None or found.pod_selector is None or namespace != found.namespace:
        return None
    asked = {part.strip() for part in selector.split(",") if part.strip()}
    return found.container if asked <= set(found.pod_selector.split(",")) else None


def _prometheus(
    api_client: Any,
    emitter: Mailbox,
    prometheus: tuple[str, str] | str | Defaulted | None,
    found: FlaggerDeployment | None,
) -> PrometheusChoice | None:
    from tui.cluster.prometheus import parse_prometheus_option

    if prometheus is None:
        emitter.health("prometheus", Health.DISABLED, "no --prometheus given")
        return None
    if not isinstance(prometheus, Defaulted):
        describe = prometheus if isinstance(prometheus, str) else f"svc/{prometheus[0]}/{prometheus[1]}"
        return PrometheusChoice(prometheus, describe)
    if found is not None:
        service = in_cluster_service(found.metrics_server, found.namespace)
        if service is not None:
            return PrometheusChoice(service, f"svc/{service[0]}/{service[1]} (Flagger's -metrics-server)")
        try:
            url = parse_prometheus_option(found.metrics_server)  # takes any userinfo out, and masks its password
        except ValueError:
            url = None
        if isinstance(url, str):
            return PrometheusChoice(url, f"{url} (Flagger's -metrics-server)")
    namespace, service = SEED_PROMETHEUS
    if service_exists(api_client, namespace, service) is False:
        emitter.health(
            "prometheus",
            Health.DISABLED,
            f"none found: no Flagger Deployment seen, no svc/{namespace}/{service.split(':')[0]} "
            "(--prometheus names one)",
        )
        return None
    return PrometheusChoice(SEED_PROMETHEUS, f"svc/{namespace}/{service}")
