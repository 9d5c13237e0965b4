"""The DaemonSets watch: a canary may target a DaemonSet, and Flagger runs its `-primary` DaemonSet beside it."""

from __future__ import annotations

import functools
from typing import Any

from tui.cluster.api_paths import PathCall
from tui.cluster.watch_loop import WatchSpec


def daemonsets_spec(call: PathCall, ns_text: str, listed: Any, changed: Any) -> tuple[WatchSpec, Any, Any]:
    """DaemonSets in scope, listed and watched like Deployments (into the same workloads the panel shows)."""
    return (
        WatchSpec("daemonsets", f"daemonsets.apps {ns_text}", "apps/v1 daemonsets are not served", call),
        functools.partial(listed, "DaemonSet"),
        functools.partial(changed, "DaemonSet"),
    )
