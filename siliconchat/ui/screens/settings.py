"""Per-conversation settings: system prompt, sampling parameters and, for hybrid models, thinking.

Bindings:

| key | action |
|---|---|
| ctrl+s | save (also the Save button) |
| tab / shift+tab | next / previous field |
| escape | cancel |

An empty field means "leave it to the server". Invalid values are marked, explained, and block saving.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.validation import Function
from textual.widgets import Button, Input, Label, Static, Switch, TextArea

from siliconchat.core.conversation import THINKING_BUDGET_MAX, THINKING_BUDGET_MIN, ModelParams
from siliconchat.core.models import Thinking, thinking_of
from siliconchat.core.sanitize import sanitize_line

__all__ = ["ConversationSettingsScreen"]

SettingsResult = tuple[ModelParams, "str | None"]
_T = TypeVar("_T")


class _Invalid(ValueError):
    """A field's text is not a valid value; the message says what is expected."""


def _number(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise _Invalid("is not a number") from None
    if not math.isfinite(value):
        raise _Invalid("is not a finite number")
    return value


def _whole(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise _Invalid("is not a whole number") from None


def parse_temperature(text: str) -> float | None:
    value = _number(text)
    if value is not None and not 0.0 <= value <= 2.0:
        raise _Invalid("must be from 0 to 2")
    return value


def parse_top_p(text: str) -> float | None:
    value = _number(text)
    if value is not None and not 0.0 < value <= 1.0:
        raise _Invalid("must be above 0 and at most 1")
    return value


def parse_max_tokens(text: str) -> int | None:
    value = _whole(text)
    if value is not None and value < 1:
        raise _Invalid("must be 1 or more")
    return value


def parse_thinking_budget(text: str) -> int | None:
    value = _whole(text)
    if value is not None and not THINKING_BUDGET_MIN <= value <= THINKING_BUDGET_MAX:
        raise _Invalid(f"must be from {THINKING_BUDGET_MIN} to {THINKING_BUDGET_MAX}")
    return value


def _is_valid(parse: Callable[[str], object]) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        try:
            parse(text)
        except _Invalid:
            return False
        return True

    return check


def _text(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return str(value)


# (input id, label, parser, hint under the field)
_FIELDS: tuple[tuple[str, str, Callable[[str], float | int | None], str], ...] = (
    ("settings-temperature", "Temperature", parse_temperature, "0 to 2"),
    ("settings-top-p", "Top p", parse_top_p, "above 0, up to 1"),
    ("settings-max-tokens", "Max answer tokens", parse_max_tokens, "1 or more"),
    (
        "settings-thinking-budget",
        "Thinking budget",
        parse_thinking_budget,
        f"{THINKING_BUDGET_MIN} to {THINKING_BUDGET_MAX} tokens",
    ),
)


class ConversationSettingsScreen(ModalScreen[tuple[ModelParams, str | None] | None]):
    """Edit the system prompt and parameters of one conversation.

    Dismisses with ``(params, system_prompt)`` (``system_prompt`` is ``None`` when empty) on save,
    or ``None`` on Escape. The thinking switch and budget are offered only for hybrid models; for
    other models those two values are returned unchanged.
    """

    CSS_PATH = "../styles/screens.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="settings.save"),
        Binding("escape", "cancel", "Cancel", id="settings.cancel"),
    ]

    def __init__(self, *, model: str, params: ModelParams, system_prompt: str | None) -> None:
        super().__init__()
        self._model = model
        self._params = params
        self._system_prompt = system_prompt or ""
        self._hybrid = thinking_of(model) is Thinking.HYBRID
        self._thinking_touched = False

    # -- compose ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        params = self._params
        values = {
            "settings-temperature": params.temperature,
            "settings-top-p": params.top_p,
            "settings-max-tokens": params.max_tokens,
            "settings-thinking-budget": params.thinking_budget,
        }
        fields = {field_id: (label, parse, hint) for field_id, label, parse, hint in _FIELDS}

        def field(field_id: str) -> ComposeResult:
            label, parse, hint = fields[field_id]
            with Vertical(classes="settings-field"):
                yield Label(label, classes="settings-label")
                yield Input(
                    _text(values[field_id]),
                    placeholder="server default",
                    type="integer" if parse in (parse_max_tokens, parse_thinking_budget) else "number",
                    validators=[Function(_is_valid(parse), f"{label} {hint}")],
                    valid_empty=True,
                    id=field_id,
                )
                yield Static(Content.styled(hint, "dim"), classes="settings-hint", markup=False)

        with Vertical(id="settings-dialog", classes="dialog") as dialog:
            dialog.border_title = "Conversation settings"
            dialog.border_subtitle = Content(sanitize_line(self._model, 60))
            yield Label("System prompt", classes="settings-label")
            yield TextArea(
                self._system_prompt,
                id="settings-system",
                soft_wrap=True,
                show_line_numbers=False,
                placeholder="none: the model's default behaviour",
            )
            with Horizontal(classes="settings-row"):
                yield from field("settings-temperature")
                yield from field("settings-top-p")
                yield from field("settings-max-tokens")
            if self._hybrid:
                enabled = params.enable_thinking if params.enable_thinking is not None else True
                with Horizontal(classes="settings-row", id="settings-thinking-row"):
                    with Vertical(classes="settings-field settings-switch-field"):
                        yield Label("Thinking", classes="settings-label")
                        with Horizontal(classes="settings-switch-line"):
                            yield Switch(enabled, id="settings-thinking")
                            yield Static(
                                self._switch_text(enabled), id="settings-thinking-state", markup=False
                            )
                        yield Static(Content.styled("space toggles", "dim"), classes="settings-hint")
                    yield from field("settings-thinking-budget")
                    yield Vertical(classes="settings-field")  # keeps the columns of the row above
            else:
                kind = thinking_of(self._model)
                note = (
                    "This model always thinks; its thinking cannot be switched off or budgeted here."
                    if kind is Thinking.ALWAYS
                    else "This model has no thinking switch."
                )
                yield Static(Content.styled(note, "dim italic"), id="settings-thinking-note", markup=False)
            yield Static(id="settings-error", markup=False)
            with Horizontal(id="settings-actions"):
                yield Static(self._keys_hint(), classes="hint", markup=False)
                yield Button("Cancel", id="settings-cancel", compact=True)
                yield Button("Save", variant="primary", id="settings-save", compact=True)

    def _keys_hint(self) -> Content:
        parts: list[str | tuple[str, str]] = []
        for key, what in (("ctrl+s", "save"), ("tab", "next field"), ("esc", "cancel")):
            if parts:
                parts.append("  ")
            parts.extend([(key, "bold $accent"), " ", what])
        return Content.assemble(*parts)

    @staticmethod
    def _switch_text(enabled: bool) -> Content:
        return Content.styled("on" if enabled else "off: answers at once", "dim")

    def on_mount(self) -> None:
        self.query_one("#settings-error", Static).display = False
        if self._hybrid:
            self._sync_budget(self.query_one("#settings-thinking", Switch).value)
        self.query_one("#settings-system", TextArea).focus()

    # -- events -------------------------------------------------------------------------

    def _sync_budget(self, enabled: bool) -> None:
        self.query_one("#settings-thinking-budget", Input).disabled = not enabled
        self.query_one("#settings-thinking-state", Static).update(self._switch_text(enabled))

    @on(Switch.Changed, "#settings-thinking")
    def _thinking_changed(self, event: Switch.Changed) -> None:
        self._thinking_touched = True
        self._sync_budget(event.value)

    @on(Input.Changed)
    def _field_changed(self) -> None:
        self._show_error(None)

    @on(Input.Submitted)
    def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#settings-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#settings-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def _show_error(self, text: str | None) -> None:
        error = self.query_one("#settings-error", Static)
        if text is None:
            error.display = False
            return
        error.update(Content.assemble(("✖ ", "bold"), text))
        error.display = True

    # -- actions ------------------------------------------------------------------------

    def _read(self, field_id: str, parse: Callable[[str], _T]) -> _T:
        label = next(lbl for fid, lbl, _, _ in _FIELDS if fid == field_id)
        field_input = self.query_one(f"#{field_id}", Input)
        try:
            return parse(field_input.value)
        except _Invalid as exc:
            field_input.focus()
            raise _Invalid(f"{label} {exc}.") from None

    def collect(self) -> SettingsResult:
        """The values in the form; raises ``ValueError`` (with a message for people) when one is invalid."""
        temperature = self._read("settings-temperature", parse_temperature)
        top_p = self._read("settings-top-p", parse_top_p)
        max_tokens = self._read("settings-max-tokens", parse_max_tokens)
        enable_thinking = self._params.enable_thinking
        thinking_budget = self._params.thinking_budget
        if self._hybrid:
            if self._thinking_touched:
                enable_thinking = self.query_one("#settings-thinking", Switch).value
            thinking_budget = self._read("settings-thinking-budget", parse_thinking_budget)
        params = ModelParams(
            temperature=temperature,
            top_p=top_p,
            max_tokens=max_tokens,
            enable_thinking=enable_thinking,
            thinking_budget=thinking_budget,
        )
        system = self.query_one("#settings-system", TextArea).text
        return params, (system if system.strip() else None)

    def action_save(self) -> None:
        try:
            result = self.collect()
        except ValueError as exc:
            self._show_error(str(exc))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
