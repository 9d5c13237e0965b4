"""`canaryscope lab up|status|down [--dir PATH]`: a local Kubernetes API server with a real Flagger, no Docker.

Exit codes: 0 done (status: running), 1 the lab failed to start or is not running, 2 a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tui.cmdline.parser import EXIT_USAGE, OneLineParser, UsageError, report
from tui.cmdline.registry import Subcommand

# As tui.lab.apps.PROVIDERS, spelled out here so that parsing imports nothing of the lab.
PROVIDERS = ("linkerd", "istio", "gatewayapi", "nginx")

EXIT_FAILED = 1


def build_parser() -> argparse.ArgumentParser:
    from tui.lab.lab import default_dir

    parser = OneLineParser(
        prog="canaryscope lab",
        description="A local lab: etcd, kube-apiserver, controller-manager, scheduler, kwok, a real Flagger, "
        "Prometheus and a mesh emulator on 127.0.0.1, with the seed's examiner Canary.",
    )
    parser.add_argument("command", choices=("up", "status", "down"), help="start, describe or stop the lab")
    parser.add_argument(
        "--provider",
        choices=PROVIDERS,
        default="linkerd",
        help="the mesh or ingress Flagger drives (its -mesh-provider and the Canary's spec.provider); default linkerd",
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help=f"the lab's directory (default {default_dir()})", metavar="PATH"
    )
    return parser


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or "no detail given"
    return text.splitlines()[0]


def main(argv: Sequence[str] | None = None) -> int:
    from tui.lab import lab

    try:
        args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        return report("canaryscope lab", exc, sys.stderr)
    lab_dir: Path = (args.dir or lab.default_dir()).expanduser()
    if lab_dir.exists() and not lab_dir.is_dir():
        print(f"canaryscope lab: --dir {lab_dir} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "status":
        st = lab.status(lab_dir)
        print(lab.describe(st))
        return 0 if st.healthy else EXIT_FAILED
    if args.command == "down":
        stopped = lab.down(lab_dir, log=lambda _msg: None)
        print(f"lab in {lab_dir}: stopped {', '.join(stopped)}" if stopped else f"lab in {lab_dir}: nothing running")
        return 0
    from tui.lab.binaries import BuildError, GoUnavailableError
    from tui.lab.controlplane import LabError

    try:
        lab.up(lab_dir, provider=args.provider, log=lambda msg: print(msg, flush=True))
    except KeyboardInterrupt:
        lab.down(lab_dir, log=lambda _msg: None)
        print("canaryscope lab: interrupted; stopped what had started", file=sys.stderr)
        return 130
    except (LabError, BuildError, GoUnavailableError, OSError) as exc:
        print(f"canaryscope lab: {_first_line(exc)} (logs in {lab_dir / 'logs'})", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # e.g. the API server refusing an object: still one line, and nothing left running
        lab.down(lab_dir, log=lambda _msg: None)
        print(f"canaryscope lab: failed: {_first_line(exc)} (logs in {lab_dir / 'logs'})", file=sys.stderr)
        return EXIT_FAILED
    print(lab.describe(lab.status(lab_dir)))
    return 0


COMMAND = Subcommand("lab", "a local lab with a real Flagger: canaryscope lab up|status|down", build_parser, main)
