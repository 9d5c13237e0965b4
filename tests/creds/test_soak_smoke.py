"""The soak script (`make soak-creds`) in a short run: its checks hold and it says so with its exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import creds_soak


def test_a_short_soak_passes(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    assert creds_soak.main(["--seconds", "16", "--lifetime", "6", "--canaries", "4", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["problems"] == []
    assert result["plugin_runs"] >= 2 and result["requests_refused_expired"] >= 1
    assert result["status_writes"] >= 60 and result["status_writes_missed"] == 0


def test_bad_arguments_exit_2() -> None:
    with pytest.raises(SystemExit) as caught:
        creds_soak.parse(["--seconds", "0"])
    assert caught.value.code == 2
