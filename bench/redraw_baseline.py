"""The redraw-everything baseline: every interval, clear the screen and print the whole text again.

That is what `watch kubectl get canaries` amounts to. The frames are the plain text canaryscope showed in
the same run (one per second), so both print the same information; the baseline sends no colours, which
only flatters it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

CLEAR = "\x1b[H\x1b[2J"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("frames", help="JSON list of screen texts")
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    with open(args.frames) as f:
        frames: list[str] = json.load(f)
    out = sys.stdout
    started = time.monotonic()
    index = 0
    while True:
        frame = frames[index % len(frames)]
        text = "\r\n".join(line.rstrip() for line in frame.splitlines())
        out.write(CLEAR + text)
        out.flush()
        index += 1
        time.sleep(max(0.0, started + index * args.interval - time.monotonic()))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
