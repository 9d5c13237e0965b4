"""Several generators at once (background load and error injection), each visible and stoppable; all stop on quit."""

from __future__ import annotations

import time

import pytest

from tui.load.errors import LoadError
from tui.load.policy import LoadPolicy
from tui.load.presets import BACKGROUND_LOAD, ERROR_INJECTION
from tui.load.registry import LoadRegistry
from tui.load.spec import LoadSpec

from .examiner_server import ExaminerServer


def test_seed_presets_match_the_readme() -> None:
    bg = BACKGROUND_LOAD.spec("http://localhost/examine")
    assert (bg.url, bg.concurrency, bg.rate_per_worker, bg.duration_s) == (
        "http://localhost/examine?delay=100..250",
        5,
        5.0,
        3600.0,
    )
    err = ERROR_INJECTION.spec("http://localhost/examine?x=1")
    assert (err.url, err.concurrency, err.rate_per_worker, err.duration_s) == (
        "http://localhost/examine?x=1&delay=100..500&status=500",
        2,
        2.0,
        240.0,
    )
    LoadPolicy().check(bg)
    LoadPolicy().check(err)


def test_background_load_and_error_injection_side_by_side(examiner: ExaminerServer) -> None:
    registry = LoadRegistry(LoadPolicy.for_target(examiner.url()), clock=lambda: 100.0)
    bg = registry.toggle(BACKGROUND_LOAD.spec(examiner.url()), BACKGROUND_LOAD.label)
    err = registry.start(ERROR_INJECTION.spec(examiner.url()), ERROR_INJECTION.label)
    assert bg is not None
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # 2 workers x 2/s with delays up to 0.5 s: about 2 s on an idle machine
            by_label = {s.label: s for s in registry.stats()}
            errors, background = by_label.get("error injection"), by_label.get("background load")
            if errors and errors.requests >= 4 and background and background.status_counts:
                break
            time.sleep(0.05)
        by_label = {s.label: s for s in registry.stats()}
        assert set(by_label) == {"background load", "error injection"}
        assert all(s.running for s in by_label.values())
        assert {code for code, _ in by_label["background load"].status_counts} == {200}
        assert {code for code, _ in by_label["error injection"].status_counts} == {500}
        assert by_label["error injection"].requests >= 4  # 2 workers x 2/s, delays up to 0.5 s
        # `l` again stops only the background load.
        assert registry.toggle(BACKGROUND_LOAD.spec(examiner.url()), BACKGROUND_LOAD.label) is None
        assert bg.wait(1.0) and err.running
        assert registry.running_with_label(BACKGROUND_LOAD.label) is None
    finally:
        began = time.monotonic()
        assert registry.stop_all(timeout=1.0, close=True)
        assert time.monotonic() - began < 1.0
    assert not any(s.running for s in registry.stats())
    with pytest.raises(LoadError, match="shut down"):
        registry.start(LoadSpec(examiner.url()))


def test_stop_all_is_prompt_with_many_slow_requests(examiner: ExaminerServer) -> None:
    registry = LoadRegistry(LoadPolicy.for_target(examiner.url()))
    url = examiner.url("/examine?delay=20000")
    gens = [registry.start(LoadSpec(url, concurrency=10, rate_per_worker=10, duration_s=600)) for _ in range(4)]
    deadline = time.monotonic() + 3
    while examiner.in_flight < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert examiner.in_flight == 40
    began = time.monotonic()
    assert registry.stop_all(timeout=1.0)
    took = time.monotonic() - began
    assert took < 1.0, f"stop_all took {took:.3f} s"
    assert not any(gen.running for gen in gens)
    assert sum(gen.snapshot().cancelled for gen in gens) == 40


def test_running_generators_are_capped_and_stoppable_one_by_one(examiner: ExaminerServer) -> None:
    registry = LoadRegistry(LoadPolicy.for_target(examiner.url()), max_running=2, keep_finished=1)
    spec = LoadSpec(examiner.url(), concurrency=1, rate_per_worker=1, duration_s=60)
    first, second = registry.start(spec, "a"), registry.start(spec, "b")
    with pytest.raises(LoadError, match="2 load generators are already running"):
        registry.start(spec, "c")
    registry.stop(first.id)  # does not wait
    assert first.wait(1.0)
    third = registry.start(spec, "c")
    assert [g.label for g in registry.generators()] == ["a", "b", "c"]
    assert registry.stop_all()
    registry.start(spec, "d")
    # Only `keep_finished` finished generators stay listed.
    assert [g.label for g in registry.generators()] == ["c", "d"]
    registry.remove(third.id)
    assert registry.get(third.id) is None and registry.get(second.id) is None
    assert registry.stop_all()


def test_registry_enforces_the_policy(examiner: ExaminerServer) -> None:
    registry = LoadRegistry(LoadPolicy.for_target(examiner.url()))
    with pytest.raises(LoadError, match="concurrency 11"):
        registry.start(LoadSpec(examiner.url(), concurrency=11))
    with pytest.raises(LoadError, match="host 'localhost'"):
        registry.start(LoadSpec("http://localhost/examine"))
    assert registry.generators() == ()
