"""The user's keymap (``[keymap]`` in the config): the keys it names in hints, and the ids it gets wrong.

Every hint that names a key (the welcome text, the prompt's placeholder, the dialogs' key lines, toasts) asks
here, so that it names the key actually bound after the keymap, as the footer and the help screen do (they read
Textual's active bindings, to which Textual applies the keymap). An id in the keymap that no binding has does
nothing: the app warns about those once at start, naming them (see :func:`warn_unknown_ids`).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Iterator, Mapping
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode

__all__ = ["key_label", "key_name", "known_binding_ids", "unknown_ids", "warn_unknown_ids"]

# The packages whose modules define the screens and widgets with bindings (imported to find every id).
_BINDING_PACKAGES = ("siliconchat.ui.screens", "siliconchat.ui.widgets")
_KEY_NAMES = {"escape": "Escape", "enter": "Enter", "tab": "Tab", "space": "Space", "backspace": "Backspace"}

logger = logging.getLogger(__name__)


def _keymap(app: App[Any]) -> Mapping[str, str]:
    keymap = getattr(
        app, "keymap", None
    )  # SiliconChatApp keeps the keymap it was given (Textual's is private)
    return keymap if isinstance(keymap, Mapping) else {}


def bound_keys(app: App[Any], owner: type[DOMNode], binding_id: str) -> list[str]:
    """The keys of ``owner``'s binding ``binding_id`` after the user's keymap, e.g. ``["ctrl+j", "shift+enter"]``."""
    for binding in Binding.make_bindings(owner.BINDINGS):
        if binding.id == binding_id:
            keys = _keymap(app).get(binding_id, binding.key)
            return [key.strip() for key in keys.split(",") if key.strip()]
    raise KeyError(f"{owner.__name__} has no binding {binding_id!r}")


def key_name(app: App[Any], owner: type[DOMNode], binding_id: str) -> str:
    """The first key of a binding as prose says it: ``Ctrl+J``, ``F2``, ``Escape``."""
    keys = bound_keys(app, owner, binding_id)
    return _prose(keys[0]) if keys else "(unbound)"


def key_label(app: App[Any], owner: type[DOMNode], binding_id: str, *, every: bool = False) -> str:
    """The first key (``every``: all of them, joined by "/") of a binding as the footer shows keys: ``^j``."""
    keys = bound_keys(app, owner, binding_id)
    labels = [app.get_key_display(Binding(key, "")) for key in (keys if every else keys[:1])]
    return " / ".join(labels) if labels else "(unbound)"


def _prose(key: str) -> str:
    def name(part: str) -> str:
        if part in _KEY_NAMES:
            return _KEY_NAMES[part]
        function_key = part[:1] == "f" and part[1:].isdigit()
        return part.upper() if len(part) == 1 or function_key else part.capitalize()

    return "+".join(name(part) for part in key.split("+"))


def _subclasses(cls: type[DOMNode]) -> Iterator[type[DOMNode]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def known_binding_ids(app: App[Any]) -> set[str]:
    """Every binding id a keymap may name: those of the app and of every screen and widget there is."""
    for package_name in _BINDING_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__, f"{package_name}."):
            importlib.import_module(module.name)
    ids: set[str] = set()
    for cls in {type(app), *_subclasses(DOMNode)}:
        for binding in Binding.make_bindings(getattr(cls, "BINDINGS", None) or []):
            if binding.id:
                ids.add(binding.id)
    return ids


def unknown_ids(app: App[Any], keymap: Mapping[str, str]) -> list[str]:
    """The ids in ``keymap`` that no binding has, in the keymap's order."""
    if not keymap:
        return []
    known = known_binding_ids(app)
    return [binding_id for binding_id in keymap if binding_id not in known]


def warn_unknown_ids(app: App[Any], keymap: Mapping[str, str]) -> list[str]:
    """Say once (a toast and the log) which ids of ``keymap`` are unknown; return them."""
    unknown = unknown_ids(app, keymap)
    if unknown:
        from siliconchat.core.sanitize import sanitize_line

        names = ", ".join(sanitize_line(binding_id, 40) for binding_id in unknown)
        message = (
            f"The keymap in the config names {len(unknown)} unknown binding id{'s' if len(unknown) > 1 else ''} "
            f"(ignored): {names}. The README lists the ids."
        )
        logger.warning("%s", message)
        app.notify(message, severity="warning", timeout=10, markup=False)
    return unknown
