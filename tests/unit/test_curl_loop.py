"""A loadtester `cmd` task written as a curl loop reads as the load it sends (tui/sim/curl_loop.py)."""

from __future__ import annotations

import pytest

from tui.sim.curl_loop import parse_task_load
from tui.sim.hey import HeyError

LAB_LOOP = (
    "for i in $(seq 120); do curl -s -o /dev/null -H 'Host: lab-hooks-load.lab' http://127.0.0.1:8080/examine; "
    "sleep 0.1; done"
)


def test_the_labs_loop_is_one_worker_at_ten_a_second_for_twelve_seconds_to_the_host() -> None:
    load = parse_task_load(LAB_LOOP)
    assert (load.concurrency, load.rate, load.duration_s) == (1, 10.0, 12.0)
    assert load.url == "http://127.0.0.1:8080/examine"
    assert load.host == "lab-hooks-load.lab"
    assert load.app_service("examiner", "Lab-Hooks-Load.lab") == "examiner"  # through the Ingress: the apex
    assert load.app_service("examiner", "localhost") is None


def test_a_host_header_naming_a_service_reaches_that_service() -> None:
    load = parse_task_load("for i in $(seq 9); do curl -H 'Host: examiner-canary.apps' http://h/; sleep 1; done")
    assert load.app_service("examiner", "localhost") == "examiner-canary"
    assert load.app_service("other", "localhost") is None


def test_without_a_host_header_the_urls_host_names_the_service() -> None:
    load = parse_task_load("for n in $(seq 30); do curl -sS http://examiner-canary.apps/examine; sleep 2; done")
    assert (load.rate, load.duration_s, load.host) == (0.5, 60.0, None)
    assert load.app_service("examiner", "localhost") == "examiner-canary"


def test_hey_commands_still_read_as_before() -> None:
    load = parse_task_load("hey -z 1m -q 5 -c 2 http://examiner-canary.apps/examine")
    assert (load.concurrency, load.rate, load.duration_s, load.host) == (2, 5.0, 60.0, None)


@pytest.mark.parametrize(
    ("cmd", "message"),
    [
        ("while true; do curl http://h/; done", "expected a hey command"),
        ("for i in 1 2 3; do curl http://h/; done", "expected a loop like 'for i in $(seq 120); do curl"),
        ("for i in $(seq 0); do curl http://h/; sleep 1; done", "seq must count between 1 and 100000, got 0"),
        ("for i in $(seq 5); do curl http://h/; sleep x; done", "sleep expects seconds, got 'x'"),
        ("for i in $(seq 5); do curl -H; sleep 1; done", "curl -H needs a value"),
        ("for i in $(seq 5); do curl ftp://h/; sleep 1; done", "curl needs exactly one http URL, got ftp://h/"),
        ("for i in $(seq 5); do curl 'http://h/; sleep 1; done", "cannot split the curl command: No closing"),
    ],
)
def test_a_loop_the_simulation_cannot_run_is_one_line(cmd: str, message: str) -> None:
    with pytest.raises(HeyError) as caught:
        parse_task_load(cmd)
    assert message in str(caught.value) and "\n" not in str(caught.value)
