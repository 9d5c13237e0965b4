"""Flagger's own pod log (zap JSON lines) read as Flagger's events, beside the seed logger's webhook payloads."""

from __future__ import annotations

import json

from tui.domain.flagger.logger_stream import LoggerStreamParser, parse_lines, render_record
from tui.domain.flagger.payload import EventPayload


def zap(
    msg: str, canary: str | None = "podinfo.test", level: str = "info", ts: object = "2026-12-06T08:48:37.123Z"
) -> str:
    record: dict[str, object] = {"level": level, "ts": ts, "caller": "controller/events.go:33", "msg": msg}
    if canary is not None:
        record["canary"] = canary
    return json.dumps(record, separators=(",", ":"))


def test_flagger_json_lines_become_events() -> None:
    lines = [
        '{"level":"info","ts":"2026-12-06T08:48:30.000Z","caller":"flagger/main.go:151",'
        '"msg":"Starting flagger version 1.44.0 revision  mesh provider istio"}',
        "2026-12-06T08:48:37.123456789Z " + zap("Advance podinfo.test canary weight 20"),
        zap("Canary failed! Scaling down podinfo.test", level="error", ts="2026-12-06T08:49:00Z"),
        zap("Canary my.app.test uses HTTP service", canary="my.app.prod", ts=1796546940.5),
    ]
    payloads = parse_lines(lines)
    assert [(p.namespace, p.name, p.event_type, p.message) for p in payloads] == [
        ("test", "podinfo", "Normal", "Advance podinfo.test canary weight 20"),
        ("test", "podinfo", "Warning", "Canary failed! Scaling down podinfo.test"),
        ("prod", "my.app", "Normal", "Canary my.app.test uses HTTP service"),
    ]
    assert payloads[0].timestamp_ms == 1796546917123
    assert payloads[2].timestamp_ms == 1796546940500


def test_debug_lines_and_lines_about_no_canary_are_not_events_nor_errors() -> None:
    parser = LoggerStreamParser()
    out = [*parser.feed_line(zap("reconciling", level="debug")), *parser.feed_line(zap("leader elected", canary=None))]
    assert out == [] and parser.skipped_payloads == 0


def test_malformed_lines_are_skipped_and_counted_and_the_next_line_still_reads() -> None:
    parser = LoggerStreamParser()
    bad = [
        zap("no namespace", canary="podinfo"),
        zap("bad time", ts="yesterday"),
        zap("far future", ts=1e15),
        zap("canary not a string", canary=7),  # type: ignore[arg-type]
        '{"level":"info","ts":"2026-12-06T08:48:37Z","canary":"a.b"}',  # no msg: not zap, not a payload
        '{"level":"info","ts":"2026-12-06T08:48:37Z","msg":"cut here',  # truncated line
    ]
    out: list[EventPayload] = []
    for line in bad:
        out.extend(parser.feed_line(line))
    out.extend(parser.feed_line(zap("Initialization done! podinfo.test")))
    assert [p.message for p in out] == ["Initialization done! podinfo.test"]
    assert parser.skipped_payloads == len(bad)


def test_hostile_text_in_a_json_line_is_made_safe() -> None:
    [payload] = parse_lines([zap("Advance \x1b[2J[bold]x[/] weight 20", canary="pod\u202einfo.test")])
    assert "\x1b" not in payload.message and "\u202e" not in payload.name


def test_webhook_payloads_still_read_beside_json_lines() -> None:
    webhook = EventPayload("examiner", "apps", "Progressing", "New revision detected", "Normal", 1796546917000)
    lines = [*render_record(webhook), zap("Advance podinfo.test canary weight 20")]
    assert [p.name for p in parse_lines(lines)] == ["examiner", "podinfo"]
