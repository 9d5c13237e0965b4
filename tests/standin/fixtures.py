"""pytest fixtures for the API stand-in. Use them from a conftest.py with
`from tests.standin.fixtures import apiserver, kubeconfig  # noqa: F401`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.standin.apiserver import ApiServer
from tests.standin.resources import DEMO_CRDS


@pytest.fixture
def apiserver() -> Iterator[ApiServer]:
    """A started stand-in with the demo CRDs installed (Canary, TrafficSplit, HTTPRoute, HelmRelease), a 0.5 s
    bookmark interval, and a check at teardown that it never failed internally."""
    api = ApiServer(crds=DEMO_CRDS, bookmark_interval=0.5).start()
    try:
        yield api
    finally:
        api.stop()
    assert not api.internal_errors, f"the API stand-in failed internally: {api.internal_errors}"


@pytest.fixture
def kubeconfig(apiserver: ApiServer, tmp_path: Path) -> Path:
    """A kubeconfig (context `standin`, namespace `test`) for the stand-in, with the fake bearer token."""
    return apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test")
