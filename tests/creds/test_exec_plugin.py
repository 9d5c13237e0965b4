"""Running an exec credential plugin: what it is given, what it must answer, and the one line for each mistake."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.creds.plugin import write_plugin
from tui.base import redact
from tui.cluster.credentials import Credentials, CredentialsProblem, ExecPlugin, Issued, jwt_expiry
from tui.cluster.kubeconfig import ClusterConfigError, connect


def script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "plugin.sh"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def problem(plugin: ExecPlugin) -> str:
    with pytest.raises(CredentialsProblem) as caught:
        plugin.issue()
    return str(caught.value)


V1 = "client.authentication.k8s.io/v1"


def test_the_plugin_is_given_exec_info_without_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "seen.json"
    command = script(
        tmp_path,
        f'printf "%s" "$KUBERNETES_EXEC_INFO" > {out}\n'
        f"[ -t 0 ] && echo tty >> {out}.stdin\n"
        'echo "{\\"apiVersion\\": \\"' + V1 + '\\", \\"kind\\": \\"ExecCredential\\", '
        '\\"status\\": {\\"token\\": \\"tok-123456789\\", \\"expirationTimestamp\\": \\"2030-01-02T03:04:05Z\\"}}"\n',
    )
    plugin = ExecPlugin(
        {"apiVersion": V1, "command": command, "env": [{"name": "EXTRA", "value": "1"}], "provideClusterInfo": True},
        str(tmp_path),
        {"server": "https://example:6443"},
    )
    issued = plugin.issue()
    assert issued == Issued("tok-123456789", 1893553445.0)
    seen = json.loads(out.read_text())
    assert seen == {
        "apiVersion": V1,
        "kind": "ExecCredential",
        "spec": {"interactive": False, "cluster": {"server": "https://example:6443"}},
    }
    assert not Path(f"{out}.stdin").exists(), "stdin is not the terminal"
    assert redact.scrub("tok-123456789") == redact.MASK


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("exit 4\n", "exec plugin `plugin.sh` failed (exit status 4)"),
        ("echo 'token: secret-in-text-99'\n", "exec plugin `plugin.sh` did not print an ExecCredential"),
        (
            'echo \'{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential", "status": {}}\'\n',
            "exec plugin `plugin.sh` answered in 'client.authentication.k8s.io/v1beta1', not " + V1,
        ),
        (
            'echo \'{"apiVersion": "' + V1 + '", "kind": "ExecCredential", "status": {"clientKeyData": "k"}}\'\n',
            "exec plugin `plugin.sh` handed out no token",
        ),
    ],
)
def test_each_mistake_is_one_line_without_the_output(tmp_path: Path, body: str, expected: str) -> None:
    plugin = ExecPlugin({"apiVersion": V1, "command": script(tmp_path, body)}, str(tmp_path))
    text = problem(plugin)
    assert text == expected
    assert "secret-in-text" not in text


def test_a_missing_command_and_a_terminal_only_plugin(tmp_path: Path) -> None:
    missing = ExecPlugin({"apiVersion": V1, "command": "no-such-plugin-x1"}, str(tmp_path))
    assert problem(missing) == "exec plugin `no-such-plugin-x1`: command not found"
    interactive = ExecPlugin({"apiVersion": V1, "command": "aws", "interactiveMode": "Always"}, str(tmp_path))
    assert "needs a terminal (interactiveMode: Always)" in problem(interactive)
    old = ExecPlugin({"apiVersion": "client.authentication.k8s.io/v1alpha1", "command": "aws"}, str(tmp_path))
    assert "apiVersion 'client.authentication.k8s.io/v1alpha1' is not one of" in problem(old)


def test_a_relative_command_is_found_beside_the_kubeconfig(tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path / "bin", lifetime_s=60)
    exec_plugin = ExecPlugin({"apiVersion": V1, "command": os.path.join("bin", "get-token")}, str(tmp_path))
    assert exec_plugin.issue().token.startswith("cs.")
    assert plugin.runs() == 1


def test_an_exec_entry_without_a_command_is_a_kubeconfig_error(tmp_path: Path) -> None:
    from tests.standin.kubeconfig import write_kubeconfig

    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:9", user={"exec": {"apiVersion": V1}})
    with pytest.raises(ClusterConfigError) as caught:
        connect(str(kubeconfig), None)
    assert str(caught.value) == "context 'standin' cannot be used: the exec credential plugin names no command"


def test_a_stated_expiry_is_renewed_a_little_before_it() -> None:
    now = [1000.0]

    class Issuer:
        describe = "fake"

        def __init__(self) -> None:
            self.calls = 0

        def issue(self) -> Issued:
            self.calls += 1
            return Issued(f"token-{self.calls:08d}", now[0] + 60)

    issuer = Issuer()
    credentials = Credentials("ctx", issuer, clock=lambda: now[0])

    class Configuration:
        api_key: dict[str, str] = {}
        api_key_prefix: dict[str, str] = {}
        refresh_api_key_hook = None

    configuration = Configuration()
    credentials.install(configuration)
    credentials.refresh_hook(configuration)
    assert configuration.api_key["BearerToken"] == "token-00000001"
    now[0] += 53.9  # a tenth of the lifetime before the expiry: not yet
    credentials.refresh_hook(configuration)
    assert issuer.calls == 1
    now[0] += 0.2
    credentials.refresh_hook(configuration)
    assert issuer.calls == 2 and configuration.api_key["BearerToken"] == "token-00000002"


def test_jwt_expiry() -> None:
    import base64

    claims = base64.urlsafe_b64encode(b'{"exp": 1700000000}').decode().rstrip("=")
    assert jwt_expiry(f"h.{claims}.s") == 1700000000.0
    assert jwt_expiry("not-a-jwt") is None
    assert jwt_expiry("a.!!!.c") is None


def test_a_plugin_handing_out_a_certificate_is_left_to_the_client(tmp_path: Path) -> None:
    """Client certificates from a plugin are loaded by the client, as before: no renewal, no refusal."""
    from tests.standin.kubeconfig import write_kubeconfig
    from tui.cluster.credentials import credentials_of

    cert = "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"
    key = "-----BEGIN PRIVATE KEY-----\\nMIIEcertificate-key-NEVER-SHOW\\n-----END PRIVATE KEY-----\\n"
    answer = json.dumps(
        {"apiVersion": V1, "kind": "ExecCredential", "status": {"clientCertificateData": cert, "clientKeyData": key}}
    )
    command = script(tmp_path, f"cat <<'END'\n{answer}\nEND\n")
    kubeconfig = write_kubeconfig(
        tmp_path / "kubeconfig", "http://127.0.0.1:9", user={"exec": {"apiVersion": V1, "command": command}}
    )
    connection = connect(str(kubeconfig), None)
    assert credentials_of(connection.api_client) is None
    assert connection.api_client.configuration.key_file, "the client loaded the plugin's key"


def test_a_token_stated_as_expired_is_not_renewed_before_every_request() -> None:
    class Stale:
        describe = "stale"
        calls = 0

        def issue(self) -> Issued:
            Stale.calls += 1
            return Issued(f"stale-token-{Stale.calls:04d}", 1.0)  # 1970: expired already

    credentials = Credentials("ctx", Stale(), clock=lambda: 1000.0)
    credentials.first()

    class Configuration:
        api_key: dict[str, str] = {}
        api_key_prefix: dict[str, str] = {}
        refresh_api_key_hook = None

    configuration = Configuration()
    credentials.install(configuration)
    for _ in range(5):
        credentials.refresh_hook(configuration)
    assert Stale.calls == 1, "renewed only when the server refuses it"
    credentials.renew_refused(credentials.generation)
    assert Stale.calls == 2


def test_endless_output_is_read_within_a_bound(tmp_path: Path) -> None:
    """A plugin printing without end is not held in memory whole: it is cut, drained, and named."""
    plugin = ExecPlugin(
        {"apiVersion": V1, "command": script(tmp_path, "head -c 20000000 /dev/zero\n")}, str(tmp_path), timeout_s=20
    )
    assert problem(plugin) == "exec plugin `plugin.sh` did not print an ExecCredential"


def test_a_plugin_still_running_when_canaryscope_exits_is_ended(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.waiting import wait_until

    plugin = write_plugin(tmp_path / "plugin", mode="hang")
    program = (
        "import threading, time\n"
        "from tui.cluster.credentials import ExecPlugin\n"
        f"p = ExecPlugin({{'apiVersion': {V1!r}, 'command': {str(plugin.command)!r}}}, '.', timeout_s=600)\n"
        "threading.Thread(target=p.issue, daemon=True).start()\n"
        f"while not open({str(plugin.directory / 'runs')!r}, 'a+').tell():\n"
        "    time.sleep(0.02)\n"
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=60)
    [pid] = plugin.pids()
    wait_until(lambda: not Path(f"/proc/{pid}").exists() or "Z" in _state(pid), "the plugin ended", 10)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][:1]
    except OSError:
        return "Z"


def test_the_same_token_handed_out_again_is_not_a_renewal() -> None:
    """A refused token that the plugin hands out again is wrong, not old: nothing is sent again at once."""

    class Same:
        describe = "same"

        def issue(self) -> Issued:
            return Issued("always-the-same-token", None)

    credentials = Credentials("ctx", Same())
    credentials.first()
    assert credentials.renew_refused(credentials.generation) is False
