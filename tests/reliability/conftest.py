"""One report per session: every reliability test records what it measured; tests/conftest.py writes RELIABILITY.md
when the session ends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.apps import stop_started
from tests.reliability.report import REPORT, Report


@pytest.fixture(scope="session")
def report() -> Report:
    return REPORT


@pytest.fixture(autouse=True)
def _stop_cluster_sources() -> Iterator[None]:
    yield
    stop_started()
