"""The canaries' custom checks (templateRef with provider prometheus, inline query) evaluated as Flagger evaluates
them (tui/cluster/check_query.py), each at its own interval and never more often, on a thread of its own.

Each round takes the checks that are due, renders their queries and sends each distinct (endpoint, query) once:
N canaries sharing a template with identical variables cost one request. Canaries whose rendered queries differ only
in label values (`{{ target }}`, `{{ namespace }}`...) are asked one grouped query per template, interval and endpoint
(tui/domain/flagger/query_grouping.py) and each takes its own share of the answer; a template whose shape cannot be
grouped is asked per canary, and so is one whose grouped query Prometheus refuses (for a while), so each canary gets
the error its own query gets. Requests run on a few worker threads, a round sends a bounded number of them (the rest
stay due for the next round), and every request has a deadline (tui/cluster/prometheus.py), so a slow Prometheus
slows only this thread, never the other sources.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from tui.base import redact
from tui.cluster.check_endpoint import Endpoint, EndpointProblem, QueryRefused, Target, endpoint_for, make_client
from tui.cluster.check_query import check_query, evaluate
from tui.cluster.recorded_check import recorded_query, recorded_template, recorded_value, records
from tui.domain.analysis_checks import check_model
from tui.domain.check_rows import interval_seconds
from tui.domain.flagger.query_grouping import Grouped, plan
from tui.domain.flagger.query_template import RenderError, TemplateModel, render_query
from tui.domain.model import CanaryInfo, CanaryKey, Check, CheckKind, CheckSample, MetricTemplateInfo
from tui.domain.observations import CheckValueObserved
from tui.sources.mailbox import Mailbox

WORKERS = 4
# Requests a round may send; what is left stays due and goes in the next round.
MAX_REQUESTS_PER_ROUND = 200
ROUND_S = 1.0
# A secret's credentials are read again after this long (a rotated password is picked up).
CLIENT_TTL_S = 300.0
# A template whose grouped query Prometheus refused or did not answer in time is asked per canary for this long.
UNGROUPED_S = 600.0
MAX_PLANS = 512
QUIET_UNKNOWN: tuple[object, object, float] = (None, None, -math.inf)


def polled(check: Check) -> bool:
    return check.problem is None and check.kind in (CheckKind.TEMPLATE, CheckKind.QUERY)


@dataclass(frozen=True)
class Due:
    key: CanaryKey
    check: Check
    template: MetricTemplateInfo | None
    model: TemplateModel
    endpoint: Endpoint | None = None
    rendered: str | None = None
    problem: str | None = None
    recorded: bool = False  # the query reads Flagger's own recorded value (a provider not queried here)
    template_query: str | None = None  # the query before rendering: canaries sharing it may be asked together


class Answered:
    """Stands in for a client within a round: the answer (or failure) of the one request sent for this query."""

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome

    def custom_query(self, query: str) -> Any:
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


@dataclass(frozen=True)
class Request:
    """One query sent: a canary's own, or a grouped one whose parts are the canaries' rendered queries."""

    endpoint: Endpoint
    query: str
    parts: tuple[tuple[str, int], ...]  # (rendered query, member index in `grouped`)
    grouped: Grouped | None = None
    group_key: tuple[Endpoint, str, str] | None = None  # (endpoint, template, interval) of a grouped query


def _too_much(outcome: Any) -> bool:
    """A grouped query Prometheus refused or did not answer in time (a connection that failed is not its fault)."""
    from requests.exceptions import ConnectTimeout, Timeout
    from urllib3.exceptions import MaxRetryError, ReadTimeoutError

    if isinstance(outcome, QueryRefused):
        return True
    if isinstance(outcome, Timeout):
        return not isinstance(outcome, ConnectTimeout)
    # Without retries, requests reports a read timeout as a connection error around urllib3's.
    cause = outcome.args[0] if isinstance(outcome, Exception) and outcome.args else None
    return isinstance(cause, MaxRetryError) and isinstance(cause.reason, ReadTimeoutError)


def _own_failure(outcome: BaseException, sent: str, own: str) -> BaseException:
    """A grouped query's failure worded for the canary's own query (no grouped text in it)."""
    text = str(outcome).replace(sent, own).replace(quote_plus(sent), quote_plus(own))
    return RuntimeError(text) if text.strip() else outcome


class CheckPoller:
    def __init__(
        self,
        canaries: Callable[[], Sequence[CanaryInfo]],
        templates: Callable[[], Mapping[str, MetricTemplateInfo] | None],
        given: Callable[[], Target | None],
        emitter: Mailbox,
        stop: threading.Event,
        *,
        api_client: Any = None,
        home: Callable[[], str | None] = lambda: None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        connect: Callable[[Endpoint, Any], Any] = make_client,
        round_s: float = ROUND_S,
        workers: int = WORKERS,
        max_requests: int = MAX_REQUESTS_PER_ROUND,
    ) -> None:
        self.canaries = canaries
        self.templates = templates
        self.given = given
        self.emitter = emitter
        self.stop = stop
        self.api_client = api_client
        self.home = home
        self.clock = clock
        self.monotonic = monotonic
        self.connect = connect
        self.round_s = round_s
        self.workers = workers
        self.max_requests = max_requests
        self._next: dict[tuple[CanaryKey, str], float] = {}
        self._clients: dict[Endpoint, tuple[float, Any]] = {}
        self._ungrouped: dict[tuple[Endpoint, str, str], float] = {}  # (endpoint, template, interval) -> until
        # (endpoint, template, interval) -> (the rendered queries planned, their groups)
        self._plans: dict[tuple[Endpoint, str, str], tuple[tuple[str, ...], list[Grouped] | None]] = {}
        self.requests = 0  # sent since the start
        self._polled: dict[CanaryKey, tuple[CanaryInfo, tuple[Check, ...]]] = {}  # each Canary's polled checks
        # (canaries, templates, until): a round found nothing due among these, and nothing falls due before `until`.
        self._quiet: tuple[object, object, float] = QUIET_UNKNOWN

    def run(self) -> None:
        with ThreadPoolExecutor(self.workers, thread_name_prefix="check-query") as pool:
            while not self.stop.is_set():
                # A bug must not end the polling: the next round tries again.
                with contextlib.suppress(Exception):
                    self.round(pool)
                self.stop.wait(self.round_s)

    def due(self) -> list[Due]:
        """The checks whose interval has passed since they were last sent, canaries in scope only."""
        now = self.monotonic()
        templates = self.templates()
        infos = self.canaries()
        # The same tuple (a source hands a new one when a Canary changes; a list may have changed in place) and
        # templates as the last round, which found nothing due before `until`: nothing is due now either.
        quiet_infos, quiet_templates, until = self._quiet
        if isinstance(infos, tuple) and infos is quiet_infos and templates == quiet_templates and now < until:
            return []
        found: list[Due] = []
        seen: set[tuple[CanaryKey, str]] = set()
        if len(self._polled) > len(infos):
            self._polled = {}  # canaries gone: what is kept is rebuilt from those left
        for info in infos:
            # Most canaries have builtin checks alone: a round over a thousand of them looks at each Canary's checks
            # only when its parse changed.
            kept = self._polled.get(info.key)
            if kept is None or kept[0] is not info:
                kept = self._polled[info.key] = (info, tuple(c for c in info.analysis.checks if polled(c)))
            for check in kept[1]:
                slot = (info.key, check.name)
                seen.add(slot)
                if self._next.get(slot, now) > now:
                    continue
                if check.kind is CheckKind.TEMPLATE and templates is None:
                    continue  # not listed yet: "not found" would be a guess
                template = templates.get(check.template_key or "") if templates is not None else None
                template = template if check.kind is CheckKind.TEMPLATE else None
                found.append(self._prepare(Due(info.key, check, template, check_model(info, check))))
        for slot in [s for s in self._next if s not in seen]:
            del self._next[slot]  # a canary or check gone: forgotten
        # Nothing found due: until the next check falls due, a round with these same Canaries finds nothing either.
        self._quiet = (infos, templates, min(self._next.values(), default=math.inf)) if not found else QUIET_UNKNOWN
        return found

    def _prepare(self, due: Due) -> Due:
        """The endpoint and the rendered query; a check that cannot be sent gets its problem instead."""
        if due.check.kind is CheckKind.TEMPLATE and records(due.template):
            given = self.given()
            if given is None:
                return Due(due.key, due.check, due.template, due.model, problem=check_query(due.check, due.template)[1])
            query = recorded_query(due.model.target, due.model.namespace, due.check.name)
            template = recorded_template(due.check.name)
            return Due(
                due.key,
                due.check,
                due.template,
                due.model,
                Endpoint(given),
                query,
                recorded=True,
                template_query=template,
            )
        query, problem = check_query(due.check, due.template)
        if query is None:
            return Due(due.key, due.check, due.template, due.model, problem=problem)
        try:
            endpoint = endpoint_for(due.check, due.template, self.given(), self.home())
        except EndpointProblem as problem_:
            return Due(due.key, due.check, due.template, due.model, problem=str(problem_))
        try:
            rendered = render_query(query, due.model)
        except RenderError:
            return Due(due.key, due.check, due.template, due.model)  # evaluate() words it as Flagger does
        return Due(due.key, due.check, due.template, due.model, endpoint, rendered, template_query=query)

    def round(self, pool: ThreadPoolExecutor | None = None) -> int:
        """One round: the due checks evaluated and emitted; returns the requests sent."""
        due = self.due()
        by_query: dict[tuple[Endpoint, str], list[Due]] = {}
        ready: list[Due] = []
        for item in due:
            if item.endpoint is None or item.rendered is None:
                ready.append(item)
            else:
                by_query.setdefault((item.endpoint, item.rendered), []).append(item)
        requests = self._requests(by_query)[: self.max_requests]  # what is left stays due: the next round sends it
        outcomes = self._send([(r.endpoint, r.query) for r in requests], pool)
        now, at = self.monotonic(), self.clock()
        observations = []
        for item in ready:
            observations.append(self._observed(item, Answered(RuntimeError("not sent")), at))
            self._next[(item.key, item.check.name)] = now + interval_seconds(item.check)
        for request in requests:
            outcome = outcomes[(request.endpoint, request.query)]
            if request.group_key is not None and _too_much(outcome):
                # Refused or timed out as a group: each canary is asked its own query next round, and gets its own
                # answer or error.
                self._ungrouped[request.group_key] = now + UNGROUPED_S
                continue
            shares = (
                request.grouped.shares(outcome)
                if request.grouped is not None and not isinstance(outcome, BaseException)
                else None
            )
            for rendered, member in request.parts:
                if request.grouped is None:
                    answer = outcome
                elif shares is None:
                    answer = _own_failure(outcome, request.query, rendered)
                else:
                    answer = shares[member]
                for item in by_query[(request.endpoint, rendered)]:
                    observations.append(self._observed(item, Answered(answer), at))
                    self._next[(item.key, item.check.name)] = now + interval_seconds(item.check)
        if observations:
            self.emitter.emit(*observations)
        self.requests += len(requests)
        return len(requests)

    def _requests(self, by_query: Mapping[tuple[Endpoint, str], Sequence[Due]]) -> list[Request]:
        """The requests for the distinct queries: grouped per (endpoint, template, interval) where the template's
        shape allows it, one per query otherwise; in the order the queries were first met."""
        shared: dict[tuple[Endpoint, str, str], list[tuple[str, Due]]] = {}
        alone: list[Request] = []
        now = self.monotonic()
        for key in [k for k, until in self._ungrouped.items() if until <= now]:
            del self._ungrouped[key]
        for (endpoint, rendered), items in by_query.items():
            first = items[0]
            if first.template_query is None:
                alone.append(Request(endpoint, rendered, ((rendered, 0),)))
                continue
            shared.setdefault((endpoint, first.template_query, first.model.interval), []).append((rendered, first))
        requests: list[Request] = []
        for key, queries in shared.items():
            groups = None
            if len(queries) > 1 and key not in self._ungrouped:
                groups = self._plan(key, queries)
            covered: set[int] = set()
            for grouped in groups or []:
                parts = tuple((queries[member][0], member) for member in grouped.members)
                requests.append(Request(key[0], grouped.query, parts, grouped, key))
                covered.update(grouped.members)
            requests += [Request(key[0], q, ((q, 0),)) for i, (q, _) in enumerate(queries) if i not in covered]
        return requests + alone

    def _plan(self, key: tuple[Endpoint, str, str], queries: Sequence[tuple[str, Due]]) -> list[Grouped] | None:
        """The template's groups, planned again only when the canaries' rendered queries change."""
        rendered = tuple(q for q, _ in queries)
        held = self._plans.get(key)
        if held is None or held[0] != rendered:
            if len(self._plans) >= MAX_PLANS:
                self._plans.clear()  # templates edited or gone: bounded, planned again when due
            held = (rendered, plan(key[1], [item.model for _, item in queries]))
            self._plans[key] = held
        return held[1]

    def _observed(self, item: Due, client: Answered, at: float) -> CheckValueObserved:
        if item.problem is not None:
            sample = CheckSample(at, None, item.problem)
        elif item.recorded and item.rendered is not None:
            found = recorded_value(client, item.rendered)
            sample = CheckSample(at, found.value, found.error, found.query)
        else:
            value = evaluate(client, item.check, item.template, item.model)
            # A server may echo what it was sent: a credential never reaches state, even inside an error.
            error = redact.scrub(value.error) if value.error is not None else None
            sample = CheckSample(at, value.value, error, value.query)
        return CheckValueObserved(item.key, item.check.name, sample)

    def _send(self, requests: list[tuple[Endpoint, str]], pool: ThreadPoolExecutor | None) -> dict[Any, Any]:
        if pool is None or len(requests) <= 1:
            return {request: self._ask(*request) for request in requests}
        futures = {request: pool.submit(self._ask, *request) for request in requests}
        return {request: future.result() for request, future in futures.items()}

    def _ask(self, endpoint: Endpoint, query: str) -> Any:
        """The answer, or the exception, for one request (never raises)."""
        try:
            return self._client(endpoint).custom_query(query)
        except Exception as exc:
            self._clients.pop(endpoint, None)  # connect again next time (a new token, a restarted proxy)
            return exc

    def _client(self, endpoint: Endpoint) -> Any:
        now = self.monotonic()
        held = self._clients.get(endpoint)
        if held is None or (endpoint.secret is not None and now - held[0] > CLIENT_TTL_S):
            held = (now, self.connect(endpoint, self.api_client))
            self._clients[endpoint] = held
        return held[1]
