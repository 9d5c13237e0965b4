"""`canaryscope lab up --provider nginx` as a user runs it: a lab of its own whose Flagger drives the seed's Canary
through NGINX (the one provider the session's shared lab does not run): Flagger's canary Ingress exists, the
ingress answers through it, and `lab down` stops everything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.lab.conftest import _skip_reason
from tui.lab import lab as full_lab
from tui.lab import processes

pytestmark = pytest.mark.lab


def canaryscope(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_lab_up_with_the_nginx_provider(tmp_path: Path) -> None:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    lab_dir = tmp_path / "lab"
    try:
        up = canaryscope("lab", "up", "--provider", "nginx", "--dir", str(lab_dir), timeout=600)
        assert up.returncode == 0, up.stderr[-2000:]
        info = json.loads((lab_dir / "lab.json").read_text())
        assert info["extras"][full_lab.PROVIDER] == "nginx"
        assert "mesh provider nginx" in (lab_dir / "logs" / "flagger.log").read_text()  # Flagger's start-up line
        from kubernetes import client, config

        api = config.new_client_from_config(config_file=info["kubeconfig"])
        canary_ingress = client.NetworkingV1Api(api).read_namespaced_ingress("echo-canary", "apps")
        annotations = canary_ingress.metadata.annotations or {}
        assert annotations.get("nginx.ingress.kubernetes.io/canary") == "true"
        assert annotations.get("nginx.ingress.kubernetes.io/canary-weight") == "0"
        answer = httpx.get(info["extras"][full_lab.INGRESS], timeout=10)
        assert answer.status_code == 200
        status = canaryscope("lab", "status", "--dir", str(lab_dir), timeout=60)
        assert status.returncode == 0 and "nginx" in status.stdout
        # Asking the running lab for another provider is refused in one line, and leaves it running.
        again = canaryscope("lab", "up", "--provider", "istio", "--dir", str(lab_dir), timeout=60)
        assert again.returncode == 1 and again.stderr.count("\n") == 1, again.stderr
        assert "a lab with provider nginx is already running" in again.stderr
        assert canaryscope("lab", "status", "--dir", str(lab_dir), timeout=60).returncode == 0
    finally:
        down = canaryscope("lab", "down", "--dir", str(lab_dir), timeout=120)
        assert down.returncode == 0
        assert not [r.name for r in processes.records(lab_dir) if processes.is_alive(r)]
