"""Text for the standalone command: one progress line per second and a summary laid out like hey's."""

from __future__ import annotations

from tui.load.duration import format_duration
from tui.load.spec import LoadSpec
from tui.load.stats import LoadSnapshot

BAR = "■"
BAR_WIDTH = 40


def banner(spec: LoadSpec, run_limit_s: float) -> str:
    ends = []
    if spec.requests is not None:
        ends.append(f"{spec.requests} requests")
    limit = format_duration(run_limit_s)
    ends.append(limit if spec.duration_s is not None else f"at most {limit}")
    return (
        f"Sending GET {spec.url} with {spec.concurrency} workers at {spec.rate_per_worker:g} req/s each "
        f"(up to {spec.max_rate:g} req/s) for {' or '.join(ends)}; Ctrl-C stops."
    )


def progress_line(snap: LoadSnapshot) -> str:
    statuses = " ".join(f"[{code}] {count}" for code, count in snap.status_counts) or "no responses"
    errors = f"  errors {snap.transport_errors}" if snap.transport_errors else ""
    return (
        f"[{snap.elapsed_s:6.1f}s] {snap.requests} requests, {snap.rps_recent:.1f}/s now, {snap.rps_overall:.1f}/s "
        f"overall, p50 {_secs(snap.recent_p50_s)} p95 {_secs(snap.recent_p95_s)} p99 {_secs(snap.recent_p99_s)}  "
        f"{statuses}{errors}"
    )


def summary(snap: LoadSnapshot) -> str:
    lines = [
        "",
        "Summary:",
        f"  Total:\t{snap.elapsed_s:.4f} secs",
        f"  Slowest:\t{_num(snap.slowest_s)} secs",
        f"  Fastest:\t{_num(snap.fastest_s)} secs",
        f"  Average:\t{_num(snap.mean_s)} secs",
        f"  Requests/sec:\t{snap.rps_overall:.4f}",
        "",
        f"  Total data:\t{snap.bytes_received} bytes",
        f"  Size/request:\t{snap.bytes_received // snap.responses if snap.responses else 0} bytes",
        "",
        "Response time histogram:",
    ]
    peak = max((count for _, count in snap.spread), default=0)
    for mark, count in snap.spread:
        bar = BAR * (count * BAR_WIDTH // peak) if peak else ""
        lines.append(f"  {mark:.3f} [{count}]\t|{bar}")
    lines += ["", "Latency distribution:"]
    for p, value in snap.percentiles_s:
        if value is not None:
            lines.append(f"  {p:g}% in {value:.4f} secs")
    lines += ["", "Status code distribution:"]
    lines += [f"  [{code}]\t{count} responses" for code, count in snap.status_counts]
    if snap.error_counts or snap.cancelled:
        lines += ["", "Error distribution:"]
        lines += [f"  [{count}]\t{kind}" for kind, count in snap.error_counts]
        if snap.cancelled:
            lines.append(f"  [{snap.cancelled}]\tin flight when stopped (not counted)")
    return "\n".join(lines) + "\n"


def _num(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.4f}"


def _secs(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.3f}s"
