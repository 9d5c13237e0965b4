"""Bearer tokens that expire: exec credential plugins (EKS, GKE) and OIDC id-tokens, renewed off the UI thread.

The `kubernetes` client would run an exec plugin without a timeout (a hung `aws` or `gke-gcloud-auth-plugin` hangs
the request for ever), hand it our terminal when stdout is a TTY, refresh only five minutes before an expiry it was
told about (a 60-second token is then renewed on every request), and never on a 401. Here one `Credentials` per
context holds the token: the client's `refresh_api_key_hook` renews it shortly before it expires, and the
watches, lists, log follows and Prometheus calls ask for a renewal when the server refuses it (`renew_refused`).
Renewal runs on the thread that asks (never the UI's), one at a time, bounded by a timeout; a failed renewal is
not tried again before a backoff. Tokens are registered with tui.base.redact and never put in any message.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from tui.base import redact
from tui.base.safe_text import safe_text
from tui.cluster.backoff import Backoff
from tui.domain.model import Health

SOURCE = "credentials"
EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
PLUGIN_TIMEOUT_S = 20.0
# A plugin's answer larger than this is not an ExecCredential.
MAX_OUTPUT_BYTES = 1024 * 1024
# Renewed this long before the stated expiry (at most a tenth of the token's lifetime, so short tokens still last).
EXPIRY_MARGIN_S = 30.0
COMMAND_CHARS = 80
# Before any screen is up a slow plugin leaves the terminal blank: after this long, say what is being waited for.
SLOW_PLUGIN_S = 1.0
_slow_notice: Callable[[str], None] | None = None


@contextlib.contextmanager
def notice_slow_plugins(say: Callable[[str], None]) -> Any:
    """While connecting before the UI starts, a plugin that has not answered within SLOW_PLUGIN_S is said by `say`
    (one line naming the command, never its output)."""
    global _slow_notice
    _slow_notice = say
    try:
        yield
    finally:
        _slow_notice = None


class CredentialsProblem(Exception):
    """One line naming the context and the plugin (its command) that could not hand out a token; never output."""


class ClientCertificates(CredentialsProblem):
    """The plugin hands out a client certificate rather than a bearer token: left to the client, as before."""


@dataclass(frozen=True)
class Issued:
    token: str
    expires_at: float | None  # epoch seconds, None when the issuer did not say


class Issuer(Protocol):
    describe: str

    def issue(self) -> Issued: ...


def _rfc3339(value: object) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class ExecPlugin:
    """A kubeconfig `user.exec` entry, run as kubectl runs it, without a terminal and with a deadline."""

    def __init__(
        self,
        exec_config: Mapping[str, Any],
        base_dir: str,
        cluster: Mapping[str, Any] | None = None,
        *,
        timeout_s: float = PLUGIN_TIMEOUT_S,
    ) -> None:
        command = exec_config.get("command")
        if not isinstance(command, str) or not command:
            raise CredentialsProblem("the exec credential plugin names no command")
        self.api_version = str(exec_config.get("apiVersion") or "")
        args = exec_config.get("args") or []
        self.args = [str(a) for a in args] if isinstance(args, list) else []
        if os.sep in command and not os.path.isabs(command):
            command = os.path.join(base_dir, command)  # relative to the kubeconfig, as kubectl resolves it
        self.command = command
        env = exec_config.get("env") or []
        self.env = {
            str(e["name"]): str(e.get("value") or "")
            for e in (env if isinstance(env, list) else [])
            if isinstance(e, dict) and e.get("name")
        }
        self.interactive_only = exec_config.get("interactiveMode") == "Always"
        self.cluster = dict(cluster) if cluster and exec_config.get("provideClusterInfo") else None
        self.timeout_s = timeout_s
        # The command by its name (a path to it says little and pushes the arguments off the line).
        shown = " ".join([os.path.basename(str(exec_config.get("command"))), *self.args])
        self.describe = safe_text(redact.scrub(shown), COMMAND_CHARS)

    def issue(self) -> Issued:
        if self.api_version not in EXEC_API_VERSIONS:
            raise CredentialsProblem(
                f"exec plugin `{self.describe}`: apiVersion {safe_text(self.api_version, 60)!r} is not one of "
                + ", ".join(EXEC_API_VERSIONS)
            )
        if self.interactive_only:
            raise CredentialsProblem(
                f"exec plugin `{self.describe}` needs a terminal (interactiveMode: Always); run it once in a shell"
            )
        spec: dict[str, Any] = {"interactive": False}
        if self.cluster is not None:
            spec["cluster"] = self.cluster
        info = {"apiVersion": self.api_version, "kind": "ExecCredential", "spec": spec}
        env = {**os.environ, **self.env, "KUBERNETES_EXEC_INFO": json.dumps(info)}
        try:
            process = subprocess.Popen(
                [self.command, *self.args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # never shown: a plugin may echo what it holds
                env=env,
                start_new_session=True,  # its own process group: a timeout ends whatever it started too
            )
        except FileNotFoundError:
            raise CredentialsProblem(f"exec plugin `{self.describe}`: command not found") from None
        except OSError as exc:
            raise CredentialsProblem(f"exec plugin `{self.describe}`: cannot run ({exc.strerror})") from None
        with _RUNNING_LOCK:
            _RUNNING.add(process)
        try:
            return self._answer(process)
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(process)

    def _answer(self, process: subprocess.Popen[bytes]) -> Issued:
        kept: list[bytes] = []
        reader = threading.Thread(target=_read_bounded, args=(process, kept), name="exec-plugin-output", daemon=True)
        reader.start()
        try:
            self._wait(process)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise CredentialsProblem(
                f"exec plugin `{self.describe}` gave no credentials within {self.timeout_s:g} s"
            ) from None
        reader.join(timeout=2.0)  # a descendant still holding the pipe is not waited for
        if process.returncode != 0:
            raise CredentialsProblem(f"exec plugin `{self.describe}` failed (exit status {process.returncode})")
        return self._parse(b"".join(kept))

    def _wait(self, process: subprocess.Popen[bytes]) -> None:
        say = _slow_notice
        if say is None or self.timeout_s <= SLOW_PLUGIN_S:
            process.wait(timeout=self.timeout_s)
            return
        try:
            process.wait(timeout=SLOW_PLUGIN_S)
            return
        except subprocess.TimeoutExpired:
            say(f"waiting for credentials from exec plugin `{self.describe}` (at most {self.timeout_s:g} s)")
        process.wait(timeout=self.timeout_s - SLOW_PLUGIN_S)

    def _parse(self, stdout: bytes) -> Issued:
        try:
            document = json.loads(stdout)
        except ValueError:
            document = None
        status = document.get("status") if isinstance(document, dict) else None
        if not isinstance(document, dict) or document.get("kind") != "ExecCredential" or not isinstance(status, dict):
            raise CredentialsProblem(f"exec plugin `{self.describe}` did not print an ExecCredential")
        if document.get("apiVersion") != self.api_version:
            raise CredentialsProblem(
                f"exec plugin `{self.describe}` answered in {safe_text(str(document.get('apiVersion')), 60)!r}, "
                f"not {self.api_version}"
            )
        token = status.get("token")
        if not token and status.get("clientCertificateData") and status.get("clientKeyData"):
            redact.register(status.get("clientKeyData"))
            raise ClientCertificates(f"exec plugin `{self.describe}` handed out a client certificate")
        if not isinstance(token, str) or not token.strip():
            raise CredentialsProblem(f"exec plugin `{self.describe}` handed out no token")
        redact.register(token)
        return Issued(token.strip(), _rfc3339(status.get("expirationTimestamp")))


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT (seconds since the epoch), read without checking its signature: the server does."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


class OidcRefresher:
    """A kubeconfig `auth-provider: oidc` entry: its id-token, renewed with its refresh-token at the issuer's token
    endpoint (found through the issuer's discovery document), as kubectl's oidc provider does. The renewed tokens
    are kept in memory; the kubeconfig is not rewritten."""

    def __init__(self, config: Mapping[str, Any], base_dir: str, *, timeout_s: float = PLUGIN_TIMEOUT_S) -> None:
        self.issuer_url = str(config.get("idp-issuer-url") or "").rstrip("/")
        self.client_id = str(config.get("client-id") or "")
        self.client_secret = str(config.get("client-secret") or "")
        self.id_token = str(config.get("id-token") or "")
        self.refresh_token = str(config.get("refresh-token") or "")
        ca_file = config.get("idp-certificate-authority")
        if isinstance(ca_file, str) and ca_file and not os.path.isabs(ca_file):
            ca_file = os.path.join(base_dir, ca_file)
        self.ca_file = ca_file if isinstance(ca_file, str) and ca_file else None
        ca_data = config.get("idp-certificate-authority-data")
        self.ca_data = base64.b64decode(ca_data).decode() if isinstance(ca_data, str) and ca_data else None
        self.timeout_s = timeout_s
        self.describe = f"oidc {safe_text(redact.scrub(self.issuer_url), COMMAND_CHARS)}"
        self._used_initial = False

    def issue(self) -> Issued:
        if not self._used_initial and self.id_token:
            self._used_initial = True
            expires = jwt_expiry(self.id_token)
            if expires is None or expires > time.time():
                return Issued(self.id_token, expires)
        if not self.refresh_token or not self.issuer_url:
            raise CredentialsProblem(f"{self.describe}: the id-token expired and there is no refresh-token to renew it")
        endpoint = self._get_json(f"{self.issuer_url}/.well-known/openid-configuration").get("token_endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            raise CredentialsProblem(f"{self.describe}: the issuer's discovery document names no token_endpoint")
        form = {"grant_type": "refresh_token", "refresh_token": self.refresh_token, "client_id": self.client_id}
        if self.client_secret:
            form["client_secret"] = self.client_secret
        answer = self._post_form(endpoint, form)
        id_token = answer.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise CredentialsProblem(f"{self.describe}: the token endpoint's answer has no id_token")
        redact.register(id_token)
        if isinstance(answer.get("refresh_token"), str) and answer["refresh_token"]:
            self.refresh_token = answer["refresh_token"]  # rotated: the old one may no longer work
            redact.register(self.refresh_token)
        self.id_token = id_token
        return Issued(id_token, jwt_expiry(id_token))

    def _pool(self) -> Any:
        import urllib3

        timeout = urllib3.Timeout(connect=min(5.0, self.timeout_s), read=self.timeout_s)
        if self.ca_data is not None:
            return urllib3.PoolManager(timeout=timeout, retries=False, ca_cert_data=self.ca_data)
        return urllib3.PoolManager(timeout=timeout, retries=False, ca_certs=self.ca_file)

    def _get_json(self, url: str) -> dict[str, Any]:
        return self._request("GET", url, None)

    def _post_form(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        return self._request("POST", url, form)

    def _request(self, method: str, url: str, form: dict[str, str] | None) -> dict[str, Any]:
        import urllib3

        try:
            if form is None:
                response = self._pool().request(method, url, preload_content=False)
            else:
                response = self._pool().request_encode_body(
                    method, url, fields=form, encode_multipart=False, preload_content=False
                )
            try:
                body = response.read(MAX_OUTPUT_BYTES)
            finally:
                response.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            from tui.cluster.connect_errors import describe_transport

            raise CredentialsProblem(f"{self.describe}: {describe_transport(exc)}") from None
        if response.status != 200:
            # The body is not shown: an identity provider's error may repeat what it was sent.
            raise CredentialsProblem(f"{self.describe}: the issuer answered HTTP {response.status}")
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise CredentialsProblem(f"{self.describe}: the issuer's answer is not a JSON object")
        return document


# Plugins running now: in their own process groups, so a quitting canaryscope ends them itself.
_RUNNING: set[subprocess.Popen[bytes]] = set()
_RUNNING_LOCK = threading.Lock()


@atexit.register
def _end_running_plugins() -> None:
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for process in running:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def _read_bounded(process: subprocess.Popen[bytes], kept: list[bytes]) -> None:
    """The plugin's output up to MAX_OUTPUT_BYTES; the rest is read and dropped, so the plugin never blocks."""
    assert process.stdout is not None
    size = 0
    with contextlib.suppress(OSError, ValueError):
        while chunk := process.stdout.read1(65536):
            if size < MAX_OUTPUT_BYTES:
                kept.append(chunk[: MAX_OUTPUT_BYTES - size])
            size += len(chunk)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=2.0)


class Credentials:
    """One context's bearer token, renewed by its issuer when due and when refused."""

    def __init__(
        self,
        context: str,
        issuer: Issuer,
        *,
        clock: Callable[[], float] = time.time,
        margin_s: float = EXPIRY_MARGIN_S,
        retry: Backoff | None = None,
    ) -> None:
        self.context = context
        self.issuer = issuer
        self.clock = clock
        self.margin_s = margin_s
        self.retry = retry or Backoff(initial=1.0, cap=30.0)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at: float | None = None
        self._not_before = 0.0  # monotonic: no new attempt before, after a failure
        self.problem: str | None = None
        # Incremented at each new token: a refusal seen before a renewal needs no renewal of its own.
        self.generation = 0
        self.runs = 0
        self._reported: list[Any] = []  # mailboxes told of a problem, told again when it is over
        self._configurations: list[Any] = []
        self.client_certificates = False  # the first answer was a certificate: this object is not used

    @property
    def describe(self) -> str:
        return self.issuer.describe

    def has_token(self) -> bool:
        return self._token is not None

    def install(self, configuration: Any) -> None:
        """Make the client's configuration ask this object for the token before each request."""
        configuration.api_key_prefix["BearerToken"] = "Bearer"
        if self._token is not None:
            configuration.api_key["BearerToken"] = self._token
        configuration.refresh_api_key_hook = self.refresh_hook
        # The client asks the hook only once a token is there: a first token that came late is put in by renewal.
        self._configurations.append(configuration)

    def refresh_hook(self, configuration: Any) -> None:
        """Called by the client before each request, on the requesting thread: renew if due, never raise."""
        if self._due():
            with self._lock:
                if self._due() and time.monotonic() >= self._not_before:
                    # On failure the request goes out with what there is; its 401 reports the problem.
                    with contextlib.suppress(CredentialsProblem):
                        self._renew_locked()
            self._recovered()
        if self._token is not None:
            configuration.api_key["BearerToken"] = self._token

    def token_for_request(self, configuration: Any) -> str | None:
        """`Bearer …` for a request made outside the client (Prometheus through the API server's proxy)."""
        self.refresh_hook(configuration)
        return f"Bearer {self._token}" if self._token is not None else None

    def renew_refused(self, generation: int, emitter: Any = None) -> bool:
        """The server refused a request sent with token `generation`: renew it unless that is done already. True
        when another token is now in use (send the request again), False when the issuer handed out the refused one
        again (the credentials are wrong, not old). Raises CredentialsProblem (and says so on the health line of
        `emitter`) when no token can be had."""
        with self._lock:
            if self.generation != generation and self._token is not None:
                return True  # renewed since that request went out: try again with the new one
            if time.monotonic() < self._not_before and self.problem is not None:
                self._report(emitter)
                raise CredentialsProblem(self.problem)
            refused = self._token
            try:
                self._renew_locked()
            except CredentialsProblem:
                self._report(emitter)
                raise
        self._recovered()
        return self._token != refused

    def first(self) -> None:
        """The first token, at start-up; a failure is kept for the first request's refusal to report."""
        with self._lock, contextlib.suppress(CredentialsProblem):
            self._renew_locked()

    def _due(self) -> bool:
        return self._token is None or (self._renew_at is not None and self.clock() >= self._renew_at)

    def _renew_locked(self) -> None:
        self.runs += 1
        try:
            issued = self.issuer.issue()
        except ClientCertificates as problem:
            self.client_certificates = self.generation == 0
            self.problem = f"context {self.context}: {problem}, not a token; restart canaryscope"
            self._not_before = time.monotonic() + self.retry.next_delay(lambda: 1.0)
            raise CredentialsProblem(self.problem) from None
        except CredentialsProblem as problem:
            self.problem = f"context {self.context}: {problem}"
            self._not_before = time.monotonic() + self.retry.next_delay(lambda: 1.0)
            raise CredentialsProblem(self.problem) from None
        except Exception as exc:  # an issuer bug must not end the watch that asked
            self.problem = f"context {self.context}: credentials from `{self.describe}` failed ({type(exc).__name__})"
            self._not_before = time.monotonic() + self.retry.next_delay(lambda: 1.0)
            raise CredentialsProblem(self.problem) from None
        redact.register(issued.token)
        now = self.clock()
        self._token = issued.token
        if issued.expires_at is None or issued.expires_at <= now:
            # Renewed when refused: a token said to be expired already (a plugin's stale cache, a skewed clock)
            # would otherwise run the plugin before every request.
            self._renew_at = None
        else:
            lifetime = max(0.0, issued.expires_at - now)
            self._renew_at = issued.expires_at - min(self.margin_s, lifetime / 10)
        self.generation += 1
        for configuration in self._configurations:
            configuration.api_key["BearerToken"] = issued.token
        self.problem = None
        self._not_before = 0.0
        self.retry.reset()

    def _report(self, emitter: Any) -> None:
        if emitter is None or self.problem is None:
            return
        if emitter not in self._reported and len(self._reported) < 8:
            self._reported.append(emitter)
        emitter.health(SOURCE, Health.FORBIDDEN, self.problem)

    def _recovered(self) -> None:
        with self._lock:
            if self.problem is not None or not self._reported:
                return
            told, self._reported = self._reported, []
        for emitter in told:
            emitter.health(SOURCE, Health.CONNECTED, f"context {self.context}: credentials renewed by {self.describe}")


def credentials_of(api_client: Any) -> Credentials | None:
    """The renewable credentials behind an ApiClient, if its context has any."""
    configuration = getattr(api_client, "configuration", None)
    hook = getattr(configuration, "refresh_api_key_hook", None)
    owner = getattr(hook, "__self__", None)
    return owner if isinstance(owner, Credentials) else None


def renew_after_refusal(api_client: Any, generation: int, emitter: Any = None) -> bool:
    """After a 401 on a request sent when the credentials were at `generation`: True when renewed (send it again),
    False when the context's credentials are not renewable or came back the same; CredentialsProblem when renewal
    failed."""
    creds = credentials_of(api_client)
    return creds is not None and creds.renew_refused(generation, emitter)


def renewed_after_refusal(api_client: Any, generation: int, emitter: Any = None) -> bool:
    """As renew_after_refusal, False also when renewal failed (the problem is on the credentials' health line)."""
    try:
        return renew_after_refusal(api_client, generation, emitter)
    except CredentialsProblem:
        return False


def generation_of(api_client: Any) -> int:
    creds = credentials_of(api_client)
    return creds.generation if creds is not None else 0


def issuer_for(
    user: Mapping[str, Any], base_dir: str | Path, cluster: Mapping[str, Any] | None, *, timeout_s: float
) -> Issuer | None:
    """The user's exec plugin or OIDC provider when the client would use it: canaryscope renews those itself."""
    provider = user.get("auth-provider")
    if isinstance(provider, dict):
        config = provider.get("config")
        if provider.get("name") == "oidc" and isinstance(config, dict):
            return OidcRefresher(config, str(base_dir), timeout_s=timeout_s)
        return None  # another provider (gcp, azure): the client's own handling
    return exec_plugin_for(user, base_dir, cluster, timeout_s=timeout_s)


def exec_plugin_for(
    user: Mapping[str, Any], base_dir: str | Path, cluster: Mapping[str, Any] | None, *, timeout_s: float
) -> ExecPlugin | None:
    """The user's exec plugin when the client would use it (no auth-provider, token or tokenFile before it)."""
    exec_config = user.get("exec")
    if not isinstance(exec_config, dict) or any(user.get(k) for k in ("auth-provider", "token", "tokenFile")):
        return None
    return ExecPlugin(exec_config, str(base_dir), cluster, timeout_s=timeout_s)
