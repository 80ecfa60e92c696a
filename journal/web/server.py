"""``journal serve``: a read-only local web board of the workspace (needs the ``web`` extra).

Pages: ``/`` (the board), ``/session/ID`` (its Markdown, timeline, agent logs, usage),
``/session/ID/inbox``, ``/knowledge?q=…&kind=…``, ``/usage``. The same data as JSON under
``/api/board``, ``/api/sessions/ID``, ``/api/sessions/ID/inbox``, ``/api/knowledge`` and
``/api/usage``; ``/api/signature[?session=ID]`` is the checksum the page's script polls to
update itself when a file changes. ``/static/NAME`` serves the packaged stylesheet, script
and icon, and nothing else: no URL maps onto a file of the workspace or anywhere else.

Safe by construction: it binds to 127.0.0.1 unless told otherwise; it answers only
requests whose ``Host`` header names the address it serves (a page of another site that
re-points its own name at 127.0.0.1, DNS rebinding, is refused); only GET and HEAD; every
response carries a Content-Security-Policy that allows the page's own script and
stylesheet and nothing inline; pages are rendered by ``journal.web.html`` (escaping
templates, Markdown without raw HTML) from data redacted by ``journal.web.pages``.
"""
from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from typing import Any

from journal.errors import InvalidInput, JournalError, NotFound
from journal.workspace import Workspace

DEFAULT_PORT = 8765
LOOPBACK = ("127.0.0.1", "::1", "localhost")
WILDCARD = ("0.0.0.0", "::", "")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

_OURS = frozenset(name for name, _value in SECURITY_HEADERS)


def _web_extra() -> None:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as e:
        raise JournalError("journal serve needs the web extra: "
                           "pip install 'session-journal[web]' (or '.[web]' in a checkout)") from e


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The ``Host`` header values the board answers to: the address it serves (and the
    loopback names when that is a loopback address; the machine's names and addresses
    when it listens on every interface), with the port."""
    names = {host}
    if host in LOOPBACK:
        names |= {"127.0.0.1", "localhost"} | ({"::1"} if host == "::1" else set())
    if host in WILDCARD:
        names |= {"127.0.0.1", "localhost", socket.gethostname(), socket.getfqdn()}
        try:
            names |= set(socket.gethostbyname_ex(socket.gethostname())[2])
        except OSError:
            pass
    out = {f"{_bracket(n).lower()}:{port}" for n in names if n}
    if port == 80:
        out |= {_bracket(n).lower() for n in names if n}
    return frozenset(out)


class Guard:
    """ASGI middleware: refuse a foreign ``Host`` and any method but GET and HEAD; add the
    security headers to every response."""

    def __init__(self, app: Any, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = frozenset(h.lower() for h in allowed)

    async def _plain(self, send: Callable[..., Any], status: int, text: str,
                     extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        body = text.encode("utf-8")
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                   (b"cache-control", b"no-store"), *SECURITY_HEADERS, *extra]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets here
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        host = ""
        for name, value in scope.get("headers") or ():
            if name == b"host":
                host = value.decode("latin-1").strip().lower()
                break
        if host not in self.allowed:
            await self._plain(send, 403, f"journal serve: refused a request for host {host!r}; "
                                         "this board answers only at its own address\n")
            return
        if scope.get("method") not in ("GET", "HEAD"):
            await self._plain(send, 405, "journal serve is read-only: GET and HEAD only\n", ((b"allow", b"GET, HEAD"),))
            return

        async def secured(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers") or () if k.lower() not in _OURS]
                message = dict(message, headers=[*headers, *SECURITY_HEADERS])
            await send(message)

        await self.app(scope, receive, secured)


def create_app(ws: Workspace, allowed: Iterable[str], redact: bool = True,
               stale_hours: float | None = None) -> Any:
    """The ASGI application of the board over ``ws``, answering to the ``allowed`` hosts."""
    _web_extra()
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    from journal.ids import validate_id
    from journal.redact import Redactor
    from journal.web import html, pages

    scrub = pages.Scrub(Redactor() if redact else None)
    full_root = str(ws.root)
    root = f"{ws.root.parent.name}/{ws.root.name}" if ws.root.parent.name else full_root
    no_store = {"cache-control": "no-store"}

    def sid_of(request: Request) -> str:
        sid = str(request.path_params["sid"])
        try:
            return validate_id(sid)
        except InvalidInput as e:
            raise NotFound(f"no session {sid!r}") from e

    def page(data_of: Callable[[], dict[str, Any]], session: str | None = None) -> HTMLResponse:
        signature = pages.signature(ws, session)  # before reading: a change meanwhile shows next time
        data = data_of()
        scope = f"?session={session}" if session else ""
        body = html.page(data, redacted=scrub.on, signature=signature, scope=scope, root=root, full_root=full_root)
        return HTMLResponse(body, headers=no_store)

    def api(data: dict[str, Any]) -> Response:
        import orjson

        return Response(orjson.dumps(pages.public(data), default=str), media_type="application/json",
                        headers=no_store)

    def board_page(request: Request) -> Response:
        return page(lambda: pages.board(ws, scrub, stale_hours))

    def session_page(request: Request) -> Response:
        sid = sid_of(request)
        return page(lambda: pages.session(ws, sid, scrub), sid)

    def inbox_page(request: Request) -> Response:
        sid = sid_of(request)
        return page(lambda: pages.inbox(ws, sid, scrub))

    def knowledge_page(request: Request) -> Response:
        q, kind = request.query_params.get("q", "")[:200], request.query_params.get("kind", "")
        return page(lambda: pages.knowledge(ws, scrub, q, kind))

    def usage_page(request: Request) -> Response:
        return page(lambda: pages.usage(ws, scrub))

    def board_api(request: Request) -> Response:
        return api(pages.board(ws, scrub, stale_hours))

    def session_api(request: Request) -> Response:
        return api(pages.session(ws, sid_of(request), scrub))

    def inbox_api(request: Request) -> Response:
        return api(pages.inbox(ws, sid_of(request), scrub))

    def knowledge_api(request: Request) -> Response:
        return api(pages.knowledge(ws, scrub, request.query_params.get("q", "")[:200],
                                   request.query_params.get("kind", "")))

    def usage_api(request: Request) -> Response:
        return api(pages.usage(ws, scrub))

    def signature_api(request: Request) -> Response:
        sid = request.query_params.get("session") or None
        if sid is not None:
            try:
                validate_id(sid)
            except InvalidInput:
                sid = None
        return JSONResponse({"signature": pages.signature(ws, sid)}, headers=no_store)

    def static(request: Request) -> Response:
        name = str(request.path_params["name"])
        if name not in html.STATIC:
            raise NotFound(f"no file {name!r} here")
        return Response(html.asset(name), media_type=html.STATIC[name], headers={"cache-control": "no-cache"})

    def error(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status, headers=no_store)
        from http import HTTPStatus

        body = html.page({"page": "error", "status_code": status, "reason": HTTPStatus(status).phrase,
                          "message": message}, redacted=scrub.on, root=root)
        return HTMLResponse(body, status_code=status, headers=no_store)

    def journal_error(request: Request, exc: Exception) -> Response:
        status = 404 if isinstance(exc, NotFound) else 400 if isinstance(exc, InvalidInput) else 500
        return error(request, status, scrub.text(str(exc)))

    def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error(request, exc.status_code, "no such page" if exc.status_code == 404 else str(exc.detail))

    def internal_error(request: Request, exc: Exception) -> Response:
        return error(request, 500, f"internal error: {type(exc).__name__} (see the terminal running journal serve)")

    routes = [
        Route("/", board_page), Route("/session/{sid}", session_page), Route("/session/{sid}/inbox", inbox_page),
        Route("/knowledge", knowledge_page), Route("/usage", usage_page),
        Route("/api/board", board_api), Route("/api/sessions/{sid}", session_api),
        Route("/api/sessions/{sid}/inbox", inbox_api), Route("/api/knowledge", knowledge_api),
        Route("/api/usage", usage_api), Route("/api/signature", signature_api),
        Route("/static/{name}", static),
    ]
    app = Starlette(routes=routes, exception_handlers={JournalError: journal_error, HTTPException: http_error,
                                                       Exception: internal_error})
    return Guard(app, allowed)


class Board:
    """A web board bound to its address and ready to run (``run`` blocks until stopped)."""

    def __init__(self, ws: Workspace, host: str = "127.0.0.1", port: int = DEFAULT_PORT, redact: bool = True,
                 stale_hours: float | None = None) -> None:
        _web_extra()
        ws.require()
        if not 0 <= port <= 65535:
            raise InvalidInput(f"--port must be between 0 and 65535 (not {port})")
        self.ws, self.host, self.redact = ws, host, redact
        self.sock = self._bind(host, port)
        self.port = int(self.sock.getsockname()[1])
        self.allowed = allowed_hosts(host, self.port)
        shown = "127.0.0.1" if host in WILDCARD else host
        self.url = f"http://{_bracket(shown)}:{self.port}/"
        self.app = create_app(ws, self.allowed, redact, stale_hours)
        self._server: Any = None

    @property
    def exposed(self) -> bool:
        """Whether others than this machine's own programs may reach it."""
        return self.host not in LOOPBACK

    @staticmethod
    def _bind(host: str, port: int) -> socket.socket:
        try:
            infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        except socket.gaierror as e:
            raise InvalidInput(f"--host {host!r} is not an address of this machine ({e.strerror})") from e
        family, _type, _proto, _name, addr = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(addr)
            sock.listen(128)
        except OSError as e:
            sock.close()
            hint = "; pass another --port (0 picks a free one)" if e.errno in (98, 48, 10048) else ""
            raise InvalidInput(f"cannot listen on {_bracket(host)}:{port}: {e.strerror or e}{hint}") from e
        sock.set_inheritable(True)
        return sock

    def run(self) -> None:
        """Serve until ``stop`` (or Ctrl+C in the main thread)."""
        import uvicorn

        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off",
                                server_header=False, date_header=False, timeout_graceful_shutdown=2,
                                timeout_keep_alive=5)
        self._server = uvicorn.Server(config)
        try:
            self._server.run(sockets=[self.sock])
        finally:
            self.sock.close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True

    @property
    def started(self) -> bool:
        return bool(self._server is not None and self._server.started)
