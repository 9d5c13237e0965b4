"""Command line: `canaryscope demo` (the embedded simulation) and, later, cluster commands.

Every user mistake ends in one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tui import __version__
from tui.gc_tuning import tune_for_interactive

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


def _seconds(name: str, low: float, high: float):  # type: ignore[no-untyped-def]
    def parse(text: str) -> float:
        try:
            value = float(text.rstrip("s"))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: expected seconds, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name}: must be between {low:g} and {high:g} seconds, got {text}")
        return value

    return parse


SUBCOMMANDS = ("demo", "watch", "load")


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
    watch = commands.add_parser("watch", help="watch a real cluster (the default command)")
    watch.add_argument("canary", nargs="?", metavar="CANARY", help="open this canary (NAME or NAMESPACE/NAME)")
    watch.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    watch.add_argument("--context", help="kubeconfig context (default: the current context)")
    scope = watch.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", help="namespace (default: the context's namespace)")
    scope.add_argument("-A", "--all-namespaces", action="store_true", help="every namespace")
    watch.add_argument(
        "--prometheus",
        default="svc/monitoring/prometheus-operated:9090",
        help="Prometheus URL, or svc/NAMESPACE/NAME:PORT through the API server; 'none' to skip",
    )
    watch.add_argument(
        "--logger",
        default="monitoring/app.kubernetes.io/name=logger",
        help="NAMESPACE/LABEL-SELECTOR of the pod that logs Flagger's event webhooks; 'none' to skip",
    )
    watch.add_argument("--read-only", action="store_true", help="never change the cluster or send load")
    watch.add_argument(
        "--read-timeout",
        type=_seconds("--read-timeout", 5, 300),
        default=45.0,
        help="seconds of silence after which a watch or log stream reconnects (default 45)",
    )
    watch.add_argument(
        "--refresh",
        type=_seconds("--refresh", 1, 300),
        default=5.0,
        help="seconds between Prometheus queries (default 5)",
    )
    act = watch.add_argument_group("actions (ignored with --read-only)")
    act.add_argument("-y", "--yes", action="store_true", help="do not ask before changing the cluster or sending load")
    act.add_argument(
        "--release",
        choices=("deployment", "helmrelease", "git"),
        help="how r/R release (default: helmrelease when Flux manages the target, else deployment)",
    )
    act.add_argument(
        "--value-path",
        default="spec.values.configuration",
        help="where ECHO_VALUE lives in the HelmRelease (default spec.values.configuration)",
    )
    act.add_argument("--git-repo", help="local checkout for --release git")
    act.add_argument(
        "--git-file",
        default="manifests/cluster/apps/examiner.yaml",
        help="HelmRelease file in --git-repo (default manifests/cluster/apps/examiner.yaml)",
    )
    act.add_argument(
        "--faulty-error-rate",
        type=_percent,
        default=10,
        metavar="PERCENT",
        help="SERVER_ERROR_RATE of a faulty release (default 10)",
    )
    act.add_argument(
        "--target",
        default="http://localhost/examine",
        help="URL the load and error injection go to (default http://localhost/examine)",
    )
    act.add_argument("--loadtester", help="flagger-loadtester URL (default: through the API server, as the hooks say)")
    act.add_argument("--max-concurrency", type=int, default=10, help="cap on load workers (default 10)")
    act.add_argument("--max-rate", type=float, default=10.0, help="cap on requests/s per worker (default 10)")
    act.add_argument("--max-duration", default="1h", help="cap on a load's duration (default 1h)")
    commands.add_parser("load", help="send hey-like load: canaryscope load URL -c 5 -q 5 -z 60m", add_help=False)
    return parser


def _percent(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole percentage, got {text!r}") from None
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be between 1 and 100, got {value}")
    return value


def build_actions(args: argparse.Namespace, connection, source, state):  # type: ignore[no-untyped-def]
    """The actions for a cluster: read-only, or the real ones with confirmation unless --yes."""
    from tui.actions import ReadOnlyActions

    if args.read_only:
        return ReadOnlyActions()
    from tui.cluster.actions import ClusterActions
    from tui.cluster.release import ReleaseConfig
    from tui.load.duration import parse_duration
    from tui.load.errors import LoadError
    from tui.load.policy import LoadPolicy
    from tui.load.presets import BACKGROUND_LOAD, ERROR_INJECTION
    from tui.load.registry import LoadRegistry

    if args.release == "git" and not args.git_repo:
        raise UsageError("--release git needs --git-repo PATH (a local checkout of the GitOps repository)")
    try:
        policy = LoadPolicy.for_target(
            args.target, args.max_concurrency, args.max_rate, parse_duration(args.max_duration, "--max-duration")
        )
        policy.check_url(args.target)
    except LoadError as exc:
        raise UsageError(str(exc)) from None
    return ClusterActions(
        connection,
        state,
        served=lambda: source.served,
        release=ReleaseConfig(
            strategy=args.release,
            value_path=args.value_path,
            git_repo=args.git_repo,
            git_file=args.git_file,
            faulty_error_rate=args.faulty_error_rate,
        ),
        target_url=args.target,
        loads=LoadRegistry(policy),
        background=BACKGROUND_LOAD,
        errors=ERROR_INJECTION,
        loadtester_url=args.loadtester,
        confirm=not args.yes,
    )


def run_watch(args: argparse.Namespace) -> int:
    from tui.cluster.kubeconfig import ClusterConfigError, ClusterTarget, connect
    from tui.cluster.logger_follow import parse_logger_option
    from tui.cluster.prometheus import parse_prometheus_option
    from tui.cluster.source import ClusterOptions, ClusterSource

    try:
        prometheus = None if args.prometheus == "none" else parse_prometheus_option(args.prometheus)
        logger = None if args.logger == "none" else parse_logger_option(args.logger)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    canary, namespace = args.canary, args.namespace
    if canary and "/" in canary:
        canary_namespace, _, canary = canary.partition("/")
        if namespace and namespace != canary_namespace:
            raise UsageError(f"CANARY {args.canary!r} names namespace {canary_namespace!r} but -n says {namespace!r}")
        if args.all_namespaces:
            raise UsageError("-A watches every namespace; drop it to open one canary")
        namespace = canary_namespace
    if canary and args.all_namespaces:
        raise UsageError("a CANARY needs one namespace: give -n NAMESPACE or NAMESPACE/NAME instead of -A")
    try:
        connection = connect(args.kubeconfig, args.context)
    except ClusterConfigError as exc:
        raise UsageError(str(exc)) from None
    if not args.all_namespaces and namespace is None:
        namespace = connection.namespace
    target = ClusterTarget(args.kubeconfig, connection.context, None if args.all_namespaces else namespace, canary)
    options = ClusterOptions(
        prometheus=prometheus, logger=logger, read_timeout_s=args.read_timeout, refresh_s=args.refresh
    )
    source = ClusterSource(connection, target, options)
    from tui.app import CanaryscopeApp

    holder: list[CanaryscopeApp] = []
    actions = build_actions(args, connection, source, lambda: holder[0].state)
    app = CanaryscopeApp(source, actions, start_with_overview=canary is None)
    holder.append(app)
    tune_for_interactive()
    try:
        result = app.run()
    finally:
        source.stop()
        actions.stop()
    return result or 0


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
    tune_for_interactive()
    result = app.run()
    return result or 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Plain `canaryscope [flags] [CANARY]` watches the current context, as kubectl-style tools do.
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "watch")
    if argv[0] == "load":
        from tui.load.cli import main as load_main

        return load_main(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "demo":
            return run_demo(args)
        return run_watch(args)
    except UsageError as exc:
        print(f"canaryscope: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
