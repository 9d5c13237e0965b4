"""Caps and URL rules: what a small cluster is protected from, and how refusals read."""

from __future__ import annotations

import pytest

from tui.load.errors import LoadError
from tui.load.generator import LoadGenerator
from tui.load.policy import LoadPolicy
from tui.load.spec import LoadSpec

OK_URL = "http://localhost/examine"


def refusal(policy: LoadPolicy, spec: LoadSpec) -> LoadError:
    with pytest.raises(LoadError) as err:
        policy.check(spec)
    text = str(err.value)
    assert text and "\n" not in text and "\r" not in text
    return err.value


def test_defaults_allow_the_seed_loads() -> None:
    policy = LoadPolicy()
    policy.check(LoadSpec(OK_URL + "?delay=100..250", concurrency=5, rate_per_worker=5, duration_s=3600))
    policy.check(LoadSpec(OK_URL + "?delay=100..500&status=500", concurrency=2, rate_per_worker=2, duration_s=240))


@pytest.mark.parametrize(
    ("spec", "words", "limit"),
    [
        (LoadSpec(OK_URL, concurrency=11), ("concurrency 11", "10"), "max_concurrency"),
        (LoadSpec(OK_URL, concurrency=50), ("concurrency 50",), "max_concurrency"),
        (LoadSpec(OK_URL, rate_per_worker=10.5), ("rate 10.5", "10"), "max_rate_per_worker"),
        (LoadSpec(OK_URL, duration_s=3601), ("duration 1h0m1s", "1h0m0s"), "max_duration_s"),
        (LoadSpec(OK_URL, concurrency=0), ("concurrency 0",), None),
        (LoadSpec(OK_URL, rate_per_worker=0), ("rate 0", "unlimited"), None),
        (LoadSpec(OK_URL, rate_per_worker=float("inf")), ("rate inf",), None),
        (LoadSpec(OK_URL, duration_s=0), ("duration 0",), None),
        (LoadSpec(OK_URL, requests=0), ("request count 0",), None),
        (LoadSpec(OK_URL, timeout_s=0), ("timeout 0",), None),
    ],
)
def test_caps_and_ranges(spec: LoadSpec, words: tuple[str, ...], limit: str | None) -> None:
    err = refusal(LoadPolicy(), spec)
    for word in words:
        assert word in str(err)
    assert err.limit == limit


def test_caps_are_raised_only_explicitly() -> None:
    raised = LoadPolicy(max_concurrency=50, max_rate_per_worker=100, max_duration_s=7200)
    raised.check(LoadSpec(OK_URL, concurrency=50, rate_per_worker=100, duration_s=7200))
    refusal(raised, LoadSpec(OK_URL, concurrency=51))


def test_even_raised_limits_have_a_ceiling() -> None:
    with pytest.raises(LoadError, match="ceiling"):
        LoadPolicy(max_concurrency=100_000)
    with pytest.raises(LoadError, match="max rate per worker"):
        LoadPolicy(max_rate_per_worker=-1)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://localhost/examine", ("scheme 'ftp'", "http and https")),
        ("file:///etc/passwd", ("scheme 'file'",)),
        ("localhost/examine", ("scheme (none)",)),
        ("ws://localhost/", ("scheme 'ws'",)),
        ("http:///examine", ("no host",)),
        ("http://localhost:99999/", ("malformed",)),
        ("http://[::1/", ("malformed",)),
        ("http://localhost/exa mine", ("whitespace",)),
        ("http://localhost/\nexamine", ("control characters",)),
        ("", ("empty",)),
        ("http://example.com/examine", ("host 'example.com'", "'localhost'")),
        ("http://localhost.evil.test/", ("host 'localhost.evil.test'",)),
        ("http://127.0.0.1/examine", ("host '127.0.0.1'",)),
        ("http://user:secret@localhost/", ("credentials",)),
        ("http://localhost@evil.test/", ("credentials",)),
    ],
)
def test_bad_urls_are_refused_with_one_line(url: str, words: tuple[str, ...]) -> None:
    err = refusal(LoadPolicy(), LoadSpec(url))
    for word in words:
        assert word in str(err)
    assert "secret" not in str(err)


def test_host_check_ignores_case_and_port_unless_one_is_configured() -> None:
    LoadPolicy().check_url("HTTPS://LocalHost:8443/examine")
    pinned = LoadPolicy(allowed_host="localhost:8080")
    pinned.check_url("http://localhost:8080/examine")
    with pytest.raises(LoadError, match="port 80 is not the allowed target port 8080"):
        pinned.check_url("http://localhost/examine")


def test_policy_for_the_configured_target() -> None:
    policy = LoadPolicy.for_target("http://127.0.0.1:8080/examine", max_concurrency=3)
    policy.check_url("http://127.0.0.1:8080/examine?delay=5")
    with pytest.raises(LoadError):
        policy.check_url("http://127.0.0.1:9090/examine")
    assert policy.max_concurrency == 3


@pytest.mark.parametrize("allowed", ["", "a/b", "host:port", "u@h"])
def test_bad_allowed_host(allowed: str) -> None:
    with pytest.raises(LoadError, match="allowed host"):
        LoadPolicy(allowed_host=allowed)


def test_generator_refuses_before_any_thread_starts() -> None:
    with pytest.raises(LoadError, match="concurrency 11"):
        LoadGenerator(LoadSpec(OK_URL, concurrency=11))


@pytest.mark.parametrize(
    ("allowed", "url"),
    [("::1", "http://[::1]/examine"), ("[::1]:8080", "http://[::1]:8080/examine"), ("[::1]", "http://[::1]:9/x")],
)
def test_ipv6_allowed_hosts(allowed: str, url: str) -> None:
    LoadPolicy(allowed_host=allowed).check_url(url)
    with pytest.raises(LoadError, match="not the allowed target host"):
        LoadPolicy(allowed_host=allowed).check_url("http://127.0.0.1/examine")
