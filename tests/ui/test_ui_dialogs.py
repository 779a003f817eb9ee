"""The dialogs that close on Enter (the model picker, the file picker, the rename dialog): styled the first time
they open, keys typed faster than they are handled apply in the order typed, and what is typed right after
Enter goes to the prompt, not into the closed dialog."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Input
from ui_support import NAMED, chat, rendered, send, type_at_once, wait_for, wait_turn

from siliconchat.core.history import HistoryStore

SIZE = (120, 40)


def dialog_open(app: App[object], name: str) -> bool:
    return type(app.screen).__name__ == name


async def test_the_rename_dialog_is_styled_the_first_time_it_opens(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "name me")
        await wait_turn(pilot)
        await wait_for(pilot, lambda: chat(app).conversation.id is not None, "the conversation saved")
        chat(app).action_rename_conversation()  # no other dialog of the history was opened before
        await wait_for(pilot, lambda: dialog_open(app, "RenameScreen"), "the rename dialog")
        await pilot.pause()
        dialog = app.screen.query_one("#rename-dialog")
        lines = rendered(app, dialog).splitlines()
        # Its round border with the title in it, 70 columns wide, in the middle of the screen.
        assert lines[0].startswith("╭") and "Rename conversation" in lines[0], lines
        assert dialog.region.width == 70
        assert dialog.region.x == (SIZE[0] - 70) // 2


async def test_keys_typed_right_after_choosing_a_model_go_to_the_prompt(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await pilot.press("f2")
        await wait_for(pilot, lambda: dialog_open(app, "ModelPickerScreen"), "the picker")
        type_at_once(app, "qwen3-8b", "enter", "hello there")
        await wait_for(pilot, lambda: app.screen is screen, "the picker to close")
        await wait_for(pilot, lambda: len(screen.prompt.text) >= len("hello there"), "the keys in the prompt")
        assert app.model == "Qwen/Qwen3-8B"  # chosen with the filter as typed up to Enter
        assert screen.prompt.text == "hello there"  # every key after Enter, in order, in the prompt
        assert screen.prompt.has_focus


async def test_keys_typed_right_after_renaming_go_to_the_prompt(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "name me")
        await wait_turn(pilot)
        await wait_for(pilot, lambda: screen.conversation.id is not None, "the conversation saved")
        chat(app).action_rename_conversation()
        await wait_for(pilot, lambda: dialog_open(app, "RenameScreen"), "the rename dialog")
        await pilot.pause()
        app.screen.query_one(Input).value = ""
        type_at_once(app, "My title", "enter", "next one")
        await wait_for(pilot, lambda: app.screen is screen, "the dialog to close")
        await wait_for(pilot, lambda: len(screen.prompt.text) >= len("next one"), "the keys in the prompt")
        assert screen.prompt.text == "next one"
        assert screen.conversation.title == "My title"
        with HistoryStore.open() as store:
            assert store.load(screen.conversation.id).title == "My title"


async def _marks_after(
    make_app, keys: tuple[str, ...], *, at_once: bool, into_filter: bool = False
) -> list[str]:  # type: ignore[no-untyped-def]
    """The models marked in the model picker after ``keys``, typed all at once (to the app, or straight into
    the filter's queue) or one at a time."""
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: dialog_open(app, "ModelPickerScreen"), "the picker")
        picker = app.screen
        if at_once:
            type_at_once(picker.query_one(Input) if into_filter else app, *keys)
            await wait_for(pilot, lambda: len(picker._marked) == 2, "two models marked")
            await pilot.pause()
        else:
            for key in keys:
                await pilot.press(*(["space"] if key == " " else [key] if key in NAMED else list(key)))
        # The marks, and where the highlight ended (the next key acts there).
        return [*picker._marked, f"highlighted: {picker._highlighted_model()}"]


async def test_moves_and_marks_typed_at_once_in_the_model_picker_apply_in_the_order_typed(make_app) -> None:
    """A quick "filter ↓ space ↓ ↓ space" marks the models a slow typist's keys mark: the moves were screen
    bindings, which ran after the filter input had handled the spaces typed after them."""
    keys = ("qwen3", "down", " ", "down", "down", " ", "down", "down", "down")
    one_at_a_time = await _marks_after(make_app, keys, at_once=False)
    assert len(one_at_a_time) == 3 and all("qwen3" in model.lower() for model in one_at_a_time)
    assert await _marks_after(make_app, keys, at_once=True) == one_at_a_time
    # Every key in the filter's queue before it handles the first: the filter's change messages come after
    # the moves and marks (they must not filter the list again, which put the highlight back on the first row).
    assert await _marks_after(make_app, keys, at_once=True, into_filter=True) == one_at_a_time


async def test_marks_moves_and_enter_typed_at_once_in_the_file_picker_apply_in_the_order_typed(
    make_app, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from siliconchat.ui.screens.attach_picker import AttachPickerScreen
    from siliconchat.ui.widgets.attachment_tray import AttachmentTray

    for name in ("alpha.txt", "beta.txt", "gamma.txt", "notes.md"):
        (tmp_path / name).write_text(name, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        tray = chat(app).query_one(AttachmentTray)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachPickerScreen), "the picker")
        await pilot.pause()
        # Filter to the .txt files, mark the first, skip one, mark the third, attach.
        type_at_once(app, "txt", "tab", "down", "tab", "enter")
        await wait_for(pilot, lambda: len(tray.attachments) == 2, "two chips")
        assert sorted(a.name for a in tray.attachments) == ["alpha.txt", "gamma.txt"]


async def test_a_change_message_of_the_filter_that_comes_late_leaves_the_list_as_it_is(make_app) -> None:
    """In a terminal, keys typed in one burst ("qwen3 ↓ ↓ ↓") can reach the picker before the filter's change
    messages for them: the moves bring the list up to date with the filter first, and a late change message
    must not filter it again (that put the highlight back on the first row, and the next space marked it)."""
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: dialog_open(app, "ModelPickerScreen"), "the picker")
        picker = app.screen
        await pilot.press(*"qwen3", "down", "down", "down")
        highlighted = picker._highlighted_model()
        assert highlighted is not None and highlighted != picker._shown[0]
        filter_input = picker.query_one(Input)
        for late in ("q", "qwe", "qwen3"):  # as typed, after the moves
            filter_input.post_message(Input.Changed(filter_input, late))
        await pilot.pause()
        assert picker._highlighted_model() == highlighted
