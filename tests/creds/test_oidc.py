"""kubectl's oidc auth provider: an id-token that expires, refreshed at the issuer's token endpoint with the
(rotating) refresh-token; the watch resumes from its resourceVersion."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from tests.cluster import objects
from tests.creds.idp import IdentityProvider
from tests.standin.apiserver import ApiServer
from tests.standin.tokens import TokenBook
from tests.waiting import wait_until
from tui.base import redact
from tui.cluster.api_paths import PathCall, collection_path
from tui.cluster.credentials import CredentialsProblem, credentials_of
from tui.cluster.kubeconfig import connect
from tui.cluster.watch_loop import WatchLoop, WatchSpec
from tui.domain.model import Health
from tui.sources.mailbox import Mailbox


class Recorder(Mailbox):
    def __init__(self) -> None:
        self.healths: list[tuple[str, Health, str]] = []

    def emit(self, *observations: Any) -> None:
        pass

    def health(self, source: str, state: Health, detail: str = "", attempt: int = 0) -> None:
        self.healths.append((source, state, detail))


def test_an_expired_id_token_is_refreshed_and_the_watch_keeps_its_place(apiserver: ApiServer, tmp_path: Path) -> None:
    book = TokenBook("idp-secret")
    apiserver.require_tokens(book)
    idp = IdentityProvider(book, lifetime_s=2.0).start()
    try:
        # The kubeconfig's id-token has expired already: the first request needs a refresh.
        user = idp.user(book.issue_jwt(-10))
        kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test", user=user)
        apiserver.put(objects.canary("c0"))
        connection = connect(str(kubeconfig), None)
        assert idp.refreshes == 1
        events: list[str] = []
        listed: list[list[str]] = []
        spec = WatchSpec(
            "canaries",
            "canaries.flagger.app in test",
            "not served",
            PathCall(connection.api_client, collection_path("flagger.app", "v1beta1", "canaries", "test")),
        )
        stop = threading.Event()
        loop = WatchLoop(
            spec,
            Recorder(),
            lambda items: listed.append([i["metadata"]["name"] for i in items]),
            lambda kind, obj: events.append(obj["metadata"]["name"]),
            stop,
            read_timeout_s=5.0,
        )
        thread = threading.Thread(target=loop.run, daemon=True)
        thread.start()
        try:
            wait_until(lambda: listed, "the first list")
            made = 0
            while idp.refreshes < 4 or made < 6:
                made += 1
                apiserver.put(objects.canary(f"c{made}"))
                wait_until(lambda made=made: f"c{made}" in events, f"c{made}", 30)
                if made % 2 == 0:
                    wait_until(book.outlived, "the id-token expires", 10)
                    apiserver.drop_connections()
            # A long-lived id-token, then the issuer's key changes: the token in use is refused long before its
            # exp, and refreshed on that 401.
            idp.lifetime_s = 60.0
            refreshes = idp.refreshes
            wait_until(book.outlived, "the id-token expires", 10)
            apiserver.drop_connections()
            wait_until(lambda: idp.refreshes > refreshes, "a long-lived id-token", 30)
            made += 1
            apiserver.put(objects.canary(f"c{made}"))
            wait_until(lambda: f"c{made}" in events, "a change with the long-lived id-token", 30)
            book.secret = "rotated-idp-secret"
            apiserver.drop_connections()
            made += 1
            apiserver.put(objects.canary(f"c{made}"))
            wait_until(lambda: f"c{made}" in events, "a change after the refusal", 30)
        finally:
            stop.set()
            loop.close()
            thread.join(10)
        assert listed == [["c0"]] and loop.relists == 1
        assert events == [f"c{i}" for i in range(1, made + 1)]
        assert book.expired == 0, "an id-token's exp is known: it is refreshed before the server refuses it"
        assert book.invalid >= 1 and loop.renewals >= 1, "a refused id-token was refreshed"
        for token in (*book.accepted, idp.refresh_token, "oidc-client-secret-NEVER-SHOW"):
            assert redact.MASK in redact.scrub(token)
    finally:
        idp.stop()


def test_a_refused_refresh_is_one_line_naming_the_issuer(apiserver: ApiServer, tmp_path: Path) -> None:
    book = TokenBook("idp-secret")
    apiserver.require_tokens(book)
    idp = IdentityProvider(book, lifetime_s=2.0).start()
    try:
        kubeconfig = apiserver.write_kubeconfig(
            tmp_path / "kubeconfig", namespace="test", user=idp.user(book.issue_jwt(-10))
        )
        idp.failing = True
        connection = connect(str(kubeconfig), None)
        credentials = credentials_of(connection.api_client)
        assert credentials is not None and not credentials.has_token()
        try:
            credentials.renew_refused(credentials.generation)
        except CredentialsProblem as problem:
            assert str(problem) == f"context standin: oidc {idp.url}: the issuer answered HTTP 400"
        else:
            raise AssertionError("a refused refresh gave a token")
    finally:
        idp.stop()
