"""`canaryscope watch --context a,b` / `--all-contexts`: one ClusterSource and one set of actions per context, in one
view. Every option (-n / -A, Prometheus, logger, --read-only, ...) applies to each context."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tui.base.gc_tuning import tune_for_interactive
from tui.cmdline.parser import UsageError


@dataclass(frozen=True)
class WatchSteps:
    """The steps of `watch` that tui.cli owns (which imports this module), shared by one context and several."""

    apply_lab_defaults: Callable[[argparse.Namespace], None]
    reader_options: Callable[[argparse.Namespace], tuple[Any, Any]]
    presentation_options: Callable[[argparse.Namespace], dict[str, Any]]
    build_actions: Callable[..., Any]
    open_recorder: Callable[..., Any]
    finish_recording: Callable[[Any], None]
    report_script_failure: Callable[[Any], None]


def run_fleet(args: argparse.Namespace, wanted: Sequence[str], cli: WatchSteps) -> int | str:
    """Watch the contexts; a context name (not an exit code) when `--all-contexts` finds only that one."""
    from tui.actions.fleet import FleetActions
    from tui.cluster.contexts import choose_contexts
    from tui.cluster.fleet_source import FleetSource, connect_all
    from tui.cluster.kubeconfig import ClusterConfigError, NoKubeconfig

    if args.canary:
        raise UsageError("a CANARY needs one context: give one --context, or open it from the overview")
    try:
        contexts = choose_contexts(args.kubeconfig, wanted, args.all_contexts)
    except NoKubeconfig as exc:
        raise UsageError(f"{exc}; to try canaryscope without a cluster, run `canaryscope demo`") from None
    except ClusterConfigError as exc:
        raise UsageError(str(exc)) from None
    if len(contexts) == 1:
        return contexts[0]
    cli.apply_lab_defaults(args)
    prometheus, logger = cli.reader_options(args)
    holder: list[Any] = []
    fleet_actions = FleetActions({}, read_only=args.read_only)
    build = _builder(args, prometheus, logger, holder, fleet_actions, cli.build_actions)
    # Each context connects on its own thread: one whose credential plugin hangs is named as connecting on its
    # health line while the others are on screen.
    members = connect_all(contexts, lambda c: _connect(args.kubeconfig, c), build)
    scope = "all namespaces" if args.all_namespaces else args.namespace or ""
    source = FleetSource(members, scope)
    fleet_actions.needs_confirmation = not args.yes and not args.read_only
    fleet_actions.blocking = not args.read_only
    source.begin()  # the first lists travel while the rest starts (the screen's imports and layout)
    try:
        extra = cli.presentation_options(args)
        started = time.monotonic()
        title = f"canaryscope {', '.join(contexts)}"
        recorder = cli.open_recorder(args.record, lambda: time.monotonic() - started, time.time(), title, args.theme)
        from tui.app import CanaryscopeApp

        app = CanaryscopeApp(
            source, fleet_actions, start_with_overview=True, recorder=recorder, contexts=contexts, **extra
        )
        holder.append(app)
        tune_for_interactive()
        try:
            result = app.run()
        finally:
            fleet_actions.stop()
            if recorder is not None:
                cli.finish_recording(recorder)
    finally:
        source.stop()
    cli.report_script_failure(app)
    return result or 0


def _connect(kubeconfig: str | None, context: str) -> Any:
    from tui.cluster.kubeconfig import connect

    return connect(kubeconfig, context)


def _builder(
    args: argparse.Namespace,
    prometheus: Any,
    logger: Any,
    holder: list[Any],
    fleet_actions: Any,
    build_actions: Callable[..., Any],
) -> Callable[[Any], Any]:
    """connection -> that context's ClusterSource, its actions added to the fleet's (also for a context that loads
    later, on the thread that loaded it)."""
    from tui.cluster.kubeconfig import ClusterTarget
    from tui.cluster.source import ClusterOptions, ClusterSource
    from tui.watched_source import forecasting_source

    options = ClusterOptions(
        prometheus=prometheus,
        logger=logger,
        read_timeout_s=args.read_timeout,
        refresh_s=args.refresh,
        provider=args.provider,
    )

    def build(connection: Any) -> ClusterSource:
        context = connection.context
        namespace = None if args.all_namespaces else args.namespace or connection.namespace
        target = ClusterTarget(args.kubeconfig, context, namespace, None)
        source = forecasting_source(connection, target, options, recording=bool(args.record))

        def state() -> Any:
            return holder[0].fleet.state_of(context)

        fleet_actions.add(context, build_actions(args, connection, source, state))
        return source

    return build
