"""Static checks of manifests/: YAML parses, nothing secret is committed, the Kind config and the identity script."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .render import CHART, MANIFESTS, Obj, load_all

SCRIPT = MANIFESTS / "scripts" / "linkerd-identity.sh"


def _plain_yaml_files() -> list[Path]:
    """YAML files that are YAML as committed (chart templates are Go templates, rendered by helm elsewhere)."""
    templates = CHART / "templates"
    return sorted(p for p in MANIFESTS.rglob("*.y*ml") if templates not in p.parents)


def test_every_yaml_document_parses() -> None:
    files = _plain_yaml_files()
    assert len(files) >= 15
    for path in files:
        docs = load_all(path.read_text())
        assert docs, f"{path} has no YAML document"
        for doc in docs:
            assert isinstance(doc, dict), f"{path}: a document is not a mapping"
            if path.name not in ("values.yaml", "Chart.yaml"):
                assert {"apiVersion", "kind"} <= doc.keys(), f"{path}: document without apiVersion/kind"


def test_no_certificate_or_key_is_committed() -> None:
    pem = re.compile(r"-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----")
    for path in MANIFESTS.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            # the script prints certificates it generates; it contains none itself
            assert not pem.search(text), f"{path} contains PEM material"
    for path in MANIFESTS.rglob("*.y*ml"):
        for doc in yaml.safe_load_all(path.read_text()) if CHART / "templates" not in path.parents else []:
            if isinstance(doc, dict) and doc.get("kind") == "Secret":
                pytest.fail(f"{path} commits a Secret")


def test_kind_config_has_an_ingress_ready_node_with_ports_80_and_443() -> None:
    config = yaml.safe_load((MANIFESTS / "kind" / "config.yaml").read_text())
    assert config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    assert config["kind"] == "Cluster"
    (node,) = config["nodes"]
    assert node["role"] == "control-plane"
    assert node["labels"] == {"ingress-ready": "true"}
    assert re.fullmatch(r"kindest/node:v1\.37\.\d+@sha256:[0-9a-f]{64}", node["image"])
    ports = {(m["containerPort"], m["hostPort"], m.get("protocol", "TCP")) for m in node["extraPortMappings"]}
    assert ports == {(80, 80, "TCP"), (443, 443, "TCP")}


def _openssl(*args: str, stdin: bytes | None = None) -> str:
    return subprocess.run(["openssl", *args], input=stdin, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def openssl() -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")


def test_identity_script_issues_a_linkerd_compatible_chain(openssl, identity_objects: list[Obj], tmp_path) -> None:
    kinds = [(o["kind"], o["metadata"]["name"]) for o in identity_objects]
    assert kinds == [
        ("Namespace", "linkerd"),
        ("ConfigMap", "linkerd-identity-trust-roots"),
        ("Secret", "linkerd-identity-issuer"),
    ]
    _, roots, secret = identity_objects
    assert secret["type"] == "kubernetes.io/tls"
    assert roots["metadata"]["namespace"] == secret["metadata"]["namespace"] == "linkerd"
    data = {k: base64.b64decode(v) for k, v in secret["data"].items()}
    assert data["ca.crt"].decode().strip() == roots["data"]["ca-bundle.crt"].strip()

    anchor, issuer = tmp_path / "anchor.crt", tmp_path / "issuer.crt"
    anchor.write_bytes(data["ca.crt"])
    issuer.write_bytes(data["tls.crt"])
    assert _openssl("verify", "-CAfile", str(anchor), str(issuer)).strip().endswith("OK")
    text = _openssl("x509", "-in", str(issuer), "-noout", "-text")
    assert "NIST CURVE: P-256" in text
    assert re.search(r"Basic Constraints: critical\s+CA:TRUE, pathlen:0", text)
    assert re.search(r"Key Usage: critical\s+Certificate Sign, CRL Sign", text)
    assert re.search(r"Subject: CN ?= ?identity\.linkerd\.cluster\.local", text)
    # the key in the Secret belongs to the issuer certificate
    key_pub = _openssl("pkey", "-pubout", stdin=data["tls.key"])
    cert_pub = _openssl("x509", "-pubkey", "-noout", "-in", str(issuer))
    assert key_pub == cert_pub
    # validity: the issuer for 365 days by default, well inside the anchor's 10 years
    assert _openssl("x509", "-in", str(issuer), "-noout", "-checkend", str(364 * 86400)).strip()
    with pytest.raises(subprocess.CalledProcessError):
        _openssl("x509", "-in", str(issuer), "-noout", "-checkend", str(366 * 86400))


def test_identity_script_runs_fresh_and_honours_options(openssl) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=60)

    first, second = run("--days-issuer", "2", "--trust-domain", "demo.local"), run()
    assert first.returncode == second.returncode == 0
    # new credentials every run
    assert first.stdout != second.stdout
    secret = load_all(first.stdout)[2]
    crt = base64.b64decode(secret["data"]["tls.crt"])
    text = subprocess.run(["openssl", "x509", "-noout", "-subject", "-enddate"], input=crt, capture_output=True).stdout
    assert b"identity.linkerd.demo.local" in text
    with pytest.raises(subprocess.CalledProcessError):
        subprocess.run(["openssl", "x509", "-noout", "-checkend", str(3 * 86400)], input=crt, check=True)

    bad = run("--days-issuer", "soon")
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.strip() == "linkerd-identity.sh: days must be a positive integer, not 'soon'"
    unknown = run("--frobnicate")
    assert unknown.returncode == 2
    assert len(unknown.stderr.strip().splitlines()) == 1
