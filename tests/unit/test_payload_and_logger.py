"""Webhook payloads encoded as Go does, and payloads recovered from the logger pod's real output."""

from __future__ import annotations

import json

import pytest

from tui.domain.flagger.logger_stream import LoggerStreamParser, parse_lines, render_record
from tui.domain.flagger.payload import EventPayload, PayloadError, decode, encode

PAYLOAD = EventPayload(
    name="examiner",
    namespace="apps",
    phase="Progressing",
    message="Halt examiner.apps advancement success rate 91.60% < 99%",
    event_type="Warning",
    timestamp_ms=1655464191265,
    checksum="85d557f47b",
)


def test_encode_matches_go_key_order_and_escapes() -> None:
    assert encode(PAYLOAD) == (
        '{"name":"examiner","namespace":"apps","phase":"Progressing","checksum":"85d557f47b","metadata":'
        '{"eventMessage":"Halt examiner.apps advancement success rate 91.60% \\u003c 99%","eventType":"Warning",'
        '"timestamp":"1655464191265"}}'
    )
    assert decode(json.loads(encode(PAYLOAD))) == PAYLOAD


def test_decode_accepts_payloads_without_checksum() -> None:
    # The seed README's sample, recorded with Flagger 1.2x.
    line = (
        '{"name":"examiner","namespace":"apps","phase":"Initializing","metadata":{"eventMessage":'
        '"Initialization done! examiner.apps","eventType":"Normal","timestamp":"1655463741340"}}'
    )
    payload = decode(json.loads(line))
    assert payload.checksum is None
    assert payload.phase == "Initializing"
    assert payload.timestamp_ms == 1655463741340


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], "not a JSON object"),
        ({"name": "x", "namespace": "y"}, "no metadata"),
        ({"name": "x", "metadata": {"eventMessage": "m", "timestamp": "1"}}, "no name/namespace"),
        ({"name": "x", "namespace": "y", "metadata": {"timestamp": "1"}}, "no eventMessage"),
        ({"name": "x", "namespace": "y", "metadata": {"eventMessage": "m", "timestamp": "soon"}}, "epoch"),
    ],
)
def test_decode_names_what_is_wrong(document: object, problem: str) -> None:
    with pytest.raises(PayloadError, match=problem):
        decode(document)


def test_logger_records_round_trip() -> None:
    lines = render_record(PAYLOAD)
    assert lines[0].endswith("INFO  [io.git.heu.Logger] (executor-thread-1) |")
    assert lines[1].startswith("POST http://logger.monitoring/ from ")
    assert parse_lines(lines) == [PAYLOAD]


def test_parser_skips_noise_and_joins_a_payload_broken_over_lines() -> None:
    lines = [
        "2023-03-04 20:31:12,345 INFO  [io.git.heu.Logger] (executor-thread-1) |",
        "GET http://logger.monitoring/examine from 10.244.0.9:40000",
        "",
        "POST '':",
        '{"name":"examiner","namespace":"apps","phase":"Progressing","metadata":{"eventMessage":"Halt examiner.apps '
        'advancement success rate 91.60% \\u003c 99%","eventType":"Warning","timestamp":"1655464191265"',
        "}}",
        "2026-03-04T12:00:00.123456789Z " + render_record(PAYLOAD)[2],
    ]
    payloads = parse_lines(lines)
    assert [p.message for p in payloads] == [PAYLOAD.message, PAYLOAD.message]
    assert payloads[0].checksum is None and payloads[1].checksum == "85d557f47b"


def test_parser_gives_up_on_an_unterminated_payload_and_recovers() -> None:
    parser = LoggerStreamParser()
    out = list(parser.feed_line('{"name": "examiner", "broken'))
    for _ in range(20):
        out += list(parser.feed_line("more garbage"))
    out += list(parser.feed_line(render_record(PAYLOAD)[2]))
    assert out == [PAYLOAD]
    assert parser.skipped_payloads == 1


def test_parser_counts_valid_json_that_is_not_a_payload() -> None:
    parser = LoggerStreamParser()
    assert list(parser.feed_line('{"hello": "world"}')) == []
    assert parser.skipped_payloads == 1
