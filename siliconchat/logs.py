"""The log file (for bug reports): in the platformdirs log folder, with the API key redacted."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from siliconchat import paths
from siliconchat.core.sanitize import redact

LOG_NAME = "siliconchat.log"


class RedactingFilter(logging.Filter):
    """Removes the key (and anything shaped like one) from every record, whoever logged it."""

    def __init__(self, secret: str | None) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secret)
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info), self.secret)
            record.exc_info = None
        return True


def setup_logging(secret: str | None, level: int = logging.INFO) -> logging.Handler | None:
    """Log to ``log_dir()/siliconchat.log`` (rotated). Returns None when the folder is unusable:
    logging must never stop the app."""
    try:
        folder = paths.ensure_dir(paths.log_dir())
        # backslashreplace: a lone surrogate in a record (text that is not valid Unicode) is written as
        # \udXXX, where strict UTF-8 would print "--- Logging error ---" and a traceback on stderr.
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            folder / LOG_NAME, maxBytes=1_000_000, backupCount=2, encoding="utf-8", errors="backslashreplace"
        )
    except OSError:
        return None
    handler.addFilter(RedactingFilter(secret))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    # The SDK and its HTTP stack log request details at DEBUG; keep them out.
    for noisy in ("openai", "httpx", "httpx2", "httpcore", "httpcore2", "asyncio", "markdown_it"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler


def log_file() -> Path | None:
    """The log file this process writes: set up (without a key to redact but those shaped like one) when
    nothing set it up yet. None when the folder is unusable."""
    path = paths.log_dir() / LOG_NAME
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == path.absolute():
            return path
    return path if setup_logging(None) is not None else None
