"""python -m bench [NAME ...] [--quick] [--runs N] [--seconds S] [--output PATH] [--strict]"""

from __future__ import annotations

import argparse
import inspect
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench import (
    bandwidth,
    change_latency,
    check_cost,
    export,
    first_frame,
    first_screen,
    fleet,
    idle_cpu,
    latency,
    machine,
    memory,
    peers,
    prom_cost,
    quiet_fleet,
    report,
    scale,
    scale_checks,
    scale_mixed,
)
from bench.commands import REPO, reproduce
from bench.result import Result

FIGURES = (
    first_frame,
    first_screen,
    latency,
    bandwidth,
    idle_cpu,
    quiet_fleet,
    scale,
    scale_mixed,
    scale_checks,
    fleet,
    change_latency,
    prom_cost,
    check_cost,
    memory,
    export,
    peers,
)
BENCHMARKS = {m.NAME: m for m in FIGURES}
# Run only when named: the peers figure builds k9s and kubectl and takes about half an hour.
ON_REQUEST = {peers.NAME}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="canaryscope's benchmarks")
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default all but {', '.join(sorted(ON_REQUEST))})",
    )
    parser.add_argument("--quick", action="store_true", help="a short smoke run with tiny sizes (budgets not meant)")
    parser.add_argument("--runs", type=int, help="runs per figure (default: per benchmark)")
    parser.add_argument("--seconds", type=float, help="measuring window per tool (peers; default 60)")
    parser.add_argument("--output", type=Path, help="report to write (default BENCHMARKS.md; none with --quick)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget is missed")
    parser.add_argument("--render", action="store_true", help="only rewrite the report from its .json")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.exit(2, f"python -m bench: unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}\n")
    if args.runs is not None and args.runs < 1:
        parser.exit(2, "python -m bench: --runs must be at least 1\n")
    if args.seconds is not None and args.seconds <= 0:
        parser.exit(2, "python -m bench: --seconds must be more than 0\n")
    return args


def run_one(name: str, quick: bool, runs: int | None, seconds: float | None = None) -> Result:
    module = BENCHMARKS[name]
    started, load_before = time.monotonic(), machine.load_average()
    # --seconds goes to the benchmarks that take a window length.
    window = {"seconds": seconds} if seconds and "seconds" in inspect.signature(module.run).parameters else {}
    try:
        result: Result = module.run(quick=quick, runs=runs, **window)
    except Exception as exc:  # one broken benchmark must not cost the others their figures
        traceback.print_exc()
        result = Result(
            name,
            module.TITLE,
            f"did not run: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
            if str(exc)
            else f"did not run: {exc.__class__.__name__}",
            module.BUDGET,
            False,
            reproduce(name),
        )
        result.values["error"] = True
    result.quick = quick
    result.seconds = time.monotonic() - started
    result.load = f"{load_before:.2f} → {machine.load_average():.2f}"
    result.at = machine.now()
    return result


def compile_sources() -> None:
    """Bytecode for canaryscope's own modules, as an installed package has it.

    The libraries were compiled when pip installed them; the editable checkout's modules are compiled on first
    import and cached only if Python may write the cache (not under PYTHONDONTWRITEBYTECODE, which some
    machines set). Without this, every start would compile some 80 modules and the first frame would measure
    the compiler.
    """
    import compileall

    for package in ("tui", "widgets", "styles", "bench"):
        compileall.compile_dir(REPO / package, quiet=1)
    # The dataclass methods' cache (tui/base/compiled_methods.py) follows the same rule: a start writes it on its
    # way out, unless Python may not write bytecode. Written here from every module, as a first start would.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", _WARM_METHODS], cwd=REPO, env=env, check=True)


_WARM_METHODS = """
import importlib, pkgutil
from tui.base import compiled_methods
cache = compiled_methods.install()
for name in ("tui", "widgets", "styles"):
    package = importlib.import_module(name)
    for module in pkgutil.walk_packages(package.__path__, name + "."):
        if not module.name.endswith(".__main__"):
            importlib.import_module(module.name)
cache.save()
"""


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    names = args.names or [name for name in BENCHMARKS if name not in ON_REQUEST]
    output = args.output or (None if args.quick else REPO / "BENCHMARKS.md")
    if output is not None and not output.parent.is_dir():
        print(f"bench: --output {output}: no such directory {output.parent}", file=sys.stderr)
        return 2
    if args.render:
        output = args.output or REPO / "BENCHMARKS.md"
        results = report.load_results(output.with_suffix(".json"))
        saved = report.load_machine(output.with_suffix(".json"))
        report.write(output, report.render(saved, [results[n] for n in BENCHMARKS if n in results]), list(BENCHMARKS))
        print(f"wrote {output}")
        return 0
    about = machine.describe()
    print(" · ".join(f"{k}: {v}" for k, v in about.items()), flush=True)
    compile_sources()
    fresh: dict[str, Result] = {}
    for name in names:
        print(f"→ {name} …", flush=True)
        result = run_one(name, args.quick, args.runs, args.seconds)
        fresh[name] = result
        verdict = "pass" if result.passed else "FAIL"
        print(
            f"  {result.title}: {result.measured}  [budget {result.budget}: {verdict}, {result.seconds:.0f} s]",
            flush=True,
        )
    if output is not None:
        data = output.with_suffix(".json")
        results = {**report.load_results(data), **fresh}
        ordered = [results[n] for n in BENCHMARKS if n in results]
        report.save_results(data, about, results)
        report.write(output, report.render(about, ordered), list(BENCHMARKS))
        print(f"wrote {output} and {data.name}")
    broken = [r for r in fresh.values() if r.values.get("error")]
    if broken or (args.strict and not all(r.passed for r in fresh.values())):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
