"""A loopback HTTP server that speaks SiliconFlow's OpenAI-compatible chat API.

It backs ``siliconchat --demo``, the tests, the screenshots and the benchmarks, so it is a real HTTP/1.1
server (keep-alive, chunked streams) rather than a mock: the client under test goes through the real
``openai`` SDK and the real network stack. The package, by job:

* :mod:`.server` (this module): :class:`DemoServer`, the server's life (bind, serve in a thread, stop and
  close every connection), its key and its pacing;
* :mod:`.handler`: the HTTP side, routes and responses; :mod:`.chat_call`: a chat request checked as
  SiliconFlow checks it; :mod:`.sse`: the event stream on the wire, and its pacing;
* :mod:`.scenarios`: what each model id answers (the registry, over the families :mod:`.realistic`,
  :mod:`.quirks`, :mod:`.blast`, :mod:`.text_scenarios`, :mod:`.structured`; the vocabulary in
  :mod:`.script`).

The server never logs: not the requests, and above all not the ``Authorization`` header.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import socket
import threading
from collections.abc import Iterable
from types import TracebackType

from siliconchat.demo.handler import POLL_SECONDS, HTTPServer, RecordedRequest
from siliconchat.demo.key import DEMO_API_KEY as DEMO_API_KEY
from siliconchat.demo.script import Pacing

__all__ = ["DEMO_API_KEY", "DemoServer", "RecordedRequest", "is_loopback"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a loopback address (the only hosts the demo may bind)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class DemoServer:
    """SiliconFlow's chat API on a loopback address, served from a background thread.

    ``api_key=None`` accepts any bearer key. ``pace`` (seconds between deltas, 0 = as fast as possible)
    overrides the scenarios' pacing, except the fixed pacing of ``demo/slow``. ``trace_id`` fixes the trace
    id of every response (for repeatable screenshots). ``reject_thinking`` names extra model ids that answer 400/20015 to ``enable_thinking``. The socket is bound at construction, so
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
        self._httpd = HTTPServer((host, port), self, listening)

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

    # -- what the handler needs (handler.Host)

    @property
    def stopping(self) -> threading.Event:
        return self._stop

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def authorized(self, header: str | None) -> bool:
        """Whether an ``Authorization`` header carries an accepted bearer key (compared in constant time)."""
        scheme, _, token = (header or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        if self.api_key is None:
            return True
        return hmac.compare_digest(token.encode("utf-8", "replace"), self.api_key.encode("utf-8", "replace"))

    def pacing(self, scripted: Pacing) -> Pacing:
        if self.pace is None or not scripted.overridable:
            return scripted
        return Pacing(latency=self.pace, delay=self.pace)

    def failed(self, error: Exception) -> None:
        self._errors.append(error)
