"""Malformed command lines, scenario files and kubeconfigs, each run as its own `python -m tui` process: a non-zero
exit, exactly one line on stderr naming the problem, nothing on stdout, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.reliability.report import Report
from tests.standin.kubeconfig import FAKE_TOKEN

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Case:
    key: str
    kind: str
    what: str
    args: list[str]
    expect: str  # a fragment of the one line on stderr
    setup: Callable[[Path], None] = lambda tmp: None
    env: dict[str, str] = field(default_factory=dict)


def kubeconfig_doc(**changes: object) -> dict:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": FAKE_TOKEN}}],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u", "namespace": "apps"}}],
        "current-context": "ctx",
    }
    doc.update(changes)
    return doc


def write(name: str, content: str | bytes | dict | list | None) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        path = tmp / name
        if content is None:
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content)
        else:
            path.write_text(yaml.safe_dump(content))

    return setup


def sparse(name: str, size: int) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        with (tmp / name).open("wb") as file:
            file.truncate(size)

    return setup


def good_kubeconfig(tmp: Path) -> None:
    (tmp / "kubeconfig").write_text(yaml.safe_dump(kubeconfig_doc()))


KC = ["--kubeconfig", "{tmp}/kubeconfig"]
SC = ["demo", "--scenario", "{tmp}/scenario.yaml"]
BINARY = bytes(range(256)) * 4
PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
# A user reads these as noise: a Python exception's name, or argparse naming the option twice.
EXCEPTION_NAME = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b|'\w+' object|argument (-\S+): \1:")

CASES = [
    # commands
    Case("misspelt-demo", "cli", "demmo", ["demmo"], "unknown command 'demmo'; did you mean `canaryscope demo`?"),
    Case("misspelt-watch", "cli", "wacth -n apps", ["wacth", "-n", "apps"], "did you mean `canaryscope watch`?"),
    # demo flags
    Case("demo-speed-zero", "cli", "demo --speed 0", ["demo", "--speed", "0"], "--speed: must be above 0"),
    Case("demo-speed-word", "cli", "demo --speed fast", ["demo", "--speed", "fast"], "--speed: expected a number"),
    Case("demo-speed-huge", "cli", "demo --speed 1e9", ["demo", "--speed", "1e9"], "at most 1000"),
    Case("demo-speed-nan", "cli", "demo --speed nan", ["demo", "--speed", "nan"], "--speed"),
    Case("demo-seed-negative", "cli", "demo --seed -1", ["demo", "--seed", "-1"], "--seed: must not be negative"),
    Case("demo-seed-fraction", "cli", "demo --seed 1.5", ["demo", "--seed", "1.5"], "--seed: expected a whole number"),
    Case("demo-unknown-flag", "cli", "demo --frobnicate", ["demo", "--frobnicate"], "unrecognized arguments"),
    Case("demo-missing-value", "cli", "demo --scenario (no value)", ["demo", "--scenario"], "expected one argument"),
    Case("demo-extra-word", "cli", "demo now", ["demo", "now"], "unrecognized arguments: now"),
    # watch flags
    Case("watch-read-timeout-low", "cli", "--read-timeout 1", ["--read-timeout", "1"], "between 5 and 300"),
    Case("watch-read-timeout-word", "cli", "--read-timeout soon", ["--read-timeout", "soon"], "expected seconds"),
    Case("watch-refresh-zero", "cli", "--refresh 0", ["--refresh", "0"], "--refresh: must be between 1 and 300"),
    Case(
        "watch-prometheus", "cli", "--prometheus prometheus:9090", ["--prometheus", "prometheus:9090"], "--prometheus"
    ),
    Case("watch-logger", "cli", "--logger logger", ["--logger", "logger"], "--logger: expected NAMESPACE/LABEL"),
    Case("watch-n-and-A", "cli", "-n apps -A", ["-n", "apps", "-A"], "not allowed with argument"),
    Case("watch-A-canary", "cli", "-A examiner", ["-A", "examiner"], "a CANARY needs one namespace"),
    Case("watch-two-namespaces", "cli", "-n x other/examiner", ["-n", "x", "other/examiner"], "names namespace"),
    Case("watch-error-rate", "cli", "--faulty-error-rate 101", ["--faulty-error-rate", "101"], "between 1 and 100"),
    Case("watch-error-rate-word", "cli", "--faulty-error-rate lots", ["--faulty-error-rate", "lots"], "percentage"),
    Case("watch-release", "cli", "--release helm", ["--release", "helm"], "invalid choice: 'helm'"),
    Case(
        "watch-git-no-repo",
        "cli",
        "--release git without --git-repo",
        [*KC, "--release", "git"],
        "--git-repo",
        good_kubeconfig,
    ),
    Case(
        "watch-target-scheme",
        "cli",
        "--target ftp://localhost/x",
        [*KC, "--target", "ftp://localhost/x"],
        "ftp",
        good_kubeconfig,
    ),
    Case(
        "watch-max-concurrency",
        "cli",
        "--max-concurrency 0",
        [*KC, "--max-concurrency", "0"],
        "concurrency",
        good_kubeconfig,
    ),
    Case("watch-max-rate", "cli", "--max-rate -1", [*KC, "--max-rate", "-1"], "rate", good_kubeconfig),
    Case(
        "watch-max-duration",
        "cli",
        "--max-duration forever",
        [*KC, "--max-duration", "forever"],
        "--max-duration",
        good_kubeconfig,
    ),
    # kubeconfigs
    Case(
        "kc-missing", "kubeconfig", "a kubeconfig that does not exist", ["--kubeconfig", "{tmp}/nope"], "no kubeconfig"
    ),
    Case("kc-empty", "kubeconfig", "an empty file", KC, "kubeconfig", write("kubeconfig", "")),
    Case("kc-not-yaml", "kubeconfig", "not YAML", KC, "cannot be read", write("kubeconfig", "clusters: [\n  - {")),
    Case("kc-list", "kubeconfig", "a YAML list", KC, "kubeconfig", write("kubeconfig", ["a", "b"])),
    Case("kc-binary", "kubeconfig", "a binary file", KC, "kubeconfig", write("kubeconfig", BINARY)),
    Case(
        "kc-not-utf8",
        "kubeconfig",
        "Latin-1 text",
        KC,
        "kubeconfig",
        write("kubeconfig", yaml.safe_dump(kubeconfig_doc()).replace("apps", "äpps").encode("latin-1")),
    ),
    Case(
        "kc-directory",
        "kubeconfig",
        "a directory",
        KC,
        "kubeconfig <tmp>/kubeconfig is a directory; name the kubeconfig file in it",
        write("kubeconfig", None),
    ),
    Case(
        "kc-no-contexts",
        "kubeconfig",
        "no contexts",
        KC,
        "kubeconfig",
        write("kubeconfig", kubeconfig_doc(contexts=[])),
    ),
    Case(
        "kc-unknown-current",
        "kubeconfig",
        "current-context names no context",
        KC,
        "context",
        write("kubeconfig", kubeconfig_doc(**{"current-context": "gone"})),
    ),
    Case(
        "kc-unknown-context",
        "kubeconfig",
        "--context that is not there",
        [*KC, "--context", "prod"],
        "context 'prod' is not in",
        good_kubeconfig,
    ),
    Case(
        "kc-missing-cluster",
        "kubeconfig",
        "a context naming a missing cluster",
        KC,
        "name c in <tmp>/kubeconfig/clusters list",
        write("kubeconfig", kubeconfig_doc(clusters=[])),
    ),
    Case(
        "kc-missing-user",
        "kubeconfig",
        "a context naming a missing user",
        KC,
        "context 'ctx' names user 'u', which is not in",
        write("kubeconfig", kubeconfig_doc(users=[])),
    ),
    Case(
        "kc-bad-server",
        "kubeconfig",
        "a server URL that is not a URL",
        KC,
        "context 'ctx' cannot be used: a value in <tmp>/kubeconfig has the wrong type",
        write("kubeconfig", kubeconfig_doc(clusters=[{"name": "c", "cluster": {"server": 42}}])),
    ),
    Case(
        "kc-env-missing",
        "kubeconfig",
        "KUBECONFIG naming missing files",
        [],
        "no kubeconfig found",
        env={"KUBECONFIG": "{tmp}/missing/a:{tmp}/missing/b"},
    ),
    Case(
        "kc-none-at-all",
        "kubeconfig",
        "plain canaryscope with no kubeconfig anywhere",
        [],
        "no kubeconfig found at <tmp>/.kube/config (use --kubeconfig or KUBECONFIG); to try canaryscope without a "
        "cluster, run `canaryscope demo`",
    ),
    Case(
        "kc-passwd",
        "kubeconfig",
        "a text file that is not a kubeconfig (a copy of /etc/passwd)",
        KC,
        "kubeconfig <tmp>/kubeconfig is not a kubeconfig (expected a YAML mapping",
        write("kubeconfig", PASSWD),
    ),
    Case(
        "kc-huge",
        "kubeconfig",
        "a 5 MiB file",
        KC,
        "kubeconfig <tmp>/kubeconfig: larger than 4 MiB",
        sparse("kubeconfig", 5 * 1024 * 1024),
    ),
    Case(
        "kc-yaml-error-words",
        "kubeconfig",
        "a YAML syntax error",
        KC,
        "kubeconfig <tmp>/kubeconfig cannot be read: not valid YAML at line 2",
        write("kubeconfig", "clusters: [\n"),
    ),
    Case(
        "wait-kc-passwd",
        "kubeconfig",
        "wait with a kubeconfig that is not one",
        ["wait", "apps/examiner", *KC],
        "is not a kubeconfig",
        write("kubeconfig", PASSWD),
    ),
    # scenario files
    Case("sc-builtin", "scenario", "an unknown built-in name", ["demo", "--scenario", "nosuch"], "no such file"),
    Case("sc-missing", "scenario", "a file that does not exist", SC, "no such file"),
    Case("sc-empty", "scenario", "an empty file", SC, "scenario", write("scenario.yaml", "")),
    Case(
        "sc-yaml-error",
        "scenario",
        "a YAML syntax error",
        SC,
        "not valid YAML at line",
        write("scenario.yaml", "canaries:\n  - name: [examiner\n"),
    ),
    Case(
        "sc-wrong-type",
        "scenario",
        "canaries given as a string",
        SC,
        "canaries",
        write("scenario.yaml", "canaries: examiner\n"),
    ),
    Case(
        "sc-top-list", "scenario", "a list at the top", SC, "expected a mapping", write("scenario.yaml", "- a\n- b\n")
    ),
    Case(
        "sc-impossible",
        "scenario",
        "maxWeight 101",
        SC,
        "maxWeight: must be at most 100",
        write("scenario.yaml", "canaries:\n  - name: examiner\n    analysis: {maxWeight: 101}\n"),
    ),
    Case(
        "sc-unknown-key",
        "scenario",
        "an unknown key",
        SC,
        "colour: unknown key",
        write("scenario.yaml", "canaries:\n  - name: examiner\n    colour: red\n"),
    ),
    Case(
        "sc-huge-number",
        "scenario",
        "stepWeight 10^30",
        SC,
        "stepWeight",
        write(
            "scenario.yaml",
            "canaries:\n  - name: examiner\n    analysis: {stepWeight: 1000000000000000000000000000000}\n",
        ),
    ),
    Case(
        "sc-huge-interval",
        "scenario",
        "interval 1e308 seconds",
        SC,
        "interval: must be at most 3600s",
        write("scenario.yaml", "canaries:\n  - name: examiner\n    analysis: {interval: 1.0e+308}\n"),
    ),
    Case(
        "sc-huge-warmup",
        "scenario",
        "a warm-up of 1000 hours (the simulation would step through it before showing anything)",
        SC,
        "warmup: must be at most 3600s",
        write("scenario.yaml", "warmup: 1000h\ncanaries:\n  - name: examiner\n"),
    ),
    Case(
        "sc-not-utf8",
        "scenario",
        "Latin-1 text",
        SC,
        "cannot be read",
        write("scenario.yaml", "canaries:\n  - name: exäminer\n".encode("latin-1")),
    ),
    Case("sc-directory", "scenario", "a directory", SC, "is a directory", write("scenario.yaml", None)),
    Case(
        "sc-dev-zero",
        "scenario",
        "/dev/zero (a file without end)",
        ["demo", "--scenario", "/dev/zero"],
        "scenario /dev/zero: larger than 1 MiB",
    ),
    Case(
        "sc-huge",
        "scenario",
        "a 2 MiB file",
        SC,
        "scenario <tmp>/scenario.yaml: larger than 1 MiB",
        sparse("scenario.yaml", 2 * 1024 * 1024),
    ),
    Case(
        "script-huge",
        "script",
        "a 2 MiB script",
        ["demo", "--script", "{tmp}/script.yaml"],
        "script <tmp>/script.yaml: larger than 1 MiB",
        sparse("script.yaml", 2 * 1024 * 1024),
    ),
    Case(
        "script-not-utf8",
        "script",
        "a Latin-1 script",
        ["demo", "--script", "{tmp}/script.yaml"],
        "script <tmp>/script.yaml: cannot be read: not UTF-8 text",
        write("script.yaml", "steps:\n  - say: Grüße\n".encode("latin-1")),
    ),
    Case(
        "record-under-a-file",
        "cli",
        "--record under a regular file",
        ["demo", "--record", "{tmp}/file/x.cast"],
        "--record: cannot write <tmp>/file/x.cast: <tmp>/file is not a directory",
        write("file", "text"),
    ),
    Case(
        "record-a-directory",
        "cli",
        "--record naming a directory",
        ["demo", "--record", "{tmp}/dir.cast"],
        "<tmp>/dir.cast is a directory",
        write("dir.cast", None),
    ),
    Case("sc-binary", "scenario", "a binary file", SC, "scenario", write("scenario.yaml", BINARY)),
    Case(
        "sc-bad-name",
        "scenario",
        "a name that is not a Kubernetes name",
        SC,
        "not a valid Kubernetes name",
        write("scenario.yaml", "canaries:\n  - name: Bad_Name\n"),
    ),
    # the load command
    Case("load-no-url", "load", "load with no URL", ["load"], "canaryscope load:"),
    Case("load-scheme", "load", "load ftp://localhost/", ["load", "ftp://localhost/"], "ftp"),
    Case("load-other-host", "load", "load http://example.com/", ["load", "http://example.com/"], "example.com"),
    Case("load-zero-workers", "load", "load -c 0", ["load", "http://localhost:9/", "-c", "0"], "canaryscope load:"),
    Case("load-negative-rate", "load", "load -q -5", ["load", "http://localhost:9/", "-q", "-5"], "canaryscope load:"),
    Case("load-bad-duration", "load", "load -z forever", ["load", "http://localhost:9/", "-z", "forever"], "-z"),
    Case("load-too-many", "load", "load -c 100000", ["load", "http://localhost:9/", "-c", "100000"], "concurrency"),
    Case("load-too-long", "load", "load -z 1000h", ["load", "http://localhost:9/", "-z", "1000h"], "duration"),
]


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def run(case: Case, tmp: Path) -> Outcome:
    workdir = tmp / case.key
    workdir.mkdir()
    case.setup(workdir)
    args = [a.replace("{tmp}", str(workdir)) for a in case.args]
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env.update({"HOME": str(workdir)})  # never the machine's own ~/.kube/config
    env.update({k: v.replace("{tmp}", str(workdir)) for k, v in case.env.items()})
    done = subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=60,
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    return Outcome(done.returncode, done.stdout, done.stderr.replace(str(workdir), "<tmp>"))


def test_every_malformed_input_is_one_line_and_a_non_zero_exit(tmp_path: Path, report: Report) -> None:
    assert len({c.key for c in CASES}) == len(CASES) >= 30
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = dict(zip((c.key for c in CASES), pool.map(lambda c: run(c, tmp_path), CASES), strict=True))
    problems = []
    report.inputs.clear()
    report.inputs_replaced = True
    for case in CASES:
        got = outcomes[case.key]
        lines = got.stderr.splitlines()
        first = lines[0] if lines else ""
        report.tried(case.key, case.kind, case.what, got.code, first)
        if got.code == 0 or len(lines) != 1 or not first.startswith("canaryscope") or "Traceback" in got.stderr:
            problems.append(f"{case.key}: exit {got.code}, stderr {got.stderr!r}")
        elif case.expect not in first:
            problems.append(f"{case.key}: {first!r} does not mention {case.expect!r}")
        elif EXCEPTION_NAME.search(first):
            problems.append(f"{case.key}: {first!r} speaks Python, not the user's language")
        elif got.stdout:
            problems.append(f"{case.key}: printed {got.stdout[:80]!r} on stdout")
        if FAKE_TOKEN in got.stderr or FAKE_TOKEN in got.stdout:
            problems.append(f"{case.key}: the kubeconfig's token was printed")
    report.outcome(
        "Bad input",
        "malformed-inputs",
        f"{len(CASES)} malformed command lines, kubeconfigs, scenario files and load commands (listed below)",
        "each as its own process: non-zero exit, exactly one line on stderr naming the problem, no traceback, no token",
        f"{len(CASES) - len(problems)} of {len(CASES)} refused cleanly",
        not problems,
    )
    assert not problems, "\n".join(problems)


def test_a_context_without_a_user_is_not_a_mistake(tmp_path: Path) -> None:
    from tui.cluster.kubeconfig import connect

    doc = kubeconfig_doc(users=[], contexts=[{"name": "ctx", "context": {"cluster": "c"}}])
    (tmp_path / "kubeconfig").write_text(yaml.safe_dump(doc))
    connection = connect(str(tmp_path / "kubeconfig"), None)
    assert (connection.context, connection.server) == ("ctx", "http://127.0.0.1:1")
