"""The app's model: the model of the next turn, the favourites, the comparison set, and the model picker.

A mixin of :class:`~siliconchat.ui.app.SiliconChatApp` (the app's state is declared here for the type checker):
the choices are saved to the config (tomlkit keeps the user's comments), except in demo mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

from siliconchat.config import ConfigError, save_config
from siliconchat.core.sanitize import sanitize_line

if TYPE_CHECKING:
    from siliconchat.config import Settings
    from siliconchat.core.api import ChatClient
    from siliconchat.ui.screens.chat import ChatScreen

__all__ = ["ModelChoices"]


class ModelChoices(App[int]):
    """The model of the next turn, the favourites and the comparison set (see the module docstring)."""

    settings: Settings
    model: str
    favourites: list[str]
    compare_models: list[str]

    if TYPE_CHECKING:  # the app's (declared here for the type checker)

        @property
        def chat_screen(self) -> ChatScreen | None: ...

        @property
        def client(self) -> ChatClient: ...

        def key_for(self, binding_id: str) -> str: ...

        def notify_plain(
            self, message: str, *, severity: str = "information", timeout: float | None = None
        ) -> None: ...

    def open_model_picker(self, *, compare: bool = False) -> None:
        """The model picker; with ``compare``, for a comparison: the last comparison's models (else the current
        one) come marked, and Enter compares the marked ones (in the plain picker, marking 2 or more does too)."""
        from siliconchat.ui.screens.model_picker import ModelPickerScreen

        if any(type(screen).__name__ == "ModelPickerScreen" for screen in self.screen_stack):
            return
        client = self.client
        cached = client.catalogue.cached(client.base_url)
        models = cached.ids if cached is not None and cached.fresh else None
        self.push_screen(
            ModelPickerScreen(
                models,
                current=self.model,
                favourites=list(self.favourites),
                load_models=client.list_models,
                toggle_favourite=self.toggle_favourite,
                marked=(list(self.compare_models) or [self.model]) if compare else None,
            ),
            self._model_picked,
        )

    def _model_picked(self, picked: str | tuple[str, ...] | None) -> None:
        if isinstance(picked, tuple):
            self.compare_on(list(picked))
        elif picked:
            self.set_model(picked)

    def compare_on(self, models: list[str]) -> None:
        """Remember ``models`` as the comparison set (in the config, except in demo mode) and compare the
        prompt on them (the chat screen says why not, if it cannot)."""
        if models != self.compare_models:
            self.compare_models = list(models)
            if not self.settings.demo:
                self._save({"compare_models": list(models)})
        screen = self.chat_screen
        if screen is not None:
            screen.run_worker(screen.compare(models), group="compare")

    def set_model(self, model: str) -> None:
        """Use ``model`` from the next turn on, and remember it as the default."""
        model = model.strip()
        if not model or model == self.model:
            return
        self.model = model
        screen = self.chat_screen
        if screen is not None:
            screen.refresh_header()
        if not self.settings.demo:
            self._save({"model": model})
        self.notify_plain(f"Model: {sanitize_line(model, 80)} (from the next answer)")

    def _save(self, updates: dict[str, object]) -> None:
        try:
            save_config(updates)
        except (ConfigError, ValueError, TypeError, OSError) as exc:
            self.notify_plain(f"Could not save the config: {exc}", severity="warning")

    def cycle_favourite(self, step: int) -> None:
        """Switch to the next (``step`` 1) or previous (-1) favourite model."""
        if not self.favourites:
            from siliconchat.ui.keymap import key_label
            from siliconchat.ui.screens.model_picker import ModelPickerScreen

            in_picker = key_label(self, ModelPickerScreen, "model_picker.favourite")
            self.notify_plain(
                f"No favourite models yet: press {self.key_for('toggle_favourite')} to mark the current one, "
                f"or {in_picker} in the model picker."
            )
            return
        ring = list(self.favourites)
        if self.model not in ring:
            ring.insert(0, self.model)
        index = ring.index(self.model)
        target = ring[(index + step) % len(ring)]
        if target == self.model:
            self.notify_plain("The current model is the only favourite.")
            return
        self.set_model(target)

    def toggle_favourite(self, model: str) -> None:
        """Mark or unmark ``model`` as a favourite (saved to the config, except in demo mode)."""
        if model in self.favourites:
            self.favourites.remove(model)
            note = f"{sanitize_line(model, 80)} is no longer a favourite."
        else:
            self.favourites.append(model)
            note = f"{sanitize_line(model, 80)} is now a favourite ({self.key_for('next_favourite')} cycles them)."
        if not self.settings.demo:
            self._save({"favourites": list(self.favourites)})
        self.notify_plain(note)
