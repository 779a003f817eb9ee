"""The palette's "Save transcript with all branches": regenerate in the real app, save through the palette, and
the Markdown holds the active path as Ctrl+S writes it, then the other answer as a branch. The demo server, a
real SQLite history, the transcript folder in the test's folder."""

from __future__ import annotations

from pathlib import Path

from branches_support import read_sections
from ui_support import chat, send, wait_for, wait_turn

from siliconchat.config import Config

SIZE = (120, 40)


async def test_the_palette_saves_every_branch(make_app, tmp_path: Path) -> None:
    app = make_app(model="demo/echo")
    app.config = Config(transcript_dir=tmp_path / "transcripts")
    folder = app.history.transcript_folder()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "Why is the sky blue?")
        screen = chat(app)
        await wait_turn(pilot)
        app.set_model("demo/think-inline")
        await screen.action_regenerate()
        await wait_turn(pilot)
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: len(list(folder.glob("*.md"))) == 1, "the transcript of the active path"
        )
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette", "the command palette")
        await pilot.press(*"all branches")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(list(folder.glob("*.md"))) == 2, "the transcript of every branch")
        active, every = (
            p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"), key=lambda p: len(p.name))
        )
        assert len(list(folder.glob("*.json"))) == 2
    assert every.startswith(active) and "# Other branches" not in active
    sections = read_sections(every)
    assert sections[0].blocks[0].content == "Why is the sky blue?"
    assert "The reasoning above was sent **inline**" in sections[0].blocks[1].content
    assert [(s.place, s.after, [b.content for b in s.blocks]) for s in sections[1:]] == [
        ("answer 1 of 2", 1, ["Why is the sky blue?"])  # the echo: the first answer, a branch now
    ]
