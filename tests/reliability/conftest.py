"""One report per session: every reliability test records what it measured; RELIABILITY.md is written at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.report import Report


@pytest.fixture(scope="session")
def report() -> Iterator[Report]:
    collected = Report()
    yield collected
    collected.save()
