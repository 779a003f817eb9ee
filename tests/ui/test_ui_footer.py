"""The footer of keys: complete in the first frame, and in step with what the keys can do."""

from __future__ import annotations

from textual.widgets._footer import FooterKey
from ui_support import chat, rendered, send, wait_for, wait_turn

from siliconchat.ui.widgets.key_footer import KeyFooter

SIZE = (120, 40)


def stop_enabled(footer: KeyFooter) -> bool:
    """Whether the footer shows Stop as a key that works (a disabled one is dimmed)."""
    (key,) = [key for key in footer.query(FooterKey) if key.action == "stop"]
    return not key.has_class("-disabled")


async def test_the_first_frame_shows_every_key_and_start_up_does_not_rebuild_them(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        footer = chat(app).query_one(KeyFooter)
        first = list(footer.query(FooterKey))  # as composed with the screen, before its first refresh
        assert {"stop", "new_conversation", "model_picker", "help"} <= {key.action for key in first}
        await app.history.wait()
        await wait_for(pilot, lambda: app.balance is not None, "the balance")
        await pilot.pause(0.3)  # focus, the terminal's focus report, the history: all came and went
        assert list(footer.query(FooterKey)) == first  # the same widgets: never rebuilt
        text = rendered(app, footer)
        assert "esc Stop" in text and "f2 Model" in text and "^p Commands" in text


async def test_stop_is_enabled_while_an_answer_streams_and_only_then(make_app) -> None:
    app = make_app(model="demo/slow")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        footer = screen.query_one(KeyFooter)
        keys = list(footer.query(FooterKey))
        assert not stop_enabled(footer)
        await send(pilot, "hello")
        await wait_for(pilot, lambda: stop_enabled(footer), "Stop enabled while streaming")
        assert screen.streaming
        assert "esc Stop" in rendered(app, footer)
        await pilot.press("escape")
        await wait_turn(pilot)
        await wait_for(pilot, lambda: not stop_enabled(footer), "Stop disabled after the turn")
        assert list(footer.query(FooterKey)) == keys  # the same keys, enabled and disabled in place
