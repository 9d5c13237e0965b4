"""The test server answers like examiner 1.9, or the load tests would prove nothing."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from .examiner_server import ExaminerServer, parse_delay


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("200", (200, 200)),
        ("42..667", (42, 667)),
        ("100...250", (100, 250)),
        ("1.....3", (1, 3)),
        ("abc", None),
        ("5..", None),
        ("9..3", None),
        ("1.5", None),
        ("", None),
    ],
)
def test_delay_syntax(text: str, expected: tuple[int, int] | None) -> None:
    assert parse_delay(text) == expected


def test_status_param_wins_and_invalid_status_falls_back(examiner: ExaminerServer) -> None:
    examiner.server_error_rate = 100
    with httpx.Client() as client:
        assert client.get(examiner.url("/examine?status=503")).status_code == 503
        assert client.get(examiner.url("/examine/deeper?status=201")).status_code == 201
        for invalid in ("199", "999", "one"):
            assert client.get(examiner.url(f"/examine?status={invalid}")).status_code == 500
    examiner.server_error_rate = 0
    with httpx.Client() as client:
        assert client.get(examiner.url("/examine?status=999")).status_code == 200


def test_error_rate_is_a_percentage(examiner: ExaminerServer) -> None:
    examiner.server_error_rate = 30
    with httpx.Client() as client:
        statuses = [client.get(examiner.url()).status_code for _ in range(300)]
    assert set(statuses) == {200, 500}
    assert 0.2 < statuses.count(500) / 300 < 0.4


def test_echo_value_is_the_trimmed_body(examiner: ExaminerServer) -> None:
    examiner.echo_value = "  v2 \n"
    with httpx.Client() as client:
        assert client.get(examiner.url()).text == "v2"
        assert client.post(examiner.url("/anything"), content=b"{}").text == ""
        redirect = client.get(examiner.url("/"))
    assert (redirect.status_code, redirect.headers["location"]) == (301, "examine")


def test_delay_and_invalid_delay(examiner: ExaminerServer) -> None:
    examiner.request_delay = "300"
    with httpx.Client() as client:
        began = time.perf_counter()
        client.get(examiner.url("/examine?delay=150"))
        fixed = time.perf_counter() - began
        began = time.perf_counter()
        client.get(examiner.url("/examine?delay=oops"))  # invalid: no delay, not REQUEST_DELAY
        invalid = time.perf_counter() - began
        began = time.perf_counter()
        client.get(examiner.url("/examine"))  # absent: REQUEST_DELAY
        default = time.perf_counter() - began
    assert 0.15 <= fixed < 0.25
    assert invalid < 0.1
    assert 0.3 <= default < 0.4
    assert [a.delay_ms for a in examiner.arrivals()] == [150, 0, 300]


def test_counts_concurrent_requests(examiner: ExaminerServer) -> None:
    clients = [httpx.Client() for _ in range(4)]
    ready = threading.Barrier(4)

    def call(client: httpx.Client) -> None:
        ready.wait()
        client.get(examiner.url("/examine?delay=500"))
        client.close()

    threads = [threading.Thread(target=call, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert examiner.max_in_flight == 4
    deadline = time.monotonic() + 2  # the handler counts a request done just after the client has its answer
    while examiner.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    assert examiner.in_flight == 0
    assert len(examiner.arrivals()) == 4
