"""canaryscope export FILE.cast OUT.gif|OUT.mp4|OUT.svg [options]"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from functools import partial

from tui.cmdline.duration import duration_option
from tui.cmdline.parser import EXIT_USAGE, OneLineParser, UsageError, bounded_option, report
from tui.cmdline.registry import Subcommand
from tui.export import ExportError
from tui.export.palette import THEMES

# A time in the recording: seconds, or any duration (`90`, `1m30s`).
_time = partial(duration_option, expected="a number", unit="")


def _number(name: str, low: float, high: float, kind: type = float):  # type: ignore[no-untyped-def]
    # A trailing "s" is allowed on a float (`--speed 2s`), as before.
    return bounded_option(name, low, high, (lambda text: float(text.rstrip("s"))) if kind is float else kind)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="canaryscope export",
        description="Render an asciicast recording (v1, v2 or v3) to a GIF, an MP4 or an animated SVG, offline.",
    )
    parser.add_argument("cast", metavar="FILE.cast", help="the recording (canaryscope ... --record FILE.cast)")
    parser.add_argument("out", metavar="OUT", help="OUT.gif, OUT.mp4 or OUT.svg")
    parser.add_argument("--theme", choices=sorted(THEMES), help="terminal colours (default: the recording's, or dark)")
    parser.add_argument("--font-size", type=_number("--font-size", 6, 48, int), default=14, help="pixels (default 14)")
    parser.add_argument("--fps", type=_number("--fps", 1, 60), default=10.0, help="frames per second (default 10)")
    parser.add_argument("--speed", type=_number("--speed", 0.01, 1000), default=1.0, help="play faster (default 1)")
    parser.add_argument(
        "--idle-limit", type=_time("--idle-limit", 0.01, 86400), help="shorten pauses to at most S seconds"
    )
    parser.add_argument("--from", dest="start", type=_time("--from", 0, 1e9), default=0.0, help="start at T s")
    parser.add_argument("--to", dest="end", type=_time("--to", 0, 1e9), help="end at T s")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from tui.export.run import Options, export
    from tui.export.timeline import Timing

    try:
        args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.end is not None and args.end <= args.start:
            raise ExportError(f"--to ({args.end:g}) must come after --from ({args.start:g})")
        timing = Timing(fps=args.fps, speed=args.speed, idle_limit=args.idle_limit, start=args.start, end=args.end)
        export(args.cast, args.out, Options(theme=args.theme, font_size=args.font_size, timing=timing))
    except (UsageError, ExportError) as exc:
        report("canaryscope export", exc, sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return 0


COMMAND = Subcommand("export", "a recording as GIF, MP4 or SVG: export FILE.cast OUT.gif", build_parser, main)
