"""The fleet figure reads the screen as a user would: each context's summary line counts its canaries, and a
context's mark on the top line says whether it is connected."""

from __future__ import annotations

from bench.fleet import all_listed, context_mark, summary_counts

TOP_UP = " canaryscope · ctx-1 · team-00/app-0000 (1 of 30)      ctx-1 ●  ctx-2 ●  ctx-3 ●  21:05:03 "
TOP_DOWN = " canaryscope · ctx-1 · team-00/app-0000 (1 of 30)      ctx-1 ●  ctx-2 ●  ctx-3 ✖ 3  21:05:03 "
HEADER = "     context    namespace  name             phase              weight         failed primary SR canary SR"
ROW = "     ctx-{c}      team-00    app-000{i}         ✔ Succeeded        0%             0/2    99.71%     99.65%"


def screen(top: str, summaries: list[str], rows: int) -> str:
    lines = [top, *summaries, HEADER, *(ROW.format(c=1 + i % 3, i=i % 10) for i in range(rows)), " ⏎ Open  ? Help"]
    return "\n".join(line.ljust(120) for line in lines)


def test_summary_lines_count_each_contexts_canaries_and_skip_a_trouble_line() -> None:
    text = screen(TOP_DOWN, ["ctx-1: 10 ok", "ctx-2: 3 failed · 1 waiting · 6 ok", "ctx-3: api unreachable: 3 ok"], 3)
    assert summary_counts(text) == {"ctx-1": 10, "ctx-2": 10}


def test_listed_needs_every_context_counted_in_full_and_the_rows() -> None:
    contexts = ["ctx-1", "ctx-2", "ctx-3"]
    full = ["ctx-1: 10 ok", "ctx-2: 10 ok", "ctx-3: 2 failed · 8 ok"]
    assert all_listed(contexts, 10)(screen(TOP_UP, full, 20))
    assert not all_listed(contexts, 10)(screen(TOP_UP, full[:2], 20))
    assert not all_listed(contexts, 10)(screen(TOP_UP, [*full[:2], "ctx-3: 9 ok"], 20))
    assert not all_listed(contexts, 10)(screen(TOP_UP, full, 5))


def test_a_contexts_mark_tells_up_from_down() -> None:
    up, down = screen(TOP_UP, [], 1), screen(TOP_DOWN, [], 1)
    assert context_mark("ctx-3", up=True)(up) and not context_mark("ctx-3", up=False)(up)
    assert context_mark("ctx-3", up=False)(down) and not context_mark("ctx-3", up=True)(down)
    assert context_mark("ctx-2", up=True)(down)
    assert not context_mark("ctx-9", up=True)(up) and not context_mark("ctx-9", up=False)(up)


def test_the_probe_is_the_row_of_its_own_context() -> None:
    from bench.fleet import probe_shown

    screen = "\n".join(
        [
            "     context namespace  name      phase          weight",
            "     ctx-2   team-00    app-0000  ▶ Progressing  10%",
            "FAIL ctx-1   team-00    app-0000  ⇡ Promoting    10%",
        ]
    )
    assert not probe_shown("ctx-1", "team-00", "app-0000", "Progressing")(screen), "another context's row"
    assert probe_shown("ctx-1", "team-00", "app-0000", "Promoting")(screen)
    assert not probe_shown("ctx-1", "team-00", "app-000", "Promoting")(screen), "a name is matched whole"
