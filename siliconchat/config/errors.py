"""The one error of the config file: it cannot be read or written."""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """The config file cannot be read (or written): unreadable, malformed TOML, or a value of the wrong type.

    ``str()`` always names the file, and the line (and column) when known, e.g.
    ``Cannot read config file /home/me/.config/siliconchat/config.toml (line 3, column 7): Invalid value``.
    """

    path: Path
    line: int | None
    column: int | None
    key: str | None
    reason: str

    def __init__(
        self,
        path: Path,
        reason: str,
        *,
        line: int | None = None,
        column: int | None = None,
        key: str | None = None,
        action: str = "read",
    ) -> None:
        self.path = Path(path)
        self.reason = reason
        self.line = line
        self.column = column
        self.key = key
        self.action = action
        where = ""
        if line is not None:
            where = f" (line {line}, column {column})" if column is not None else f" (line {line})"
        super().__init__(f"Cannot {action} config file {self.path}{where}: {reason}")
