"""The prompt: a multi-line input where Enter sends and Ctrl+J / Shift+Enter insert a new line.

| key | action |
|---|---|
| enter | send the prompt (binding id ``send``) |
| ctrl+j, shift+enter | insert a new line (binding id ``newline``) |

A large paste (see ``document/folding.py``) is shown as a chip, ``⟦pasted 200 KB, 3,100 lines⟧``, one piece of
text that stands for the paste: what is sent (and saved) is the text with each chip replaced by its paste.
:meth:`PromptInput.unfold_pastes` (the app's ``unfold``, Ctrl+G) puts the pastes themselves in the prompt. A
chip that is edited is no longer a chip: what is left of it is sent as it reads.

A paste that is only the paths of existing files (a file dropped on the terminal, see
``core/attachments/pasted.py``) is not inserted: :class:`PromptInput.FilesPasted` asks the screen to offer
attaching them; :meth:`PromptInput.insert_paste` inserts the text after all when the user says no.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets.text_area import EditResult

from siliconchat.core.attachments import pasted_files
from siliconchat.ui.document.folding import is_large, size_text
from siliconchat.ui.keymap import key_name
from siliconchat.ui.textual_seams import BlinkHookTextArea

BLINK_SECONDS = 10.0
"""The cursor blinks this long after the last key, click or focus, then stays on, as GTK's cursor blink
timeout does: each blink is a repaint of its own (about 2.5 ms of CPU here: 0.5 % of a core while it blinks;
nothing at all once it stays on). While an answer streams it does not blink at all."""
ANSWER_BLINK_SECONDS = 3.0
"""After an answer ends (your turn), the cursor blinks this long: a few blinks draw the eye back to the
prompt without keeping an idle app busy for the next :data:`BLINK_SECONDS`."""


class PromptInput(BlinkHookTextArea):
    """A ``TextArea`` that posts :class:`PromptInput.Submitted` on Enter."""

    _blink_end: asyncio.TimerHandle | None = None
    _resting = False  # the blinking stopped after BLINK_SECONDS without a key: the next one starts it again
    _still = False  # held still by the screen (an answer streams): keys do not start the blinking

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Send", id="send", priority=True, show=False),
        Binding("ctrl+j,shift+enter", "newline", "New line", id="newline", priority=True, show=False),
    ]

    class Submitted(Message):
        """The user asked to send ``text``."""

        def __init__(self, prompt: PromptInput, text: str, typed: str | None = None) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text
            self.typed = text if typed is None else typed
            """The prompt's text as it was at Enter (its chips unexpanded): see :meth:`PromptInput.remove_sent`."""

        @property
        def control(self) -> PromptInput:
            return self.prompt

    class FilesPasted(Message):
        """The user pasted ``text``, which is only the paths of ``files`` (a file dropped on the terminal)."""

        def __init__(self, prompt: PromptInput, text: str, files: list[Path]) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text
            self.files = files

        @property
        def control(self) -> PromptInput:
            return self.prompt

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        self.placeholder = "Ask anything…"
        self._pastes: dict[str, str] = {}  # chip -> the paste it stands for

    def on_mount(self) -> None:
        send, newline = (key_name(self.app, PromptInput, binding_id) for binding_id in ("send", "newline"))
        self.placeholder = f"Ask anything…  ({send} sends, {newline} new line)"

    # The bindings are priority bindings, so they run in the app's queue while the keys typed just
    # before them may still wait in this widget's queue (a fast paste, tmux send-keys): act only
    # after those, through this widget's own queue.

    def action_submit(self) -> None:
        self.call_later(self._submit)

    def action_newline(self) -> None:
        self.call_later(self.insert, "\n")

    def _submit(self) -> None:
        if self.text.strip():
            self.post_message(self.Submitted(self, self.full_text, self.text))

    def remove_sent(self, typed: str) -> None:
        """Take the text sent (``typed``: the prompt as it was at Enter) out of the prompt, and keep what was
        typed after the Enter: the screen sends it a moment after Enter, and keys typed meanwhile ("alpha⏎beta"
        in one burst) are in the prompt by then."""
        text = self.text
        if not text.startswith(typed):  # edited meanwhile (it cannot be told apart): the prompt is emptied
            self.clear()
            return
        rest = text[len(typed) :]
        lines = typed.split("\n")
        self.delete((0, 0), (len(lines) - 1, len(lines[-1])))
        self._pastes = {chip: paste for chip, paste in self._pastes.items() if chip in rest}
        self.move_cursor(self.document.end)

    # -- pastes: large ones, and paths of files ---------------------------------------------------

    def on_paste(self, event: events.Paste) -> None:
        text = event.text.replace("\r\n", "\n").replace("\r", "\n")
        if is_large(text):
            event.stop()
            event.prevent_default()
            self._insert_chip(text)
        elif not self.read_only and (files := pasted_files(text)):
            event.stop()
            event.prevent_default()
            self.post_message(self.FilesPasted(self, event.text, files))
        # otherwise the TextArea inserts it

    def insert_paste(self, text: str) -> None:
        """Insert pasted ``text`` where the cursor is (over the selection), as a paste would."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if is_large(text):
            self._insert_chip(text)
        else:
            result = self.replace(text, *self.selection)
            self.move_cursor(result.end_location)

    def replace_all(self, text: str) -> None:
        """Put ``text`` in place of the whole prompt, as a paste over all of it would (a large text as a chip;
        undo brings the old text back)."""
        self.select_all()
        self.insert_paste(text)

    def _insert_chip(self, text: str) -> None:
        label = f"pasted {size_text(text)}"
        chip = f"⟦{label}⟧"
        number = 1
        while chip in self._pastes and self._pastes[chip] != text:
            number += 1
            chip = f"⟦{label} #{number}⟧"
        self._pastes[chip] = text
        result = self.replace(chip, *self.selection)
        self.move_cursor(result.end_location)

    @property
    def full_text(self) -> str:
        """The prompt as it is sent: each chip replaced by its paste."""
        text = self.text
        for chip, paste in self._pastes.items():
            if chip in text:
                text = text.replace(chip, paste)
        return text

    def unfold_pastes(self) -> bool:
        """Put the pastes themselves in the prompt, in place of their chips; False when there is none."""
        if not any(chip in self.text for chip in self._pastes):
            return False
        self.text = self.full_text
        self._pastes.clear()
        self.move_cursor(self.document.end)
        return True

    def clear(self) -> EditResult:
        self._pastes.clear()
        return super().clear()

    def hold_still(self, still: bool) -> None:
        """Keep the cursor from blinking (a blink is a repaint of its own: not while an answer streams), or let
        it blink again, for :data:`ANSWER_BLINK_SECONDS`."""
        self._still = still
        self._resting = False
        self.cursor_blink = not still
        if not still:
            self._blink_for(ANSWER_BLINK_SECONDS)

    def blink_restarted(self) -> None:
        # On every key, click and focus: blink for BLINK_SECONDS more.
        if self._resting and not self._still:
            self._resting = False
            self.cursor_blink = True  # (its watcher comes back here)
        if self.cursor_blink:
            self._blink_for(BLINK_SECONDS)

    def _blink_for(self, seconds: float) -> None:
        if self._blink_end is not None:
            self._blink_end.cancel()
        self._blink_end = asyncio.get_running_loop().call_later(seconds, self._rest)

    def _rest(self) -> None:
        self._blink_end = None
        if self.cursor_blink:
            self._resting = True
            self.cursor_blink = False  # the cursor stays on while the prompt has focus

    def restore(self, text: str) -> None:
        """Put ``text`` back after a failure (or an answer cut off), to send it again, if the prompt is empty.

        It comes back selected as a whole: Enter sends it again, an arrow key keeps it to edit, and typing
        replaces it. Typing never adds to it: keys typed as it came back (on their way while the answer
        failed) replace it too, where they were glued to its end. With text in the prompt, nothing changes.
        """
        if not self.text.strip():
            self._pastes.clear()
            self.text = ""
            if is_large(text):
                self._insert_chip(text)  # the whole prompt as one chip
            else:
                self.text = text
            self.select_all()
