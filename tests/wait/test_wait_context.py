"""`canaryscope wait CONTEXT/NAMESPACE/CANARY`: the context named in the reference is the one watched."""

from __future__ import annotations

from pathlib import Path

from tests.cluster import objects
from tests.standin.apiserver import ApiServer
from tests.standin.kubeconfig import write_kubeconfig
from tests.wait.test_wait import WaitProcess, run_main
from tui.cmdline.names import split_context_ref


def test_the_reference_names_the_context_the_canary_runs_in(apiserver: ApiServer, tmp_path: Path) -> None:
    apiserver.put(objects.canary(phase="Succeeded"))
    # The current context is a cluster that is not there: only the context in the reference can answer.
    kubeconfig = write_kubeconfig(
        tmp_path / "kubeconfig",
        "http://127.0.0.1:1",
        namespace="test",
        context="gone",
        extra_contexts={"east": apiserver.url},
    )
    assert "current-context: gone" in kubeconfig.read_text()
    wait = WaitProcess(kubeconfig, "east/test/examiner", "--timeout", "3s")
    assert wait.finish() == 2, wait.stderr  # seen, no rollout started: the timeout, not an error
    assert wait.bodies[-1].startswith("timeout test/examiner after 3s: no rollout started since the wait began")


def test_a_reference_and_context_that_disagree_are_one_line(apiserver: ApiServer, tmp_path: Path) -> None:
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", context="east", extra_contexts={"west": "x"})
    code, out, err = run_main(["east/test/examiner", "--kubeconfig", str(kubeconfig), "--context", "west"])
    assert code == 3 and out == ""
    assert err == "canaryscope wait: CANARY 'east/test/examiner' names context 'east' but --context says 'west'\n"


def test_an_unknown_context_in_the_reference_lists_the_contexts(apiserver: ApiServer, tmp_path: Path) -> None:
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", context="east")
    code, _, err = run_main(["north/test/examiner", "--kubeconfig", str(kubeconfig)])
    assert code == 3
    assert err == f"canaryscope wait: context 'north' is not in {kubeconfig} (contexts: east)\n"


def test_a_context_named_by_arn_keeps_its_slash() -> None:
    arn = "arn:aws:eks:eu-west-1:123456789012:cluster/prod"
    assert split_context_ref(f"{arn}/apps/podinfo") == (arn, "apps/podinfo")
    assert split_context_ref("apps/podinfo") == (None, "apps/podinfo")
    assert split_context_ref("podinfo") == (None, "podinfo")
