"""Template hashes: stable, and each distinct template hashed once however often its Deployment changes."""

from __future__ import annotations

from tui.domain.flagger import hashing


def test_equal_values_hash_alike_whatever_their_key_order() -> None:
    first = hashing.object_hash({"spec": {"containers": [{"name": "app", "image": "a:1"}]}, "metadata": {}})
    second = hashing.object_hash({"metadata": {}, "spec": {"containers": [{"image": "a:1", "name": "app"}]}})
    assert first == second and len(first) >= 8
    assert hashing.object_hash({"spec": {"containers": [{"name": "app", "image": "a:2"}]}}) != first


def test_a_template_seen_again_is_not_hashed_again(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []
    real = hashing.fnv1a_32
    monkeypatch.setattr(hashing, "fnv1a_32", lambda data: calls.append(len(data)) or real(data))
    template = {"metadata": {"labels": {"app": "unique-to-this-test"}}, "spec": {"containers": [{"image": "x:9"}]}}
    first = hashing.object_hash(template)
    again = [hashing.object_hash(dict(template)) for _ in range(100)]
    assert again == [first] * 100
    assert len(calls) == 1
