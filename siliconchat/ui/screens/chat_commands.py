"""The chat screen's commands in the command palette: each one's title, what it does, its action and the
binding that runs it (the palette shows the key as bound after the user's keymap)."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["COMMANDS", "Command"]


class Command(NamedTuple):
    """One command of the palette: its title, what it does, the action it runs and the binding that runs it."""

    title: str
    help: str
    action: str
    binding_id: str | None = None


COMMANDS: tuple[Command, ...] = (
    Command("Stop the answer", "Stop the answer being streamed, keeping what arrived", "stop", "stop"),
    Command("New conversation", "Start a new, empty conversation", "new_conversation", "new_conversation"),
    Command(
        "Choose a model",
        "Pick the model of the next turn from the account's models",
        "model_picker",
        "model_picker",
    ),
    Command(
        "Compare models",
        "Send the prompt to 2 to 4 models at once, their answers side by side (mark them in the picker)",
        "compare",
        "compare",
    ),
    Command(
        "Compare again",
        "Send the prompt to the models of the last comparison",
        "compare_again",
        "compare_again",
    ),
    Command("Next favourite model", "Switch to the next favourite model", "next_favourite", "next_favourite"),
    Command(
        "Previous favourite model",
        "Switch to the previous favourite model",
        "previous_favourite",
        "previous_favourite",
    ),
    Command(
        "Toggle favourite model",
        "Mark or unmark the current model as a favourite",
        "toggle_favourite",
        "toggle_favourite",
    ),
    Command(
        "Conversation settings",
        "System prompt, temperature, top_p, max tokens, thinking budget",
        "conversation_settings",
        "conversation_settings",
    ),
    Command(
        "Thinking on/off",
        "Switch thinking on or off (hybrid models such as Qwen3)",
        "toggle_thinking",
        "toggle_thinking",
    ),
    Command("Show/hide reasoning", "Show or hide the reasoning pane", "toggle_reasoning", "toggle_reasoning"),
    Command(
        "Regenerate last answer",
        "A new answer to the last prompt (the old one stays, a branch)",
        "regenerate",
    ),
    Command(
        "Previous branch",
        "Switch the selected answer (or picked prompt) to its previous sibling",
        "previous_branch",
        "previous_branch",
    ),
    Command(
        "Next branch",
        "Switch the selected answer (or picked prompt) to its next sibling",
        "next_branch",
        "next_branch",
    ),
    Command(
        "Edit an earlier prompt", "Pick a prompt (Up/Down), then e to edit it as a new branch", "pick_prompt"
    ),
    Command(
        "Edit the prompt in $EDITOR",
        "Open the prompt (or the picked prompt) in $VISUAL or $EDITOR; its text comes back, unsent",
        "open_editor",
        "open_editor",
    ),
    Command("Copy last answer", "Copy the last answer to the clipboard", "copy_answer", "copy_answer"),
    Command("Copy last code block", "Copy the last code block of the last answer", "copy_code"),
    Command("Copy reasoning", "Copy the reasoning of the selected or last turn", "copy_reasoning"),
    Command(
        "Show/hide sidebar",
        "The saved conversations: reopen, rename (r), delete (d)",
        "toggle_sidebar",
        "toggle_sidebar",
    ),
    Command(
        "Search conversations",
        "Search the prompts and answers (and reasoning) of every conversation",
        "search",
        "search",
    ),
    Command(
        "Save transcript",
        "Save this conversation as Markdown and JSON in the transcript folder",
        "save_transcript",
        "save_transcript",
    ),
    Command(
        "Save transcript with all branches",
        "Save as Markdown with every branch after the one shown (and JSON)",
        "save_transcript_all_branches",
    ),
    Command("Rename conversation", "Give this conversation a new title", "rename_conversation"),
    Command(
        "Delete conversation", "Delete this conversation from the history (asks first)", "delete_conversation"
    ),
    Command("Open latest conversation", "Reopen the conversation with the latest activity", "open_latest"),
    Command(
        "Attach files",
        "Send files or images with the next message (a picker of the working folder)",
        "attach",
        "attach",
    ),
    Command(
        "Unfold",
        "Unfold the pastes in the prompt, else the long message in view",
        "unfold",
        "unfold",
    ),
)
