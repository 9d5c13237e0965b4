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
    own_prometheus,
    prom_front,
    prometheus,
    prometheus_binary,
    prometheus_session,
)
from tests.standin.fixtures import apiserver, kubeconfig  # noqa: E402, F401
