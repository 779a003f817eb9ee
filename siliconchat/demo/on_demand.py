"""The demo server of ``siliconchat --demo``: its address at once, the server itself when a client connects.

Importing and starting the full server (:mod:`.server`: ``http.server``, the scenarios) took about 50 ms
before the TUI could draw its first frame. Here only the listening socket is made at once, so the base URL is
known; a thread waits on it (in ``select``, without the GIL) and starts the server when the first client
connects. That connection waits in the socket's backlog meanwhile, and the server accepts it as any other.

This module imports only the standard library (sockets, threads and logging) and the demo key.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
from typing import TYPE_CHECKING

from siliconchat.demo.key import DEMO_API_KEY as DEMO_API_KEY

if TYPE_CHECKING:
    from siliconchat.demo.server import DemoServer


class OnDemandDemoServer:
    """A :class:`~siliconchat.demo.server.DemoServer` with its default settings, started by the first client."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._socket = socket.create_server((host, 0))
        bound_host, port = self._socket.getsockname()[:2]
        self.base_url = f"http://{bound_host}:{port}/v1"
        """``http://127.0.0.1:PORT/v1``: what the SDK's ``base_url`` should be."""
        self._wake, self._waker = socket.socketpair()  # stop() writes to one to end the wait on the other
        self._lock = threading.Lock()
        self._server: DemoServer | None = None
        self._started = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(
            target=self._serve_when_asked, name="siliconchat-demo-wait", daemon=True
        )
        self._thread.start()

    @property
    def started(self) -> bool:
        """Whether a client has connected and the server runs.

        Set before the server accepts its first connection, so a client that has had an answer always sees
        it true.
        """
        return self._started.is_set()

    def _serve_when_asked(self) -> None:
        readable, _, _ = select.select([self._socket, self._wake], [], [])
        if self._wake in readable:
            return
        try:
            from siliconchat.demo.server import DemoServer

            with self._lock:
                if not self._stopped:
                    self._server = DemoServer(listening=self._socket)
                    # Signalled before the server accepts: whoever got an answer sees ``started``.
                    self._started.set()
                    self._server.start()
        except Exception:
            self._started.clear()
            # Never leave a client waiting in the backlog of a server that will not come: refuse it. (Logged, not
            # raised: a thread's traceback would be printed over the TUI.)
            logging.getLogger(__name__).exception("the demo server did not start")
            self._socket.close()

    def stop(self) -> None:
        """Stop the server (or the wait for its first client) and close the socket (idempotent)."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        with contextlib.suppress(OSError):
            self._waker.send(b"\0")
        self._thread.join(timeout=5)
        if self._server is not None:
            self._server.stop()  # closes the socket too
        else:
            self._socket.close()
        self._wake.close()
        self._waker.close()
