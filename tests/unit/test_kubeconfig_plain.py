"""Kubeconfigs read without the client's loader give what the client's loader gives: the same contexts, the same
host, certificates, TLS settings, proxy and Authorization header, over generated documents (one or two files,
inline and relative certificates, tokens in the file or beside it, passwords, missing values). Whatever the plain
reader declines, the client reads, so only what it accepts is compared."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kubernetes import client, config

from tui.cluster import kubeconfig_plain

REPO = Path(__file__).resolve().parents[2]
PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

maybe_none = st.none() | st.just("absent")
servers = st.sampled_from(["https://api.example:6443/", "https://10.0.0.1", "http://127.0.0.1:8080", 7, None, "absent"])
blobs = st.sampled_from(["data", "file", "empty", "none", "absent", "bad-base64"])


@st.composite
def documents(draw: st.DrawFn) -> tuple[list[dict[str, Any]], str | None]:
    files = draw(st.integers(1, 2))
    docs: list[dict[str, Any]] = []
    for index in range(files):
        cluster: dict[str, Any] = {}
        server = draw(servers)
        if server != "absent":
            cluster["server"] = server
        _blob(draw, cluster, "certificate-authority")
        for key, values in (
            ("insecure-skip-tls-verify", st.sampled_from([True, False, None])),
            ("tls-server-name", st.sampled_from(["api.internal", None])),
            ("proxy-url", st.sampled_from(["http://proxy:3128", None])),
        ):
            if draw(st.booleans()):
                cluster[key] = draw(values)
        user: dict[str, Any] = {}
        kind = draw(st.sampled_from(["token", "tokenFile", "basic", "certs", "token+basic", "nothing", "exec"]))
        if "token" in kind:
            user["token" if kind != "tokenFile" else "tokenFile"] = draw(
                st.sampled_from(["s3cret", "", None])
                if kind != "tokenFile"
                else st.sampled_from(["token.txt", "missing.txt"])
            )
        if kind == "tokenFile":
            user["tokenFile"] = draw(st.sampled_from(["token.txt", "missing.txt"]))
        if "basic" in kind:
            user.update(username="admin", password=draw(st.sampled_from(["pa:ss", None])))
        if kind == "certs":
            _blob(draw, user, "client-certificate")
            _blob(draw, user, "client-key")
        if kind == "exec":
            user["exec"] = {"command": "true", "apiVersion": "client.authentication.k8s.io/v1"}
        context = {
            "cluster": draw(st.sampled_from(["c0", "c1", "nowhere"])),
            "user": draw(st.sampled_from(["u0", "u1", "nobody"])),
        }
        doc: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": f"c{index}", "cluster": cluster}],
            "users": [{"name": f"u{index}", "user": user}],
            "contexts": [{"name": f"x{index}", "context": context}, {"name": "shared", "context": context}],
        }
        if draw(st.booleans()) or index == 0:
            doc["current-context"] = draw(st.sampled_from(["x0", "shared", "x1", "absent-context"]))
        docs.append(doc)
    chosen = draw(st.sampled_from([None, "x0", "x1", "shared"]))
    return docs, chosen


def _blob(draw: st.DrawFn, body: dict[str, Any], key: str) -> None:
    match draw(blobs):
        case "data":
            body[f"{key}-data"] = base64.b64encode(PEM + key.encode()).decode()
        case "file":
            body[key] = draw(st.sampled_from(["certs/ca.pem", "missing.pem"]))
        case "empty":
            body[f"{key}-data"] = ""
        case "none":
            body[f"{key}-data"] = None
        case "bad-base64":
            body[f"{key}-data"] = "@@@"


def observed(configuration: Any) -> dict[str, Any]:
    """What a request would use: file names by their content (inline data lands in differently named files)."""

    def content(name: str | None) -> bytes | None:
        return Path(name).read_bytes() if name else None

    seen = {
        "host": configuration.host,
        "ssl_ca_cert": content(configuration.ssl_ca_cert),
        "cert_file": content(configuration.cert_file),
        "key_file": content(configuration.key_file),
        "verify_ssl": configuration.verify_ssl,
        "tls_server_name": configuration.tls_server_name,
        "proxy": configuration.proxy,
        "api_key": dict(configuration.api_key),
    }
    hook = configuration.refresh_api_key_hook
    if hook is not None:
        hook(configuration)  # as before each request: the same values again
        seen["after_hook"] = dict(configuration.api_key)
    return seen


def write(tmp: Path, docs: list[dict[str, Any]]) -> str:
    (tmp / "certs").mkdir(exist_ok=True)
    (tmp / "certs" / "ca.pem").write_bytes(PEM)
    (tmp / "token.txt").write_text("from-a-file\n")
    paths = []
    for index, doc in enumerate(docs):
        path = tmp / f"config-{index}"
        path.write_text(yaml.safe_dump(doc))
        paths.append(str(path))
    return ":".join(paths)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=documents())
def test_what_the_plain_reader_accepts_it_reads_as_the_client_does(tmp_path: Path, case: Any) -> None:
    docs, chosen = case
    config_file = write(tmp_path, docs)
    merged = kubeconfig_plain.merge(config_file, kubeconfig_plain.read_yaml)
    listed = kubeconfig_plain.contexts(merged) if merged is not None else None
    if listed is not None:
        assert listed == tuple(config.list_kube_config_contexts(config_file=config_file))
    context = chosen or (listed[1]["name"] if listed else None)
    if merged is None or context is None:
        return
    plain = client.Configuration()
    if not kubeconfig_plain.load(merged, context, plain):
        return
    reference = client.Configuration()
    config.load_kube_config(
        config_file=config_file, context=context, client_configuration=reference, persist_config=False
    )
    assert observed(plain) == observed(reference)


def test_the_plain_reader_takes_the_usual_documents(tmp_path: Path) -> None:
    """Not a comparison that declines everything: a token, a password and inline certificates are its own."""
    users = [
        {"token": "s3cret"},
        {"username": "admin", "password": "pw"},
        {"client-certificate-data": base64.b64encode(PEM).decode(), "client-key-data": base64.b64encode(PEM).decode()},
        {"tokenFile": "token.txt"},
    ]
    for index, user in enumerate(users):
        doc = {
            "clusters": [
                {"name": "c", "cluster": {"server": "https://api:6443", "certificate-authority": "certs/ca.pem"}}
            ],
            "users": [{"name": "u", "user": user}],
            "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "x",
        }
        where = tmp_path / str(index)
        where.mkdir()
        config_file = write(where, [doc])
        merged = kubeconfig_plain.merge(config_file, kubeconfig_plain.read_yaml)
        assert merged is not None and kubeconfig_plain.contexts(merged) is not None
        configuration = client.Configuration()
        assert kubeconfig_plain.load(merged, "x", configuration), user
        assert configuration.ssl_ca_cert == os.path.join(str(where), "certs", "ca.pem")


CONNECTING = """
import sys
from tui.cluster.kubeconfig import connect
connection = connect(sys.argv[1], None)
print(connection.server, connection.api_client.configuration.api_key.get("BearerToken", "").split()[0])
print(sorted(m for m in sys.modules if m.startswith(("kubernetes.config", "kubernetes.dynamic", "oauthlib"))))
"""


def test_connecting_with_a_token_leaves_the_client_s_loaders_unimported(tmp_path: Path) -> None:
    doc = {
        "clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": "s3cret"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u", "namespace": "team"}}],
        "current-context": "x",
    }
    config_file = write(tmp_path, [doc])
    done = subprocess.run(
        [sys.executable, "-c", CONNECTING, config_file], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["http://127.0.0.1:1 Bearer", "[]"]


LAZY = """
import sys
from tui.cluster import lazy_kubernetes
lazy_kubernetes.register()
from kubernetes import client
print("kubernetes.config" in sys.modules)
from kubernetes import watch
print("kubernetes.config" in sys.modules, watch.Watch.__name__)
import kubernetes
print(kubernetes.__version__ == client.__version__, "kubernetes.config" in sys.modules)
"""


def test_the_lazy_package_imports_a_submodule_when_named_and_runs_its_init_for_anything_else() -> None:
    done = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "Watch", "True", "True"]
