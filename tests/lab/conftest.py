"""Session-wide lab: real etcd, kube-apiserver, controller-manager, scheduler, kwok and Flagger on loopback, with
Prometheus, the mesh emulator, the webhook logger and the seed's apps (`canaryscope lab up`, tui.lab.lab).

One lab serves every provider: the seed's Canary says `provider: linkerd`, and other providers' canaries run
beside it in their own namespaces (tests/lab/side_by_side.py, started with the lab when a collected test asks
for `side_by_side`, so they run while the seed's rollouts do). Flagger's -mesh-provider is therefore istio:
while it names linkerd, Flagger forces its Linkerd metric queries onto every canary whatever its spec.provider
(pkg/controller/scheduler_metrics.go), and the other canaries' own builtin checks would go unread.

The first run on a machine builds the binaries from Go modules (many minutes); later runs reuse them from
${CANARYSCOPE_CACHE:-~/.cache/canaryscope}/lab.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.lab.eta import EtaRuns
from tests.lab.hooks import HookRuns
from tests.lab.side_by_side import SideBySide
from tests.lab.strategies import StrategyRuns
from tests.lab.template_checks import CheckRuns
from tui.lab import binaries, controlplane, processes
from tui.lab import lab as full_lab
from tui.lab.controlplane import LabInfo
from tui.lab.prometheus import find_prometheus


def _skip_reason() -> str | None:
    if binaries.find_go() is None:
        return "lab needs a Go toolchain (>= 1.26) to build its binaries; none found on PATH or /usr/local/go"
    if shutil.which("openssl") is None:
        return "lab needs the openssl command (Debian package openssl) to make its certificates"
    if find_prometheus() is None:
        return "lab needs Debian's prometheus binary (apt-get install prometheus, or set PROMETHEUS_BIN)"
    return None


# Pods in this namespace serve the file LOGS_FILE_NAME (in the lab dir, CRI log format) as their logs.
LOGS_NAMESPACE = "lab-logs"
LOGS_FILE_NAME = "lab-logs.cri"


def _cluster_logs(path: Path) -> dict[str, object]:
    return {
        "apiVersion": "kwok.x-k8s.io/v1alpha1",
        "kind": "ClusterLogs",
        "metadata": {"name": LOGS_NAMESPACE},
        "spec": {
            "selector": {"matchNamespaces": [LOGS_NAMESPACE]},
            "logs": [{"containers": ["app"], "logsFile": str(path), "follow": True}],
        },
    }


_CHECK_RUNS: dict[Path, CheckRuns] = {}
_SIDE_BY_SIDE: dict[Path, SideBySide] = {}
_STRATEGIES: dict[Path, StrategyRuns] = {}
_HOOK_RUNS: dict[Path, HookRuns] = {}
_ETA_RUNS: dict[Path, EtaRuns] = {}


@pytest.fixture(scope="session")
def lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabInfo]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    lab_dir = tmp_path_factory.mktemp("lab")
    logs_file = lab_dir / LOGS_FILE_NAME
    logs_file.touch()
    info = full_lab.up(
        lab_dir, kwok_config_docs=[_cluster_logs(logs_file)], seed=7, flagger_provider="istio", crd_providers=["istio"]
    )
    if any("check_runs" in getattr(item, "fixturenames", ()) for item in request.session.items):
        _CHECK_RUNS[info.lab_dir] = CheckRuns(info).start()
    if any("side_by_side" in getattr(item, "fixturenames", ()) for item in request.session.items):
        _SIDE_BY_SIDE[info.lab_dir] = SideBySide(info).start()
    if any("strategies" in getattr(item, "fixturenames", ()) for item in request.session.items):
        _STRATEGIES[info.lab_dir] = StrategyRuns(info).start()
    if any("hook_runs" in getattr(item, "fixturenames", ()) for item in request.session.items):
        _HOOK_RUNS[info.lab_dir] = HookRuns(info).start()
    if any("eta_run" in getattr(item, "fixturenames", ()) for item in request.session.items):
        _ETA_RUNS[info.lab_dir] = EtaRuns(info).start()
    try:
        yield info
    finally:
        for started in (_STRATEGIES, _HOOK_RUNS, _ETA_RUNS):
            runs = started.pop(info.lab_dir, None)
            if runs is not None:
                runs.close()
        side = _SIDE_BY_SIDE.pop(info.lab_dir, None)
        if side is not None:
            side.close()
        checks = _CHECK_RUNS.pop(info.lab_dir, None)
        if checks is not None:
            checks.close()
        controlplane.down(lab_dir)
        leftovers = [r.name for r in processes.records(lab_dir) if processes.is_alive(r)]
        assert not leftovers, f"lab processes still running after down: {leftovers}"


@pytest.fixture(scope="session")
def check_runs(lab: LabInfo) -> CheckRuns:
    """The canary with MetricTemplate checks, its faulty release running since the lab started
    (tests/lab/template_checks.py)."""
    if lab.lab_dir not in _CHECK_RUNS:
        _CHECK_RUNS[lab.lab_dir] = CheckRuns(lab).start()
    return _CHECK_RUNS[lab.lab_dir]


@pytest.fixture(scope="session")
def side_by_side(lab: LabInfo) -> SideBySide:
    """The istio and gatewayapi canaries' releases, running since the lab started (see the module docstring)."""
    if lab.lab_dir not in _SIDE_BY_SIDE:
        _SIDE_BY_SIDE[lab.lab_dir] = SideBySide(lab).start()
    return _SIDE_BY_SIDE[lab.lab_dir]


@pytest.fixture(scope="session")
def strategies(lab: LabInfo) -> StrategyRuns:
    """The A/B and blue/green canaries' releases (tests/lab/strategies.py), running since the lab started."""
    if lab.lab_dir not in _STRATEGIES:
        _STRATEGIES[lab.lab_dir] = StrategyRuns(lab).start()
    return _STRATEGIES[lab.lab_dir]


@pytest.fixture(scope="session")
def hook_runs(lab: LabInfo) -> HookRuns:
    """The hooked, gated and never-ready canaries' releases, running since the lab started (tests/lab/hooks.py)."""
    if lab.lab_dir not in _HOOK_RUNS:
        _HOOK_RUNS[lab.lab_dir] = HookRuns(lab).start()
    return _HOOK_RUNS[lab.lab_dir]


@pytest.fixture(scope="session")
def eta_run(lab: LabInfo) -> EtaRuns:
    """A good release forecast by a cluster source as the command line wires it (tests/lab/eta.py)."""
    if lab.lab_dir not in _ETA_RUNS:
        _ETA_RUNS[lab.lab_dir] = EtaRuns(lab).start()
    return _ETA_RUNS[lab.lab_dir]


@pytest.fixture(scope="session")
def lab_logs(lab: LabInfo) -> tuple[str, Path]:
    """(namespace, file): pods in that namespace serve the file (CRI log format) as their container logs."""
    return LOGS_NAMESPACE, lab.lab_dir / LOGS_FILE_NAME


@pytest.fixture(scope="session")
def kube_api(lab: LabInfo) -> object:
    """A kubernetes ApiClient authenticated as the lab admin."""
    from kubernetes import config

    return config.new_client_from_config(config_file=str(lab.kubeconfig))


@pytest.fixture
def namespace(kube_api: object) -> Iterator[str]:
    """A fresh namespace per test, deleted afterwards (the lab is shared by the whole session)."""
    from kubernetes import client

    core = client.CoreV1Api(kube_api)
    name = f"t-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": name}})
    yield name
    core.delete_namespace(name)


def _wait_for(check: Callable[[], object], timeout: float, what: str, interval: float = 0.5) -> object:
    last: list[object] = [None]

    def probe() -> bool:
        last[0] = check()
        return bool(last[0])

    if not processes.wait_until(probe, timeout, interval):
        pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}; last value: {last[0]!r}")
    return last[0]


@pytest.fixture
def wait_for() -> Callable[..., object]:
    """wait_for(check, timeout, what): poll until ``check()`` is truthy, else fail naming ``what``."""
    return _wait_for
