"""One place that knows every credential the process holds: what it masks, in which forms, and where it is fed."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.echo_proxy import EchoProxy
from tui import cli
from tui.base import redact
from tui.cluster.prometheus import PrometheusURL, parse_prometheus_option, prometheus_client, read_password

KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBd0c2VjcmV0LWtleS1ib2R5LWxpbmUtb25l\n-----END EC PRIVATE KEY-----\n"


@pytest.fixture(autouse=True)
def empty_registry() -> Iterator[None]:
    redact.forget_all()
    yield
    redact.forget_all()
    logging.setLogRecordFactory(logging.LogRecord)


def test_url_userinfo_goes_whatever_is_registered() -> None:
    assert redact.scrub("GET http://admin:pw@prom:9090/api failed") == "GET http://prom:9090/api failed"
    assert redact.scrub("https://tok@host/x and git@host:repo") == "https://host/x and git@host:repo"


def test_a_registered_token_is_masked_whole_cut_short_and_after_bearer() -> None:
    redact.register("Bearer abcdef0123456789token")
    assert redact.scrub("401 (Unauthorized: abcdef0123456789token)") == "401 (Unauthorized: ***)"
    assert redact.scrub("reason: Bearer abcdef012345"[:160]) == "reason: Bearer ***", "cut short at the end"
    assert redact.scrub("abc is fine") == "abc is fine"


def test_keys_and_basic_auth_are_masked_in_the_forms_they_travel_in() -> None:
    redact.register(KEY)
    redact.register_basic_auth("admin", "hunter2-password")
    encoded = base64.b64encode(KEY.encode()).decode()
    header = base64.b64encode(b"admin:hunter2-password").decode()
    text = f"key line MHcCAQEEIBd0c2VjcmV0LWtleS1ib2R5LWxpbmUtb25l; data {encoded}; Basic {header}; hunter2-password"
    assert redact.scrub(text) == "key line ***; data ***; Basic ***; ***"


def test_short_values_are_not_masked_in_ordinary_words() -> None:
    redact.register("pass")
    assert redact.scrub("passing checks") == "passing checks"


def test_every_log_record_is_scrubbed_with_its_arguments_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    redact.register("sekret-token-0123")
    redact.scrub_logs()
    logger = logging.getLogger("canaryscope.test")
    with caplog.at_level(logging.DEBUG):
        logger.warning("sent %s to http://u:p@h/", "sekret-token-0123")
        try:
            raise RuntimeError("header Bearer sekret-token-0123")
        except RuntimeError:
            logger.exception("failed")
    text = caplog.text
    assert "sent *** to http://h/" in text
    assert "header Bearer ***" in text
    assert "sekret-token-0123" not in text


def test_the_cli_scrubs_logs_for_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--port", "nope"]) == 2
    capsys.readouterr()
    assert logging.getLogRecordFactory() is redact._ScrubbingRecord


def test_kubeconfig_credentials_are_registered_when_connecting(tmp_path: Path) -> None:
    from tui.cluster.kubeconfig import connect

    token_file = tmp_path / "token"
    token_file.write_text("file-bearer-token-77")
    config = tmp_path / "config"
    config.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'http://127.0.0.1:9'}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
        "users:\n"
        "- {name: u, user: {token: in-use-token-0123}}\n"
        f"- {{name: f, user: {{tokenFile: '{token_file}'}}}}\n"
        "- {name: p, user: {username: admin, password: other-password-55}}\n"
    )
    connect(str(config), None)
    shown = redact.scrub("in-use-token-0123 file-bearer-token-77 other-password-55")
    assert shown == "*** *** ***"


def test_a_prometheus_url_gives_up_its_userinfo() -> None:
    url = parse_prometheus_option("http://admin:p%40ss-word-9@prom.example:9090/")
    assert isinstance(url, PrometheusURL)
    assert url == "http://prom.example:9090" and url.auth == ("admin", "p@ss-word-9")
    assert redact.scrub("p@ss-word-9") == "***"
    from_file = parse_prometheus_option("http://admin@prom:9090", password="filed-password")
    assert isinstance(from_file, PrometheusURL) and from_file.auth == ("admin", "filed-password")
    assert parse_prometheus_option("http://prom:9090", password="pw-long-enough", user="ops").auth == (
        "ops",
        "pw-long-enough",
    )


@pytest.mark.parametrize(
    ("value", "password", "message"),
    [
        ("http://prom:9090", "pw", "a password needs a user name"),
        ("svc/monitoring/prometheus:9090", "pw", "a password works only with a Prometheus URL"),
        ("ftp://admin:hidden-pw@prom", None, "got 'ftp://prom'"),
    ],
)
def test_prometheus_option_mistakes_never_echo_a_password(value: str, password: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        parse_prometheus_option(value, password=password)
    assert "hidden-pw" not in str(error.value)


def test_the_password_comes_from_a_file_or_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "password"
    path.write_text("from-the-file\nignored\n")
    assert read_password(str(path), {"CANARYSCOPE_PROMETHEUS_PASSWORD": "env"}) == "from-the-file"
    assert read_password(None, {"CANARYSCOPE_PROMETHEUS_PASSWORD": "from-env"}) == "from-env"
    assert read_password(None, {}) is None
    with pytest.raises(ValueError, match="cannot read"):
        read_password(str(tmp_path / "missing"), {})
    (tmp_path / "empty").write_text("")
    with pytest.raises(ValueError, match="is empty"):
        read_password(str(tmp_path / "empty"), {})


def test_a_missing_password_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope"
    argv = ["--prometheus", "http://admin@prom:9090", "--prometheus-password-file", str(missing), "--read-only"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"canaryscope: --prometheus-password-file: cannot read {missing}: No such file or directory\n"


def test_basic_auth_reaches_prometheus_and_the_url_it_hits_has_no_userinfo() -> None:
    proxy = EchoProxy().start()
    try:
        url = parse_prometheus_option(f"http://admin:wire-password-1@{proxy.url.removeprefix('http://')}")
        prom, describe = prometheus_client(url, api_client=None)
        with pytest.raises(Exception) as failed:
            prom.custom_query("up")
    finally:
        proxy.stop()
    assert proxy.echoed() == ["Basic " + base64.b64encode(b"admin:wire-password-1").decode()]
    assert describe == proxy.url and "wire-password-1" not in describe
    assert "wire-password-1" not in redact.scrub(str(failed.value))
