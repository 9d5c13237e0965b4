"""`canaryscope lab ...` as a user types it (no lab needed): usage errors, status and down of an empty directory,
and `canaryscope --kubeconfig <a lab's kubeconfig>` finding the lab's Prometheus and ingress on its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tui.cli import apply_lab_defaults, build_parser
from tui.lab import lab


def canaryscope(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=60, check=False)


def test_unknown_lab_command_is_one_line_and_exit_2() -> None:
    out = canaryscope("lab", "start")
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "invalid choice: 'start'" in out.stderr
    assert "Traceback" not in out.stderr


def test_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    afile = tmp_path / "f"
    afile.write_text("x")
    out = canaryscope("lab", "status", "--dir", str(afile))
    assert out.returncode == 2 and "is not a directory" in out.stderr


def test_status_and_down_of_an_empty_directory(tmp_path: Path) -> None:
    status = canaryscope("lab", "status", "--dir", str(tmp_path))
    assert status.returncode == 1 and status.stdout.strip() == f"lab in {tmp_path}: not running"
    down = canaryscope("lab", "down", "--dir", str(tmp_path))
    assert down.returncode == 0 and "nothing running" in down.stdout


def test_help_names_the_default_directory() -> None:
    out = canaryscope("lab", "--help")
    assert out.returncode == 0 and "up,status,down" in out.stdout and "lab/run" in out.stdout


def _lab_json(directory: Path, kubeconfig: Path) -> None:
    (directory / "lab.json").write_text(
        json.dumps(
            {
                "kubeconfig": str(kubeconfig),
                "prometheus_url": "http://127.0.0.1:40001",
                "extras": {lab.INGRESS: "http://localhost:40002/examine"},
            }
        )
    )


def test_a_labs_kubeconfig_brings_its_prometheus_and_target(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("")
    _lab_json(tmp_path, kubeconfig)
    args = build_parser().parse_args(["watch", "--kubeconfig", str(kubeconfig)])
    apply_lab_defaults(args)
    assert (args.prometheus, args.target) == ("http://127.0.0.1:40001", "http://localhost:40002/examine")
    # What the user gives still wins.
    args = build_parser().parse_args(["watch", "--kubeconfig", str(kubeconfig), "--prometheus", "none"])
    apply_lab_defaults(args)
    assert (args.prometheus, args.target) == ("none", "http://localhost:40002/examine")


def test_a_labs_kubeconfig_brings_its_loadtester(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("")
    _lab_json(tmp_path, kubeconfig)
    args = build_parser().parse_args(["watch", "--kubeconfig", str(kubeconfig)])
    apply_lab_defaults(args)
    assert args.loadtester is None  # a lab that ran no loadtester
    data = json.loads((tmp_path / "lab.json").read_text())
    data["extras"][lab.LOADTESTER] = "http://127.0.0.1:40003"
    (tmp_path / "lab.json").write_text(json.dumps(data))
    args = build_parser().parse_args(["watch", "--kubeconfig", str(kubeconfig)])
    apply_lab_defaults(args)
    assert args.loadtester == "http://127.0.0.1:40003"
    # What the user gives still wins, and with everything given the lab's loadtester is still the default.
    given = ["--loadtester", "svc/apps/flagger-loadtester:80"]
    args = build_parser().parse_args(["watch", "--kubeconfig", str(kubeconfig), *given])
    apply_lab_defaults(args)
    assert args.loadtester == "svc/apps/flagger-loadtester:80"
    everything = ["--prometheus", "none", "--target", "http://localhost/x"]
    args = build_parser().parse_args(["watch", "--kubeconfig", str(kubeconfig), *everything])
    apply_lab_defaults(args)
    assert args.loadtester == "http://127.0.0.1:40003"


def test_other_kubeconfigs_keep_the_cluster_defaults(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.write_text("")
    _lab_json(tmp_path, tmp_path / "kubeconfig")  # a lab.json next to it, but for another kubeconfig
    for argv in (["watch"], ["watch", "--kubeconfig", str(other)]):
        args = build_parser().parse_args(argv)
        apply_lab_defaults(args)
        # No Prometheus named: the cluster source looks for Flagger's -metrics-server, then the seed's.
        assert (args.prometheus, args.target) == (None, "http://localhost/examine")
        assert args.loadtester is None


def test_an_unknown_provider_is_one_line_and_exit_2(tmp_path: Path) -> None:
    out = canaryscope("lab", "up", "--provider", "consul", "--dir", str(tmp_path))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "invalid choice: 'consul'" in out.stderr
    assert "Traceback" not in out.stderr and not any(tmp_path.iterdir())  # nothing was started


def test_provider_choices_are_the_labs() -> None:
    from tui.lab import apps, cli

    assert cli.PROVIDERS == apps.PROVIDERS
    args = cli.build_parser().parse_args(["up", "--provider", "istio"])
    assert (args.command, args.provider) == ("up", "istio")
    assert cli.build_parser().parse_args(["up"]).provider == "linkerd"
    out = canaryscope("lab", "--help")
    assert "linkerd,istio,gatewayapi,nginx" in out.stdout
