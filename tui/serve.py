"""`canaryscope serve [--host H] [--port P] [-- ARGS]`: the UI in a browser, through textual-serve.

Every browser tab that opens the page gets its own `canaryscope ARGS` process (default `demo`), run with this
same Python. The server binds to exactly the address given, 127.0.0.1 unless told otherwise, and says so on
stderr when told otherwise. Because the page can drive a rollout, requests are checked the way a loopback
service must be: on a loopback address only loopback Host names are answered (no DNS rebinding), and a browser's
websocket must come from the page's own origin (no other site can open it).

Another account on the same machine can reach a loopback port too, so every start makes a random token: the URL
printed once on stdout carries it, the page is only served with it and the page's websocket URL carries it in its
path; anything else gets 403 and starts nothing. At most --max-sessions tabs run at once; one more is told so.
Credentials in the served command (a Prometheus URL's userinfo) reach each tab's process through its environment,
never its argv, and are shown nowhere.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import re
import secrets
import shlex
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit, urlunsplit

from tui.base.redact import register, scrub
from tui.cmdline import registry
from tui.cmdline.parser import EXIT_USAGE, OneLineParser, UsageError, report

PROG = "canaryscope serve"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_ARGS = ("demo",)
DEFAULT_MAX_SESSIONS = 4
MAX_MAX_SESSIONS = 64
TOKEN_BYTES = 32
PROMETHEUS_PASSWORD_ENV = "CANARYSCOPE_PROMETHEUS_PASSWORD"
PROMETHEUS_USER_ENV = "CANARYSCOPE_PROMETHEUS_USER"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*\.?")
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class ServeUsageError(UsageError):
    """A mistake in what the user asked for, worded as one line."""


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    args: tuple[str, ...]
    loopback: bool
    max_sessions: int = DEFAULT_MAX_SESSIONS
    # What each tab's process gets in its environment rather than its argv (`ps` shows argv to every account).
    child_env: tuple[tuple[str, str], ...] = ()

    @property
    def command(self) -> str:
        """The shell command textual-serve runs per browser session: this Python, this canaryscope."""
        return shlex.join([sys.executable, "-m", "tui", *self.args])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url_with_token(self, token: str) -> str:
        return f"{self.url}/?token={token}"

    @property
    def cluster_mode(self) -> bool:
        return not self.args or self.args[0] != "demo"


def _parser() -> OneLineParser:
    parser = OneLineParser(
        prog=PROG,
        usage=f"{PROG} [--host HOST] [--port PORT] [--max-sessions N] [-- CANARYSCOPE-ARGS]",
        description="Serve canaryscope in a web browser (one canaryscope process per browser tab).",
        epilog=f"Everything after -- is what each tab runs (default: {' '.join(DEFAULT_ARGS)}), "
        "e.g. -- demo --speed 10, or -- --context kind-kind -n apps examiner.",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}; anything else makes the UI reachable from the network)",
    )
    parser.add_argument("--port", default=str(DEFAULT_PORT), help=f"TCP port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--max-sessions",
        default=str(DEFAULT_MAX_SESSIONS),
        help=f"browser tabs (each a canaryscope process) at once (default {DEFAULT_MAX_SESSIONS})",
    )
    return parser


def _max_sessions(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ServeUsageError(f"--max-sessions: expected a whole number, got {text!r}") from None
    if not 1 <= value <= MAX_MAX_SESSIONS:
        raise ServeUsageError(f"--max-sessions: must be between 1 and {MAX_MAX_SESSIONS}, got {text}")
    return value


def move_credentials_to_env(args: Sequence[str]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The served words without a Prometheus URL's userinfo, and the environment that carries it instead."""
    words = list(args)
    env: list[tuple[str, str]] = []
    for i, word in enumerate(words):
        if word == "--prometheus" and i + 1 < len(words):
            index, prefix = i + 1, ""
        elif word.startswith("--prometheus="):
            index, prefix = i, "--prometheus="
        else:
            continue
        parts = urlsplit(words[index][len(prefix) :])
        if parts.scheme not in ("http", "https") or "@" not in parts.netloc:
            continue
        userinfo, _, hostport = parts.netloc.rpartition("@")
        user, colon, password = userinfo.partition(":")
        if user:
            env.append((PROMETHEUS_USER_ENV, unquote(user)))
        if colon:
            env.append((PROMETHEUS_PASSWORD_ENV, unquote(password)))
            register(unquote(password))
        words[index] = prefix + urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return tuple(words), tuple(env)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise ServeUsageError(f"--port: expected a whole number, got {text!r}") from None
    if not 1 <= port <= 65535:
        raise ServeUsageError(f"--port: must be between 1 and 65535, got {text}")
    return port


def is_loopback(host: str) -> bool:
    """True when every address `host` stands for is a loopback address; raises ServeUsageError if unknown."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if not _HOSTNAME.fullmatch(host) or host.replace(".", "").isdigit():
        raise ServeUsageError(f"--host: {host!r} is neither an IP address nor a host name")
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ServeUsageError(f"--host: {host!r} does not resolve on this machine") from None
    return all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos)


def _check_served_args(args: Sequence[str]) -> None:
    """Catch a mistake in the served command now, not once per browser tab."""
    argv = list(args)
    if not argv or argv[0] not in registry.names():
        argv.insert(0, registry.DEFAULT)
    command = registry.command(argv[0])
    if not command.tui:  # a command that is not the TUI makes no sense in a browser terminal
        raise ServeUsageError(f"only the TUI can be served (demo or watch), not {argv[0]!r}")
    if any(a in ("-h", "--help", "--version") for a in argv):
        raise ServeUsageError("the served command cannot be --help or --version")
    try:
        command.build_parser().parse_args(argv[1:])
    except UsageError as exc:
        raise ServeUsageError(f"served command: {exc}") from None


def parse_options(argv: Sequence[str]) -> ServeOptions:
    argv = list(argv)
    own, served = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    args = _parser().parse_args(own)
    host = args.host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        raise ServeUsageError("--host: must not be empty")
    port = _port(args.port)
    loopback = is_loopback(host)
    max_sessions = _max_sessions(args.max_sessions)
    served_args = tuple(served) or DEFAULT_ARGS
    _check_served_args(served_args)
    served_args, child_env = move_credentials_to_env(served_args)
    return ServeOptions(host, port, served_args, loopback, max_sessions, child_env)


def exposure_warning(options: ServeOptions) -> str:
    reach = "the UI (and this kubeconfig's access to the cluster)" if options.cluster_mode else "the UI"
    return (
        f"{PROG}: warning: listening on {options.host}:{options.port}, not loopback: {reach} is reachable from the "
        "network and anyone who can connect can drive it"
    )


def _host_name(host_header: str) -> str:
    """The name in a Host header value, without the port (IPv6 literals keep no brackets)."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


def host_allowed(host_header: str | None, options: ServeOptions) -> bool:
    """On a loopback address, only loopback names: a DNS-rebound name must not reach the UI."""
    if not host_header:
        return False
    if not options.loopback:
        return True
    name = _host_name(host_header).lower()
    if name in LOOPBACK_NAMES or name == options.host.lower():
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def origin_allowed(origin: str | None, host_header: str | None) -> bool:
    """A browser sends Origin with every websocket; it must be the page this server handed out."""
    if origin is None:
        return True  # not a browser: nothing cross-site to guard against
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and bool(host_header) and parts.netloc.lower() == host_header.lower()


def token_matches(given: str | None, token: str) -> bool:
    """Constant-time comparison, so the answer's timing says nothing about how much of a guess was right."""
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


NO_TOKEN = (
    "canaryscope serve: this address needs the URL with its token, as printed when the server started "
    "(http://HOST:PORT/?token=...)\n"
)


def sessions_full(options: ServeOptions) -> str:
    return (
        f"canaryscope serve: all {options.max_sessions} sessions are in use (--max-sessions {options.max_sessions}); "
        "close another canaryscope tab, then reload this page."
    )


def build_server(options: ServeOptions, out: TextIO, token: str) -> Any:
    import aiohttp_jinja2
    import jinja2
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server, to_int

    child_env = dict(options.child_env)

    class Session(AppService):  # type: ignore[misc]
        def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
            environment: dict[str, str] = super()._build_environment(width, height)
            environment.update(child_env)
            return environment

    class CanaryscopeServer(Server):  # type: ignore[misc]
        sessions = 0

        def initialize_logging(self) -> None:
            super().initialize_logging()
            # The access log would print every page request, token included.
            logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

        async def _make_app(self) -> web.Application:
            app = web.Application()
            aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
            app.add_routes(
                [
                    web.get("/", self.handle_index, name="index"),
                    web.get("/ws", self.refuse),
                    web.get("/ws/{token}", self.handle_websocket, name="websocket"),
                    web.get("/download/{key}", self.handle_download, name="download"),
                    web.static("/static", self.statics_path, name="static"),
                ]
            )
            app.on_startup.append(self.on_startup)
            app.on_shutdown.append(self.on_shutdown)
            return app

        async def refuse(self, request: web.Request) -> web.StreamResponse:
            raise web.HTTPForbidden(text=NO_TOKEN)

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            if not host_allowed(request.headers.get("Host"), options):
                raise web.HTTPForbidden(text="unexpected Host header\n")
            if not token_matches(request.query.get("token"), token):
                raise web.HTTPForbidden(text=NO_TOKEN)
            if self.sessions >= options.max_sessions:
                self._refused_tab()
                return web.Response(status=503, text=sessions_full(options) + "\n", headers=_PRIVATE)
            # The page's websocket URL follows the name the browser used (localhost, an IP, a DNS name).
            secure = request.scheme == "https"
            context = {
                "font_size": to_int(request.query.get("fontsize", "16"), 16),
                "app_websocket_url": f"{'wss' if secure else 'ws'}://{request.host}/ws/{token}",
                "config": {"static": {"url": f"{request.scheme}://{request.host}/static/"}},
                "application": {"name": self.title},
            }
            response = aiohttp_jinja2.render_template("app_index.html", request, context)
            response.headers.update(_PRIVATE)
            return response

        async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
            host = request.headers.get("Host")
            if not host_allowed(host, options) or not origin_allowed(request.headers.get("Origin"), host):
                raise web.HTTPForbidden(text="cross-origin websocket refused\n")
            if not token_matches(request.match_info.get("token"), token):
                raise web.HTTPForbidden(text=NO_TOKEN)
            websocket = web.WebSocketResponse(heartbeat=15)
            if self.sessions >= options.max_sessions:
                # Said in the tab's own terminal; no process starts. The socket stays until the tab goes.
                self._refused_tab()
                await websocket.prepare(request)
                await websocket.send_bytes(f"\r\n {sessions_full(options)}\r\n".encode())
                async for _ in websocket:
                    pass
                return websocket
            self.sessions += 1
            try:
                await self._run_session(request, websocket)
            finally:
                self.sessions -= 1
            return websocket

        def _refused_tab(self) -> None:
            print(f"{PROG}: a tab was turned away: {options.max_sessions} sessions are in use", file=out, flush=True)

        async def _run_session(self, request: web.Request, websocket: web.WebSocketResponse) -> None:
            """textual-serve's session, with the credentials in the child's environment."""
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            service: Session | None = None
            try:
                await websocket.prepare(request)
                service = Session(
                    self.command,
                    write_bytes=websocket.send_bytes,
                    write_str=websocket.send_str,
                    close=websocket.close,
                    download_manager=self.download_manager,
                    debug=self.debug,
                )
                await service.start(width, height)
                await self._process_messages(websocket, service)
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:
                logging.getLogger("textual-serve").warning("session ended: %s", error.__class__.__name__)
            finally:
                if service is not None:
                    await service.stop()

        async def on_startup(self, app: web.Application) -> None:
            served = scrub(" ".join(options.args))
            print(
                f"{PROG}: serving `canaryscope {served}` on {options.url_with_token(token)} "
                f"(at most {options.max_sessions} at once; Ctrl+C to stop)",
                file=out,
                flush=True,
            )

    return CanaryscopeServer(options.command, host=options.host, port=options.port, title="canaryscope")


# The page carries the token: no cache keeps it, no Referer sends it to the fonts the page loads.
_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def main(argv: Sequence[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    own = list(argv[: list(argv).index("--")] if "--" in argv else argv)
    if any(a in ("-h", "--help") for a in own):
        _parser().print_help(out)
        return 0
    try:
        options = parse_options(argv)
    except UsageError as exc:
        return report(PROG, exc, err)
    if not options.loopback:
        print(exposure_warning(options), file=err, flush=True)
    try:
        _free(options.host, options.port)
    except OSError as exc:
        print(f"{PROG}: cannot listen on {options.host}:{options.port}: {exc.strerror or exc}", file=err)
        return EXIT_USAGE
    token = secrets.token_urlsafe(TOKEN_BYTES)
    register(token)
    server = build_server(options, out, token)
    try:
        server.serve()
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # the port was taken between the check and the bind
        print(f"{PROG}: cannot listen on {options.host}:{options.port}: {exc.strerror or exc}", file=err)
        return EXIT_USAGE
    return 0


def _free(host: str, port: int) -> None:
    """Fail with one line now if the address is taken or not ours, instead of a traceback from the server."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)


COMMAND = registry.Subcommand("serve", "serve the UI in a web browser (127.0.0.1:8000): serve -- demo", _parser, main)

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
