"""YAML read through libyaml gives what PyYAML's pure safe loader gives, and fails with its words and position."""

from __future__ import annotations

import pytest
import yaml

from tui.base import yaml_fast

KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: east
clusters:
- name: east
  cluster: {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}
contexts:
- name: east
  context: {cluster: east, user: admin, namespace: apps}
users:
- name: admin
  user:
    token: abc
    exec: {command: ./plugin, args: ["--ttl", "60"], apiVersion: client.authentication.k8s.io/v1}
when: 2026-12-07
count: 012
yes_or_no: yes
empty:
"""


def test_libyaml_is_what_is_used_here() -> None:
    # PyYAML's wheels carry libyaml; without it the pure loader runs, correct but slower.
    assert getattr(yaml, "CSafeLoader", None) is not None


@pytest.mark.parametrize("text", [KUBECONFIG, "", "- 1\n- two\n", "just text", "a: !!binary aGk=\n"])
def test_the_document_is_the_pure_loaders(text: str) -> None:
    assert yaml_fast.safe_load(text) == yaml.safe_load(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: b: c\n",
        "key: [unclosed\n",
        "- a\nb: c\n",
        "a: !!python/object:os.system echo\n",  # a tag the safe loader refuses
        "\tkey: tab\n",
    ],
)
def test_a_text_that_is_not_yaml_fails_as_the_pure_loader_words_it(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError) as fast:
        yaml_fast.safe_load(text)
    assert str(fast.value) == str(pure.value)
    assert type(fast.value) is type(pure.value)
