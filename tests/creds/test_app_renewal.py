"""The app on an overview whose exec-plugin tokens expire: its canary list keeps updating across renewals, and a
plugin that fails is named on the health line, without anything the plugin printed."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cluster import objects
from tests.creds.plugin import write_plugin
from tests.reliability.apps import cluster_app, wait_state
from tests.standin.apiserver import ApiServer
from tests.standin.tokens import TokenBook
from tests.waiting import settle
from tui.cluster.source import ClusterOptions
from tui.domain.model import CanaryKey, Health

PHASES = ("Progressing", "WaitingPromotion", "Promoting", "Finalising", "Succeeded", "Failed")
LEAK = "plugin-output-SECRET-77ab"


def screen_text(svg: str) -> str:
    return re.sub(r"<[^>]+>", "", svg).replace("&#160;", " ")


async def test_the_overview_keeps_updating_across_renewals(apiserver: ApiServer, tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=2.0, claim_s=None)
    plugin.set(leak=LEAK)
    book = TokenBook(plugin.secret)
    apiserver.require_tokens(book)
    for name in ("alpha", "bravo", "charlie"):
        apiserver.put(objects.canary(name, phase="Initialized"))
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test", user=plugin.user())
    options = ClusterOptions(prometheus=None, logger=None, read_timeout_s=5.0)
    app, source = cluster_app(kubeconfig, options, canary=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_state(pilot, app, lambda s: len(s.canaries) == 3, "the three canaries")
        for step, phase in enumerate(PHASES):
            if step % 2:
                await settle(pilot, book.outlived, "the tokens expire")
                apiserver.drop_connections()  # the watches come back with a refused token
            name = ("alpha", "bravo", "charlie")[step % 3]
            apiserver.patch_status("canaries.flagger.app", name, "test", {"phase": phase})
            await wait_state(
                pilot,
                app,
                lambda s, name=name, phase=phase: s.canaries[CanaryKey("test", name)].info.phase == phase,
                f"{name} {phase}",
                timeout=30,
            )
        assert book.expired >= 3 and plugin.runs() >= 4
        assert source.loops["canaries"].relists == 1
        assert all(h.state is not Health.FORBIDDEN for h in app.state.health.values())
        # A plugin that starts failing: the health line names it; the canaries are as they were.
        plugin.set(mode="fail")
        await settle(pilot, book.outlived, "the tokens expire")
        apiserver.drop_connections()
        await wait_state(pilot, app, lambda s: "credentials" in s.health, "the credentials' note", timeout=30)
        detail = app.state.health["credentials"].detail
        assert detail == "context standin: exec plugin `get-token --cluster standin` failed (exit status 3)"
        await pilot.pause()
        text = screen_text(app.export_screenshot())
        assert LEAK not in text and "cs." not in text
        assert "charlie" in text and len(app.state.canaries) == 3
        await pilot.press("q")
    source.stop()
