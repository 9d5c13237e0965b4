"""LineLog: wrapped to its width, wrapped again when the width changes, bounded, painted from the first frame."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from widgets.line_log import LineLog


class LogApp(App[None]):
    def __init__(self, max_lines: int = 50) -> None:
        super().__init__()
        self.max_lines = max_lines

    def compose(self) -> ComposeResult:
        yield LineLog(self.max_lines, min_width=10)


def texts(log: LineLog) -> list[str]:
    return [line.text.rstrip() for line in log.lines]


async def test_written_lines_are_painted_in_order() -> None:
    app = LogApp()
    async with app.run_test(size=(40, 10)) as pilot:
        log = app.query_one(LineLog)
        for n in range(3):
            log.write(Text(f"entry {n}"))
        await pilot.pause()
        painted = [log.render_line(y).text.rstrip() for y in range(3)]
        assert painted == ["entry 0", "entry 1", "entry 2"]
        assert texts(log) == ["entry 0", "entry 1", "entry 2"]


async def test_long_entries_wrap_and_rewrap_when_the_width_changes() -> None:
    app = LogApp()
    async with app.run_test(size=(40, 10)) as pilot:
        log = app.query_one(LineLog)
        log.write(Text("word " * 12))
        await pilot.pause()
        wide = texts(log)
        assert len(wide) == 2 and all(len(line) <= 40 for line in wide)
        await pilot.resize_terminal(20, 10)
        await pilot.pause()
        narrow = texts(log)
        assert len(narrow) == 3 and all(len(line) <= 20 for line in narrow)
        assert " ".join(narrow).split() == ["word"] * 12


async def test_the_oldest_entries_go_once_the_lines_pass_the_bound() -> None:
    app = LogApp(max_lines=5)
    async with app.run_test(size=(40, 10)) as pilot:
        log = app.query_one(LineLog)
        await pilot.pause()
        for n in range(8):
            log.write(Text(f"entry {n}"))
        log.write(Text("x " * 30))  # two lines: one more old entry goes
        await pilot.pause()
        assert texts(log)[:3] == ["entry 5", "entry 6", "entry 7"]
        assert len(log.lines) == 5 and log.virtual_size.height == 5


async def test_clear_empties_it() -> None:
    app = LogApp()
    async with app.run_test(size=(40, 10)) as pilot:
        log = app.query_one(LineLog)
        log.write(Text("something"))
        await pilot.pause()
        log.clear()
        await pilot.pause()
        assert log.lines == [] and log.render_line(0).text.strip() == ""


async def test_it_keeps_following_the_newest_line_when_it_gets_shorter_and_stops_when_scrolled_up() -> None:
    # A panel above the log that grows makes the log shorter: the view is no longer at the end, yet the reader did
    # not scroll away, so the next line (and the resize itself) must still bring the view to the end.
    app = LogApp()
    async with app.run_test(size=(40, 20)) as pilot:
        log = app.query_one(LineLog)
        for n in range(40):
            log.write(Text(f"entry {n}"))
        log.follow()
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y > 0
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert log.following and log.scroll_y == log.max_scroll_y, "the shorter log still shows the newest line"
        log.write(Text("entry 40"))
        log.follow()
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y
        assert log.render_line(log.size.height - 1).text.rstrip() == "entry 40"
        log.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        log.write(Text("entry 41"))
        log.follow()
        await pilot.pause()
        assert not log.following and log.scroll_y == 0, "a reader who scrolled up stays where they are"
