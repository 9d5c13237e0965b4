"""`canaryscope load`: hey-like output, exit codes, Ctrl-C, one-line errors; against the real test server."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tui.load.cli import main

from .examiner_server import ExaminerServer

ROOT = Path(__file__).resolve().parents[2]
PROGRESS = re.compile(r"^\[\s*\d+\.\ds\] \d+ requests, [\d.]+/s now, [\d.]+/s overall, p50 ")


def cli(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tui.load.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: a shell that starts jobs in the background without job control leaves SIGINT ignored,
        # and a child inherits that, so Ctrl-C would never reach it.
        preexec_fn=_interruptible,
    )


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def summary_number(text: str, label: str) -> float:
    match = re.search(rf"^  {re.escape(label)}:\t([\d.]+)", text, re.MULTILINE)
    assert match, f"no {label} in summary"
    return float(match.group(1))


def test_run_prints_progress_and_a_hey_like_summary(examiner: ExaminerServer) -> None:
    proc = cli(examiner.url("/examine?delay=50"), "-c", "2", "-q", "5", "-z", "2.5s", "--allow-host", "127.0.0.1")
    out, err = proc.communicate(timeout=20)
    assert (proc.returncode, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("Sending GET http://127.0.0.1:")
    assert sum(1 for line in lines if PROGRESS.match(line)) >= 2
    for heading in ("Summary:", "Response time histogram:", "Latency distribution:", "Status code distribution:"):
        assert heading in lines
    served = len(examiner.arrivals())
    assert f"  [200]\t{served} responses" in lines
    total = summary_number(out, "Total")
    assert abs(total - 2.5) <= 0.25
    # 2 workers x 5/s at most; the generator's own accuracy is measured in test_generator.
    assert summary_number(out, "Requests/sec") == pytest.approx(served / total, rel=0.01)
    assert served <= 2 * 5 * 2.5
    assert 0.05 <= summary_number(out, "Fastest") <= summary_number(out, "Average") <= summary_number(out, "Slowest")
    p50 = re.search(r"^  50% in ([\d.]+) secs$", out, re.MULTILINE)
    assert p50 and 0.05 <= float(p50.group(1)) < 0.08
    assert "Error distribution:" not in out


def test_request_count_and_status_in_process(examiner: ExaminerServer) -> None:
    code, out, err = run_main(
        examiner.url("/examine?status=500"), "-n", "7", "-c", "2", "-q", "10", "--allow-host", "127.0.0.1"
    )
    assert (code, err) == (0, "")
    assert "  [500]\t7 responses" in out.splitlines()
    assert len(examiner.arrivals()) == 7


def test_ctrl_c_stops_cleanly_and_still_summarises(examiner: ExaminerServer) -> None:
    proc = cli(examiner.url(), "-c", "3", "-q", "5", "-z", "60s", "--allow-host", "127.0.0.1")
    assert proc.stdout is not None
    seen: list[str] = []
    for line in proc.stdout:
        seen.append(line)
        if PROGRESS.match(line):
            break
    proc.send_signal(signal.SIGINT)
    # Generous bounds: a busy machine may be slow to stop, but a run that ignored Ctrl-C would take its full 60 s.
    rest, err = proc.communicate(timeout=30)
    out = "".join(seen) + rest
    assert proc.returncode == 0
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "Interrupted, stopping." in out and "Summary:" in out
    answered = re.search(r"^  \[200\]\t(\d+) responses$", out, re.MULTILINE)
    assert answered and 0 < int(answered.group(1)) <= len(examiner.arrivals())
    assert summary_number(out, "Total") < 30


def test_connection_refused_shows_in_the_error_distribution() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, _ = run_main(f"http://127.0.0.1:{port}/", "-n", "4", "-c", "2", "-q", "10", "--allow-host", "127.0.0.1")
    assert code == 0
    assert "Error distribution:" in out and "  [4]\tconnection refused" in out.splitlines()


def test_limits_can_be_raised_explicitly(examiner: ExaminerServer) -> None:
    url = examiner.url("/examine?delay=100")
    code, _, err = run_main(url, "-c", "12", "-q", "20", "-n", "24", "--allow-host", "127.0.0.1")
    assert code == 2 and "--max-concurrency" in err
    assert examiner.arrivals() == []
    code, _, err = run_main(
        url,
        "-c",
        "12",
        "-q",
        "20",
        "-n",
        "24",
        "--allow-host",
        "127.0.0.1",
        "--max-concurrency",
        "12",
        "--max-rate",
        "20",
    )
    assert (code, err) == (0, "")
    assert len(examiner.arrivals()) == 24 and examiner.max_in_flight <= 12


SEED_URL = "http://localhost/examine"


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["ftp://localhost/examine"], ["URL scheme 'ftp' is not allowed"]),
        (["localhost/examine"], ["URL scheme (none)"]),
        (["http://example.com/examine"], ["host 'example.com'", "--allow-host"]),
        (["http://localhost:notaport/"], ["malformed"]),
        ([SEED_URL, "-c", "50"], ["concurrency 50 is above the limit of 10", "--max-concurrency"]),
        ([SEED_URL, "-q", "0"], ["unlimited is not allowed"]),
        ([SEED_URL, "-q", "11"], ["rate 11 req/s per worker", "--max-rate"]),
        ([SEED_URL, "-z", "2h"], ["duration 2h0m0s is above the limit of 1h0m0s", "--max-duration"]),
        ([SEED_URL, "-z", "soon"], ["-z 'soon' is not a duration"]),
        ([SEED_URL, "-n", "0"], ["request count 0"]),
        ([SEED_URL, "-c", "x"], ["argument -c: invalid int value: 'x'"]),
        ([SEED_URL, "--timeout", "0"], ["timeout 0"]),
        ([SEED_URL, "--max-concurrency", "0"], ["max concurrency 0"]),
        ([SEED_URL, "--allow-host", "a/b"], ["allowed host 'a/b'"]),
        ([SEED_URL, "--bogus"], ["unrecognized arguments: --bogus"]),
        ([], ["the following arguments are required: url"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], fragments: list[str]) -> None:
    code, out, err = run_main(*args)
    assert code == 2 and out == ""
    assert err.endswith("\n") and err.count("\n") == 1
    assert err.startswith("canaryscope load: ")
    for fragment in fragments:
        assert fragment in err


def test_bad_input_in_a_real_process_has_no_traceback() -> None:
    proc = cli("file:///etc/passwd", "-c", "3")
    out, err = proc.communicate(timeout=20)
    assert (proc.returncode, out) == (2, "")
    assert err.splitlines() == [
        "canaryscope load: URL scheme 'file' is not allowed, only http and https: 'file:///etc/passwd'"
    ]


def test_help_exits_0() -> None:
    code, out, err = run_main("--help")
    assert code == 0 and "usage: canaryscope load" in out and err == ""
