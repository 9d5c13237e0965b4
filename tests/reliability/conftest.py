"""One report per session: every reliability test records what it measured; tests/conftest.py writes RELIABILITY.md
when the session ends."""

from __future__ import annotations

import pytest

from tests.reliability.report import REPORT, Report


@pytest.fixture(scope="session")
def report() -> Report:
    return REPORT
