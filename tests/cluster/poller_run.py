"""A custom checks' poller driven round by round on a clock of the test's own, and Canaries to give it."""

from __future__ import annotations

import threading
from typing import Any

from tui.cluster.check_poller import CheckPoller
from tui.domain.model import CanaryInfo, CheckSample, MetricTemplateInfo
from tui.domain.observations import CheckValueObserved, Observation
from tui.kube.parse import parse_canary
from tui.sources.mailbox import Mailbox


def canary(name: str, metrics: list[dict[str, Any]], namespace: str = "test") -> CanaryInfo:
    info = parse_canary(
        {
            "metadata": {"namespace": namespace, "name": name},
            "spec": {"targetRef": {"name": name}, "analysis": {"interval": "30s", "metrics": metrics}},
        }
    )
    assert info is not None
    return info


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Run:
    """A poller driven round by round on a clock of the test's own."""

    def __init__(
        self,
        canaries: list[CanaryInfo],
        templates: list[MetricTemplateInfo],
        given: Any = None,
        api_client: Any = None,
        **kwargs: Any,
    ) -> None:
        self.clock = Clock()
        self.seen: list[Observation] = []
        self.canaries = canaries
        self.templates = {t.key: t for t in templates}
        box = Mailbox(deliver=self.seen.extend)
        self.poller = CheckPoller(
            lambda: self.canaries,
            lambda: self.templates,
            lambda: given,
            box,
            threading.Event(),
            api_client=api_client,
            monotonic=self.clock,
            clock=self.clock,
            **kwargs,
        )
        self.box = box

    def round(self) -> int:
        sent = self.poller.round()
        self.box.flush()
        return sent

    def samples(self) -> dict[tuple[str, str], CheckSample]:
        """The latest sample of each (canary, check)."""
        return {(o.key.name, o.check): o.sample for o in self.seen if isinstance(o, CheckValueObserved)}
