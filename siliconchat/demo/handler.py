"""The demo server's HTTP side: one connection's requests routed to ``/v1/models``, ``/v1/user/info`` and
``/v1/chat/completions``, answered as SiliconFlow answers them (keep-alive, chunked streams, error bodies of
every shape, a trace id on every response).

The handler never logs: not the requests, and above all not the ``Authorization`` header. What it needs of
the server that owns it (the recorded requests, the key check, the pacing, the stop event) is the
:class:`Host` protocol, which :class:`~siliconchat.demo.server.DemoServer` fulfils.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import select
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from siliconchat.demo import scenarios
from siliconchat.demo.chat_call import ChatCall, limit_events, validate_chat
from siliconchat.demo.error_bodies import INVALID_TOKEN, NOT_FOUND_TEXT
from siliconchat.demo.script import Chunk, Cut, Done, EmptyChoices, ErrorReply, Event, Pacing, Pause, Raw
from siliconchat.demo.sse import ChunkedWriter, ChunkEncoder, Pacer, encode

TRACE_HEADER = "x-siliconcloud-trace-id"
POLL_SECONDS = 0.05  # how often waits check the stop event and the client
HIDDEN_HEADERS = frozenset({"authorization", "proxy-authorization"})

USER_INFO = {
    "code": 20000,
    "message": "OK",
    "status": True,
    "data": {
        "id": "demo-user",
        "name": "Demo User",
        "image": "",
        "email": "demo@example.invalid",
        "isAdmin": False,
        "balance": "0.88",
        "status": "normal",
        "introduction": "",
        "role": "",
        "chargeBalance": "88.00",
        "totalBalance": "88.88",
    },
}
NOT_FOUND = ErrorReply(404, NOT_FOUND_TEXT, "text/plain; charset=utf-8")
UNAUTHORIZED = ErrorReply(401, INVALID_TOKEN)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it, for tests to inspect.

    ``query`` maps each parameter to its (last) value; ``body`` is the parsed JSON body or ``None`` (no body
    or not JSON); ``headers`` has lower-case names and never the ``Authorization`` header; ``authorized``
    says whether that header carried an accepted bearer key.
    """

    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    authorized: bool


class Aborted(Exception):
    """The server is stopping or the client went away: end this response at once."""


class Host(Protocol):
    """What a handler needs of the server it serves for."""

    requests: list[RecordedRequest]
    reject_thinking: frozenset[str]
    trace_id: str | None

    @property
    def stopping(self) -> threading.Event:
        """Set when the server stops: every wait gives up."""

    def track(self, connection: socket.socket, *, add: bool) -> None:
        """Remember an open connection (``add``), or forget a closed one, so that stopping can close it."""

    def authorized(self, header: str | None) -> bool:
        """Whether an ``Authorization`` header carries an accepted bearer key."""

    def pacing(self, scripted: Pacing) -> Pacing:
        """The pacing a scenario's script is sent at on this server."""

    def failed(self, error: Exception) -> None:
        """A handler failed (a bug): kept for the tests, never printed."""


# --------------------------------------------------------------------------------------------------------------
# The HTTP handler
# --------------------------------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """One connection: routes ``/v1`` requests; keep-alive, so it may serve several in a row."""

    protocol_version = "HTTP/1.1"
    server_version = "siliconchat-demo"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stalls
    sys_version = ""
    server: HTTPServer

    # -- connection bookkeeping, so that stop() can close connections that are open

    def setup(self) -> None:
        super().setup()
        self.server.host.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.host.track(self.connection, add=False)

    def send_response(self, code: int, message: str | None = None) -> None:
        """Every response, the stdlib's own errors (501, 414 …) included, carries a trace id."""
        super().send_response(code, message)
        self.send_header(TRACE_HEADER, self.server.host.trace_id or secrets.token_hex(16))

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Never log: requests carry the API key, and the demo must stay quiet on the terminal."""

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    # -- dispatch

    def _dispatch(self) -> None:
        host = self.server.host
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        body = _parse_json(self._read_body())
        authorized = host.authorized(self.headers.get("Authorization"))
        headers = {name.lower(): value for name, value in self.headers.items()}
        for name in HIDDEN_HEADERS:
            headers.pop(name, None)
        host.requests.append(RecordedRequest(self.command, url.path, query, body, headers, authorized))
        try:
            self._route(url.path, query, body, authorized)
        except (Aborted, OSError):
            self.close_connection = True  # stopping, or the client went away: nothing more to say
        except Exception as error:  # a bug here must not print to the demo's terminal
            host.failed(error)
            self.close_connection = True

    def _route(self, path: str, query: dict[str, str], body: Any, authorized: bool) -> None:
        if path != "/v1" and not path.startswith("/v1/"):
            return self._send_reply(NOT_FOUND)
        if not authorized:
            return self._send_reply(UNAUTHORIZED)
        route = ROUTES.get((self.command, path))
        if route is None:
            return self._send_reply(NOT_FOUND)
        route(self, query, body)

    def _read_body(self) -> bytes:
        """The request body (Content-Length or chunked); a malformed one is dropped with the connection."""
        try:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                return self._read_chunked_body()
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True  # framing lost: the next request cannot be found
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked_body(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():  # trailers
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    # -- responses

    def _send_head(self, status: int, content_type: str, length: int | None) -> None:
        """Status and headers; ``length=None`` starts a chunked body."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send_body(self, status: int, body: str, content_type: str = "application/json") -> None:
        data = encode(body)
        self._send_head(status, content_type, len(data))
        self.wfile.write(data)

    def _send_reply(self, reply: ErrorReply) -> None:
        self._send_body(reply.status, reply.body, reply.content_type)

    def _drop_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # -- waiting

    def _client_gone(self) -> bool:
        """Whether the client closed its end (readable with nothing to read)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _pause(self, seconds: float) -> None:
        """Send nothing for ``seconds``, but give up as soon as the server stops or the client leaves."""
        stop = self.server.host.stopping
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if stop.wait(min(POLL_SECONDS, left)) or self._client_gone():
                raise Aborted

    # -- endpoints

    def _models(self, query: dict[str, str], body: Any) -> None:
        ids = scenarios.list_models(query.get("type") or None, query.get("sub_type") or None)
        data = [{"id": model_id, "object": "model", "created": 0, "owned_by": ""} for model_id in ids]
        self._send_body(200, json.dumps({"object": "list", "data": data}))

    def _user_info(self, query: dict[str, str], body: Any) -> None:
        self._send_body(200, json.dumps(USER_INFO))

    def _chat(self, query: dict[str, str], body: Any) -> None:
        host = self.server.host
        call = validate_chat(body, host.reject_thinking)
        if isinstance(call, ErrorReply):
            return self._send_reply(call)
        reply = call.model.build(call.request)
        if isinstance(reply, ErrorReply):
            return self._send_reply(reply)
        events = limit_events(reply.events, call.max_tokens, call.thinking_budget)
        pacer = Pacer(host.pacing(reply.pacing), self._pause)
        if call.stream:
            self._stream(events, call, pacer)
        else:
            self._complete(events, call, pacer)

    def _stream(self, events: Iterable[Event], call: ChatCall, pacer: Pacer) -> None:
        """Write a script as SiliconFlow's event stream."""
        encoder = ChunkEncoder(call.model.id, call.prompt_tokens)
        paced = pacer.active
        self._send_head(200, "text/event-stream", None)
        writer = ChunkedWriter(self.wfile, coalesce=not paced)
        for event in events:
            if isinstance(event, Chunk):
                if paced:
                    pacer.wait()
                writer.write(encoder.chunk(event))
            elif isinstance(event, EmptyChoices):
                if paced:
                    pacer.wait()
                writer.write(encoder.empty_choices())
            elif isinstance(event, Raw):
                writer.write(event.text)
            elif isinstance(event, Done):
                writer.write("data: [DONE]\n\n")
            elif isinstance(event, Pause):
                writer.flush()
                self._pause(event.seconds)
            elif isinstance(event, Cut):
                writer.cut(encoder.chunk(Chunk(content="This sentence never arrives whole.")))
                return self._drop_connection()
        writer.end()

    def _complete(self, events: Iterable[Event], call: ChatCall, pacer: Pacer) -> None:
        """Answer ``stream: false``: the same script, collected into one ``chat.completion``."""
        encoder = ChunkEncoder(call.model.id, call.prompt_tokens)
        if pacer.active:
            pacer.wait()  # the initial latency only: collecting needs no per-delta pacing
        content: list[str] = []
        reasoning: list[str] = []
        finish: str | None = None
        cut = False
        for event in events:
            if isinstance(event, Chunk):
                encoder.count(event)
                content.append(event.content or "")
                reasoning.append(event.reasoning or "")
                finish = event.finish_reason or finish
            elif isinstance(event, Pause):
                self._pause(event.seconds)
            elif isinstance(event, Cut):
                cut = True
                break
        thought = "".join(reasoning)
        body = json.dumps(
            {
                "id": encoder.id,
                "object": "chat.completion",
                "created": encoder.created,
                "model": call.model.id,
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": "".join(content),
                            "reasoning_content": thought or None,
                        },
                        "finish_reason": finish,
                    }
                ],
                "usage": encoder.usage(),
                "system_fingerprint": "",
            }
        )
        if not cut:
            return self._send_body(200, body)
        data = encode(body)
        self._send_head(200, "application/json", len(data))
        self.wfile.write(data[: len(data) // 2])
        self._drop_connection()


Route = Callable[[Handler, dict[str, str], Any], None]
ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/v1/models"): Handler._models,
    ("GET", "/v1/user/info"): Handler._user_info,
    ("POST", "/v1/chat/completions"): Handler._chat,
}


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


class HTTPServer(ThreadingHTTPServer):
    """Daemon threads, no reverse DNS at bind time, and silence instead of tracebacks on stderr."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], host: Host, listening: socket.socket | None) -> None:
        self.host = host
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, Handler, bind_and_activate=listening is None)
        if listening is not None:  # a socket already bound and listening (see on_demand.py)
            self.socket.close()
            self.socket = listening
            self.server_address = listening.getsockname()
            self._name_address()

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # HTTPServer's would call getfqdn(): slow without DNS
        self._name_address()

    def _name_address(self) -> None:
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection error is the client's business; never print it on the demo's terminal."""
