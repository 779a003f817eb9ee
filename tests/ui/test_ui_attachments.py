"""Attachments in the TUI: the picker (Ctrl+O), the chips above the prompt, the request the demo server
received, the chips in the conversation and after reopening, and refusals that keep the prompt."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from attachment_support import encoded, photo, twelve_megapixel_jpeg
from PIL import Image
from textual.strip import Strip
from ui_support import chat, chat_requests, last_chat, one, rendered, send, wait_for, wait_turn

from siliconchat.core.history import HistoryStore
from siliconchat.ui.document.conversation_blocks import UserBlock
from siliconchat.ui.screens.attach_picker import AttachPickerScreen
from siliconchat.ui.widgets.attachment_tray import AttachmentChip, AttachmentTray

SIZE = (120, 40)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "main.py").write_text("print('hi')\n", encoding="utf-8")
    (folder / "notes.md").write_text("# Notes\n", encoding="utf-8")
    twelve_megapixel_jpeg(folder / "photo.jpg")
    monkeypatch.chdir(folder)
    return folder


async def test_two_files_and_an_image_from_the_picker_to_the_request_and_back(
    make_app, demo_server, work: Path
) -> None:
    app = make_app(model="demo/vision")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        tray = screen.query_one(AttachmentTray)
        assert not tray.display
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachPickerScreen), "the picker")
        await pilot.press("tab", "tab", "tab", "enter")  # mark main.py, notes.md, photo.jpg; attach
        await wait_for(pilot, lambda: len(tray.attachments) == 3, "three chips")
        await pilot.pause()
        assert tray.display
        shown = rendered(app, tray)
        assert "📎 main.py · 12 B · text ✕" in shown and "📎 notes.md · 8 B · text ✕" in shown

        await send(pilot, "What are these?")
        await wait_turn(pilot)
        assert tray.attachments == [] and not tray.display and screen.prompt.text == ""
        text_part, image_part = last_chat(demo_server).body["messages"][-1]["content"]
        assert text_part["text"] == (
            "What are these?\n\n```python main.py\nprint('hi')\n```\n\n```markdown notes.md\n# Notes\n```"
        )
        url = image_part["image_url"]["url"]
        with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as sent:
            assert sent.size == (2048, 1536)
        block = rendered(app, one(screen, UserBlock))
        assert (
            "📎 main.py · 12 B · text" in block and "📎 photo.jpg · " in block and "JPEG 2048×1536" in block
        )

        await pilot.press("ctrl+n")
        await pilot.pause()
        chat(app).action_open_latest()
        await wait_for(pilot, lambda: len(screen.conversation.messages) == 2, "the reopened conversation")
        await pilot.pause()
        reopened = rendered(app, one(screen, UserBlock))
        assert reopened == block
    with HistoryStore.open() as store:
        latest = store.latest()
    assert latest is not None
    assert [a.name for a in latest.messages[0].attachments] == ["main.py", "notes.md", "photo.jpg"]


async def test_an_image_for_a_text_model_keeps_the_prompt_and_the_chip(
    make_app, demo_server, work: Path
) -> None:
    (work / "small.png").write_bytes(encoded(photo(64, 48), "PNG"))
    app = make_app(model="Qwen/Qwen3-8B")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.attach_files([work / "small.png"])
        sent_before = len(chat_requests(demo_server))
        await send(pilot, "Describe it")
        await pilot.pause()
        assert screen.prompt.text == "Describe it"
        assert [a.name for a in screen.attachments.attachments] == ["small.png"]
        assert screen.conversation.messages == [] and len(chat_requests(demo_server)) == sent_before
        toasts = [n.message for n in app._notifications]
        assert any(t.startswith("Qwen/Qwen3-8B does not take images") for t in toasts)


async def test_a_chip_is_removed_by_clicking_it_and_a_bad_file_is_refused(make_app, work: Path) -> None:
    (work / "blob.bin").write_bytes(bytes(range(256)) * 4)
    app = make_app(model="demo/vision")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.attach_files([work / "main.py", work / "blob.bin"])
        assert [a.name for a in screen.attachments.attachments] == ["main.py"]
        await pilot.pause()
        toasts = [n.message for n in app._notifications]
        assert any(t.startswith("blob.bin is neither text nor a PNG") for t in toasts), toasts
        await pilot.pause()
        await pilot.click(AttachmentChip)
        await pilot.pause()
        assert screen.attachments.attachments == [] and not screen.attachments.display


async def test_ctrl_s_writes_the_images_beside_the_markdown(make_app, demo_server, work: Path) -> None:
    from siliconchat.config import Config

    (work / "small.png").write_bytes(encoded(photo(64, 48), "PNG"))
    folder = work / "transcripts"
    app = make_app(model="demo/vision")
    app.config = Config(transcript_dir=folder)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.attach_files([work / "small.png", work / "main.py"])
        await send(pilot, "Describe it")
        await wait_turn(pilot)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(list(folder.glob("*"))) == 3, "the transcript and the image")
        image = screen.conversation.messages[0].attachments[0]
        picture = folder / f"small-{image.sha256[:12]}.png"
        assert picture.read_bytes() == image.data
        markdown = next(folder.glob("*.md")).read_text(encoding="utf-8")
        assert (
            f"![small.png]({picture.name})" in markdown and "```python main.py\nprint('hi')\n```" in markdown
        )


async def test_a_dropped_file_is_attached_after_yes(make_app, work: Path) -> None:
    from textual import events

    from siliconchat.ui.screens.dialogs import ConfirmScreen

    (work / "my cat.png").write_bytes(encoded(photo(64, 48), "PNG"))
    app = make_app(model="demo/vision")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await pilot.press(*"Look: ")
        app.post_message(events.Paste(f"'{work}/my cat.png' {work}/main.py\n"))  # as dropped on a terminal
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.pause()
        question = rendered(app, app.screen)
        assert "Attach 2 files (" in question and "my cat.png, main.py?" in question
        await pilot.press("y")
        await wait_for(pilot, lambda: len(screen.attachments.attachments) == 2, "two chips")
        assert [a.name for a in screen.attachments.attachments] == ["my cat.png", "main.py"]
        assert screen.prompt.text == "Look: "  # the paths are not in the prompt

        app.post_message(events.Paste(str(work / "notes.md")))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.pause()
        assert "Attach notes.md (8 B)?" in rendered(app, app.screen)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and screen.prompt.text == f"Look: {work}/notes.md"
        assert len(screen.attachments.attachments) == 2


async def test_pasted_text_that_is_not_only_paths_is_text_and_large_pastes_stay_chips(
    make_app, work: Path
) -> None:
    from textual import events

    app = make_app(model="demo/vision")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        for text in (f"see {work}/main.py", f"{work}/missing.py", "main.py"):
            app.post_message(events.Paste(text))
            await pilot.pause()
            assert app.screen is screen and screen.prompt.text == text
            screen.prompt.clear()
        app.post_message(events.Paste(f"{work}/main.py\n" * 5000))  # large: a chip, not a question
        await pilot.pause()
        assert app.screen is screen and screen.prompt.text.startswith("⟦pasted ")
        assert screen.attachments.attachments == []


async def test_a_sent_image_shows_a_half_block_picture_of_itself_under_its_chip(
    make_app, demo_server, tmp_path: Path
) -> None:
    # Red above, blue below: each cell of the picture is "▀" in red on blue, for as many rows as it has.
    flag = Image.new("RGB", (400, 200), (220, 30, 30))
    flag.paste((20, 40, 200), (0, 100, 400, 200))
    path = tmp_path / "flag.png"
    path.write_bytes(encoded(flag, "PNG"))
    app = make_app(model="demo/vision")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.attach_files([path])
        await send(pilot, "What flag is this?")
        await wait_turn(pilot)
        block = one(screen, UserBlock)
        view = screen.view
        width, styles = view.content_width, view.styles_for_blocks
        lines = [block.line(y, width, styles) for y in range(block.height(width, styles))]
        picture = [line for line in lines if "▀" in line.text]
        assert len(picture) == 6  # 24 cells wide, so 12 pixel rows: 6 lines of two

        def colours(line: Strip) -> set[tuple[tuple[int, ...], tuple[int, ...]]]:
            """(colour, background) of the picture's cells on ``line``."""
            return {
                (tuple(segment.style.color.get_truecolor()), tuple(segment.style.bgcolor.get_truecolor()))
                for segment in line
                if "▀" in segment.text and segment.style and segment.style.color and segment.style.bgcolor
            }

        red, blue = (220, 30, 30), (20, 40, 200)
        assert colours(picture[0]) == {(red, red)} and colours(picture[-1]) == {(blue, blue)}
        assert all(line.text.count("▀") == 24 for line in picture)  # as wide as a thumbnail gets


async def test_a_file_picked_again_is_not_attached_twice(make_app, demo_server, work: Path) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.attach_files([work / "main.py"])
        await screen.attach_files([work / "notes.md", work / "main.py"])  # the picker again, main.py marked
        assert [a.name for a in screen.attachments.attachments] == ["main.py", "notes.md"]
        await pilot.pause()
        assert any("main.py is attached already" in n.message for n in app._notifications)
        await send(pilot, "Read these")
        await wait_turn(pilot)
        assert last_chat(demo_server).body["messages"][-1]["content"].count("print('hi')") == 1
