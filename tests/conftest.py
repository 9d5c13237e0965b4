"""Test-wide settings: a fixed time zone and no animations, so screens are the same on every machine."""

import os
import time

os.environ["TZ"] = "UTC"
time.tzset()
os.environ["TEXTUAL_ANIMATIONS"] = "none"

# Shared fixtures: one Prometheus per session (its first scrape takes ~6 s), API stand-ins per test.
from tests.prom.fixtures import (  # noqa: E402, F401
    linkerd,
    linkerd_exporter,
    mesh,
    own_prometheus,
    prom_front,
    prometheus,
    prometheus_binary,
    prometheus_session,
)
from tests.standin.fixtures import apiserver, kubeconfig  # noqa: E402, F401


def pytest_runtest_logreport(report):  # type: ignore[no-untyped-def]
    # RELIABILITY.md also lists the outcome of tests elsewhere that check items of the reliability issue.
    from tests.reliability.report import REPORT

    REPORT.observe(report.nodeid, report.when, report.outcome)


def pytest_sessionfinish(session):  # type: ignore[no-untyped-def]
    # Measured figures vary from run to run: RELIABILITY.md is rewritten only when asked (`make reliability`),
    # so an ordinary test run leaves the checkout as it was.
    if os.environ.get("CANARYSCOPE_WRITE_RELIABILITY") == "1":
        from tests.reliability.report import REPORT

        REPORT.save()
