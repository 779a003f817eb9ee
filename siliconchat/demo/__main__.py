"""``python -m siliconchat.demo``: run the demo server in the foreground until SIGINT or SIGTERM.

Prints one line, ``siliconchat demo server listening on http://127.0.0.1:PORT/v1``, so scripts can read the
port chosen with ``--port 0``. Only loopback hosts are accepted: the server takes a well-known key.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

from siliconchat.demo.server import DEMO_API_KEY, DemoServer, is_loopback


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m siliconchat.demo",
        description="Serve SiliconFlow's chat API with scripted answers on a loopback address.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: 0, a free port)")
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument("--key", help="the API key to accept (default: the built-in demo key)")
    keys.add_argument("--any-key", action="store_true", help="accept any bearer key")
    parser.add_argument(
        "--pace",
        type=float,
        default=None,
        metavar="S",
        help="seconds between deltas for every scenario (0 = as fast as possible; default: realistic)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        parser.error(f"--host must be a loopback address (127.0.0.1, ::1, localhost), not {args.host!r}")
    if args.pace is not None and args.pace < 0:
        parser.error("--pace must be >= 0")
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    api_key = None if args.any_key else (args.key or DEMO_API_KEY)
    try:
        server = DemoServer(args.host, args.port, api_key=api_key, pace=args.pace)
    except OSError as error:
        print(f"siliconchat demo server: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    # SIGINT and SIGTERM both end the server with a KeyboardInterrupt in the main thread (SIGINT explicitly:
    # a shell starting us in the background would otherwise leave it ignored).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    with server:
        print(f"siliconchat demo server listening on {server.base_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
