"""TLS over a real socket: the stand-in behind a self-signed certificate. A verification failure names the
certificate problem (never `MaxRetryError`); insecure-skip-tls-verify is said once, not warned per request."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.reliability.report import Report
from tests.standin.apiserver import ApiServer
from tests.standin.resources import DEMO_CRDS
from tui.domain.model import Health

SECTION = "Faults survived"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tls_apiserver(tmp_path: Path) -> Iterator[ApiServer]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "server.crt", tmp_path / "server.key"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    api = ApiServer(crds=DEMO_CRDS, tls=context).start()
    api.put(objects.canary(phase="Succeeded", weight=0, failed=0))
    try:
        yield api
    finally:
        api.stop()


def test_an_untrusted_certificate_is_named(tls_apiserver: ApiServer, tmp_path: Path, report: Report) -> None:
    kubeconfig = tls_apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test")
    with Harness(kubeconfig) as h:
        h.wait_for(
            lambda s: "kubernetes" in s.health and s.health["kubernetes"].state is Health.UNREACHABLE,
            timeout=30,
            what="the TLS failure",
        )
        detail = h.state.health["kubernetes"].detail
    ok = report.outcome(
        SECTION,
        "tls-untrusted",
        "the API server's certificate is self-signed and the kubeconfig trusts no CA for it",
        "the health line names the certificate problem, not the exception",
        f"'{detail}'",
        "self-signed" in detail and "Error" not in detail,
    )
    assert ok, detail


def test_insecure_skip_tls_verify_is_said_once(tls_apiserver: ApiServer, tmp_path: Path, report: Report) -> None:
    kubeconfig = tls_apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test", insecure=True)
    done = subprocess.run(
        [sys.executable, "-m", "tui", "wait", "test/examiner", "--kubeconfig", str(kubeconfig), "--timeout", "6s",
         "--logger", "none"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "default"},
    )  # fmt: skip
    warned = [line for line in done.stderr.splitlines() if "InsecureRequestWarning" in line or "Unverified" in line]
    said = [line for line in done.stderr.splitlines() if "TLS verification is off" in line]
    ok = report.outcome(
        SECTION,
        "tls-insecure",
        "insecure-skip-tls-verify in the kubeconfig, `canaryscope wait` for 6 s",
        "one line on stderr says verification is off; no InsecureRequestWarning per request",
        f"{len(said)} line, {len(warned)} warnings; exit {done.returncode}",
        len(said) == 1 and not warned,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert ok, done.stderr
