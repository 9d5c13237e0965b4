"""The one place observations become state: `reduce(state, observation) -> state`, pure and total.

Interpretation that users rely on lives here: sticky failed checks (Flagger resets them to 0 on rollback),
phase timing from phase changes rather than lastTransitionTime, tick inference for the countdown, event
de-duplication across the logger stream and Kubernetes Events, and bounded histories.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from functools import reduce as _fold
from itertools import groupby, pairwise
from operator import attrgetter
from typing import Any, TypeVar

from tui.domain.evolve import evolve
from tui.domain.flagger.messages import classify
from tui.domain.flagger.router_kinds import ROUTER_KINDS
from tui.domain.forecast import Forecast
from tui.domain.model import (
    CanaryInfo,
    CanaryKey,
    CheckSample,
    ConfigValues,
    DeploymentInfo,
    FlaggerEvent,
    LoadStats,
    MetricSample,
    Phase,
)
from tui.domain.observations import (
    AllowedScopesObserved,
    CanariesListed,
    CanaryDeleted,
    CanaryObserved,
    CanarySelected,
    CaptionObserved,
    CheckValueObserved,
    ClockTick,
    ConfigDeleted,
    ConfigObserved,
    ConfigsListed,
    DeploymentDeleted,
    DeploymentObserved,
    DeploymentsListed,
    EventObserved,
    FlaggerSettingsObserved,
    ForecastObserved,
    HealthObserved,
    LoadObserved,
    LoadRemoved,
    MetricsObserved,
    MetricTemplateDeleted,
    MetricTemplateObserved,
    MetricTemplatesListed,
    NoticeObserved,
    Observation,
    RouterDeleted,
    RouterObserved,
    RoutersListed,
)
from tui.domain.state import (
    CHECK_SAMPLES_LIMIT,
    EVENT_LOG_LIMIT,
    FINISHED_LOADS_LIMIT,
    METRIC_HISTORY_S,
    METRIC_SAMPLES_LIMIT,
    AppState,
    CanaryView,
    LoggedEvent,
)

T = TypeVar("T")

# Two records of one Flagger event (logger stream and Events API) arrive within this many seconds.
DUPLICATE_WINDOW_S = 5.0
DUPLICATE_LOOKBACK = 256

_NEW_RELEASE_KINDS = frozenset({"new-revision", "restart"})
_HALT_KINDS = frozenset(
    {"success-rate-halt", "duration-halt", "metric-halt", "no-values", "external-check-halt", "pre-rollout-halt"}
)


def reduce(state: AppState, observation: Observation) -> AppState:
    match observation:
        case ClockTick(now=now):
            return evolve(state, now=max(state.now, now)) if now != state.now else state
        case CanaryObserved(info=info, t=t):
            if state.deleted is not None and state.deleted[0] == info.key:
                state = evolve(state, deleted=None)  # created again under the same name
            return _select_default(_put_canary(state, info, t))
        case CanariesListed(items=items, namespace=namespace, t=t):
            return _list_canaries(state, items, namespace, t)
        case CanaryDeleted(key=key, t=t):
            canaries = dict(state.canaries)
            canaries.pop(key, None)
            if key == state.selected:
                return evolve(state, canaries=canaries, deleted=(key, t))
            selected = state.selected if state.selected in canaries else None
            state = _put_forecast(state, key, None)
            if key in state.check_values:
                state = evolve(state, check_values={k: v for k, v in state.check_values.items() if k != key})
            return _select_default(evolve(state, canaries=canaries, selected=selected))
        case DeploymentObserved(info=info):
            old = state.deployments.get((info.namespace, info.name))
            if old == info:
                return state
            state = evolve(state, deployments={**state.deployments, (info.namespace, info.name): info})
            return _new_revisions(state, _changed_templates(old, info))
        case DeploymentDeleted(namespace=ns, name=name):
            return evolve(state, deployments=_without(state.deployments, (ns, name)))
        case DeploymentsListed(items=items, namespace=namespace, kind=kind):
            listed = {(d.namespace, d.name): d for d in items}
            changed = [k for d in items for k in _changed_templates(state.deployments.get((d.namespace, d.name)), d)]
            # Deployments and DaemonSets are listed apart: each list leaves the other kind alone.
            relisted = _relisted(state.deployments, listed, namespace, lambda d: d.kind != kind)
            state = evolve(state, deployments=relisted)
            return _new_revisions(state, changed)
        case ConfigObserved(config=config):
            key = (config.namespace, config.name)
            old = state.configs.get(key)
            if old == config:
                return state
            state = evolve(state, configs={**state.configs, key: config})
            return _new_revisions(state, _readers(state, old, config))
        case ConfigDeleted(namespace=ns, name=name):
            return evolve(state, configs=_without(state.configs, (ns, name)))
        case ConfigsListed(items=items, namespace=namespace):
            listed = {(c.namespace, c.name): c for c in items}
            readers = [k for c in items for k in _readers(state, state.configs.get((c.namespace, c.name)), c)]
            state = evolve(state, configs=_relisted(state.configs, listed, namespace))
            return _new_revisions(state, readers)
        case RouterObserved(info=info):
            key = (info.namespace, info.name)
            if state.routers.get(key) == info and state.routers_by_kind.get((*key, info.kind)) == info:
                return state
            return evolve(
                state,
                routers={**state.routers, key: info},
                routers_by_kind={**state.routers_by_kind, (*key, info.kind): info},
            )
        case RouterDeleted(namespace=ns, name=name, kind=kind):
            kinds = {rk.kind for rk in ROUTER_KINDS} if kind is None else {kind}
            by_kind = dict(state.routers_by_kind)
            for each in kinds:
                by_kind.pop((ns, name, each), None)
            routers = _without(state.routers, (ns, name))
            # Another kind's router of the same name is still there: it is now the one of that name.
            remaining = next((r for each in ROUTER_KINDS if (r := by_kind.get((ns, name, each.kind)))), None)
            if remaining is not None:
                routers[(ns, name)] = remaining
            return evolve(state, routers=routers, routers_by_kind=by_kind)
        case RoutersListed(items=items, namespace=namespace, kind=kind):
            listed = {(r.namespace, r.name): r for r in items}
            # A list of one router kind replaces only that kind (TrafficSplits and HTTPRoutes are listed apart).
            other_kind = (lambda router: router.kind != kind) if kind is not None else None
            routers = _relisted(state.routers, listed, namespace, other_kind)
            by_kind = {
                key: router
                for key, router in state.routers_by_kind.items()
                if (namespace is not None and key[0] != namespace) or (kind is not None and key[2] != kind)
            }
            by_kind.update({(r.namespace, r.name, r.kind): r for r in items})
            for key, router in by_kind.items():
                routers.setdefault(key[:2], router)  # a name whose listed kind went, while another kind has it
            return evolve(state, routers=routers, routers_by_kind=by_kind)
        case EventObserved(event=event):
            return _add_event(state, event)
        case MetricsObserved(samples=samples):
            if not samples:
                return state
            metrics = dict(state.metrics)
            changed = False
            for key, run in groupby(samples, _DEPLOYMENT):
                series = metrics.get(key, ())
                extended = _with_samples(series, tuple(run))
                if extended is not series:
                    metrics[key], changed = extended, True
            return evolve(state, metrics=metrics) if changed else state
        case LoadObserved(stats=stats):
            if state.loads.get(stats.id) == stats:
                return state
            return evolve(state, loads=_bounded_loads({**state.loads, stats.id: stats}))
        case LoadRemoved(id=load_id):
            if load_id not in state.loads:
                return state
            loads = dict(state.loads)
            del loads[load_id]
            return evolve(state, loads=loads)
        case HealthObserved(health=health):
            if state.health.get(health.source) == health:
                return state
            return evolve(state, health={**state.health, health.source: health})
        case NoticeObserved(text=text, severity=severity, until=until):
            return evolve(state, notice=(text, severity, until))
        case CaptionObserved(text=caption):
            return state if caption == state.caption else evolve(state, caption=caption)
        case AllowedScopesObserved(allowed=allowed):
            return state if allowed == state.allowed_scopes else evolve(state, allowed_scopes=allowed)
        case FlaggerSettingsObserved(settings=settings):
            return state if settings == state.flagger else evolve(state, flagger=settings)
        case ForecastObserved(key=key, forecast=forecast):
            return _put_forecast(state, key, forecast)
        case CheckValueObserved(key=key, check=check, sample=sample):
            return _put_check_value(state, key, check, sample)
        case MetricTemplateObserved(template=template):
            if state.templates.get(template.key) == template:
                return state
            return evolve(state, templates={**state.templates, template.key: template})
        case MetricTemplateDeleted(namespace=namespace, name=name):
            key = f"{namespace}/{name}"
            if key not in state.templates:
                return state
            return evolve(state, templates={k: v for k, v in state.templates.items() if k != key})
        case MetricTemplatesListed(templates=templates):
            listed = {t.key: t for t in templates}
            return state if listed == state.templates else evolve(state, templates=listed)
        case CanarySelected(key=key):
            if key is not None and key not in state.canaries:
                return state
            return evolve(state, selected=key, deleted=None)
    return state


def _put_check_value(state: AppState, key: CanaryKey, check: str, sample: CheckSample) -> AppState:
    if key not in state.canaries:
        return state
    checks = state.check_values.get(key, {})
    kept = (*checks.get(check, ()), sample)[-2 * CHECK_SAMPLES_LIMIT :]  # two subjects share one series
    return evolve(state, check_values={**state.check_values, key: {**checks, check: kept}})


def _put_forecast(state: AppState, key: CanaryKey, forecast: Forecast | None) -> AppState:
    if state.forecasts.get(key) == forecast:
        return state
    forecasts = dict(state.forecasts)  # a C-level copy: a thousand canaries' forecasts change many times a second
    if forecast is None:
        del forecasts[key]
    else:
        forecasts[key] = forecast
    return evolve(state, forecasts=forecasts)


def _appended(series: tuple[MetricSample, ...], sample: MetricSample) -> tuple[MetricSample, ...]:
    """The series with `sample` at the end, bounded by count and by age (both from the newest sample)."""
    cutoff = sample.t - METRIC_HISTORY_S
    start = max(0, len(series) + 1 - METRIC_SAMPLES_LIMIT)
    while start < len(series) and series[start].t < cutoff:
        start += 1
    return (*series[start:], sample)


_TIME = attrgetter("t")
_DEPLOYMENT = attrgetter("namespace", "deployment")


def _with_samples(series: tuple[MetricSample, ...], run: tuple[MetricSample, ...]) -> tuple[MetricSample, ...]:
    """The series with a deployment's run of samples: appended in one go when they follow it in time order (a
    range answer brings a minute of them at once); else one by one, a late sample in its place by time and a
    repeated one dropped, so that the series stays in time order."""
    last = series[-1].t if series else -math.inf
    if run[0].t > last and all(a.t < b.t for a, b in pairwise(run)):
        if len(run) == 1:
            return _appended(series, run[0])
        joined = (*series, *run)
        cutoff = run[-1].t - METRIC_HISTORY_S
        start = max(0, len(joined) - METRIC_SAMPLES_LIMIT)
        while joined[start].t < cutoff:
            start += 1
        return joined[start:]
    for sample in run:
        late = series and series[-1].t >= sample.t
        series = _merged(series, sample) if late else _appended(series, sample)
    return series


def _merged(series: tuple[MetricSample, ...], sample: MetricSample) -> tuple[MetricSample, ...]:
    """The series with an older `sample` in its place by time; the same series when its time is already there or
    is older than the kept history."""
    if sample.t < series[-1].t - METRIC_HISTORY_S or (len(series) >= METRIC_SAMPLES_LIMIT and sample.t < series[0].t):
        return series
    at = bisect.bisect_left(series, sample.t, key=_TIME)
    if at < len(series) and series[at].t == sample.t:
        return series
    return (*series[:at], sample, *series[at:])[-METRIC_SAMPLES_LIMIT:]


def reduce_all(state: AppState, observations: list[Observation]) -> AppState:
    return _fold(reduce, observations, state)


def _select_default(state: AppState) -> AppState:
    if state.selected is None and state.canaries:
        return evolve(state, selected=min(state.canaries))
    return state


def _status_changed(old: CanaryInfo, new: CanaryInfo) -> bool:
    return (
        old.phase != new.phase
        or old.canary_weight != new.canary_weight
        or old.failed_checks != new.failed_checks
        or old.iterations != new.iterations
        or old.last_transition_time != new.last_transition_time
    )


def _next_view(previous: CanaryView | None, info: CanaryInfo, t: float) -> CanaryView:
    if previous is None:
        return CanaryView(
            info=info,
            phase_since=info.last_transition_time if info.last_transition_time is not None else t,
            # Flagger writes status only during ticks, so lastTransitionTime marks one.
            last_tick_at=info.last_transition_time,
            sticky_failed_checks=info.failed_checks or 0,
        )
    old = previous.info
    view = evolve(previous, info=info)
    if old.phase != info.phase:
        view = evolve(view, phase_since=t)
    if _status_changed(old, info):
        tick = info.last_transition_time if info.last_transition_time is not None else t
        view = evolve(view, last_tick_at=max(tick, previous.last_tick_at or tick))
    new_release = info.phase == Phase.PROGRESSING and (
        old.phase in (Phase.INITIALIZED, Phase.SUCCEEDED, Phase.FAILED, Phase.WAITING)
        or (old.last_applied_spec is not None and old.last_applied_spec != info.last_applied_spec)
    )
    if new_release:
        restarted = old.phase in (Phase.PROGRESSING, Phase.WAITING_PROMOTION)
        view = evolve(view, sticky_failed_checks=0, release_started_at=t, restarted=restarted)
    if old.last_applied_spec != info.last_applied_spec:
        view = evolve(view, revision_changed_at=None)  # Flagger has taken up the target as it is now
    elif view.revision_changed_at is not None and old.phase != info.phase:
        view = evolve(view, revision_changed_at=t)  # still pending: Flagger acts on it from this phase on
    if info.failed_checks:
        view = evolve(view, sticky_failed_checks=info.failed_checks)
    return view


def _put_canary(state: AppState, info: CanaryInfo, t: float) -> AppState:
    previous = state.canaries.get(info.key)
    if previous is not None and previous.info == info:
        return state
    return evolve(state, canaries={**state.canaries, info.key: _next_view(previous, info, t)})


def _list_canaries(state: AppState, items: tuple[CanaryInfo, ...], namespace: str | None, t: float) -> AppState:
    canaries = {k: v for k, v in state.canaries.items() if namespace is not None and k.namespace != namespace}
    for info in items:
        canaries[info.key] = _next_view(state.canaries.get(info.key), info, t)
    selected = state.selected if state.selected in canaries else None
    return _select_default(evolve(state, canaries=canaries, selected=selected))


def _bounded_loads(loads: dict[str, LoadStats]) -> dict[str, LoadStats]:
    finished = sorted((s for s in loads.values() if not s.running), key=lambda s: (s.started_at, s.id))
    for old in finished[: max(0, len(finished) - FINISHED_LOADS_LIMIT)]:
        del loads[old.id]
    return loads


def _is_coarse(event: FlaggerEvent) -> bool:
    """An Events API copy stamped to the whole second (lastTimestamp); the logger's copy has milliseconds."""
    return event.source == "events" and event.t == int(event.t)


def _order_key(event: FlaggerEvent) -> tuple[float, int]:
    """Where an event sorts in the log. A whole-second copy is not known to be earlier than any event of its second
    already shown, so it sorts after all of them (and before the next second's)."""
    if _is_coarse(event):
        return (event.t + 1.0, 0)
    return (event.t, 1)


def _logged_order_key(logged: LoggedEvent) -> tuple[float, int]:
    return _order_key(logged.event)


_MESSAGE = attrgetter("event.message")


def _same_event(a: FlaggerEvent, b: FlaggerEvent) -> bool:
    return (
        a.message == b.message
        and a.name == b.name
        and a.namespace == b.namespace
        and abs(a.t - b.t) <= DUPLICATE_WINDOW_S
    )


# The messages of the last DUPLICATE_LOOKBACK records of one log (the log, its messages): each event is looked up
# among them, and the log it makes is the next one looked at. Kept as one tuple, read and replaced whole, so that
# reducers on other threads (another context's, a test's) never see a log with another log's messages.
_recent: tuple[tuple[LoggedEvent, ...], list[str]] = ((), [])


def _recent_messages(events: tuple[LoggedEvent, ...]) -> list[str]:
    global _recent
    known = _recent
    if known[0] is events:
        return known[1]
    messages = list(map(_MESSAGE, events[max(0, len(events) - DUPLICATE_LOOKBACK) :]))
    _recent = (events, messages)
    return messages


def _appended_to_recent(before: tuple[LoggedEvent, ...], after: tuple[LoggedEvent, ...], message: str) -> None:
    """`after` is `before` with one record added at its end (its message `message`): its messages are `before`'s
    and that one, found without reading the records again."""
    global _recent
    known = _recent
    if known[0] is before:
        _recent = (after, [*known[1][-(DUPLICATE_LOOKBACK - 1) :], message])


def _copy_of(state: AppState, event: FlaggerEvent) -> tuple[int | None, bool]:
    """(index of a whole-second copy that `event` replaces, whether `event` is a duplicate to drop)."""
    events, message = state.events, event.message
    start = max(0, len(events) - DUPLICATE_LOOKBACK)
    # Only a record with the same message can be a copy; the messages are compared in C, so a new message (the usual
    # case) costs no Python step per record.
    messages = _recent_messages(events)
    if message not in messages:
        return None, False
    same_message = [start + offset for offset, other in enumerate(messages) if other == message]
    replaced: int | None = None
    for index in reversed(same_message):
        other = events[index].event
        if not _same_event(other, event):
            continue
        if _is_coarse(event) or not _is_coarse(other):
            return None, True
        # The nearest whole-second copy is this event's: take its place in the log with the precise time.
        if replaced is None or abs(other.t - event.t) < abs(state.events[replaced].event.t - event.t):
            replaced = index
    return replaced, False


def _inserted(events: tuple[LoggedEvent, ...], logged: LoggedEvent) -> tuple[tuple[LoggedEvent, ...], int]:
    """The log with `logged` in Flagger's order (after everything that sorts the same), and its index."""
    key = _order_key(logged.event)
    if not events or key >= _order_key(events[-1].event):
        return (*events, logged), len(events)
    # A late arrival (an Events API list after the logger's stream): keep the log in Flagger's order.
    index = bisect.bisect_right(events, key, key=_logged_order_key)
    return (*events[:index], logged, *events[index:]), index


def _last_of(events: tuple[LoggedEvent, ...], key: CanaryKey) -> FlaggerEvent | None:
    for logged in reversed(events):
        if logged.event.namespace == key.namespace and logged.event.name == key.name:
            return logged.event
    return None


def _add_event(state: AppState, event: FlaggerEvent) -> AppState:
    replaced, duplicate = _copy_of(state, event)
    if duplicate:
        return state
    seq = state.event_seq + 1
    logged = LoggedEvent(seq, event)
    events = state.events
    coarse: FlaggerEvent | None = None
    if replaced is not None:
        coarse = events[replaced].event
        logged = LoggedEvent(seq, event, replaces=events[replaced].seq)
        events = (*events[:replaced], *events[replaced + 1 :])
    before = events
    events, index = _inserted(events, logged)
    newest_of_canary = not any(
        e.event.namespace == event.namespace and e.event.name == event.name for e in events[index + 1 :]
    )
    if len(events) > EVENT_LOG_LIMIT:
        events = events[-EVENT_LOG_LIMIT:]
    if replaced is None and index == len(before):
        _appended_to_recent(before, events, event.message)
    state = evolve(state, events=events, event_seq=seq)
    key = CanaryKey(event.namespace, event.name)
    view = state.canaries.get(key)
    if view is None:
        return state
    if not newest_of_canary:
        # Earlier in the log than what the canary already shows: the log has it, the status line does not need it,
        # unless the copy it replaced was the one shown.
        if coarse is not None and view.last_event == coarse:
            view = evolve(view, last_event=_last_of(events, key))
            return evolve(state, canaries={**state.canaries, key: view})
        return state
    kind = classify(event.message)
    view = evolve(
        view,
        last_event=event,
        last_tick_at=max(event.t, view.last_tick_at or event.t),
    )
    if event.type == "Warning":
        view = evolve(view, last_warning=event)
    if kind.kind in _HALT_KINDS:
        view = evolve(view, last_halt=event)
    if kind.kind in _NEW_RELEASE_KINDS:
        view = evolve(
            view,
            sticky_failed_checks=0,
            release_started_at=event.t,
            last_warning=None,
            last_halt=None,
            restarted=kind.kind == "restart",
            revision_changed_at=None,
        )
    elif kind.kind == "threshold-rollback":
        # The pattern only matches digits here.
        view = evolve(view, sticky_failed_checks=max(view.sticky_failed_checks, int(kind.values.get("n", "0"))))
    return evolve(state, canaries={**state.canaries, key: view})


def _changed_templates(old: DeploymentInfo | None, new: DeploymentInfo) -> list[tuple[str, str]]:
    """The deployment, when its pod template changed (a first sighting is no change)."""
    if old is None or old.template_hash == new.template_hash:
        return []
    return [(new.namespace, new.name)]


def _readers(state: AppState, old: ConfigValues | None, new: ConfigValues) -> list[tuple[str, str]]:
    """The deployments that take their environment from a ConfigMap whose values changed (Flagger tracks those)."""
    if old is None or old.values == new.values:
        return []
    return [key for key, dep in state.deployments.items() if key[0] == new.namespace and new.name in dep.env_from]


def _new_revisions(state: AppState, targets: list[tuple[str, str]]) -> AppState:
    """Mark the canaries whose target changed: Flagger takes the new revision up at its next tick."""
    if not targets:
        return state
    changed = set(targets)
    marked = {
        key: evolve(view, revision_changed_at=state.now)
        for key, view in state.canaries.items()
        if (key.namespace, view.info.target) in changed
    }
    if not marked:
        return state
    return evolve(state, canaries={**state.canaries, **marked})


def _without(objects: dict[Any, T], key: Any) -> dict[Any, T]:
    kept = dict(objects)
    kept.pop(key, None)
    return kept


def _relisted(
    objects: dict[tuple[str, str], T],
    listed: dict[tuple[str, str], T],
    namespace: str | None,
    untouched: Callable[[T], bool] | None = None,
) -> dict[tuple[str, str], T]:
    """A list replaces what it covers: its namespace (every namespace when None), and only the objects for which
    `untouched` is false; the rest is kept."""
    kept = {
        key: obj
        for key, obj in objects.items()
        if (namespace is not None and key[0] != namespace) or (untouched is not None and untouched(obj))
    }
    kept.update(listed)
    return kept
