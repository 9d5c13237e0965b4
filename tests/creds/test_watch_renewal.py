"""Watches and lists with exec-plugin tokens that expire, against a stand-in that enforces them, with the real
`kubernetes` client: a 401 renews the token and the watch resumes from its resourceVersion."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.cluster import objects
from tests.creds.plugin import write_plugin
from tests.standin.apiserver import ApiServer
from tests.standin.tokens import TokenBook
from tests.waiting import wait_until
from tui.base import redact
from tui.cluster.api_paths import PathCall, collection_path
from tui.cluster.credentials import credentials_of
from tui.cluster.kubeconfig import connect
from tui.cluster.watch_loop import WatchLoop, WatchSpec
from tui.domain.model import Health
from tui.sources.mailbox import Mailbox

LIFETIME_S = 2.0


class Recorder(Mailbox):
    """A mailbox that keeps what the loop says, for the test to look at."""

    def __init__(self) -> None:
        self.healths: list[tuple[str, Health, str]] = []
        self.lock = threading.Lock()

    def emit(self, *observations: Any) -> None:
        pass

    def health(self, source: str, state: Health, detail: str = "", attempt: int = 0) -> None:
        with self.lock:
            self.healths.append((source, state, detail))


@pytest.mark.parametrize("api_version", ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"])
def test_a_watch_spanning_several_token_lifetimes_keeps_its_place(
    apiserver: ApiServer, tmp_path: Path, api_version: str
) -> None:
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=LIFETIME_S, claim_s=None, api_version=api_version)
    book = TokenBook(plugin.secret)
    apiserver.require_tokens(book)
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test", user=plugin.user())
    apiserver.put(objects.canary("c0"))
    connection = connect(str(kubeconfig), None)
    assert plugin.runs() == 1, "connecting ran the plugin once"
    listed: list[list[str]] = []
    events: list[tuple[str, str, str]] = []

    def on_list(items: list[dict[str, Any]]) -> None:
        listed.append(sorted(i["metadata"]["name"] for i in items))

    def on_event(kind: str, obj: dict[str, Any]) -> None:
        events.append((kind, obj["metadata"]["name"], obj["metadata"]["resourceVersion"]))

    spec = WatchSpec(
        "canaries",
        "canaries.flagger.app in test",
        "not served",
        PathCall(connection.api_client, collection_path("flagger.app", "v1beta1", "canaries", "test")),
    )
    stop = threading.Event()
    mailbox = Recorder()
    loop = WatchLoop(spec, mailbox, on_list, on_event, stop, read_timeout_s=5.0)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: listed, "the first list")
        made = 0
        # Changes keep coming while tokens expire (each watch outlives its token: the next one is refused).
        while book.expired < 3 or made < 12:
            made += 1
            apiserver.put(objects.canary(f"c{made}"))
            wait_until(lambda made=made: any(name == f"c{made}" for _, name, _ in events), f"c{made} arrives", 30)
    finally:
        stop.set()
        loop.close()
        thread.join(10)
    assert listed == [["c0"]], "renewal never lists again"
    assert loop.relists == 1
    names = [name for kind, name, _ in events if kind == "ADDED"]
    assert names == [f"c{i}" for i in range(1, made + 1)], "every change arrives once, in order"
    assert loop.renewals >= 3 and plugin.runs() == 1 + loop.renewals
    assert not any(state is Health.FORBIDDEN for _, state, _ in mailbox.healths)
    watches = apiserver.requests(verb="watch")
    assert all(r.query.get("resourceVersion") for r in watches), "each watch resumes from a resourceVersion"
    credentials = credentials_of(connection.api_client)
    assert credentials is not None
    for token in book.accepted:
        assert redact.scrub(f"x {token} y") == f"x {redact.MASK} y", "every token handed out is masked"


def test_a_stated_expiry_renews_before_the_server_refuses(apiserver: ApiServer, tmp_path: Path) -> None:
    """With an expirationTimestamp, the token is renewed ahead of its expiry: no request is refused."""
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=3.0, claim_s=3.0)
    book = TokenBook(plugin.secret)
    apiserver.require_tokens(book)
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test", user=plugin.user())
    connection = connect(str(kubeconfig), None)
    call = PathCall(connection.api_client, collection_path("flagger.app", "v1beta1", "canaries", "test"))
    from tui.cluster.http import get_json

    # Whole-second timestamps: the stated expiry may be up to a second early, never late.
    while plugin.runs() < 4:
        get_json(call)
    assert book.expired == 0 and book.invalid == 0


def test_renewal_runs_the_plugin_once_for_many_refused_watches(apiserver: ApiServer, tmp_path: Path) -> None:
    """Several watches refused at once with the same expired token share one renewal."""
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=LIFETIME_S, claim_s=None)
    book = TokenBook(plugin.secret)
    apiserver.require_tokens(book)
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test", user=plugin.user())
    connection = connect(str(kubeconfig), None)
    credentials = credentials_of(connection.api_client)
    assert credentials is not None
    generation = credentials.generation
    wait_until(lambda: not book.accepts(f"Bearer {credentials._token}"), "the first token expires", 10)
    threads = [threading.Thread(target=credentials.renew_refused, args=(generation,), daemon=True) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert plugin.runs() == 2
    assert credentials.generation == generation + 1
