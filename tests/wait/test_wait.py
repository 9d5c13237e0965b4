"""`canaryscope wait` as a subprocess against the API stand-in, while the test writes what Flagger would write:
the Canary's status, the TrafficSplit, the logger pod's webhook records and Kubernetes Events."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cluster import objects
from tests.standin.apiserver import ApiServer
from tests.standin.events import EventRecorder
from tui.wait import cli as wait_cli

NEW = "7f00aa6c1"  # the new revision's pod-template hash; objects.canary() starts from 5d4f8c9b7
CANARIES = "canaries.flagger.app"


class WaitProcess:
    """`python -m tui wait ...` with its stdout lines collected as they come."""

    def __init__(self, kubeconfig: Path, *args: str) -> None:
        env = {**os.environ, "TZ": "UTC"}
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui", "wait", *args, "--kubeconfig", str(kubeconfig)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self.stderr = ""
        self._lock = threading.Lock()
        self._readers = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        self.stderr = self.process.stderr.read()

    def wait_for(self, fragment: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for line in self.lines:
                    if fragment in line:
                        return line
            if self.process.poll() is not None and not self._readers[0].is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no line with {fragment!r}; output so far:\n" + "\n".join(self.lines) + self.stderr)

    def finish(self, timeout: float = 30.0) -> int:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            raise AssertionError("wait did not exit; output:\n" + "\n".join(self.lines)) from None
        for reader in self._readers:
            reader.join(5)
        self.elapsed = time.monotonic() - self.started
        return code

    @property
    def bodies(self) -> list[str]:
        """The lines without their timestamps."""
        return [line.split(" ", 1)[1] for line in self.lines]


class Flagger:
    """Writes what Flagger writes for examiner.test: status, router weights, and each event twice (the
    logger pod's webhook record and a Kubernetes Event), as a real Flagger does."""

    def __init__(self, api: ApiServer, canary: dict[str, Any]) -> None:
        self.api = api
        self.canary = canary
        self.recorder = EventRecorder(api)
        api.put(objects.pod("logger-1"))

    def status(self, **fields: Any) -> None:
        self.api.patch_status(CANARIES, "examiner", "test", fields)

    def route(self, canary_weight: int) -> None:
        self.api.put(objects.traffic_split(primary=100 - canary_weight, canary_weight=canary_weight))

    def event(
        self, message: str, *, warning: bool = False, phase: str = "Progressing", at: float | None = None
    ) -> None:
        t_ms = int((time.time() if at is None else at) * 1000)
        kind = "Warning" if warning else "Normal"
        self.api.append_log(
            "monitoring", "logger-1", *objects.logger_lines(message, t_ms=t_ms, event_type=kind, phase=phase)
        )
        if at is None:
            self.recorder.event(self.canary, kind, message)

    def new_revision(self, wait: WaitProcess) -> None:
        self.status(phase="Progressing", canaryWeight=0, failedChecks=0, iterations=0, lastAppliedSpec=NEW)
        self.event("New revision detected! Scaling up examiner.test")
        wait.wait_for("phase Progressing weight 0/50 (router 0)")

    def advance(self, wait: WaitProcess, weight: int) -> None:
        self.route(weight)
        self.status(canaryWeight=weight)
        self.event(f"Advance examiner.test canary weight {weight}")
        wait.wait_for(f"phase Progressing weight {weight}/50 (router {weight})")

    def promote(self, wait: WaitProcess, weight: int) -> None:
        self.event("Copying examiner.test template spec to examiner-primary.test")
        self.status(phase="Promoting")
        wait.wait_for(f"phase Promoting weight {weight}/50")
        self.route(0)
        self.status(phase="Finalising", canaryWeight=0)
        wait.wait_for("phase Finalising")
        self.status(phase="Succeeded", lastPromotedSpec=NEW)
        self.event("Promotion completed! Scaling down examiner.test", phase="Succeeded")


def seed(api: ApiServer, **canary: Any) -> dict[str, Any]:
    stored = api.put(objects.canary(**canary))
    weight = canary.get("weight", 0)
    api.put(objects.traffic_split(primary=100 - weight, canary_weight=weight))
    return stored


def in_order(lines: list[str], *fragments: str) -> None:
    position = 0
    for fragment in fragments:
        found = next((i for i in range(position, len(lines)) if fragment in lines[i]), None)
        assert found is not None, f"{fragment!r} not found after line {position}:\n" + "\n".join(lines)
        position = found + 1


def test_a_new_revision_that_succeeds_exits_0(apiserver: ApiServer, kubeconfig: Path) -> None:
    flagger = Flagger(apiserver, seed(apiserver, phase="Succeeded"))
    wait = WaitProcess(kubeconfig, "test/examiner", "--timeout", "20s")
    wait.wait_for("start test/examiner phase Succeeded weight 0/50 (router 0) revision 5d4f8c9b7: waiting for a new")
    flagger.new_revision(wait)
    flagger.advance(wait, 10)
    flagger.advance(wait, 20)
    flagger.promote(wait, 20)
    assert wait.finish() == 0, wait.stderr
    body = wait.bodies
    in_order(
        body,
        "start test/examiner",
        "phase Progressing weight 0/50 (router 0)",
        "phase Progressing weight 10/50 (router 10)",
        "phase Progressing weight 20/50 (router 20)",
        "phase Promoting weight 20/50",
        "phase Finalising weight 0/50",
        "phase Succeeded weight 0/50 (router 0)",
        f"succeeded test/examiner revision {NEW} after ",
    )
    assert body[-1].startswith(f"succeeded test/examiner revision {NEW} after ")
    events = [line for line in body if line.startswith("event ")]
    # Each event reached the wait twice (logger and Events API) and is printed once.
    assert sorted(events) == sorted(
        [
            "event Normal New revision detected! Scaling up examiner.test",
            "event Normal Advance examiner.test canary weight 10",
            "event Normal Advance examiner.test canary weight 20",
            "event Normal Copying examiner.test template spec to examiner-primary.test",
            "event Normal Promotion completed! Scaling down examiner.test",
        ]
    )
    assert wait.stderr == ""
    timestamp = wait.lines[-1].split(" ", 1)[0]
    assert len(timestamp) == 20 and timestamp.endswith("Z") and timestamp[10] == "T"


def test_a_rollback_exits_1_and_names_the_failed_checks(apiserver: ApiServer, kubeconfig: Path) -> None:
    flagger = Flagger(apiserver, seed(apiserver, phase="Succeeded"))
    wait = WaitProcess(kubeconfig, "test/examiner", "--timeout", "20s")
    wait.wait_for("start test/examiner")
    flagger.new_revision(wait)
    flagger.advance(wait, 10)
    flagger.status(failedChecks=1)
    flagger.event("Halt examiner.test advancement success rate 91.60% < 99%", warning=True)
    flagger.status(failedChecks=2)
    flagger.event("Halt examiner.test advancement request duration 612ms > 500ms", warning=True)
    wait.wait_for("event Warning Halt examiner.test advancement request duration 612ms > 500ms")
    # The rollback: Flagger writes failedChecks 0 with phase Failed.
    flagger.event("Rolling back examiner.test failed checks threshold reached 2", warning=True)
    flagger.route(0)
    flagger.event("Canary failed! Scaling down examiner.test", warning=True, phase="Failed")
    flagger.status(phase="Failed", canaryWeight=0, failedChecks=0)
    assert wait.finish() == 1, wait.stderr
    assert "phase Failed weight 0/50" in "\n".join(wait.bodies)
    assert wait.bodies[-1].startswith(f"failed test/examiner revision {NEW} after ")
    assert wait.bodies[-1].endswith(
        ": 2/2 failed checks; Halt examiner.test advancement success rate 91.60% < 99% | "
        "Halt examiner.test advancement request duration 612ms > 500ms"
    )


CUSTOM_CHECKS = [
    {"name": "error-rate", "templateRef": {"name": "error-rate"}, "thresholdRange": {"max": 1}},
    {"name": "latency", "query": "histogram_quantile(0.99, rate(x[1m]))", "thresholdRange": {"min": 0.1, "max": 0.8}},
]


def test_each_halt_names_its_check_and_the_rollback_names_the_checks_with_counts(
    apiserver: ApiServer, kubeconfig: Path
) -> None:
    flagger = Flagger(apiserver, seed(apiserver, phase="Succeeded", threshold=3, metrics=CUSTOM_CHECKS))
    wait = WaitProcess(kubeconfig, "test/examiner", "--timeout", "20s")
    wait.wait_for("start test/examiner")
    flagger.new_revision(wait)
    flagger.advance(wait, 10)
    flagger.status(failedChecks=1)
    flagger.event("Halt examiner.test advancement error-rate 1.30 > 1", warning=True)
    wait.wait_for("check error-rate 1.30 > 1 (max 1), failed check 1/3")
    flagger.status(failedChecks=2)
    flagger.event("Halt examiner.test advancement latency 0.95 > 0.8", warning=True)
    wait.wait_for("check latency 0.95 > 0.8 (0.1–0.8), failed check 2/3")
    flagger.status(failedChecks=3)
    flagger.event("Halt examiner.test advancement error-rate 2.10 > 1", warning=True)
    wait.wait_for("check error-rate 2.10 > 1 (max 1), failed check 3/3")
    flagger.event("Rolling back examiner.test failed checks threshold reached 3", warning=True)
    flagger.route(0)
    flagger.event("Canary failed! Scaling down examiner.test", warning=True, phase="Failed")
    flagger.status(phase="Failed", canaryWeight=0, failedChecks=0)
    assert wait.finish() == 1, wait.stderr
    last = wait.bodies[-1]
    assert last.startswith(f"failed test/examiner revision {NEW} after "), last
    assert ", rolled back by error-rate 2, latency 1: 3/3 failed checks; " in last, last
    # Each halt is named once, although it reached the wait twice (logger and Events API).
    assert sum(1 for body in wait.bodies if body.startswith("check ")) == 3


def test_no_rollout_exits_2_after_the_timeout(apiserver: ApiServer, kubeconfig: Path) -> None:
    seed(apiserver, phase="Succeeded")
    wait = WaitProcess(kubeconfig, "test/examiner", "--timeout", "3s")
    assert wait.finish() == 2, wait.stderr
    assert wait.bodies[-1] == (
        "timeout test/examiner after 3s: no rollout started since the wait began (still Succeeded, revision "
        "5d4f8c9b7; Flagger starts one when the target's pod template changes)"
    )
    assert 3.0 <= wait.elapsed < 12.0


def test_a_rollout_still_running_at_the_timeout_exits_2(apiserver: ApiServer, kubeconfig: Path) -> None:
    seed(apiserver, phase="Progressing", weight=20, failed=1)
    wait = WaitProcess(kubeconfig, "test/examiner", "--timeout", "3s")
    assert wait.finish() == 2, wait.stderr
    assert wait.bodies[0].endswith("revision 5d4f8c9b7: following the rollout in flight")
    assert wait.bodies[-1] == (
        "timeout test/examiner after 3s: the rollout is still in phase Progressing weight 20/50 (router 20)"
    )


def test_an_earlier_succeeded_release_does_not_count(apiserver: ApiServer, kubeconfig: Path) -> None:
    flagger = Flagger(apiserver, seed(apiserver, phase="Succeeded"))
    # The logger's tail still holds the previous release's last words.
    flagger.event("Promotion completed! Scaling down examiner.test", phase="Succeeded", at=time.time() - 600)
    wait = WaitProcess(kubeconfig, "test/examiner", "--timeout", "20s")
    wait.wait_for("start test/examiner phase Succeeded")
    flagger.status(lastTransitionTime="2026-03-04T12:10:00Z")  # a status write that starts nothing
    # Watch events arrive in order: had the write ended the wait, the next release would never be printed.
    flagger.new_revision(wait)
    assert wait.process.poll() is None, "a Succeeded canary from before the wait must not end it"
    flagger.advance(wait, 10)
    flagger.promote(wait, 10)
    assert wait.finish() == 0, wait.stderr
    assert wait.bodies.count("event Normal Promotion completed! Scaling down examiner.test") == 1
    assert wait.bodies[-1].startswith(f"succeeded test/examiner revision {NEW}")


def test_a_failed_canary_resyncing_its_spec_is_not_a_failure_of_the_next(
    apiserver: ApiServer, kubeconfig: Path
) -> None:
    flagger = Flagger(apiserver, seed(apiserver, phase="Failed"))
    wait = WaitProcess(kubeconfig, "test/examiner", "--timeout", "20s")
    wait.wait_for("start test/examiner phase Failed")
    # Flagger re-syncs lastAppliedSpec while Failed before it starts analysing the new revision.
    flagger.status(lastAppliedSpec=NEW)
    flagger.new_revision(wait)  # printed only if the re-sync did not end the wait (watch events arrive in order)
    assert wait.process.poll() is None, "a Failed canary whose spec was re-synced has not failed again"
    flagger.advance(wait, 10)
    flagger.promote(wait, 10)
    assert wait.finish() == 0, wait.stderr


def test_the_rollout_in_flight_is_followed_to_the_end(apiserver: ApiServer, kubeconfig: Path) -> None:
    flagger = Flagger(apiserver, seed(apiserver, phase="Progressing", weight=40, failed=1))
    wait = WaitProcess(kubeconfig, "-n", "test", "examiner", "--timeout", "20s")
    wait.wait_for("start test/examiner phase Progressing weight 40/50 (router 40) revision 5d4f8c9b7: following")
    flagger.advance(wait, 50)
    flagger.promote(wait, 50)
    assert wait.finish() == 0, wait.stderr
    assert wait.bodies[-1].startswith("succeeded test/examiner revision 5d4f8c9b7 after ")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda api: None, "canary test/examiner not found in context standin"),
        (
            lambda api: api.uninstall_crd(CANARIES),
            "Flagger's Canary CRD (flagger.app) is not installed in context standin",
        ),
        (lambda api: api.forbid(CANARIES), "cannot list canaries.flagger.app in test"),
    ],
    ids=["missing-canary", "missing-crd", "forbidden"],
)
def test_errors_exit_3_with_one_line(apiserver: ApiServer, kubeconfig: Path, setup: Any, message: str) -> None:
    apiserver.put(objects.traffic_split())
    setup(apiserver)
    wait = WaitProcess(kubeconfig, "test/examiner", "--timeout", "20s")
    assert wait.finish() == 3
    assert wait.stderr == f"canaryscope wait: {message}\n"
    assert wait.elapsed < 10.0, "an error is reported at once, not at the timeout"


def test_a_canary_deleted_during_the_wait_exits_3(apiserver: ApiServer, kubeconfig: Path) -> None:
    seed(apiserver, phase="Succeeded")
    wait = WaitProcess(kubeconfig, "test/examiner", "--timeout", "20s")
    wait.wait_for("start test/examiner")
    apiserver.delete(CANARIES, "examiner", "test")
    assert wait.finish() == 3
    assert wait.stderr == "canaryscope wait: canary test/examiner was deleted\n"


def run_main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = wait_cli.main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: [NAMESPACE/]CANARY"),
        (["test/examiner", "--timeout", "soon"], "--timeout 'soon' is not a duration (use e.g. 30s, 4m, 1h30m)"),
        (["test/examiner", "--timeout", "0s"], "--timeout must be between 1s and 604800s, got 0s"),
        (["/b/c"], "CANARY: expected NAME, NAMESPACE/NAME or CONTEXT/NAMESPACE/NAME, got '/b/c'"),
        (["/examiner"], "CANARY: expected NAME or NAMESPACE/NAME, got '/examiner'"),
        (["apps/examiner", "-n", "test"], "CANARY 'apps/examiner' names namespace 'apps' but -n says 'test'"),
        (["test/examiner", "--logger", "logger"], "--logger: expected NAMESPACE/LABEL-SELECTOR"),
        (
            ["test/examiner", "--kubeconfig", "{tmp}/missing/kubeconfig"],
            "no kubeconfig found at {tmp}/missing/kubeconfig",
        ),
    ],
)
def test_usage_and_kubeconfig_mistakes_exit_3(argv: list[str], message: str, tmp_path: Path) -> None:
    code, out, err = run_main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert code == 3
    assert err.startswith(f"canaryscope wait: {message.replace('{tmp}', str(tmp_path))}")
    assert err.count("\n") == 1 and out == ""


def test_an_unknown_context_exits_3(kubeconfig: Path) -> None:
    code, _, err = run_main(["test/examiner", "--kubeconfig", str(kubeconfig), "--context", "prod"])
    assert code == 3
    assert err == f"canaryscope wait: context 'prod' is not in {kubeconfig} (contexts: standin)\n"


def test_wait_is_a_subcommand_of_canaryscope(capsys: pytest.CaptureFixture[str]) -> None:
    from tui import cli

    assert cli.main(["wait", "test/examiner", "--timeout", "never"]) == 3
    assert capsys.readouterr().err.startswith("canaryscope wait: --timeout 'never' is not a duration")
    assert cli.main(["wait", "--help"]) == 0
    assert "[NAMESPACE/]CANARY" in capsys.readouterr().out


def test_an_unreachable_api_server_exits_3(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.refuse_connections(None)
    wait = WaitProcess(kubeconfig, "test/examiner", "--timeout", "3s")
    assert wait.finish() == 3
    assert wait.stderr.startswith("canaryscope wait: canary test/examiner not seen within 3s (kubernetes ")
    assert "unreachable" in wait.stderr and wait.stderr.count("\n") == 1
    apiserver.resume_listening()
