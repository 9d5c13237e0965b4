"""canaryscope export: a recording as GIF, MP4 and animated SVG, checked by reading the outputs back."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image, ImageSequence

from tui.cli import main
from tui.export.glyphs import Glyphs, cell_size
from tui.export.palette import THEMES
from tui.export.progress import Progress

COLUMNS, ROWS = 20, 4
RED, BLUE = (255, 0, 0), (0, 0, 255)  # xterm 196 and 21
# Three frames a second apart: red background at cell (2, 1), a full block in blue at (3, 1), a box line on row 2.
EVENTS = [
    [0.0, "o", "\x1b[2J\x1b[HHello ✔●◷▶⏸⏭ ⣿\r\n  \x1b[48;5;196m \x1b[0m\x1b[38;5;21m█\x1b[0m"],
    [1.0, "o", "\x1b[3;1H──────────"],
    [2.0, "o", "\x1b[4;1Hthe end"],
]


def write_cast(path: Path, events: list[list] = EVENTS, header: dict | None = None) -> Path:
    header = header or {"version": 2, "width": COLUMNS, "height": ROWS, "timestamp": 0}
    lines = [json.dumps(header)] + [json.dumps(e, ensure_ascii=False) for e in events]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["export", *args])
    return code, capsys.readouterr().err


def cell_centre(column: int, row: int) -> tuple[int, int]:
    width, height = cell_size(14)
    return column * width + width // 2, row * height + height // 2


def test_gif_has_a_frame_per_change_the_recorded_size_and_colours(tmp_path: Path, capsys) -> None:
    cast = write_cast(tmp_path / "small.cast")
    code, err = export(capsys, str(cast), str(tmp_path / "out.gif"))
    assert code == 0, err
    image = Image.open(tmp_path / "out.gif")
    width, height = cell_size(14)
    assert image.size == (COLUMNS * width, ROWS * height)
    frames = [frame.convert("RGB") for frame in ImageSequence.Iterator(image)]
    durations = []
    for index in range(image.n_frames):
        image.seek(index)
        durations.append(image.info["duration"])
    assert len(frames) == 3
    assert durations == [1000, 1000, 2000], "a second between changes, then the end holds for two"
    last = frames[-1]
    assert last.getpixel(cell_centre(2, 1)) == RED
    assert last.getpixel(cell_centre(3, 1)) == BLUE
    width_px, height_px = cell_size(14)
    hello = last.crop((0, 0, 5 * width_px, height_px))
    assert THEMES["dark"].foreground in {rgb for _, rgb in hello.getcolors(4096)}, "text in the default foreground"
    # The box line runs through the whole row of cells without a seam.
    y = cell_centre(0, 2)[1]
    foreground = THEMES["dark"].foreground
    assert all(last.getpixel((x, y)) == foreground for x in range(10 * width))
    assert frames[0].getpixel((5 * width, y)) == THEMES["dark"].background, "the line arrives in the second frame"


def test_symbols_the_font_lacks_are_drawn_or_mapped_not_shown_as_missing(tmp_path: Path) -> None:
    glyphs = Glyphs(14)
    fg, bg = (255, 255, 255), (0, 0, 0)
    missing = glyphs.tile("\ue000", fg, bg, False, False).tobytes()
    blank = glyphs.tile(" ", fg, bg, False, False).tobytes()
    for char in "✔✖●◷▶⏸⏭⣿▁▄█╭─╮│":
        tile = glyphs.tile(char, fg, bg, False, False).tobytes()
        assert tile not in (missing, blank), f"{char!r} shows as a missing glyph or nothing"


def test_the_same_recording_gives_the_same_bytes(tmp_path: Path, capsys) -> None:
    cast = write_cast(tmp_path / "small.cast")
    for kind in ("gif", "svg"):
        assert export(capsys, str(cast), str(tmp_path / f"a.{kind}"))[0] == 0
        assert export(capsys, str(cast), str(tmp_path / f"b.{kind}"))[0] == 0
        assert (tmp_path / f"a.{kind}").read_bytes() == (tmp_path / f"b.{kind}").read_bytes(), kind


def test_mp4_reads_back_with_the_frame_count_and_size(tmp_path: Path, capsys) -> None:
    cast = write_cast(tmp_path / "small.cast")
    code, err = export(capsys, str(cast), str(tmp_path / "out.mp4"), "--fps", "10")
    assert code == 0, err
    reader = imageio_ffmpeg.read_frames(str(tmp_path / "out.mp4"))
    meta = next(reader)
    frames = list(reader)
    width, height = cell_size(14)
    assert tuple(meta["size"]) == (COLUMNS * width + COLUMNS * width % 2, ROWS * height + ROWS * height % 2)
    assert len(frames) == 20 + 20, "two seconds of changes and two of the end, at 10 frames a second"


def test_svg_parses_and_shows_the_text(tmp_path: Path, capsys) -> None:
    cast = write_cast(tmp_path / "small.cast")
    code, err = export(capsys, str(cast), str(tmp_path / "out.svg"))
    assert code == 0, err
    root = ET.parse(tmp_path / "out.svg").getroot()
    texts = "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Hello" in texts and "end" in texts
    assert "@keyframes" in (tmp_path / "out.svg").read_text()


def test_idle_limit_speed_and_range_shape_the_timeline(tmp_path: Path, capsys) -> None:
    events = [[0.0, "o", "a"], [30.0, "o", "b"], [31.0, "o", "c"], [40.0, "o", "d"]]
    cast = write_cast(tmp_path / "idle.cast", events)

    def durations(*args: str) -> list[int]:
        out = tmp_path / "out.gif"
        code, err = export(capsys, str(cast), str(out), *args)
        assert code == 0, err
        image = Image.open(out)
        found = []
        for index in range(image.n_frames):
            image.seek(index)
            found.append(image.info["duration"])
        return found

    assert durations("--idle-limit", "2") == [2000, 1000, 2000, 2000]
    assert durations("--idle-limit", "2", "--speed", "2") == [1000, 500, 1000, 2000]
    assert durations("--from", "29", "--to", "35") == [1000, 1000, 2000], "before --from builds the first picture"


def test_a_terminal_resized_at_the_start_gives_the_larger_picture(tmp_path: Path, capsys) -> None:
    events = [[0.0, "o", "small"], [0.1, "r", "30x6"], [0.2, "o", "\x1b[6;25Hcorner"]]
    cast = write_cast(tmp_path / "resized.cast", events)
    code, err = export(capsys, str(cast), str(tmp_path / "out.gif"))
    assert code == 0, err
    image = Image.open(tmp_path / "out.gif")
    width, height = cell_size(14)
    assert image.size == (30 * width, 6 * height)
    image.seek(image.n_frames - 1)
    corner = image.convert("RGB").crop((24 * width, 5 * height, 30 * width, 6 * height))
    assert THEMES["dark"].foreground in {rgb for _, rgb in corner.getcolors(4096)}, "drawn in the resized area"


def test_asciicast_v1_and_v3_are_read(tmp_path: Path, capsys) -> None:
    v1 = tmp_path / "v1.cast"
    v1.write_text(json.dumps({"version": 1, "width": 10, "height": 2, "stdout": [[0.5, "one"], [1.0, "two"]]}))
    v3 = tmp_path / "v3.cast"
    write_cast(v3, [[0.5, "o", "one"], [1.0, "o", "two"]], {"version": 3, "term": {"cols": 10, "rows": 2}})
    for cast in (v1, v3):
        code, err = export(capsys, str(cast), str(tmp_path / f"{cast.stem}.gif"))
        assert code == 0, err
        assert Image.open(tmp_path / f"{cast.stem}.gif").n_frames == 3


@pytest.mark.parametrize(
    ("content", "out", "expected"),
    [
        ("hello, not a recording\n", "out.gif", "not an asciicast recording"),
        ('{"version": 4, "width": 10, "height": 2}\n', "out.gif", "version 4 is not supported"),
        (None, "out.gif", "truncated"),
        (None, "out.png", "should end in .gif, .mp4, .svg"),
        (None, "missing/out.gif", "cannot write"),
        (None, "afile/out.mp4", "cannot write"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(
    tmp_path: Path, capsys, content: str | None, out: str, expected: str
) -> None:
    cast = write_cast(tmp_path / "in.cast")
    if content is not None:
        cast.write_text(content)
    elif expected == "truncated":
        cast.write_bytes(cast.read_bytes()[:-15])
    (tmp_path / "afile").write_text("a file, not a folder")
    before = sorted(p.name for p in tmp_path.iterdir())
    code, err = export(capsys, str(cast), str(tmp_path / out))
    assert code == 2
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "no partial output"


def test_progress_bar_counts_to_the_end() -> None:
    stream = io.StringIO()
    progress = Progress(40, "out.gif", stream, force=True)
    progress.update(10)
    progress.finish()
    assert "25%" in stream.getvalue() and "100% 40/40" in stream.getvalue()
    quiet = io.StringIO()
    Progress(40, "out.gif", quiet).update(40)
    assert quiet.getvalue() == "", "nothing when stderr is not a terminal"


SCRIPT = """
steps:
  - {at: 0s, do: say, text: "Recording starts"}
  - {at: 20s, do: release}
  - {at: 1m, do: quit}
"""


def test_record_writes_a_gif_directly_the_same_every_time(tmp_path: Path) -> None:
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT)

    def record(name: str) -> Path:
        out = tmp_path / name
        argv = [sys.executable, "-m", "tui", "demo", "--speed", "30", "--seed", "4", "--scenario", "seed"]
        done = subprocess.run(
            [*argv, "--script", str(script), "--record", str(out)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=180,
            env={**os.environ, "TERM": "xterm-256color", "TZ": "UTC"},
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return out

    first, second = record("first.gif"), record("second.gif")
    assert first.read_bytes() == second.read_bytes()
    image = Image.open(first)
    width, height = cell_size(14)
    assert image.size == (80 * width, 24 * height) and image.n_frames > 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.gif", "script.yaml", "second.gif"], (
        "the intermediate recording is gone"
    )


def test_record_to_an_unwritable_gif_fails_before_the_ui_starts(tmp_path: Path, capsys) -> None:
    (tmp_path / "afile").write_text("a file, not a folder")
    for target in ("missing/out.gif", "afile/out.gif", "out.png"):
        code = main(["demo", "--record", str(tmp_path / target)])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and err.startswith("canaryscope: --record:"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
