"""Command line: `canaryscope demo` (the embedded simulation) and, later, cluster commands.

Every user mistake ends in one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from tui import __version__
from tui.base import compiled_methods
from tui.base.gc_tuning import pause_for_start_up, resume_collector, tune_for_interactive
from tui.cmdline import registry
from tui.cmdline.duration import duration_option
from tui.cmdline.parser import OneLineParser, UsageError, report
from tui.cmdline.registry import Subcommand


def _unknown_command(word: str) -> str | None:
    """A one-line refusal when `word` looks like a misspelt subcommand rather than a canary's name."""
    from difflib import get_close_matches

    close = get_close_matches(word, registry.names(), n=1, cutoff=0.75)
    if not close or word.startswith("-"):
        return None
    return (
        f"unknown command {word!r}; did you mean `canaryscope {close[0]}`? "
        f"(to open a canary named {word}: canaryscope watch {word})"
    )


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


DEMO_HELP = "run on the embedded simulation (no cluster needed)"
WATCH_HELP = "watch a real cluster (the default command)"
DEFAULT_PROMETHEUS = "svc/monitoring/prometheus-operated:9090"
DEFAULT_TARGET = "http://localhost/examine"


def _presenting(parser: argparse.ArgumentParser) -> None:
    from tui.base.theme_names import THEMES

    group = parser.add_argument_group("presenting and recording")
    group.add_argument(
        "--theme", choices=sorted(THEMES), default="dark", help="colours (t cycles them; NO_COLOR works)"
    )
    group.add_argument("--script", help="a YAML timeline of actions to run by itself")
    group.add_argument(
        "--record", metavar="FILE.cast", help="write an asciicast v2 recording of the session (or .gif, .mp4, .svg)"
    )
    group.add_argument("--screenshot-dir", metavar="DIR", help="where ctrl+s saves SVG screenshots (default: here)")


def _presentation_options(args: argparse.Namespace) -> dict:  # type: ignore[type-arg]
    """Script, recorder and screenshot folder, each checked before the UI starts."""
    from pathlib import Path

    from tui.app.script import ScriptError, load_script

    script = None
    if args.script:
        try:
            script = load_script(args.script)
        except ScriptError as exc:
            raise UsageError(f"script {exc}") from None
    if args.record and not args.record.endswith((".cast", ".gif", ".mp4", ".svg")):
        raise UsageError(
            f"--record: the file should end in .cast (asciicast v2), .gif, .mp4 or .svg, got {args.record!r}"
        )
    screenshot_dir = Path(args.screenshot_dir) if args.screenshot_dir else None
    if screenshot_dir is not None and screenshot_dir.exists() and not screenshot_dir.is_dir():
        raise UsageError(f"--screenshot-dir: {args.screenshot_dir} is not a directory")
    return {"theme": args.theme, "script": script, "screenshot_dir": screenshot_dir}


def _open_recorder(path: str | None, clock, start_epoch: float, title: str, theme: str | None = None):  # type: ignore[no-untyped-def]
    if not path:
        return None
    from tui.app.recording import CastRecorder

    try:
        if path.endswith(".cast"):
            recorder = CastRecorder(path, clock, start_epoch=start_epoch, title=title)
        else:
            from tui.export.record import ExportingRecorder

            recorder = ExportingRecorder(path, clock, start_epoch=start_epoch, title=title, theme=theme)
        recorder.open()
    except OSError as exc:
        raise UsageError(f"--record: cannot write {path}: {exc.strerror or exc}") from None
    return recorder


def _finish_recording(recorder) -> None:  # type: ignore[no-untyped-def]
    """A .gif/.mp4/.svg recording is exported once the UI has quit."""
    recorder.close()
    if hasattr(recorder, "export"):
        from tui.export import ExportError

        try:
            recorder.export()
        except ExportError as exc:
            raise UsageError(f"--record: {exc}") from None


def build_parser() -> argparse.ArgumentParser:
    """`canaryscope` itself: --version, --help listing every registered subcommand, and the TUI's own options
    (the other subcommands parse their words themselves)."""
    parser = OneLineParser(prog="canaryscope", description="Watch and drive Flagger canary rollouts live.")
    parser.add_argument("--version", action="version", version=f"canaryscope {__version__}")
    listing = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    for command in registry.commands():
        if command.tui:
            parents = [command.build_parser()]  # its -h comes along
            listing.add_parser(
                command.name, help=command.help, description=command.help, parents=parents, add_help=False
            )
        else:
            listing.add_parser(command.name, help=command.help, add_help=False)
    return parser


def build_demo_parser() -> argparse.ArgumentParser:
    demo = OneLineParser(prog="canaryscope demo", description=DEMO_HELP)
    demo.add_argument(
        "--speed",
        type=_speed,
        default=5.0,
        help="virtual seconds per real second (default 5: a release takes about a minute)",
    )
    demo.add_argument("--seed", type=_seed, default=1, help="random seed; the same seed and keys give the same run")
    demo.add_argument(
        "--scenario",
        default=None,
        help=(
            "a scenario YAML file, or a built-in name: demo (default), seed, gated, daemonset, configmap, lab, istio, "
            "gatewayapi, ab, bluegreen, hooks, deadline, custom-metrics, overview (thirty canaries, starting on the "
            "overview); fleet: three simulated clusters as contexts of one view"
        ),
    )
    _presenting(demo)
    return demo


def build_watch_parser() -> argparse.ArgumentParser:
    watch = OneLineParser(prog="canaryscope watch", description=WATCH_HELP)
    watch.add_argument("canary", nargs="?", metavar="CANARY", help="open this canary (NAME or NAMESPACE/NAME)")
    watch.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    watch.add_argument(
        "--context",
        action="append",
        metavar="CONTEXT[,CONTEXT…]",
        help="kubeconfig context (default: the current context); several, comma-separated or repeated, in one view",
    )
    watch.add_argument("--all-contexts", action="store_true", help="every context of the kubeconfig, in one view")
    scope = watch.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", help="namespace (default: the context's namespace)")
    scope.add_argument("-A", "--all-namespaces", action="store_true", help="every namespace")
    watch.add_argument(
        "--prometheus",
        default=None,
        help="Prometheus URL, or svc/NAMESPACE/NAME:PORT through the API server; 'none' to skip (default: "
        f"Flagger's -metrics-server when its Deployment is readable, else {DEFAULT_PROMETHEUS} if it exists, or the "
        "lab's when --kubeconfig is a `canaryscope lab`'s)",
    )
    watch.add_argument(
        "--prometheus-password-file",
        metavar="FILE",
        help="Prometheus basic-auth password, the file's first line (or $CANARYSCOPE_PROMETHEUS_PASSWORD; the user "
        "from the URL, http://USER@host, or $CANARYSCOPE_PROMETHEUS_USER); keeps it out of ps and shell history",
    )
    watch.add_argument(
        "--logger",
        default=None,
        help="NAMESPACE/LABEL-SELECTOR of a pod whose log carries Flagger's events (Flagger's own, or one that logs "
        "its event webhooks); 'none' to skip (default: Flagger's pod when readable, and "
        "monitoring/app.kubernetes.io/name=logger when present)",
    )
    watch.add_argument(
        "--provider",
        type=_provider,
        default=None,
        metavar="NAME",
        help="Flagger's mesh provider, as its -mesh-provider flag (default: read from Flagger's Deployment)",
    )
    watch.add_argument("--read-only", action="store_true", help="never change the cluster or send load")
    watch.add_argument(
        "--read-timeout",
        type=duration_option("--read-timeout", 5, 300),
        default=45.0,
        help="seconds of silence after which a watch or log stream reconnects (default 45)",
    )
    watch.add_argument(
        "--refresh",
        type=duration_option("--refresh", 1, 300),
        default=5.0,
        help="seconds between Prometheus queries (default 5)",
    )
    _presenting(watch)
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
        default=None,
        help=f"URL the load and error injection go to (default {DEFAULT_TARGET}, or the lab's ingress)",
    )
    act.add_argument(
        "--loadtester",
        help="flagger-loadtester URL, or svc/NAMESPACE/NAME:PORT through the API server (default: the service the "
        "action's own hook names, through the API server, only in the canary's namespace; the lab's own with a lab's "
        "kubeconfig)",
    )
    act.add_argument("--max-concurrency", type=int, default=10, help="cap on load workers (default 10)")
    act.add_argument("--max-rate", type=float, default=10.0, help="cap on requests/s per worker (default 10)")
    act.add_argument("--max-duration", default="1h", help="cap on a load's duration (default 1h)")
    return watch


def _provider(text: str) -> str:
    from tui.domain.flagger.providers import router_family

    if not text or router_family(text).unknown:
        raise argparse.ArgumentTypeError(
            f"--provider: Flagger knows no provider {text!r}; one of: {', '.join(FLAGGER_PROVIDERS)}"
        )
    return text


# Flagger's -mesh-provider values (cmd/flagger/main.go); smi:* may carry a `:<mesh>` suffix.
FLAGGER_PROVIDERS = (
    *("apisix", "appmesh", "appmesh:v1beta2", "contour", "gatewayapi:v1", "gatewayapi:v1beta1", "gloo", "istio"),
    *("knative", "kubernetes", "kuma", "linkerd", "nginx", "osm", "skipper", "smi:v1alpha1", "smi:v1alpha2"),
    *("smi:v1alpha3", "traefik"),
)


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

    if args.loadtester:
        from tui.cluster.loadtester import parse_loadtester_option

        try:
            parse_loadtester_option(args.loadtester)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
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


def apply_lab_defaults(args: argparse.Namespace) -> None:
    """--prometheus, --target and --loadtester left out: the lab's own when --kubeconfig is a running lab's, else
    the seed's (the loadtester: the service each hook names)."""
    lab: dict[str, str] = {}
    if args.kubeconfig and (args.prometheus is None or args.target is None or args.loadtester is None):
        from tui.lab.watch_defaults import watch_defaults

        lab = watch_defaults(args.kubeconfig)
    if args.prometheus is None:
        args.prometheus = lab.get("prometheus")  # still None: looked for (Flagger's -metrics-server, the seed's)
    if args.target is None:
        args.target = lab.get("target", DEFAULT_TARGET)
    if args.loadtester is None:
        args.loadtester = lab.get("loadtester")


def run_watch(args: argparse.Namespace) -> int:
    from tui.cluster.contexts import split_contexts

    contexts = split_contexts(args.context)
    if args.all_contexts or len(contexts) > 1:
        from tui.watch_fleet import WatchSteps, run_fleet

        steps = WatchSteps(
            apply_lab_defaults,
            reader_options,
            _presentation_options,
            build_actions,
            _open_recorder,
            _finish_recording,
            _report_script_failure,
        )
        chosen = run_fleet(args, contexts, steps)
        if not isinstance(chosen, str):
            return chosen
        contexts = (chosen,)  # --all-contexts found only this one: watched as a single context
    args.context = contexts[0] if contexts else None
    return _run_one_context(args)


def reader_options(args: argparse.Namespace) -> tuple[Any, Any]:
    """--prometheus and --logger (with the Prometheus password), each checked before anything connects."""
    from tui.cluster.flagger_install import LOOK
    from tui.cluster.logger_follow import parse_logger_option
    from tui.cluster.prometheus import USER_ENV, parse_prometheus_option, read_password

    try:
        password = read_password(args.prometheus_password_file, os.environ)
        user = os.environ.get(USER_ENV) or None
        prometheus = (
            None
            if args.prometheus == "none"
            else LOOK
            if args.prometheus is None
            else parse_prometheus_option(args.prometheus, password=password, user=user)
        )
        logger = None if args.logger == "none" else LOOK if args.logger is None else parse_logger_option(args.logger)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return prometheus, logger


def _run_one_context(args: argparse.Namespace) -> int:
    from tui.cluster.credentials import notice_slow_plugins
    from tui.cluster.kubeconfig import ClusterConfigError, ClusterTarget, NoKubeconfig, connect
    from tui.cluster.source import ClusterOptions
    from tui.watched_source import forecasting_source

    apply_lab_defaults(args)
    prometheus, logger = reader_options(args)
    canary, namespace = args.canary, args.namespace
    if canary:
        from tui.cmdline.names import CanaryRefError, parse_canary_ref, resolve_namespace

        try:
            canary_namespace, canary = parse_canary_ref(args.canary)
            namespace = resolve_namespace(args.canary, canary_namespace, namespace)
        except CanaryRefError as exc:
            raise UsageError(str(exc)) from None
        if canary_namespace and args.all_namespaces:
            raise UsageError("-A watches every namespace; drop it to open one canary")
    if canary and args.all_namespaces:
        raise UsageError("a CANARY needs one namespace: give -n NAMESPACE or NAMESPACE/NAME instead of -A")
    try:
        with notice_slow_plugins(lambda line: print(f"canaryscope: {line}", file=sys.stderr, flush=True)):
            connection = connect(args.kubeconfig, args.context)
    except NoKubeconfig as exc:
        raise UsageError(f"{exc}; to try canaryscope without a cluster, run `canaryscope demo`") from None
    except ClusterConfigError as exc:
        raise UsageError(str(exc)) from None
    if not args.all_namespaces and namespace is None:
        namespace = connection.namespace
    target = ClusterTarget(args.kubeconfig, connection.context, None if args.all_namespaces else namespace, canary)
    options = ClusterOptions(
        prometheus=prometheus,
        logger=logger,
        read_timeout_s=args.read_timeout,
        refresh_s=args.refresh,
        provider=args.provider,
    )
    source = forecasting_source(connection, target, options, recording=bool(args.record))
    source.begin()  # the first lists travel while the rest starts (the screen's imports and layout)
    try:
        holder: list[CanaryscopeApp] = []
        extra = _presentation_options(args)
        actions = build_actions(args, connection, source, lambda: holder[0].state)
        import time

        started = time.monotonic()
        recorder = _open_recorder(
            args.record,
            lambda: time.monotonic() - started,
            time.time(),
            f"canaryscope {connection.context}",
            args.theme,
        )
        from tui.app import CanaryscopeApp

        app = CanaryscopeApp(source, actions, start_with_overview=canary is None, recorder=recorder, **extra)
        holder.append(app)
        tune_for_interactive()
        try:
            result = app.run()
        finally:
            actions.stop()
            if recorder is not None:
                _finish_recording(recorder)
    finally:
        source.stop()
    _report_script_failure(app)
    return result or 0


def _report_script_failure(app) -> None:  # type: ignore[no-untyped-def]
    """A script that timed out says so once more after the screen is gone (exit code 1)."""
    if app.presenter.failure is not None:
        print(f"canaryscope: script {app.presenter.failure}", file=sys.stderr)


def run_demo(args: argparse.Namespace) -> int:
    from tui.sim.fleet import FLEET_SCENARIO
    from tui.sim.scenario import ScenarioError, load_scenario

    if args.scenario == FLEET_SCENARIO and not os.path.exists(args.scenario):
        return _run_fleet_demo(args)
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        raise UsageError(f"scenario {exc}") from None
    from tui.app import CanaryscopeApp
    from tui.sim.actions import SimActions
    from tui.sim.engine import Simulation
    from tui.sim.source import SimulationSource

    extra = _presentation_options(args)
    sim = Simulation(scenario, seed=args.seed)
    start = sim.now
    # Virtual time, so the same seed and script give the same recording.
    recorder = _open_recorder(
        args.record, lambda: (sim.now - start) / args.speed, start, "canaryscope demo", args.theme
    )
    # The overview scenario starts where a cluster watched without a canary's name does: on the overview.
    overview = args.scenario == "overview"
    app = CanaryscopeApp(
        SimulationSource(sim, args.speed), SimActions(sim), start_with_overview=overview, recorder=recorder, **extra
    )
    tune_for_interactive()
    try:
        result = app.run()
    finally:
        if recorder is not None:
            _finish_recording(recorder)
    _report_script_failure(app)
    return result or 0


def _run_fleet_demo(args: argparse.Namespace) -> int:
    """Several simulated clusters, each a context of its own, through the same plumbing as --context a,b."""
    from tui.actions.fleet import FleetActions
    from tui.app import CanaryscopeApp
    from tui.sim.actions import SimActions
    from tui.sim.fleet import SimulatedFleet
    from tui.sim.source import SimulationSource

    extra = _presentation_options(args)
    fleet = SimulatedFleet(seed=args.seed)
    start = fleet.now
    recorder = _open_recorder(
        args.record, lambda: (fleet.now - start) / args.speed, start, "canaryscope demo fleet", args.theme
    )
    actions = FleetActions({c: SimActions(sim) for c, sim in fleet.sims.items()}, read_only=False)
    source = SimulationSource(fleet, args.speed)  # type: ignore[arg-type]
    app = CanaryscopeApp(source, actions, start_with_overview=True, contexts=fleet.contexts, recorder=recorder, **extra)
    tune_for_interactive()
    try:
        result = app.run()
    finally:
        if recorder is not None:
            _finish_recording(recorder)
    _report_script_failure(app)
    return result or 0


def _tui_command(
    name: str,
    help_line: str,
    build: Callable[[], argparse.ArgumentParser],
    run: Callable[[argparse.Namespace], int],
) -> Subcommand:
    """demo and watch: every mistake, in the arguments or found before the UI starts, is one line and exit 2."""

    def parse_and_run(argv: Sequence[str]) -> int:
        pause_for_start_up()
        methods = compiled_methods.install()
        try:
            return run(build().parse_args(list(argv)))
        except UsageError as exc:
            return report("canaryscope", exc, sys.stderr)
        except KeyboardInterrupt:
            return 130
        finally:
            resume_collector()
            if methods is not None:
                methods.save()
                compiled_methods.uninstall()

    return Subcommand(name, help_line, build, parse_and_run, tui=True)


DEMO = _tui_command("demo", DEMO_HELP, build_demo_parser, run_demo)
WATCH = _tui_command("watch", WATCH_HELP, build_watch_parser, run_watch)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from tui.base.redact import scrub_logs

    scrub_logs()  # whatever a library logs, no credential this process holds reaches a log
    if argv and argv[0] in ("-h", "--help", "--version"):
        build_parser().parse_args(argv)  # prints the help or the version and exits 0
        return 0
    if not argv or argv[0] not in registry.names():
        misspelt = _unknown_command(argv[0]) if argv else None
        if misspelt:
            return report("canaryscope", misspelt, sys.stderr)
        argv.insert(0, registry.DEFAULT)
    return registry.command(argv[0]).run(argv[1:])
