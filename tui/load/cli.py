"""`canaryscope load URL [-c N] [-q R] [-z D] [-n N] ...`: hey's load test without installing hey.

Differences from hey, all on the side of less load: workers default to 5 (hey: 50) and are rate limited
(`-q` defaults to 5, unlimited is refused); the policy caps concurrency, rate and duration unless raised with the
--max-* flags; only the allowed host (default: the seed's `localhost`) is accepted; `-n` and `-z` may be combined
(first one reached ends the run; hey ignores -n when -z is given).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Sequence
from typing import TextIO

from tui.cmdline.parser import OneLineParser, UsageError, report
from tui.cmdline.registry import Subcommand
from tui.load.duration import parse_duration
from tui.load.errors import LoadError
from tui.load.generator import LoadGenerator
from tui.load.policy import (
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MAX_DURATION_S,
    DEFAULT_MAX_RATE_PER_WORKER,
    DEFAULT_TARGET,
    LoadPolicy,
)
from tui.load.report import banner, progress_line, summary
from tui.load.spec import LoadSpec

PROG = "canaryscope load"
DEFAULT_REQUESTS = 200  # hey's -n default, used when neither -n nor -z is given
PROGRESS_EVERY_S = 1.0
_HINT_FOR_LIMIT = {
    "max_concurrency": "raise it with --max-concurrency",
    "max_rate_per_worker": "raise it with --max-rate",
    "max_duration_s": "raise it with --max-duration",
    "allowed_host": "allow it with --allow-host",
}


def _parser() -> OneLineParser:
    p = OneLineParser(prog=PROG, description="Send GET requests with hey's semantics and print a hey-like summary.")
    p.add_argument("url", help=f"target URL, e.g. {DEFAULT_TARGET}")
    p.add_argument("-c", type=int, default=5, metavar="N", help="concurrent workers (default 5)")
    p.add_argument("-q", type=float, default=5.0, metavar="R", help="rate limit per worker in req/s (default 5)")
    p.add_argument("-z", metavar="DURATION", help="how long to send, e.g. 30s, 4m, 60m")
    p.add_argument("-n", type=int, metavar="N", help=f"total requests (default {DEFAULT_REQUESTS} without -z)")
    p.add_argument("--timeout", "-t", default="20", metavar="S", help="per-request timeout (default 20s)")
    p.add_argument("--max-concurrency", type=int, default=DEFAULT_MAX_CONCURRENCY, metavar="N")
    p.add_argument("--max-rate", type=float, default=DEFAULT_MAX_RATE_PER_WORKER, metavar="R")
    p.add_argument("--max-duration", default=f"{DEFAULT_MAX_DURATION_S:g}s", metavar="D")
    p.add_argument("--allow-host", metavar="H", help="the only host or host:port to load (default localhost)")
    return p


def _configure(argv: list[str]) -> tuple[LoadSpec, LoadPolicy]:
    args = _parser().parse_args(argv)
    duration = parse_duration(args.z, "-z") if args.z is not None else None
    requests = args.n if args.n is not None or duration is not None else DEFAULT_REQUESTS
    allowed = args.allow_host if args.allow_host is not None else LoadPolicy().allowed_host
    policy = LoadPolicy(
        allowed_host=allowed,
        max_concurrency=args.max_concurrency,
        max_rate_per_worker=args.max_rate,
        max_duration_s=parse_duration(args.max_duration, "--max-duration"),
    )
    spec = LoadSpec(
        url=args.url,
        concurrency=args.c,
        rate_per_worker=args.q,
        duration_s=duration,
        requests=requests,
        timeout_s=parse_duration(args.timeout, "--timeout"),
    )
    policy.check(spec)
    return spec, policy


def main(argv: Sequence[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    if any(a in ("-h", "--help") for a in argv):
        _parser().print_help(out)
        return 0
    try:
        spec, policy = _configure(list(argv))
    except LoadError as problem:
        hint = _HINT_FOR_LIMIT.get(problem.limit or "")
        print(f"{PROG}: {problem}" + (f" ({hint})" if hint else ""), file=err)
        return 2
    except UsageError as problem:
        return report(PROG, problem, err)

    gen = LoadGenerator(spec, policy, label="cli")
    try:
        print(banner(spec, policy.run_limit_s(spec)), file=out, flush=True)
        gen.start()
        while not gen.wait(PROGRESS_EVERY_S):
            print(progress_line(gen.snapshot(spread=False)), file=out, flush=True)
    except KeyboardInterrupt:
        print("Interrupted, stopping.", file=out, flush=True)
    finally:
        with _sigint_ignored():
            gen.stop(timeout=2.0)
            print(summary(gen.snapshot()), file=out, end="", flush=True)
    if gen.failure is not None:
        print(f"{PROG}: the run failed: {gen.failure}", file=err)
        return 1
    return 0


class _sigint_ignored:
    """A second Ctrl-C while stopping must not replace the summary with a traceback."""

    def __enter__(self) -> None:
        self._swapped = threading.current_thread() is threading.main_thread()
        if self._swapped:
            self._previous = signal.signal(signal.SIGINT, signal.SIG_IGN)

    def __exit__(self, *exc: object) -> None:
        if self._swapped:
            signal.signal(signal.SIGINT, self._previous)


COMMAND = Subcommand("load", "send hey-like load: canaryscope load URL -c 5 -q 5 -z 60m", _parser, main)

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
