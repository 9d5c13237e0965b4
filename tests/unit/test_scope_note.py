"""The overview's sentences for an empty table: a refused list says what to do."""

from __future__ import annotations

from widgets.scope_note import forbidden_sentence, scope_of


def test_a_refused_list_reads_as_a_sentence_with_what_to_do() -> None:
    everywhere = forbidden_sentence("cannot list canaries.flagger.app in all namespaces")
    assert everywhere.startswith("You may not list Canaries in every namespace")
    assert everywhere.endswith("Watch a namespace you may read with -n NAMESPACE.")
    one = forbidden_sentence("cannot watch canaries.flagger.app in apps")
    assert one.startswith("You may not list Canaries in apps (") and "another namespace with -n" in one


def test_the_scope_comes_from_the_sources_label() -> None:
    assert scope_of("cluster kind-lab · apps") == "in apps"
    assert scope_of("cluster kind-lab · all namespaces") == "in all namespaces"
    assert scope_of("simulation (seed 1, ×5)") == "in scope"
