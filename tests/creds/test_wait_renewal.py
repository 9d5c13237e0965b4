"""`canaryscope wait` as a subprocess whose exec-plugin tokens expire several times during the rollout."""

from __future__ import annotations

from pathlib import Path

from tests.creds.plugin import write_plugin
from tests.standin.apiserver import ApiServer
from tests.standin.tokens import TokenBook
from tests.wait.test_wait import NEW, Flagger, WaitProcess, in_order, seed
from tests.waiting import wait_until


def test_wait_survives_renewals(apiserver: ApiServer, tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=2.0, claim_s=None)
    book = TokenBook(plugin.secret)
    apiserver.require_tokens(book)
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test", user=plugin.user())
    flagger = Flagger(apiserver, seed(apiserver, phase="Succeeded"))
    wait = WaitProcess(kubeconfig, "test/examiner", "--timeout", "90s")
    wait.wait_for("start test/examiner phase Succeeded")
    flagger.new_revision(wait)
    for step in (10, 20, 30):
        # Each step after the token in use has expired and the watches were cut: they come back with a 401.
        wait_until(book.outlived, "the tokens expire", 30)
        expired = book.expired
        apiserver.drop_connections()
        wait_until(lambda expired=expired: book.expired > expired, "a refused token", 30)
        flagger.advance(wait, step)
    flagger.promote(wait, 30)
    assert wait.finish(60) == 0, "\n".join(wait.lines) + wait.stderr
    body = wait.bodies
    in_order(
        body,
        "phase Progressing weight 10/50 (router 10)",
        "phase Progressing weight 20/50 (router 20)",
        "phase Progressing weight 30/50 (router 30)",
        f"succeeded test/examiner revision {NEW} after ",
    )
    events = [line for line in body if line.startswith("event ")]
    assert len(events) == len(set(events)) == 6, events
    assert not any("unauthorized" in line or "credentials" in line for line in body)
    assert plugin.runs() >= 4
    assert wait.stderr == ""
