"""One reader for every user YAML file (scenario, script, kubeconfig) and the shape checks they share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.app.script import ScriptError, parse_script
from tui.base.yaml_file import YamlReadProblem, duration_value, load_yaml_document, mapping, read_yaml
from tui.cluster.kubeconfig import ClusterConfigError, connect


class Problem(ValueError):
    pass


def test_each_failure_has_its_kind(tmp_path: Path) -> None:
    cases = {
        "missing": tmp_path / "nothing.yaml",
        "directory": tmp_path,
        "too-large": tmp_path / "big.yaml",
        "not-utf8": tmp_path / "latin1.yaml",
        "invalid": tmp_path / "broken.yaml",
    }
    cases["too-large"].write_text("a: " + "x" * 100)
    cases["not-utf8"].write_bytes(b"a: caf\xe9\n")
    cases["invalid"].write_text("a: b: c\n")
    for kind, path in cases.items():
        with pytest.raises(YamlReadProblem) as caught:
            load_yaml_document(path, limit=64)
        assert caught.value.kind == kind
    with pytest.raises(YamlReadProblem) as caught:
        load_yaml_document(cases["not-utf8"])
    assert caught.value.byte == 7
    with pytest.raises(YamlReadProblem) as caught:
        load_yaml_document(cases["invalid"])
    assert (caught.value.line, caught.value.column, caught.value.detail) == (
        1,
        5,
        "mapping values are not allowed here",
    )


def test_a_user_file_is_refused_in_one_line_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "none.yaml"
    with pytest.raises(Problem, match=rf"^{missing}: no such file \(try demo\)$"):
        read_yaml(str(missing), "scenario", Problem, missing_hint=" (try demo)")
    with pytest.raises(Problem, match=rf"^{tmp_path}: is a directory, not a scenario file$"):
        read_yaml(str(tmp_path), "scenario", Problem)
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: b: c\n")
    with pytest.raises(
        Problem, match=rf"^{broken}: not valid YAML at line 1, column 5: mapping values are not allowed"
    ):
        read_yaml(str(broken), "scenario", Problem)


def test_a_kubeconfig_keeps_its_own_wording(tmp_path: Path) -> None:
    broken = tmp_path / "kubeconfig"
    broken.write_text("apiVersion: v1\nclusters: [\n")
    with pytest.raises(ClusterConfigError) as caught:
        connect(str(broken), None)
    assert str(caught.value) == f"kubeconfig {broken} cannot be read: not valid YAML at line 3"
    broken.write_bytes(b"apiVersion: v1\nkind: Config\n# caf\xe9\n")
    with pytest.raises(ClusterConfigError) as caught:
        connect(str(broken), None)
    assert str(caught.value) == f"kubeconfig {broken} cannot be read: not UTF-8 text (byte 34)"
    broken.write_text("- a list\n")
    with pytest.raises(ClusterConfigError, match="is not a kubeconfig"):
        connect(str(broken), None)


def test_a_mapping_allows_only_its_keys_and_names_where() -> None:
    assert mapping(None, "load", {"rate"}, Problem) == {}
    assert mapping({"rate": 1}, "load", {"rate"}, Problem) == {"rate": 1}
    with pytest.raises(Problem, match=r"^load.speed: unknown key \(allowed: delay, rate\)$"):
        mapping({"speed": 1}, "load", {"rate", "delay"}, Problem)
    with pytest.raises(Problem, match=r"^speed: unknown key"):
        mapping({"speed": 1}, "", {"rate"}, Problem)
    with pytest.raises(Problem, match=r"^script: expected a mapping, got \['a'\]$"):
        mapping(["a"], "", {"rate"}, Problem, whole="script")
    with pytest.raises(Problem, match=r"^load: expected a mapping, got 'x{36}\.\.\.$"):
        mapping("x" * 60, "load", {"rate"}, Problem)


@pytest.mark.parametrize(
    ("value", "seconds"), [(30, 30.0), (1.5, 1.5), ("30s", 30.0), ("4m", 240.0), ("30", 30.0), ("500ms", 0.5)]
)
def test_a_duration_value_is_a_number_or_a_duration(value: object, seconds: float) -> None:
    assert duration_value(value, "at", Problem) == seconds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "at: expected a duration like 30s or 4m, got True"),
        ("soon", "at: expected a duration like 30s or 4m, got 'soon'"),
        ([1], "at: expected a duration like 30s or 4m, got [1]"),
        ("-5s", "at: must not be negative, got '-5s'"),
        (-5, "at: must not be negative, got -5"),
        ("2d", "at: expected a duration like 30s or 4m, got '2d'"),
        ("25h", "at: must be at most 86400s, got '25h'"),
        # YAML's .nan and .inf are floats: neither is a length of time.
        (float("nan"), "at: expected a duration like 30s or 4m, got nan"),
        (float("inf"), "at: expected a duration like 30s or 4m, got inf"),
    ],
)
def test_a_duration_value_refused_names_the_key(value: object, message: str) -> None:
    with pytest.raises(Problem) as caught:
        duration_value(value, "at", Problem)
    assert str(caught.value) == message


def test_bounds_of_a_duration_value() -> None:
    with pytest.raises(Problem, match=r"^t: must be longer than 0, got '0s'$"):
        duration_value("0s", "t", Problem, allow_zero=False)
    with pytest.raises(Problem, match=r"^t: must be at least 1s, got 0.5$"):
        duration_value(0.5, "t", Problem, minimum=1)


def test_a_script_is_refused_with_its_own_error_and_kubernetes_name_rules() -> None:
    with pytest.raises(ScriptError, match=r"^steps\[0\].at: expected a duration"):
        parse_script({"steps": [{"at": "soon", "do": "release"}]})
    with pytest.raises(ScriptError, match=r"^canary: 'Examiner' is not a Canary name"):
        parse_script({"canary": "apps/Examiner", "steps": [{"at": "1s", "do": "release"}]})
    script = parse_script({"canary": "apps/examiner", "steps": [{"at": "1m30s", "do": "release"}]})
    assert script.steps[0].at_s == 90.0
