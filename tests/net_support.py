"""Raw HTTP servers on 127.0.0.1 for the network tests: what a broken service or proxy really does on the
wire (accept and never answer, 429 with Retry-After, an HTML 502, an endless line), which the demo server
is not meant to do."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator

Reply = Callable[[socket.socket], None]
"""Writes one response (or none) on an accepted connection, after its request was read."""


def silent(connection: socket.socket) -> None:
    """Accept the request and never answer (until the client goes away)."""
    connection.settimeout(None)
    with contextlib.suppress(OSError):
        while connection.recv(65536):
            pass


def response(
    status: int, body: bytes, *, headers: Iterable[str] = (), content_type: str = "application/json"
) -> Reply:
    def write(connection: socket.socket) -> None:
        head = [
            f"HTTP/1.1 {status} X",
            f"Content-Type: {content_type}",
            f"Content-Length: {len(body)}",
            "Connection: close",
            *headers,
        ]
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    return write


def sse(events: Iterable[bytes]) -> Reply:
    """A 200 event stream of ``events`` (each a complete ``data: ...`` line's bytes, or any bytes), then the
    end of the connection."""

    def write(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        with contextlib.suppress(OSError):
            for event in events:
                connection.sendall(event)

    return write


def answer(text: str) -> Reply:
    """A short streamed answer: ``text``, then ``[DONE]``."""
    import json

    chunk = {
        "id": "x",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    end = {
        "id": "x",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "stop"}],
    }
    return sse(
        [
            f"data: {json.dumps(chunk)}\n\n".encode(),
            f"data: {json.dumps(end)}\n\n".encode(),
            b"data: [DONE]\n\n",
        ]
    )


class RawServer:
    """Answers the n-th request with ``replies[n]`` (the last one again once they run out); records when
    each request came."""

    def __init__(self, replies: list[Reply], *, get: Reply | None = None) -> None:
        self.replies = replies
        self.get = get if get is not None else response(404, b'"not here"')  # the TUI's balance request
        self.times: list[float] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        self.port = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._accepting = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> RawServer:
        self._accepting.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for connection in self._connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        self._accepting.join(5)
        self._socket.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._connections.append(connection)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(10)
        data = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in data:
                part = connection.recv(65536)
                if not part:
                    return
                data += part
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(body) < length:
                part = connection.recv(65536)
                if not part:
                    return
                body += part
            if not head.startswith(b"POST"):
                self.get(connection)
                return
            number = len(self.times)
            self.times.append(time.monotonic())
            self.replies[min(number, len(self.replies) - 1)](connection)
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
        connection.close()


def endless_line(total: int, piece: int = 1 << 20) -> Iterator[bytes]:
    """``data: "aaa…`` with no line end, ``total`` bytes in all."""
    yield b'data: {"choices": [{"delta": {"content": "'
    sent = 0
    block = b"a" * piece
    while sent < total:
        yield block
        sent += piece
