"""Rules of the code's shape that a refactor must not quietly break."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import siliconchat

PACKAGE = Path(siliconchat.__file__).parent
CORE_MODULES = [
    *sorted((PACKAGE / "core").rglob("*.py")),
    *sorted((PACKAGE / "config").glob("*.py")),
    PACKAGE / "paths.py",
]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_never_imports_textual_or_rich() -> None:
    offenders = {
        path.name: sorted(m for m in imported_modules(path) if m.split(".")[0] in {"textual", "rich"})
        for path in CORE_MODULES
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_core_import_loads_no_ui_at_runtime() -> None:
    code = (
        "import sys, siliconchat.core.api, siliconchat.core.turn, siliconchat.config, siliconchat.runtime;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_version_and_help_import_neither_textual_nor_openai() -> None:
    for flag in ("--version", "--help"):
        code = (
            "import sys\nfrom siliconchat.cli import main\n"
            f"try:\n    main([{flag!r}])\nexcept SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'openai', 'rich'}), file=sys.stderr)"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert result.stderr.strip().splitlines()[-1] == "[]", flag


MAX_LINES = 500


def test_no_source_file_is_over_500_lines() -> None:
    lengths = {
        path.relative_to(PACKAGE.parent).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    too_long = {name: lines for name, lines in lengths.items() if lines > MAX_LINES}
    assert too_long == {}, f"split these modules by job (at most {MAX_LINES} lines each)"


def test_screens_widgets_and_the_document_never_name_the_app_class() -> None:
    # Not even for the type checker (import-linter leaves those imports out): a screen sees the app through
    # the ChatHost protocol (siliconchat/ui/host.py).
    rooms = ("screens", "widgets", "document")
    naming = [
        path.relative_to(PACKAGE).as_posix()
        for room in rooms
        for path in sorted((PACKAGE / "ui" / room).rglob("*.py"))
        if "siliconchat.ui.app" in imported_modules(path)
    ]
    assert naming == []
