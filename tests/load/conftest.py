from __future__ import annotations

from collections.abc import Iterator

import pytest

from tui.load.policy import LoadPolicy

from .examiner_server import ExaminerServer


@pytest.fixture
def examiner() -> Iterator[ExaminerServer]:
    with ExaminerServer(seed=7) as server:
        yield server


@pytest.fixture
def local_policy() -> LoadPolicy:
    """The default limits, with the test server's host as the configured target's host."""
    return LoadPolicy(allowed_host="127.0.0.1")
