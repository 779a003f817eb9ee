"""The chat screen: its keys, the actions they run, and its commands in the command palette.

Every binding has an id, so that ``[keymap]`` in the config remaps it (Textual applies the app's keymap to
the bindings of every screen); the footer, the help screen and the palette show the keys as bound. The app's
own keys (help, quit, the palette, Ctrl+C) are on the app. What a turn is and how it is shown is
:class:`~siliconchat.ui.screens.chat_turns.TurnScreen`'s.

Every key of the chat screen (the README lists them too):

| key | id | action |
|---|---|---|
| enter | send | send the prompt |
| ctrl+j, shift+enter | newline | new line in the prompt |
| escape | stop | stop the answer being streamed (the partial answer is kept); comparing: the highlighted one, or close |
| ctrl+c | interrupt | stop the answer being streamed; when idle (or pressed twice within 1 s), quit |
| ctrl+n | new_conversation | new conversation |
| f2 | model_picker | model picker |
| f3 / shift+f3 | next_favourite / previous_favourite | cycle favourite models |
| f4 | toggle_favourite | mark / unmark the current model as a favourite |
| f8 | compare | compare models: the prompt to 2-4 models at once (the model picker marks them) |
| shift+f8 | compare_again | compare on the models of the last comparison |
| tab / shift+tab (comparing) | next_column / previous_column | highlight the next / previous answer |
| enter (comparing, empty prompt) | pick_answer | pick the highlighted answer (see ``chat_compare.py``) |
| f5 | conversation_settings | system prompt, temperature, top_p, max tokens, thinking budget |
| ctrl+t | toggle_thinking | thinking on / off (hybrid models) |
| ctrl+r | toggle_reasoning | show / hide the reasoning pane |
| ctrl+b, f9 | toggle_sidebar | conversation sidebar (its own keys: see ``widgets/sidebar.py``) |
| ctrl+f | search | search all conversations |
| ctrl+s | save_transcript | save the transcript (Markdown and JSON) |
| ctrl+y | copy_answer | copy the last answer |
| ctrl+g | unfold | unfold the pastes in the prompt; else unfold (or fold) the last long message in view |
| ctrl+o | attach | attach files or images to the next message (a file picker) |
| alt+left / alt+right | previous_branch / next_branch | switch the picked prompt, else the selected answer, to its previous / next sibling |
| up (in an empty prompt) | pick_up | pick the last prompt; then up / down (pick_down) move between the prompts |
| e, enter (a prompt picked) | edit_picked | put the picked prompt in the prompt, to send as a new branch |
| escape (a prompt picked or edited) | stop | stop picking, or editing (see ``chat_branches.py``) |
| f7 | open_editor | edit the prompt (or the picked prompt) in $VISUAL / $EDITOR (see ``chat_editor.py``) |
| ctrl+p | command_palette | command palette |
| f1 | help | help |
| ctrl+q | quit | quit |
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType

from siliconchat.core.attachments import AttachmentError
from siliconchat.core.compare import MIN_MODELS
from siliconchat.core.models import Thinking, thinking_of
from siliconchat.core.sanitize import sanitize_line
from siliconchat.ui.keymap import key_name
from siliconchat.ui.screens.chat_branches import BRANCH_ACTIONS, BranchScreen
from siliconchat.ui.screens.chat_commands import COMMANDS, Command
from siliconchat.ui.screens.chat_compare import COMPARE_ACTIONS
from siliconchat.ui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from siliconchat.core.conversation import ModelParams
    from siliconchat.ui.widgets.sidebar import Sidebar

__all__ = ["ChatScreen", "Command", "last_code_block"]

WELCOME = (
    "Type a prompt below and press {send} to send it ({newline} for a new line).\n"
    "{model_picker} picks a model, {next_favourite} cycles your favourites, {toggle_reasoning} shows or hides "
    "the reasoning, {stop} stops an answer, {command_palette} lists every command, {help} shows the keys."
)
"""The hint in an empty conversation; each ``{binding id}`` is the key bound to it (after the user's keymap)."""

_CODE_BLOCK = re.compile(r"^(```|~~~)[^\n]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)


def files_question(files: Sequence[Path]) -> tuple[str, str]:
    """``("Attach cat.png (12 KB)?", "/home/me")``: the question asked before attaching pasted paths, and
    where they are (file names are untrusted text: sanitized)."""
    from siliconchat.core.attachments import human_size

    def size(path: Path) -> int:
        try:
            return path.stat().st_size
        except OSError:
            return 0

    total = human_size(sum(size(path) for path in files))
    if len(files) == 1:
        question = f"Attach {sanitize_line(files[0].name)} ({total})?"
    else:
        question = f"Attach {len(files)} files ({total}): {', '.join(sanitize_line(p.name) for p in files)}?"
    folders = sorted({str(path.parent) for path in files})
    return question, ", ".join(folders)


def last_code_block(markdown: str) -> str | None:
    """The text of the last fenced code block in ``markdown``, if any."""
    blocks = _CODE_BLOCK.findall(markdown)
    return blocks[-1][1] if blocks else None


class ChatScreen(BranchScreen):
    """The main screen. Keys: the README's key table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop", "Stop", id="stop", tooltip="Stop the answer being streamed"),
        Binding("ctrl+n", "new_conversation", "New", id="new_conversation"),
        Binding("f2", "model_picker", "Model", id="model_picker"),
        Binding("f3", "next_favourite", "Next fav", id="next_favourite"),
        Binding("shift+f3", "previous_favourite", "Prev fav", id="previous_favourite", show=False),
        Binding("f4", "toggle_favourite", "Favourite", id="toggle_favourite", show=False),
        Binding("f8", "compare", "Compare", id="compare", show=False),
        Binding("shift+f8", "compare_again", "Compare again", id="compare_again", show=False),
        # priority, and only while a comparison is on screen (compare_key_applies): else the prompt has them
        Binding("tab", "next_column", "Next answer", id="next_column", show=False, priority=True),
        Binding(
            "shift+tab", "previous_column", "Previous answer", id="previous_column", show=False, priority=True
        ),
        Binding("enter", "pick_answer", "Pick", id="pick_answer", show=False, priority=True),
        Binding("f5", "conversation_settings", "Settings", id="conversation_settings", show=False),
        Binding("ctrl+t", "toggle_thinking", "Thinking", id="toggle_thinking", show=False),
        Binding("ctrl+r", "toggle_reasoning", "Reasoning", id="toggle_reasoning"),
        Binding("ctrl+b,f9", "toggle_sidebar", "Sidebar", id="toggle_sidebar", show=False),
        Binding("ctrl+f", "search", "Search", id="search", show=False),
        Binding("ctrl+s", "save_transcript", "Save", id="save_transcript", show=False),
        # priority: the prompt (a TextArea) binds ctrl+y to redo
        Binding("ctrl+y", "copy_answer", "Copy", id="copy_answer", show=False, priority=True),
        Binding("ctrl+g", "unfold", "Unfold", id="unfold", show=False),
        Binding("ctrl+o", "attach", "Attach", id="attach", show=False),
        Binding("alt+left", "previous_branch", "Previous branch", id="previous_branch", show=False),
        Binding("alt+right", "next_branch", "Next branch", id="next_branch", show=False),
        # priority, and only while they apply (branch_key_applies): else the prompt has them
        Binding("up", "pick_up", "Pick a prompt", id="pick_up", show=False, priority=True),
        Binding("down", "pick_down", "Next prompt", id="pick_down", show=False, priority=True),
        Binding("e,enter", "edit_picked", "Edit the prompt", id="edit_picked", show=False, priority=True),
        # priority: the prompt (a TextArea) binds f7 to select all
        Binding("f7", "open_editor", "Edit in $EDITOR", id="open_editor", show=False, priority=True),
    ]

    def commands(self) -> Iterator[tuple[str, str, str]]:
        """(title, help with its key, action) of each palette command."""
        for command in COMMANDS:
            key = self.chat_app.key_for(command.binding_id) if command.binding_id else ""
            yield command.title, f"{command.help} ({key})" if key else command.help, command.action

    def welcome_text(self) -> str:
        app = self.app
        keys = {binding_id: key_name(app, PromptInput, binding_id) for binding_id in ("send", "newline")}
        for binding_id in ("model_picker", "next_favourite", "toggle_reasoning", "stop"):
            keys[binding_id] = key_name(app, ChatScreen, binding_id)
        for binding_id in ("command_palette", "help"):
            keys[binding_id] = key_name(app, type(app), binding_id)
        return WELCOME.format(**keys)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.is_attached and self.app.screen is not self:
            return False  # under a dialog: its footer shows none of the keys the dialog holds back
        if action == "stop" and not (self.streaming or self.picked or self.editing or self.comparing):
            return None  # shown, dimmed; the key falls through
        if action in COMPARE_ACTIONS:
            return self.compare_key_applies(action)
        if self.comparing is not None and action in BRANCH_ACTIONS:
            return None  # a comparison is on screen: its answers are the branches (Tab, Enter)
        return self.branch_key_applies(action)

    def _say(self, text: str, severity: str = "information") -> None:
        self.chat_app.notify_plain(text, severity=severity)

    # -- the turn -----------------------------------------------------------------------------------

    async def action_stop(self) -> None:
        if self.comparing is not None:
            if not self.stop_column() and not self.comparing.streaming:
                await self.close_comparison()
        elif not self.cancel_pick():
            self.stop_answer()

    # -- comparing -------------------------------------------------------------------------------------

    def action_compare(self) -> None:
        self.chat_app.open_model_picker(compare=True)

    async def action_compare_again(self) -> None:
        models = self.chat_app.compare_models
        if len(models) < MIN_MODELS:
            self.chat_app.open_model_picker(compare=True)
            return
        await self.compare(models)

    def action_next_column(self) -> None:
        self.highlight_column(1)

    def action_previous_column(self) -> None:
        self.highlight_column(-1)

    async def action_pick_answer(self) -> None:
        await self.pick_answer()

    async def action_new_conversation(self) -> None:
        await self.new_conversation(self.chat_app.new_conversation())
        sidebar = self.chat_app.history.sidebar
        if sidebar is not None:
            sidebar.set_current(None)

    async def action_regenerate(self) -> None:
        if self.streaming:
            self._say(
                f"An answer is still streaming: stop it first ({self.chat_app.key_for('stop')}).", "warning"
            )
        elif not await self.regenerate():
            self._say("There is no prompt to send again yet.")

    def action_toggle_reasoning(self) -> None:
        if self.comparing is not None:
            self.toggle_compared_reasoning()
        else:
            self.toggle_reasoning()

    def action_open_editor(self) -> None:
        from siliconchat.ui.screens.chat_editor import open_editor

        open_editor(self)

    def action_unfold(self) -> None:
        if not self.prompt.unfold_pastes() and not self.view.toggle_fold():
            self._say("Nothing here is folded (large pastes and long messages are).")

    # -- attaching -----------------------------------------------------------------------------------

    def action_attach(self) -> None:
        """The file picker; the files picked are read in a thread and join the tray (or are refused)."""
        from siliconchat.ui.screens.attach_picker import AttachPickerScreen

        def picked(paths: list[Path] | None) -> None:
            if paths:
                self.run_worker(self.attach_files(paths), group="attach")

        self.app.push_screen(AttachPickerScreen(), picked)

    def on_prompt_input_files_pasted(self, event: PromptInput.FilesPasted) -> None:
        """A paste that is only paths of files (a file dropped on the terminal): attach them if the user
        says yes, or insert the text as pasted."""
        from siliconchat.ui.screens.dialogs import ConfirmScreen

        event.stop()
        question, detail = files_question(event.files)

        def answered(attach: bool | None) -> None:
            if attach:
                self.run_worker(self.attach_files(event.files), group="attach")
            else:
                event.prompt.insert_paste(event.text)

        self.app.push_screen(ConfirmScreen(question, detail, confirm_label="Attach"), answered)

    async def attach_files(self, paths: Sequence[Path]) -> None:
        """Read and check ``paths`` (off the event loop) and add them to the tray; each refusal is a toast."""
        from siliconchat.core.attachments import attach_path, check_message

        limits = self.chat_app.settings.attachments
        for path in paths:
            try:
                attachment = await asyncio.to_thread(attach_path, path, limits)
                attached = self.attachments.attachments
                if any((a.name, a.sha256) == (attachment.name, attachment.sha256) for a in attached):
                    self.notify(f"{attachment.name} is attached already.", markup=False)
                    continue  # the same file picked again: sent twice, it only doubled the request
                check_message([*attached, attachment], limits)
            except AttachmentError as exc:
                self.notify(str(exc), title="Not attached", severity="error", markup=False, timeout=8)
                continue
            self.attachments.add(attachment)

    # -- the model and the conversation's settings ---------------------------------------------------

    def action_model_picker(self) -> None:
        self.chat_app.open_model_picker()

    def action_next_favourite(self) -> None:
        self.chat_app.cycle_favourite(1)

    def action_previous_favourite(self) -> None:
        self.chat_app.cycle_favourite(-1)

    def action_toggle_favourite(self) -> None:
        self.chat_app.toggle_favourite(self.chat_app.model)

    def action_conversation_settings(self) -> None:
        from siliconchat.ui.screens.settings import ConversationSettingsScreen

        conversation = self.conversation

        def apply(result: tuple[ModelParams, str | None] | None) -> None:
            if result is None:
                return
            conversation.params, conversation.system_prompt = result
            self.chat_app.history.save_settings(conversation)  # a saved conversation keeps them
            self.refresh_header()
            self._say("Conversation settings applied from the next answer.")

        self.app.push_screen(
            ConversationSettingsScreen(
                model=self.chat_app.model,
                params=conversation.params,
                system_prompt=conversation.system_prompt,
            ),
            apply,
        )

    def action_toggle_thinking(self) -> None:
        model = self.chat_app.model
        kind = thinking_of(model)
        if kind is not Thinking.HYBRID:
            why = "always thinks" if kind is Thinking.ALWAYS else "has no thinking mode"
            self._say(f"{sanitize_line(model, 80)} {why}: there is nothing to switch.")
            return
        params = self.conversation.params
        enabled = params.enable_thinking is not False
        self.conversation.params = params.merged(enable_thinking=not enabled)
        self.refresh_header()
        self._say(f"Thinking {'off' if enabled else 'on'} from the next answer.")

    # -- copying --------------------------------------------------------------------------------------

    async def _copy(self, text: str | None, what: str) -> None:
        if not text:
            self._say(f"There is no {what} to copy yet.", "warning")
            return
        from siliconchat.ui import clipboard

        how = await clipboard.copy(self.app, text)
        self._say(f"Copied the {what} ({len(text):,} characters) {how}.")

    async def action_copy_answer(self) -> None:
        message = self.last_answer()
        await self._copy(message.content if message is not None else None, "last answer")

    async def action_copy_code(self) -> None:
        message = self.last_answer()
        await self._copy(last_code_block(message.content) if message is not None else None, "last code block")

    async def action_copy_reasoning(self) -> None:
        message = self.selected if self.selected is not None else self.last_answer()
        await self._copy(message.reasoning if message is not None else None, "reasoning")

    # -- the history ----------------------------------------------------------------------------------

    async def action_toggle_sidebar(self) -> None:
        await self.chat_app.history.toggle_sidebar()

    def action_search(self) -> None:
        self.chat_app.history.search()

    def action_save_transcript(self) -> None:
        self.chat_app.history.save_transcript()

    def action_save_transcript_all_branches(self) -> None:
        self.chat_app.history.save_transcript(all_branches=True)

    def action_rename_conversation(self) -> None:
        self.chat_app.history.rename()

    def action_delete_conversation(self) -> None:
        self.chat_app.history.delete()

    def action_open_latest(self) -> None:
        self.chat_app.history.continue_latest()

    # The sidebar's messages, by handler name (``@on(Sidebar.Open)`` would import the sidebar at start).

    def on_sidebar_open(self, event: Sidebar.Open) -> None:
        self.chat_app.history.open_conversation(event.conversation_id)

    def on_sidebar_rename(self, event: Sidebar.Rename) -> None:
        self.chat_app.history.rename(event.conversation_id, event.title)

    def on_sidebar_delete(self, event: Sidebar.Delete) -> None:
        self.chat_app.history.delete(event.conversation_id, event.title)

    def on_sidebar_closed(self, event: Sidebar.Closed) -> None:
        self.chat_app.history.close_sidebar()
