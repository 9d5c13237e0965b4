"""`python -m tui.release`: make one release from the shell and print the commit and the push result.

    python -m tui.release --git-repo . --git-file manifests/cluster/apps/examiner.yaml --echo "Go Flagger go!"
    python -m tui.release --git-repo . --git-file ... --echo "broken" --faulty 10

Mistakes end in one line on stderr and exit code 2; a rejected push exits 1 (the commit stays local).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tui.cmdline.duration import DurationError, parse_duration
from tui.cmdline.parser import EXIT_USAGE, OneLineParser, UsageError
from tui.release.errors import ReleaseError, one_line
from tui.release.git_release import DEFAULT_VALUE_PATH, release_via_git
from tui.release.values import commit_message, faulty_release, good_release

EXIT_PUSH_FAILED = 1


def _seconds(text: str) -> float:
    try:
        value = parse_duration(text)
    except DurationError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 3600 seconds, got {text}")
    return value


def _parser() -> OneLineParser:
    p = OneLineParser(prog="python -m tui.release", description="Release the Examiner by commit and push.")
    p.add_argument("--git-repo", required=True, type=Path, metavar="PATH", help="local checkout of the cluster repo")
    p.add_argument("--git-file", required=True, metavar="FILE", help="HelmRelease file, relative to the checkout")
    p.add_argument("--value-path", default=DEFAULT_VALUE_PATH, help=f"dotted path (default {DEFAULT_VALUE_PATH})")
    p.add_argument("--echo", metavar="TEXT", help="new ECHO_VALUE; sets SERVER_ERROR_RATE to 0 unless --faulty")
    p.add_argument("--faulty", metavar="RATE", help="with --echo: SERVER_ERROR_RATE of a faulty release, e.g. 10")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any other value (repeatable)")
    p.add_argument("-m", "--message", help="commit message (default: says what was released)")
    p.add_argument("--no-push", action="store_true", help="commit only")
    p.add_argument("--remote", help="push here instead of the branch's upstream remote")
    p.add_argument("--branch", help="remote branch to push to (default: the upstream's)")
    p.add_argument("--timeout", type=_seconds, default=60, help="seconds for the whole release (default 60)")
    return p


def _values(args: argparse.Namespace) -> dict[str, str]:
    if args.faulty is not None and args.echo is None:
        raise UsageError("--faulty needs --echo")
    values: dict[str, str] = {}
    if args.echo is not None:
        values.update(faulty_release(args.echo, args.faulty) if args.faulty is not None else good_release(args.echo))
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--set: expected KEY=VALUE, got {item!r}")
        values[key] = value
    if not values:
        raise UsageError("nothing to release: give --echo or --set")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        values = _values(args)
        message = args.message or commit_message(Path(args.git_file).stem, values)
        release = release_via_git(
            args.git_repo,
            args.git_file,
            values,
            value_path=args.value_path,
            message=message,
            push=not args.no_push,
            remote=args.remote,
            branch=args.branch,
            timeout_s=args.timeout,
        )
    except (UsageError, ReleaseError) as exc:
        # argparse says "argument --timeout: ..."; the option alone reads better
        print(f"release: {one_line(str(exc).removeprefix('argument '))}", file=sys.stderr)
        return EXIT_USAGE
    print(f"commit {release.commit} ({release.short}) on {release.branch}")
    print(f"subject {release.subject}")
    if release.push is None:
        print("push    not asked for")
        return 0
    print(f"push    {release.push.describe()}")
    return 0 if release.push.ok else EXIT_PUSH_FAILED


if __name__ == "__main__":
    sys.exit(main())
