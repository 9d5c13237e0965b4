"""`canaryscope wait [[CONTEXT/]NAMESPACE/]CANARY [--timeout D]`: follow one rollout without a TUI, for pipelines.

Prints one line per phase or weight change and one per Flagger event, unbuffered, each starting with a UTC
timestamp. Exit codes: 0 the new revision succeeded, 1 it failed (was rolled back), 2 the timeout passed (also
when no rollout started), 3 an error: a missing Canary or Flagger CRD, refused access, a kubeconfig problem, or
a mistake on the command line (so that 2 always means "not finished in time").
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TextIO

from tui.base.safe_text import safe_line
from tui.cmdline.names import (
    CanaryRefError,
    parse_canary_ref,
    resolve_context,
    resolve_namespace,
    split_context_ref,
)
from tui.cmdline.parser import OneLineParser, UsageError, report
from tui.cmdline.registry import Subcommand
from tui.domain.model import CanaryKey
from tui.domain.observations import Observation
from tui.domain.reducer import reduce
from tui.domain.state import AppState
from tui.sources.mailbox import Mailbox
from tui.wait.tracker import Outcome, WaitTracker

PROG = "canaryscope wait"
DEFAULT_TIMEOUT = "30m"
MAX_TIMEOUT_S = 7 * 24 * 3600.0
# Before the canary has been seen once, only this long (at most the timeout) is spent on reaching the cluster.
CONNECT_GRACE_S = 20.0
# After the outcome, the last events (rollback reasons, "Promotion completed!") may still be on their way.
LINGER_S = 1.0
# Flagger writes the router, then the status: both arrive within a burst this long and make one line.
SETTLE_S = 0.1
DEFAULT_LOGGER = "monitoring/app.kubernetes.io/name=logger"


class WaitUsageError(UsageError):
    """A mistake on the command line or in the kubeconfig, worded as one line."""


def _parser() -> OneLineParser:
    parser = OneLineParser(
        prog=PROG,
        description="Follow one canary's rollout and exit with its outcome: 0 succeeded, 1 failed, "
        "2 timeout or no rollout started, 3 error.",
    )
    parser.add_argument(
        "canary",
        metavar="[NAMESPACE/]CANARY",
        help="the Canary to follow; CONTEXT/NAMESPACE/CANARY also names its kubeconfig context",
    )
    parser.add_argument(
        "--timeout", default=DEFAULT_TIMEOUT, help=f"give up after this long, e.g. 90s, 20m (default {DEFAULT_TIMEOUT})"
    )
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    parser.add_argument("--context", help="kubeconfig context (default: the current context)")
    parser.add_argument("-n", "--namespace", help="namespace (default: the context's namespace)")
    parser.add_argument(
        "--logger",
        default=DEFAULT_LOGGER,
        help="NAMESPACE/LABEL-SELECTOR of the pod that logs Flagger's event webhooks; 'none' for Events only",
    )
    parser.add_argument(
        "--read-timeout",
        default="45",
        help="seconds of silence after which a watch or log stream reconnects (default 45)",
    )
    return parser


def _duration(text: str, name: str, low: float, high: float) -> float:
    from tui.cmdline.duration import DurationError, parse_duration

    try:
        value = parse_duration(text)
    except DurationError:
        raise WaitUsageError(f"{name} {text!r} is not a duration (use e.g. 30s, 4m, 1h30m)") from None
    if not low <= value <= high:
        raise WaitUsageError(f"{name} must be between {low:g}s and {high:g}s, got {text}")
    return value


class _Folder:
    """Folds observations into state on this thread, telling the tracker about every step."""

    def __init__(self, on_change: Callable[[AppState], None]) -> None:
        self.state = AppState()
        self._on_change = on_change

    def apply(self, observations: list[Observation]) -> None:
        for observation in observations:
            self.state = reduce(self.state, observation)
            self._on_change(self.state)


def main(argv: Sequence[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    if any(a in ("-h", "--help") for a in argv):
        _parser().print_help(out)
        return 0
    try:
        return _run(list(argv), out, err)
    except UsageError as exc:
        return report(PROG, exc, err, int(Outcome.ERROR))
    except KeyboardInterrupt:
        return 130


def _run(argv: list[str], out: TextIO, err: TextIO) -> int:
    from tui.cluster.credentials import notice_slow_plugins
    from tui.cluster.kubeconfig import ClusterConfigError, ClusterTarget, connect, insecure_notice
    from tui.cluster.logger_follow import parse_logger_option
    from tui.cluster.source import ClusterOptions, ClusterSource

    args = _parser().parse_args(argv)
    timeout_s = _duration(args.timeout, "--timeout", 1, MAX_TIMEOUT_S)
    read_timeout_s = _duration(args.read_timeout, "--read-timeout", 5, 300)
    try:
        logger = None if args.logger == "none" else parse_logger_option(args.logger)
    except ValueError as exc:
        raise WaitUsageError(str(exc)) from None
    try:
        ref_context, ref = split_context_ref(args.canary)
        context = resolve_context(args.canary, ref_context, args.context)
        ref_namespace, name = parse_canary_ref(ref)
        namespace = resolve_namespace(args.canary, ref_namespace, args.namespace)
    except CanaryRefError as exc:
        raise WaitUsageError(str(exc)) from None
    try:
        with notice_slow_plugins(lambda line: print(f"{PROG}: {line}", file=err, flush=True)):
            connection = connect(args.kubeconfig, context)
    except ClusterConfigError as exc:
        raise WaitUsageError(str(exc)) from None
    if connection.insecure:
        print(f"{PROG}: warning: {insecure_notice(connection)}", file=err, flush=True)
    key = CanaryKey(namespace or connection.namespace, name)
    target = ClusterTarget(args.kubeconfig, connection.context, key.namespace, key.name)
    options = ClusterOptions(prometheus=None, logger=logger, read_timeout_s=read_timeout_s)

    started = time.time()
    tracker = WaitTracker(key, connection.context, started)

    def emit(lines: list[str]) -> None:
        # One line per event, always; CI runners read these logs, so nothing may pass for one of their commands.
        for line in lines:
            print(safe_line(line), file=out, flush=True)

    sink = _Folder(lambda state: emit(tracker.observe(state, time.time())))
    # The source's threads write into this mailbox; a burst wakes the loop below, which drains it.
    woke = threading.Event()
    mailbox = Mailbox(wake=woke.set)
    source = ClusterSource(connection, target, options)
    source.start(mailbox)
    try:
        _follow(mailbox, woke, sink, tracker, emit, timeout_s)
    finally:
        source.stop()
        source.join(2.0)
    verdict = tracker.verdict
    assert verdict is not None
    if verdict.outcome is Outcome.ERROR:
        print(safe_line(f"{PROG}: {verdict.detail}"), file=err, flush=True)
    else:
        emit([tracker.final_line(sink.state, time.time())])
    return int(verdict.outcome)


def _follow(
    mailbox: Mailbox,
    woke: threading.Event,
    sink: _Folder,
    tracker: WaitTracker,
    emit: Callable[[list[str]], None],
    timeout_s: float,
) -> None:
    began = time.monotonic()
    deadline = began + timeout_s
    connect_deadline = began + min(timeout_s, CONNECT_GRACE_S)
    linger_until: float | None = None
    while True:
        now = time.monotonic()
        if linger_until is None and tracker.verdict is not None:
            if tracker.verdict.outcome is Outcome.ERROR:
                return
            linger_until = now + LINGER_S
        if linger_until is not None:
            if now >= linger_until:
                return
            until = linger_until
        elif tracker.start is None:
            if now >= connect_deadline:
                tracker.timeout(sink.state, time.time(), connect_deadline - began)
                return
            until = connect_deadline
        else:
            if now >= deadline:
                tracker.timeout(sink.state, time.time(), timeout_s)
                return
            until = deadline
        if woke.wait(max(0.0, min(until - now, 1.0))):
            time.sleep(SETTLE_S)
            woke.clear()
            sink.apply(mailbox.drain())
            emit(tracker.flush(sink.state, time.time()))


COMMAND = Subcommand(
    "wait", "no TUI: follow one rollout and exit 0/1/2/3 (succeeded/failed/timeout/error)", _parser, main
)

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
