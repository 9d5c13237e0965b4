"""Command line: `canaryscope demo` (the embedded simulation) and, later, cluster commands.

Every user mistake ends in one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tui import __version__

EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake in what the user asked for, worded as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage and a multi-line text by default
        raise UsageError(message)


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--speed: expected a number, got {text!r}") from None
    if not 0 < value <= 1000:
        raise argparse.ArgumentTypeError(f"--speed: must be above 0 and at most 1000, got {text}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed: expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--seed: must not be negative, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="canaryscope", description="Watch and drive Flagger canary rollouts live.")
    parser.add_argument("--version", action="version", version=f"canaryscope {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    demo = commands.add_parser("demo", help="run on the embedded simulation (no cluster needed)")
    demo.add_argument(
        "--speed",
        type=_speed,
        default=5.0,
        help="virtual seconds per real second (default 5: a release takes about a minute)",
    )
    demo.add_argument("--seed", type=_seed, default=1, help="random seed; the same seed and keys give the same run")
    demo.add_argument(
        "--scenario", default=None, help="a scenario YAML file, or a built-in name: demo (default), seed, gated"
    )
    return parser


def run_demo(args: argparse.Namespace) -> int:
    from tui.sim.scenario import ScenarioError, load_scenario

    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        raise UsageError(f"scenario {exc}") from None
    from tui.app import CanaryscopeApp
    from tui.sim.actions import SimActions
    from tui.sim.engine import Simulation
    from tui.sources import SimulationSource

    sim = Simulation(scenario, seed=args.seed)
    app = CanaryscopeApp(SimulationSource(sim, args.speed), SimActions(sim))
    result = app.run()
    return result or 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "demo":
            return run_demo(args)
        parser.print_help()
        return 0
    except UsageError as exc:
        print(f"canaryscope: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
