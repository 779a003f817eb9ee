"""A loopback HTTP server that speaks SiliconFlow's OpenAI-compatible chat API.

It backs ``siliconchat --demo``, the tests, the screenshots and the benchmarks, so it is a real HTTP/1.1
server (keep-alive, chunked streams) rather than a mock: the client under test goes through the real
``openai`` SDK and the real network stack. What each model id answers lives in :mod:`.scenarios`; this
module puts it on the wire exactly as SiliconFlow does (usage on every chunk, 32-hex ids,
null inactive fields, error bodies of every shape).

Streams are written fast: each chunk is formatted from a pre-built prefix with only its text JSON-encoded,
and when nothing is paced the events are coalesced into writes of about 32 KiB, so that benchmarks measure
the client and never this server.

The server never logs: not the requests, and above all not the ``Authorization`` header.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import random
import secrets
import select
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from json.encoder import encode_basestring
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from siliconchat.demo import scenarios as sc

# Defined with the on-demand server (which --demo imports without this module), re-exported here.
from siliconchat.demo.on_demand import DEMO_API_KEY as DEMO_API_KEY
from siliconchat.demo.scenarios import (
    DONE,
    Chunk,
    Cut,
    Done,
    EmptyChoices,
    ErrorReply,
    Event,
    Pacing,
    Pause,
    Raw,
)

TRACE_HEADER = "x-siliconcloud-trace-id"
THINKING_BUDGET_MIN = 128
THINKING_BUDGET_MAX = 32768
COALESCE_BYTES = 32 * 1024  # when unpaced, write about this much per socket write
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
NOT_FOUND = ErrorReply(404, sc.NOT_FOUND_TEXT, "text/plain; charset=utf-8")
UNAUTHORIZED = ErrorReply(401, sc.INVALID_TOKEN)


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


class _Aborted(Exception):
    """The server is stopping or the client went away: end this response at once."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a loopback address (the only hosts the demo may bind)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------------------------------------------
# Request validation
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatCall:
    """A validated ``POST /chat/completions``."""

    model: sc.Model
    request: sc.ChatRequest
    stream: bool
    max_tokens: int | None
    thinking_budget: int | None
    prompt_tokens: int


def _bad_parameter(message: str) -> ErrorReply:
    return ErrorReply(400, sc.json_error(20015, message))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def message_text(content: object) -> str:
    """The text of a message ``content``: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """A rough token count of the prompt: its words plus a few tokens of framing per message."""
    return sum(len(message_text(m.get("content")).split()) + 4 for m in messages)


def validate_chat(body: Any, reject_thinking: frozenset[str]) -> ChatCall | ErrorReply:
    """Check a chat request the way SiliconFlow does, in the same order and with the same codes."""
    if not isinstance(body, dict):
        return _bad_parameter("Invalid request body: expected a JSON object.")
    model_id = body.get("model")
    model = sc.find_model(model_id) if isinstance(model_id, str) else None
    if model is None:
        return ErrorReply(400, sc.MODEL_NOT_FOUND)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        return _bad_parameter("Value error, messages must be a non-empty list of message objects.")
    if any("reasoning_content" in m for m in messages):
        return _bad_parameter("Value error, reasoning_content is not allowed in input messages.")
    if "enable_thinking" in body and (not model.hybrid or model.id in reject_thinking):
        return _bad_parameter("Value error, enable_thinking is not supported by this model.")
    budget = body.get("thinking_budget")
    if budget is not None and not (_is_int(budget) and THINKING_BUDGET_MIN <= budget <= THINKING_BUDGET_MAX):
        return _bad_parameter(
            f"Value error, thinking_budget must be an integer between {THINKING_BUDGET_MIN} "
            f"and {THINKING_BUDGET_MAX}."
        )
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and not (_is_int(max_tokens) and max_tokens >= 1):
        return _bad_parameter("Value error, max_tokens must be a positive integer.")
    users = [m for m in messages if m.get("role") == "user"]
    last_user = message_text(users[-1].get("content")) if users else ""
    return ChatCall(
        model=model,
        request=sc.ChatRequest(model.id, last_user, thinking=body.get("enable_thinking") is not False),
        stream=body.get("stream") is True,
        max_tokens=max_tokens,
        thinking_budget=budget,
        prompt_tokens=prompt_tokens(messages),
    )


def limit_events(events: Iterable[Event], max_tokens: int | None, budget: int | None) -> Iterator[Event]:
    """Apply ``thinking_budget`` (drop reasoning deltas past it) and ``max_tokens`` to a script.

    ``max_tokens`` counts answer deltas only, as SiliconFlow does for reasoning models: the delta that would
    exceed it is replaced by the end of the answer with ``finish_reason: "length"``.
    """
    if max_tokens is None and budget is None:
        yield from events
        return
    reasoned = answered = 0
    for event in events:
        if isinstance(event, Chunk):
            if event.reasoning:
                if budget is not None and reasoned >= budget:
                    continue
                reasoned += 1
            elif event.content:
                if max_tokens is not None and answered >= max_tokens:
                    yield Chunk(content="", finish_reason="length")
                    yield DONE
                    return
                answered += 1
        yield event


# --------------------------------------------------------------------------------------------------------------
# Writing streams
# --------------------------------------------------------------------------------------------------------------


def _encode(text: str) -> bytes:
    """UTF-8, except lone surrogates (from JSON input) which become JSON ``\\uXXXX`` escapes again."""
    return text.encode("utf-8", "backslashreplace")


class ChunkEncoder:
    """Formats events as SSE ``data:`` lines and keeps the usage running total.

    Every chunk of one answer shares the id and the prefix, which is formatted once; per chunk only the
    delta texts are JSON-encoded (``encode_basestring`` is the C encoder behind ``json.dumps``).
    """

    def __init__(self, model: str, prompt_tokens: int) -> None:
        self.id = secrets.token_hex(16)
        self.created = int(time.time())
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = 0
        self.reasoning_tokens = 0
        self._head = (
            f'data: {{"id":"{self.id}","object":"chat.completion.chunk","created":{self.created},'
            f'"model":{encode_basestring(model)},"choices":'
        )

    def count(self, chunk: Chunk) -> None:
        """One completion token per delta carrying text; a reasoning token if the text is reasoning."""
        if chunk.content or chunk.reasoning:
            self.completion_tokens += 1
            if chunk.reasoning:
                self.reasoning_tokens += 1

    def usage(self) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }
        if self.reasoning_tokens:
            usage["completion_tokens_details"] = {"reasoning_tokens": self.reasoning_tokens}
        return usage

    def _usage_json(self) -> str:
        details = (
            f',"completion_tokens_details":{{"reasoning_tokens":{self.reasoning_tokens}}}'
            if self.reasoning_tokens
            else ""
        )
        return (
            f'{{"prompt_tokens":{self.prompt_tokens},"completion_tokens":{self.completion_tokens},'
            f'"total_tokens":{self.prompt_tokens + self.completion_tokens}{details}}}'
        )

    def chunk(self, chunk: Chunk) -> str:
        """One chunk's SSE event. The hot path of a blast: inlined on purpose."""
        content, reasoning, finish = chunk.content, chunk.reasoning, chunk.finish_reason
        if content or reasoning:
            self.completion_tokens += 1
            if reasoning:
                self.reasoning_tokens += 1
        return (
            f'{self._head}[{{"index":0,"delta":{{"content":'
            f"{'null' if content is None else encode_basestring(content)},"
            f'"reasoning_content":{"null" if reasoning is None else encode_basestring(reasoning)},'
            f'"role":"assistant"}},"finish_reason":'
            f"{'null' if finish is None else encode_basestring(finish)}}}],"
            f'"system_fingerprint":"","usage":{self._usage_json()}}}\n\n'
        )

    def empty_choices(self) -> str:
        return f'{self._head}[],"system_fingerprint":"","usage":{self._usage_json()}}}\n\n'


class ChunkedWriter:
    """The ``Transfer-Encoding: chunked`` body of a stream.

    Unpaced streams coalesce events into writes of about ``COALESCE_BYTES``; paced ones write each event
    at once so the client sees it when it is due.
    """

    def __init__(self, out: BufferedIOBase, *, coalesce: bool) -> None:
        self._out = out
        self._coalesce = coalesce
        self._parts: list[str] = []
        self._size = 0

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if not self._coalesce or self._size >= COALESCE_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self._parts:
            return
        data = _encode("".join(self._parts))
        self._parts.clear()
        self._size = 0
        self._out.write(b"%x\r\n%b\r\n" % (len(data), data))

    def end(self) -> None:
        """Flush and send the terminating zero-length chunk."""
        self.flush()
        self._out.write(b"0\r\n\r\n")

    def cut(self, text: str) -> None:
        """Flush, then announce a chunk for ``text`` but send only half of it (the caller drops the line)."""
        self.flush()
        data = _encode(text)
        self._out.write(b"%x\r\n%b" % (len(data), data[: len(data) // 2]))


class Pacer:
    """Waits until each event is due: ``latency`` before the first, then ``delay``, each ± ``jitter``.

    Deadlines are scheduled (not slept) so a long stream keeps its rate; a reader far behind resets the
    schedule instead of getting a burst. ``sleep`` is the handler's interruptible sleep: it raises
    :class:`_Aborted` when the server stops or the client leaves, so a cancelled stream ends at once.
    """

    def __init__(self, pacing: Pacing, sleep: Callable[[float], None]) -> None:
        self._pacing = pacing
        self._sleep = sleep
        self._due = time.monotonic() + self._jittered(pacing.latency)

    @property
    def active(self) -> bool:
        return self._pacing.latency > 0 or self._pacing.delay > 0

    def _jittered(self, seconds: float) -> float:
        jitter = self._pacing.jitter
        return seconds * random.uniform(1 - jitter, 1 + jitter) if jitter else seconds

    def wait(self) -> None:
        now = time.monotonic()
        if self._due > now:
            self._sleep(self._due - now)
        elif now - self._due > 0.25:
            self._due = now
        self._due += self._jittered(self._pacing.delay)


# --------------------------------------------------------------------------------------------------------------
# The HTTP handler
# --------------------------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """One connection: routes ``/v1`` requests; keep-alive, so it may serve several in a row."""

    protocol_version = "HTTP/1.1"
    server_version = "siliconchat-demo"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stalls
    sys_version = ""
    server: _HTTPServer

    # -- connection bookkeeping, so that stop() can close connections that are open

    def setup(self) -> None:
        super().setup()
        self.server.demo._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.demo._track(self.connection, add=False)

    def send_response(self, code: int, message: str | None = None) -> None:
        """Every response, the stdlib's own errors (501, 414 …) included, carries a trace id."""
        super().send_response(code, message)
        self.send_header(TRACE_HEADER, self.server.demo.trace_id or secrets.token_hex(16))

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Never log: requests carry the API key, and the demo must stay quiet on the terminal."""

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    # -- dispatch

    def _dispatch(self) -> None:
        demo = self.server.demo
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        body = _parse_json(self._read_body())
        authorized = demo._authorized(self.headers.get("Authorization"))
        headers = {name.lower(): value for name, value in self.headers.items()}
        for name in HIDDEN_HEADERS:
            headers.pop(name, None)
        demo.requests.append(RecordedRequest(self.command, url.path, query, body, headers, authorized))
        try:
            self._route(url.path, query, body, authorized)
        except (_Aborted, OSError):
            self.close_connection = True  # stopping, or the client went away: nothing more to say
        except Exception as error:  # a bug here must not print to the demo's terminal
            demo._errors.append(error)
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
        data = _encode(body)
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
        stop = self.server.demo._stop
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if stop.wait(min(POLL_SECONDS, left)) or self._client_gone():
                raise _Aborted

    # -- endpoints

    def _models(self, query: dict[str, str], body: Any) -> None:
        ids = sc.list_models(query.get("type") or None, query.get("sub_type") or None)
        data = [{"id": model_id, "object": "model", "created": 0, "owned_by": ""} for model_id in ids]
        self._send_body(200, json.dumps({"object": "list", "data": data}))

    def _user_info(self, query: dict[str, str], body: Any) -> None:
        self._send_body(200, json.dumps(USER_INFO))

    def _chat(self, query: dict[str, str], body: Any) -> None:
        demo = self.server.demo
        call = validate_chat(body, demo.reject_thinking)
        if isinstance(call, ErrorReply):
            return self._send_reply(call)
        reply = call.model.build(call.request)
        if isinstance(reply, ErrorReply):
            return self._send_reply(reply)
        events = limit_events(reply.events, call.max_tokens, call.thinking_budget)
        pacer = Pacer(demo._effective_pacing(reply.pacing), self._pause)
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
        data = _encode(body)
        self._send_head(200, "application/json", len(data))
        self.wfile.write(data[: len(data) // 2])
        self._drop_connection()


Route = Callable[[_Handler, dict[str, str], Any], None]
ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/v1/models"): _Handler._models,
    ("GET", "/v1/user/info"): _Handler._user_info,
    ("POST", "/v1/chat/completions"): _Handler._chat,
}


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


class _HTTPServer(ThreadingHTTPServer):
    """Daemon threads, no reverse DNS at bind time, and silence instead of tracebacks on stderr."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], demo: DemoServer, listening: socket.socket | None) -> None:
        self.demo = demo
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler, bind_and_activate=listening is None)
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


# --------------------------------------------------------------------------------------------------------------
# The public server
# --------------------------------------------------------------------------------------------------------------


class DemoServer:
    """SiliconFlow's chat API on a loopback address, served from a background thread.

    ``api_key=None`` accepts any bearer key. ``pace`` (seconds between deltas, 0 = as fast as possible)
    overrides the scenarios' pacing, except the fixed pacing of ``demo/slow``. ``trace_id`` fixes the trace id of every response (for repeatable screenshots). ``reject_thinking`` names
    extra model ids that answer 400/20015 to ``enable_thinking``. The socket is bound at construction, so
    :attr:`base_url` is known before :meth:`start`; ``listening`` is a socket already bound and listening to
    serve on instead (it must be a loopback address).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = DEMO_API_KEY,
        pace: float | None = None,
        reject_thinking: Iterable[str] = (),
        trace_id: str | None = None,
        listening: socket.socket | None = None,
    ) -> None:
        if listening is not None:
            host, port = listening.getsockname()[:2]
        if not is_loopback(host):
            raise ValueError(f"the demo server only binds loopback addresses, not {host!r}")
        if pace is not None and pace < 0:
            raise ValueError("pace must be >= 0")
        self.api_key = api_key
        self.pace = pace
        self.reject_thinking = frozenset(reject_thinking)
        # A fixed trace id makes error text repeatable (snapshots, screenshots); normally each response has its own.
        self.trace_id = trace_id
        self.requests: list[RecordedRequest] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._errors: list[Exception] = []
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._httpd = _HTTPServer((host, port), self, listening)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: what the SDK's ``base_url`` should be."""
        host, port = self._httpd.server_address[:2]
        host = str(host)
        return f"http://[{host}]:{port}/v1" if ":" in host else f"http://{host}:{port}/v1"

    def start(self) -> DemoServer:
        """Serve in a background daemon thread; returns ``self``."""
        if self._thread is not None or self._stopped:
            raise RuntimeError("a DemoServer can be started only once")
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": POLL_SECONDS},
            name="siliconchat-demo-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection, streams in progress included (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        if self._thread is not None:
            self._httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- used by the handler

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _authorized(self, header: str | None) -> bool:
        """Whether an ``Authorization`` header carries an accepted bearer key (compared in constant time)."""
        scheme, _, token = (header or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        if self.api_key is None:
            return True
        return hmac.compare_digest(token.encode("utf-8", "replace"), self.api_key.encode("utf-8", "replace"))

    def _effective_pacing(self, scripted: Pacing) -> Pacing:
        if self.pace is None or not scripted.overridable:
            return scripted
        return Pacing(latency=self.pace, delay=self.pace)
