"""The formatting-preserving editor: only the value text changes, the rest of the file stays byte for byte."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.release.helmrelease import OLD_ECHO, TEXT
from tests.release.test_yaml_scalar import TRICKY
from tui.release import ReleaseError, set_scalars
from tui.release.yaml_verify import verify_edit

PATH = "spec.values.configuration"


def diff(before: str, after: str) -> list[str]:
    """Changed lines only, with their -/+ marker."""
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("---", "+++"))
    ]


def config(text: str, document: int = 0) -> dict[str, object]:
    return list(yaml.safe_load_all(text))[document]["spec"]["values"]["configuration"]


def error(text: str, values: dict[str, object], path: str = PATH) -> str:
    with pytest.raises(ReleaseError) as caught:
        set_scalars(text, path, values, source="examiner.yaml")  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_replacing_keeps_quotes_and_the_comment_after_the_value() -> None:
    edited = set_scalars(TEXT, PATH, {"ECHO_VALUE": "Go Flagger go!", "SERVER_ERROR_RATE": "10"})
    assert diff(TEXT, edited) == [
        f'-      ECHO_VALUE: "{OLD_ECHO}"   # the current release',
        '-      SERVER_ERROR_RATE: "0"',
        '+      ECHO_VALUE: "Go Flagger go!"   # the current release',
        '+      SERVER_ERROR_RATE: "10"',
    ]


def test_unquoted_and_single_quoted_values_keep_their_style_when_they_can() -> None:
    edited = set_scalars(TEXT, PATH, {"REQUEST_DELAY": "slow", "LOG_METHODS": "GET"})
    assert diff(TEXT, edited) == [
        "-      REQUEST_DELAY: 100..250",
        "-      LOG_METHODS: 'GET,POST'",
        "+      REQUEST_DELAY: slow",
        "+      LOG_METHODS: 'GET'",
    ]
    edited = set_scalars(TEXT, PATH, {"REQUEST_DELAY": "1000..2500"})
    assert diff(TEXT, edited) == ["-      REQUEST_DELAY: 100..250", '+      REQUEST_DELAY: "1000..2500"']


@pytest.mark.parametrize("value", TRICKY)
@pytest.mark.parametrize("key", ["ECHO_VALUE", "REQUEST_DELAY", "LOG_METHODS", "NEW_KEY"])
def test_tricky_values_in_every_quoting_style_parse_back_exactly(key: str, value: str) -> None:
    edited = set_scalars(TEXT, PATH, {key: value})
    assert config(edited)[key] == value
    changes = diff(TEXT, edited)
    if key == "NEW_KEY":
        assert [line for line in changes if line.startswith("-")] == []
        assert changes[0].startswith("+      NEW_KEY: ")
    elif edited != TEXT:
        assert changes[0].startswith(f"-      {key}: ") and changes[1].startswith(f"+      {key}: ")
        assert len(changes) == 2


def test_missing_keys_go_after_the_last_sibling_at_its_indentation() -> None:
    edited = set_scalars(TEXT, PATH, {"SERVER_ERROR_RATE": "5", "NEW_A": "yes", "NEW_B": "plain text"})
    lines = edited.splitlines()
    at = lines.index("      LOG_METHODS: 'GET,POST'")
    assert lines[at + 1 : at + 4] == ['      NEW_A: "yes"', "      NEW_B: plain text", "    ingress:"]
    assert config(edited)["NEW_A"] == "yes"


def test_inserting_after_a_block_scalar_a_comment_and_blank_lines() -> None:
    text = (
        "spec:\n  values:\n    configuration:\n      A: x\n      NOTE: |\n        first\n        # inside the block\n"
        "\n    # about what follows\n    other: 1\n"
    )
    edited = set_scalars(text, PATH, {"B": "z"})
    assert edited == text.replace("# inside the block\n", "# inside the block\n      B: z\n")
    assert config(edited) == {"A": "x", "NOTE": "first\n# inside the block\n", "B": "z"}


def test_a_file_without_final_newline_and_one_with_crlf() -> None:
    text = "spec:\n  values:\n    configuration:\n      A: x"
    assert (
        set_scalars(text, PATH, {"B": "w", "A": "z"}) == "spec:\n  values:\n    configuration:\n      A: z\n      B: w"
    )
    crlf = "spec:\r\n  values:\r\n    configuration:\r\n      A: x # c\r\n    more: 1\r\n"
    edited = set_scalars(crlf, PATH, {"A": "z", "B": "w"})
    assert edited == "spec:\r\n  values:\r\n    configuration:\r\n      A: z # c\r\n      B: w\r\n    more: 1\r\n"


def test_block_scalars_are_replaced_whole_keeping_the_header_comment_and_what_follows() -> None:
    text = (
        "spec:\n  values:\n    configuration:\n      ECHO_VALUE: >-  # folded on purpose\n        long\n        text\n"
        "\n      NEXT: 1\n"
    )
    edited = set_scalars(text, PATH, {"ECHO_VALUE": "short"})
    assert edited == (
        "spec:\n  values:\n    configuration:\n      ECHO_VALUE: short  # folded on purpose\n\n      NEXT: 1\n"
    )
    assert set_scalars(text, PATH, {"ECHO_VALUE": "two\nlines"}).splitlines()[3] == (
        '      ECHO_VALUE: "two\\nlines"  # folded on purpose'
    )


@pytest.mark.parametrize("line", ["      EMPTY:", "      EMPTY:   # fill me", "      EMPTY: ~", "      EMPTY: null"])
def test_empty_and_null_values(line: str) -> None:
    text = f"spec:\n  values:\n    configuration:\n{line}\n      OTHER: x\n"
    edited = set_scalars(text, PATH, {"EMPTY": "now set"})
    assert config(edited) == {"EMPTY": "now set", "OTHER": "x"}
    if "#" in line:
        assert "      EMPTY: now set   # fill me\n" in edited


def test_booleans_and_integers_for_switches() -> None:
    edited = set_scalars(TEXT, "spec.values.canary", {"enabled": True})
    assert diff(TEXT, edited) == ["-      enabled: false", "+      enabled: true"]
    edited = set_scalars(TEXT, PATH, {"SERVER_ERROR_RATE": 7})
    assert config(edited)["SERVER_ERROR_RATE"] == 7


def test_a_value_that_is_already_set_leaves_the_text_identical() -> None:
    assert set_scalars(TEXT, PATH, {"ECHO_VALUE": OLD_ECHO, "SERVER_ERROR_RATE": "0"}) is TEXT
    assert set_scalars(TEXT, "spec.values.canary", {"enabled": False}) is TEXT
    # "false" the string is not the boolean false: that is a change.
    assert 'enabled: "false"' in set_scalars(TEXT, "spec.values.canary", {"enabled": "false"})


def test_multi_document_files_edit_the_document_that_has_the_path() -> None:
    other = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  ECHO_VALUE: keep\n"
    text = f"{other}---\n{TEXT}...\n---\n# trailing document\n{other}"
    edited = set_scalars(text, PATH, {"ECHO_VALUE": "second"})
    assert config(edited, 1)["ECHO_VALUE"] == "second"
    assert edited.startswith(other) and edited.endswith(f"...\n---\n# trailing document\n{other}")
    assert len(diff(text, edited)) == 2


def test_a_path_in_two_documents_is_ambiguous() -> None:
    assert error(f"{TEXT}---\n{TEXT}", {"A": "b"}) == (
        "spec.values.configuration is in 2 documents of examiner.yaml (1, 2); expected exactly one"
    )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("spec.values.env", "spec.values.env not found in examiner.yaml: no key 'env' under spec.values"),
        ("status.x", "status.x not found in examiner.yaml: no key 'status' under the document root"),
        ("spec.interval.x", "spec.interval.x not found in examiner.yaml: spec.interval is not a mapping"),
        ("spec.releaseName", "spec.releaseName in examiner.yaml is a single value, not a mapping of values"),
        ("spec..values", "value path 'spec..values' has an empty key"),
    ],
)
def test_paths_that_do_not_lead_to_a_mapping(path: str, message: str) -> None:
    assert error(TEXT, {"A": "b"}, path) == message


def test_values_that_are_not_single_values_are_refused() -> None:
    assert error(TEXT, {"canary": "x"}, "spec.values") == (
        "spec.values in examiner.yaml: canary holds a mapping, not a single value"
    )
    assert error(TEXT, {"A": 1.5}) == "value for A must be a string, bool or int, got float"
    assert error(TEXT, {}) == "no values to set"


def test_anchors_aliases_and_duplicates_are_refused() -> None:
    anchored = "base: &b x\nspec:\n  values:\n    configuration:\n      A: &a one\n      B: *b\n"
    assert error(anchored, {"A": "two"}) == (
        "spec.values.configuration in examiner.yaml: A carries an anchor (&) other entries may use; edit it by hand"
    )
    assert error(anchored, {"B": "two"}) == (
        "spec.values.configuration in examiner.yaml: B is an alias (*); edit its anchor by hand"
    )
    # A new key after an aliased last entry goes on the next line, not next to the anchor.
    assert set_scalars(anchored, PATH, {"C": "c"}).endswith("      B: *b\n      C: c\n")
    duplicated = "spec:\n  values:\n    configuration:\n      A: 1\n      A: 2\n"
    assert error(duplicated, {"A": "3"}) == "spec.values.configuration in examiner.yaml: key 'A' appears 2 times"
    aliased_path = "defaults: &d {A: 1}\nspec:\n  values:\n    configuration: *d\n"
    assert error(aliased_path, {"A": "3"}) == (
        "spec.values.configuration in examiner.yaml: spec.values.configuration is an alias (*); edit its anchor"
    )


def test_a_tag_on_the_old_value_is_replaced_with_it() -> None:
    text = "spec:\n  values:\n    configuration:\n      RATE: !!int 5\n"
    assert set_scalars(text, PATH, {"RATE": "10"}) == text.replace("!!int 5", '"10"')


def test_simple_flow_mappings_are_edited_in_place() -> None:
    text = 'spec:\n  values:\n    configuration: {ECHO_VALUE: "old", RATE: 0}  # inline\n    other: 1\n'
    edited = set_scalars(text, PATH, {"ECHO_VALUE": "a, b", "RATE": "1", "NEW": "x"})
    assert edited == (
        'spec:\n  values:\n    configuration: {ECHO_VALUE: "a, b", RATE: "1", NEW: x}  # inline\n    other: 1\n'
    )
    empty = "spec:\n  values:\n    configuration: {}\n"
    assert set_scalars(empty, PATH, {"A": "b"}) == "spec:\n  values:\n    configuration: {A: b}\n"


def test_complicated_flow_mappings_are_refused() -> None:
    message = (
        "spec.values.configuration in examiner.yaml is a flow mapping ({...}) on several lines or with nested values;"
        " edit by hand"
    )
    assert error("spec:\n  values:\n    configuration: {A: 1,\n      B: 2}\n", {"A": "x"}) == message
    assert error("spec:\n  values:\n    configuration: {A: [1, 2]}\n", {"B": "x"}) == message


def test_invalid_yaml_is_named() -> None:
    assert error("spec: [unclosed\n", {"A": "b"}).startswith("examiner.yaml is not valid YAML: ")


def test_the_check_refuses_an_edit_that_changes_anything_else() -> None:
    before = "a: 1\nspec:\n  values:\n    configuration:\n      A: x\n"
    with pytest.raises(ReleaseError, match=r"would change more than that$"):
        verify_edit(
            before,
            before.replace("a: 1", "a: 2").replace("A: x", "A: y"),
            0,
            ("spec", "values", "configuration"),
            {"A": "y"},
            source="f.yaml",
            where="w",
        )
    with pytest.raises(ReleaseError, match=r"^f\.yaml left unchanged: the edit would not parse \("):
        verify_edit(
            before,
            before + "  bad: [\n",
            0,
            ("spec", "values", "configuration"),
            {"A": "y"},
            source="f.yaml",
            where="w",
        )
    verify_edit(
        before,
        before.replace("A: x", "A: y"),
        0,
        ("spec", "values", "configuration"),
        {"A": "y"},
        source="f.yaml",
        where="w",
    )


def test_unknown_tags_elsewhere_do_not_stop_an_edit() -> None:
    text = "ref: !Ref Something\nspec:\n  values:\n    configuration:\n      A: x\n"
    assert set_scalars(text, PATH, {"A": "z"}) == text.replace("A: x", "A: z")


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["ECHO_VALUE", "SERVER_ERROR_RATE", "REQUEST_DELAY", "LOG_METHODS", "NEW"]),
        st.text(max_size=20),
        min_size=1,
    )
)
def test_any_values_edit_only_their_lines(values: dict[str, str]) -> None:
    edited = set_scalars(TEXT, PATH, values)
    assert {k: config(edited)[k] for k in values} == values
    touched = {line.split(":")[0].strip("+- ") for line in diff(TEXT, edited)}
    assert touched <= set(values)


def test_the_check_stops_an_insertion_the_editor_would_misplace() -> None:
    # The last entry ends in an alias to a node inside the same list; the editor cannot see where the alias sits,
    # so its insertion point is wrong. The check after the edit refuses instead of writing a broken release.
    text = "spec:\n  values:\n    configuration:\n      LIST:\n        - &a one\n        - *a\n"
    assert error(text, {"NEW": "x"}) == (
        "examiner.yaml left unchanged: setting NEW under spec.values.configuration in examiner.yaml"
        " would change more than that"
    )


def test_the_project_s_own_helmrelease() -> None:
    path = Path(__file__).resolve().parents[2] / "manifests" / "cluster" / "apps" / "examiner.yaml"
    text = path.read_text(encoding="utf-8")
    edited = set_scalars(text, PATH, {"ECHO_VALUE": "Go Flagger go!", "SERVER_ERROR_RATE": "10"})
    changes = diff(text, edited)
    assert changes[2:] == ['+      ECHO_VALUE: "Go Flagger go!"', '+      SERVER_ERROR_RATE: "10"']
    assert [line.split(":")[0] for line in changes[:2]] == ["-      ECHO_VALUE", "-      SERVER_ERROR_RATE"]
    assert set_scalars(text, "spec.values.canary", {"enabled": True}).count("\n") == text.count("\n")
