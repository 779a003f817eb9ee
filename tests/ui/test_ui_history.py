"""The history in the TUI, against real SQLite (in the isolated XDG folders) and the real demo server:
saving turns, the sidebar, reopening, rename, delete, search, Ctrl+S transcripts, --continue, a corrupt file."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input
from ui_support import blocks_of, chat, click_block, last_chat, one, rendered, send, wait_for, wait_turn

from siliconchat import paths
from siliconchat.config import Config
from siliconchat.core.conversation import Conversation, Message, MessageState, Usage
from siliconchat.core.history import HistoryStore
from siliconchat.demo import scenarios as sc
from siliconchat.demo.server import DEMO_API_KEY
from siliconchat.ui.app import SiliconChatApp
from siliconchat.ui.document.conversation_blocks import (
    AnswerBlock,
    EarlierBlock,
    ErrorBlock,
    LaterBlock,
    UserBlock,
)
from siliconchat.ui.screens.chat import ChatScreen
from siliconchat.ui.screens.chat_frames import ShownTurn
from siliconchat.ui.widgets.conversation_pages import PAGE, load_earlier
from siliconchat.ui.widgets.sidebar import Sidebar

SIZE = (120, 40)
DAY = 86400.0
# Noon UTC on fixed days in 2024: the same local date in every time zone within ±11 h.
T0 = 1_717_243_200.0  # 2024-06-01 12:00 UTC


def _store() -> HistoryStore:
    """A second connection to the app's database (as another process would see it)."""
    return HistoryStore.open()


def _prepare(conversations: list[tuple[str, list[tuple[str, str, str]], float]]) -> list[int]:
    """Save conversations of (title, [(prompt, answer, reasoning)], updated time); return their ids."""
    ids = []
    with _store() as store:
        for title, turns, when in conversations:
            messages: list[Message] = []
            for number, (prompt, answer, reasoning) in enumerate(turns):
                at = when - (len(turns) - number) * 60
                messages.append(Message("user", prompt, created_at=at))
                messages.append(
                    Message(
                        "assistant",
                        answer,
                        reasoning=reasoning,
                        model="deepseek-ai/DeepSeek-R1" if number % 2 == 0 else "Qwen/Qwen3-8B",
                        usage=Usage(10, 20, 5, 30),
                        finish_reason="stop",
                        created_at=at + 1,
                    )
                )
            conversation = Conversation(
                title=title, messages=messages, created_at=when - 3600, updated_at=when
            )
            ids.append(store.create_conversation(conversation))
    return ids


async def _history_ready(pilot: Pilot[object]) -> None:
    app = pilot.app
    assert isinstance(app, SiliconChatApp)
    await wait_for(
        pilot, lambda: app.history._ready is not None and app.history._ready.is_set(), "the history"
    )


async def _story_streaming(pilot: Pilot[object]) -> ShownTurn:
    """Once the history is open, send "tell me a long story" (to demo/slow): its turn, streaming."""
    screen = chat(pilot.app)
    await _history_ready(pilot)
    await send(pilot, "tell me a long story")
    await wait_for(pilot, lambda: screen.turn is not None, "the turn")
    turn = screen.turn
    assert turn is not None
    return turn


async def _open_sidebar(pilot: Pilot[object]) -> Sidebar:
    app = pilot.app
    assert isinstance(app, SiliconChatApp)
    await _history_ready(pilot)
    # Once the history is open, the sidebar is mounted hidden and filled (a page): F9 shows it.
    await wait_for(
        pilot, lambda: app.history.sidebar is not None and app.history.sidebar.loaded, "the hidden sidebar"
    )
    sidebar = app.history.sidebar
    assert sidebar is not None and not sidebar.display
    await pilot.press("f9")
    await wait_for(pilot, lambda: sidebar.display and sidebar.loaded, "the sidebar")
    return sidebar


async def test_turns_are_saved_before_and_while_they_stream(make_app, demo_server) -> None:
    app = make_app(model="demo/slow")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        turn = await _story_streaming(pilot)
        # The user message is committed before the request: another connection sees it mid-stream.
        with _store() as store:
            [summary] = store.list_conversations()
            saved = store.load(summary.id)
        assert summary.title == "tell me a long story"
        assert [m.role for m in saved.messages] == ["user", "assistant"]
        assert saved.messages[0].content == "tell me a long story"
        assert saved.messages[1].state is MessageState.INCOMPLETE  # "streaming" rows read back as cut off
        await wait_for(pilot, lambda: len(turn.core.recorder.reasoning) > 5, "some reasoning")
        await pilot.press("escape")
        await wait_turn(pilot)
        with _store() as store:
            stopped = store.load(summary.id).messages[-1]
        assert stopped.state is MessageState.STOPPED
        assert stopped.reasoning and stopped.reasoning == turn.message.reasoning
        # A complete turn in the same conversation: answer and reasoning saved, state complete.
        app.set_model("deepseek-ai/DeepSeek-R1")
        await send(pilot, "hello")
        await wait_turn(pilot)
        with _store() as store:
            conversation = store.load(summary.id)
        answer = conversation.messages[-1]
        canned = sc.pick_canned("hello")
        assert answer.state is MessageState.COMPLETE
        assert answer.model == "deepseek-ai/DeepSeek-R1"
        assert answer.reasoning == sc.fill(canned.reasoning, "hello")
        assert answer.content == screen.conversation.messages[-1].content
        assert answer.usage is not None and answer.finish_reason == "stop"
        assert [m.role for m in conversation.messages] == ["user", "assistant"] * 2


async def test_a_failed_attempt_is_kept_marked_failed_and_left_out_of_the_context(
    make_app, demo_server
) -> None:
    app = make_app(model="demo/error-429", max_retries=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await send(pilot, "first try")
        await wait_turn(pilot)
        app.set_model("demo/echo")
        screen.prompt.clear()
        await send(pilot, "second try")
        await wait_turn(pilot)
        cid = screen.conversation.id
        assert cid is not None
        with _store() as store:
            states = [(m.role, m.state) for m in store.load(cid).messages]
        assert states == [
            ("user", MessageState.COMPLETE),
            ("assistant", MessageState.FAILED),
            ("user", MessageState.COMPLETE),
            ("assistant", MessageState.COMPLETE),
        ]
        # Reopened: the failed attempt shows as it did (prompt + error), and stays out of the context.
        live = screen.view.blocks[0]
        app.history.open_conversation(cid)
        await wait_for(pilot, lambda: screen.view.blocks[0] is not live, "the reopened conversation")
        assert len(blocks_of(screen, ErrorBlock)) == 1 and len(blocks_of(screen, UserBlock)) == 2
        await send(pilot, "third")
        await wait_turn(pilot)
        sent = last_chat(demo_server).body["messages"]
        assert [m["content"] for m in sent if m["role"] == "user"] == ["second try", "third"]


async def test_sidebar_lists_newest_first_and_enter_reopens_with_context(make_app, demo_server) -> None:
    old, new = _prepare(
        [
            ("Old question", [("old question", "old answer", "old thoughts")], T0),
            (
                "Newer question",
                [
                    ("first prompt", "**first** answer", "thinking one"),
                    ("second prompt", "second answer", ""),
                ],
                T0 + DAY,
            ),
        ]
    )
    app = make_app(model="deepseek-ai/DeepSeek-R1")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        sidebar = await _open_sidebar(pilot)
        assert sidebar.list.has_focus
        assert [o.id for o in sidebar.list.options] == [str(new), str(old)]
        shown = rendered(app, sidebar)
        assert "Newer question" in shown and "Old question" in shown
        assert shown.index("Newer question") < shown.index("Old question")
        assert "DeepSeek-R1" in shown and "2024-06-01" in shown
        # ctrl+b toggles it too
        await pilot.press("ctrl+b")
        assert not sidebar.display
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: sidebar.display and sidebar.list.has_focus)

        await pilot.press("down", "enter")  # the older one
        await wait_for(pilot, lambda: screen.conversation.id == old, "the reopened conversation")
        await pilot.pause()
        assert "old answer" in rendered(app, screen.view)
        assert screen.reasoning.body.source == "old thoughts"
        assert screen.prompt.has_focus  # ready for the next prompt
        sidebar.list.focus()
        await pilot.press("up", "enter")  # the newer one: two turns, two models
        await wait_for(pilot, lambda: screen.conversation.id == new, "the other conversation")
        await pilot.pause()
        blocks = blocks_of(screen, AnswerBlock)
        assert [b.message.model for b in blocks] == ["deepseek-ai/DeepSeek-R1", "Qwen/Qwen3-8B"]
        assert "Qwen3-8B" in rendered(app, blocks[1]) and "DeepSeek-R1" in rendered(app, blocks[0])
        assert screen.prompt.has_focus
        # Selecting an answer shows its reasoning.
        await click_block(pilot, blocks[0])
        await wait_for(pilot, lambda: screen.reasoning.body.source == "thinking one", "its reasoning")
        # The next turn appends to it and sends the earlier messages as context.
        screen.prompt.focus()
        await send(pilot, "third prompt")
        await wait_turn(pilot)
        sent = last_chat(demo_server).body["messages"]
        assert [m["content"] for m in sent] == [
            "first prompt",
            "**first** answer",
            "second prompt",
            "second answer",
            "third prompt",
        ]
        with _store() as store:
            assert len(store.load(new).messages) == 6
            assert store.list_conversations()[0].id == new
        assert sidebar.current == new


async def test_a_new_conversation_is_listed_while_it_streams_in_a_shown_sidebar_and_after_it_in_a_hidden_one(
    make_app,
) -> None:
    app = make_app(model="demo/slow")
    async with app.run_test(size=SIZE) as pilot:
        sidebar = await _open_sidebar(pilot)
        screen = chat(app)
        screen.prompt.focus()
        await send(pilot, "listed while it streams")
        await wait_for(pilot, lambda: len(sidebar.list.options) == 1, "the new conversation in the sidebar")
        assert screen.streaming
        await pilot.press("escape")
        await wait_turn(pilot)
        app.set_model("demo/echo")
        await pilot.press("ctrl+n")  # a new conversation, the sidebar hidden
        await pilot.press("f9")
        await wait_for(pilot, lambda: not sidebar.display, "the sidebar hidden")
        screen.prompt.focus()
        await send(pilot, "listed once its turn ended")
        await wait_turn(pilot)
        await wait_for(
            pilot, lambda: len(sidebar.list.options) == 2, "the second conversation in the sidebar"
        )
        assert not sidebar.display


def _paged(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from siliconchat.ui.widgets import sidebar as sidebar_module

    monkeypatch.setattr(sidebar_module, "PAGE_ROWS", 5)
    monkeypatch.setattr(sidebar_module, "PAGE_MARGIN", 2)


async def test_the_sidebar_reads_a_page_at_a_time_as_the_highlight_nears_the_end(
    make_app, monkeypatch
) -> None:
    """Enough pages to fill the list when it opens, not the whole history; each Down near the end reads the
    next page, in order, each row once, down to the oldest; a refresh reads as many rows as are shown, with a
    new conversation on top."""
    _paged(monkeypatch)
    total = 60
    ids = _prepare([(f"Conversation {n:02}", [(f"q{n}", f"a{n}", "")], T0 + n * 60) for n in range(total)])
    newest_first = [str(i) for i in reversed(ids)]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        sidebar = await _open_sidebar(pilot)
        try:
            await wait_for(
                pilot, lambda: len(sidebar.list.options) > 18 and not sidebar.reading, "a full view"
            )
        except AssertionError as exc:  # say how far it got (a stall is a bug: a sidebar left half empty)
            state = (
                f"{len(sidebar.list.options)} rows, reading {sidebar.reading}, complete {sidebar.complete}"
            )
            raise AssertionError(f"{exc}: {state}, view {sidebar.list.scrollable_content_region}") from exc
        assert sidebar.list.has_focus
        shown = [o.id for o in sidebar.list.options]
        assert shown == newest_first[: len(shown)]
        assert (
            18 < len(shown) < total and sidebar.pages == 1 + len(shown) // 5
        )  # the hidden page; the view's rows and a margin
        for step in range(1, total):
            await pilot.press("down")
            await wait_for(
                pilot, lambda step=step: sidebar.highlighted_id == ids[total - 1 - step], f"row {step}"
            )
            shown = [o.id for o in sidebar.list.options]
            assert shown == newest_first[: len(shown)]  # in order, each row once
        await wait_for(pilot, lambda: sidebar.complete, "the last page")
        assert [o.id for o in sidebar.list.options] == newest_first
        assert sidebar.pages == 1 + total // 5 + 1  # the hidden page; the last one came back empty
        assert "Conversation 00" in rendered(app, sidebar)
        # A new conversation (as another instance would add it) shows up on top at the next refresh.
        [added] = _prepare([("Conversation new", [("qn", "an", "")], T0 + 99 * 60)])
        app.history.refresh_sidebar()
        await wait_for(pilot, lambda: sidebar.list.options[0].id == str(added), "the refreshed list")
        shown = [o.id for o in sidebar.list.options]
        assert shown == [str(added), *newest_first][: len(shown)] and len(shown) >= total


async def test_the_sidebar_reads_pages_as_the_list_scrolls_and_up_to_the_open_conversation(
    make_app, monkeypatch
) -> None:
    _paged(monkeypatch)
    ids = _prepare([(f"Conversation {n:02}", [(f"q{n}", f"a{n}", "")], T0 + n * 60) for n in range(40)])
    newest_first = [str(i) for i in reversed(ids)]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _history_ready(pilot)
        app.history.open_conversation(ids[20])  # beyond the first page
        screen = chat(app)
        await wait_for(
            pilot,
            lambda: (
                screen.conversation.id == ids[20]
                and not any(w.group == "history-open" and w.is_running for w in app.workers)
            ),
            "the old conversation",
        )
        sidebar = await _open_sidebar(pilot)
        await wait_for(pilot, lambda: sidebar.highlighted_id == ids[20], "the open conversation's row")
        assert "Conversation 20" in rendered(app, sidebar)
        shown = [o.id for o in sidebar.list.options]
        assert shown == newest_first[: len(shown)] and str(ids[20]) in shown
        # Scrolling the list (the mouse wheel, the scroll bar) reads on too, without moving the highlight.
        for _ in range(10):
            sidebar.list.scroll_end(animate=False, immediate=True)
            await pilot.pause()
            if sidebar.complete:
                break
        await wait_for(pilot, lambda: sidebar.complete, "every page")
        assert [o.id for o in sidebar.list.options] == newest_first
        assert sidebar.highlighted_id == ids[20]


def test_extend_skips_rows_already_shown_and_keeps_the_highlight() -> None:
    from siliconchat.core.history import ConversationSummary

    def summary(n: int) -> ConversationSummary:
        return ConversationSummary(n, f"t{n}", "m/x", T0, T0 + n, 2)

    sidebar = Sidebar()
    sidebar.show([summary(9), summary(8)], current=3, complete=False)
    assert sidebar.loaded and not sidebar.complete
    sidebar.list.highlighted = 1
    sidebar.extend([summary(8), summary(7), summary(3)], complete=True)
    assert [o.id for o in sidebar.list.options] == ["9", "8", "7", "3"]
    assert sidebar.list.highlighted == 1
    assert sidebar.complete


async def test_rename_and_delete_from_the_sidebar(make_app) -> None:
    first, _second = _prepare(
        [("Keep me", [("a", "b", "")], T0), ("Drop me [/] [@click=app.quit]x[/]", [("c", "d", "")], T0 + 60)]
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        sidebar = await _open_sidebar(pilot)
        assert "Drop me [/] [@click=app.quit]" in rendered(app, sidebar)  # shown literally
        # rename the highlighted (newest) one
        await pilot.press("down", "r")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "RenameScreen", "the rename dialog")
        field = app.screen.query_one(Input)
        assert field.value == "Keep me"
        field.value = "Renamed\x1b[2J title"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Renamed title" in rendered(app, sidebar), "the new title")
        with _store() as store:
            assert store.load(first).title == "Renamed title"
        # delete asks first; "n" keeps it, "y" deletes it
        await pilot.press("up", "d")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the confirmation")
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChatScreen")
        with _store() as store:
            assert store.count() == 2
        await pilot.press("delete")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: len(sidebar.list.options) == 1, "the list without it")
        with _store() as store:
            assert [s.id for s in store.list_conversations()] == [first]
        assert app.is_running


async def test_deleting_the_open_conversation_starts_a_new_one(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await send(pilot, "to be deleted")
        await wait_turn(pilot)
        assert screen.conversation.id is not None
        chat(app).action_delete_conversation()
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: chat(app).conversation.id is None, "a new conversation")
        with _store() as store:
            assert store.count() == 0
        await send(pilot, "a new one")
        await wait_turn(pilot)
        with _store() as store:
            assert [s.title for s in store.list_conversations()] == ["a new one"]


async def test_search_finds_a_prompt_and_opens_the_conversation_at_it(make_app) -> None:
    turns = [(f"question {i}", f"answer {i}", "") for i in range(40)]
    turns[3] = ("where do platypuses live", "In eastern Australia.", "")
    _prepare([("Animals", turns, T0), ("Other", [("nothing here", "no", "")], T0 + 60)])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SearchScreen", "the search")
        search = app.screen
        await pilot.press(*"platyp")
        await wait_for(pilot, lambda: len(search.hits) == 1, "a result")  # type: ignore[attr-defined]
        assert "platypuses" in rendered(app, search.query_one("#search-results"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.conversation.title == "Animals", "the conversation")
        await pilot.pause()
        found = [block for block in screen.view.blocks if getattr(block, "found", False)]
        assert len(found) == 1 and isinstance(found[0], UserBlock)
        assert "platypuses" in rendered(app, screen.view)  # scrolled into view
        # Far from the end, so earlier messages are shown on demand.
        assert len(blocks_of(screen, EarlierBlock)) == 1


async def _reopened(pilot: Pilot[object], cid: int) -> ChatScreen:
    """Reopen conversation ``cid`` from the history; the chat screen once it shows it."""
    app = pilot.app
    assert isinstance(app, SiliconChatApp)
    screen = chat(app)
    await _history_ready(pilot)
    app.history.open_conversation(cid)
    await wait_for(pilot, lambda: screen.conversation.id == cid, "the conversation")
    await pilot.pause()
    return screen


async def test_a_long_conversation_opens_at_its_end_with_earlier_messages_on_demand(make_app) -> None:
    [cid] = _prepare([("Long", [(f"prompt {i}", f"answer number {i}", f"r{i}") for i in range(200)], T0)])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _reopened(pilot, cid)
        assert "answer number 199" in rendered(app, screen.view)
        assert screen.reasoning.body.source == "r199"
        blocks = len(blocks_of(screen, AnswerBlock))
        assert 6 <= blocks < 40  # one-line answers: enough turns to fill the pane, not all 200
        assert screen.view.max_scroll_y > 0
        first = screen.view.blocks[1]  # after the "earlier messages" line: a whole turn
        assert isinstance(first, UserBlock)
        earlier = one(screen, EarlierBlock)
        await click_block(pilot, earlier)  # a click shows the previous page
        await pilot.pause()
        assert len(blocks_of(screen, AnswerBlock)) == blocks + PAGE // 2
        load_earlier(screen.view, earlier, 400)
        await pilot.pause()
        assert len(blocks_of(screen, AnswerBlock)) == 200
        assert not blocks_of(screen, EarlierBlock)
        assert len(screen.conversation.messages) == 400


async def test_home_in_a_long_conversation_shows_its_first_turn_without_drawing_the_rest(make_app) -> None:
    """Home goes to the first messages, with a "more messages" line under them holding the rest back; that
    line, clicked or scrolled onto, shows the next page in order, down to the messages that were shown."""
    turns = 90  # a few pages of PAGE messages
    [cid] = _prepare([("Long", [(f"prompt {i}", f"answer number {i}", "") for i in range(turns)], T0)])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _reopened(pilot, cid)
        at_end = len(blocks_of(screen, AnswerBlock))
        screen.view.focus()
        await pilot.press("home")
        await pilot.pause()
        view = screen.view
        assert view.scroll_y == 0 and "prompt 0" in rendered(app, view)
        assert isinstance(view.blocks[0], UserBlock) and view.blocks[0].message.content == "prompt 0"
        later = one(screen, LaterBlock)
        assert not [b for b in blocks_of(screen, EarlierBlock) if not isinstance(b, LaterBlock)]
        first_page = len(blocks_of(screen, AnswerBlock)) - at_end
        assert 2 <= first_page < 40  # a page, not all the answers
        await click_block(pilot, later)
        await pilot.pause()
        assert len(blocks_of(screen, AnswerBlock)) == at_end + first_page + PAGE // 2
        for _ in range(400):  # scrolling down onto the line shows the next page each time
            if not blocks_of(screen, LaterBlock):
                break
            await pilot.press("pagedown")
            await pilot.pause()
        assert not blocks_of(screen, LaterBlock)
        answers = [b.message.content for b in blocks_of(screen, AnswerBlock)]
        assert answers == [f"answer number {i}" for i in range(turns)]


async def test_a_tall_conversation_is_shown_at_its_end_from_its_first_frame(make_app) -> None:
    paragraph = "A line of the answer that is long enough to wrap in the pane. " * 6
    answers = [
        (f"prompt {i}", "\n\n".join([paragraph] * 5) + f"\n\nEND OF ANSWER {i}", "") for i in range(30)
    ]
    [cid] = _prepare([("Tall", answers, T0)])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        view = screen.view
        shown: list[tuple[float, float]] = []  # (scroll_y, max_scroll_y) of every frame of the conversation
        display = app._display

        def noting(on: object, renderable: object) -> None:
            display(on, renderable)  # type: ignore[arg-type]
            if renderable is not None and screen.conversation.id == cid:
                shown.append((view.scroll_y, view.max_scroll_y))

        app._display = noting  # type: ignore[method-assign]
        app.history.open_conversation(cid)
        await wait_for(pilot, lambda: bool(shown) and "END OF ANSWER 29" in rendered(app, view), "the end")
        await pilot.pause()
        assert shown and all(y == end > 0 for y, end in shown)  # never a frame of the top first
        assert len(blocks_of(screen, AnswerBlock)) <= 2  # tall answers: two fill the pane, the rest wait
        assert isinstance(view.blocks[1], UserBlock)
        earlier = one(screen, EarlierBlock)
        view.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        load_earlier(view, earlier, 4)
        await pilot.pause()
        assert view.scroll_y < view.max_scroll_y  # loading earlier messages does not pull the view down


async def test_ctrl_s_saves_both_files_and_never_overwrites(make_app, tmp_path: Path) -> None:
    folder = tmp_path / "transcripts"
    app = make_app(model="deepseek-ai/DeepSeek-R1")
    app.config = Config(transcript_dir=folder)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await send(pilot, "hello ../../etc/passwd: a/b")
        await wait_turn(pilot)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(list(folder.glob("*"))) == 2, "two files")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(list(folder.glob("*"))) == 4, "two more files")
        names = sorted(p.name for p in folder.iterdir())
        assert all("/" not in n and ".." not in n for n in names)
        assert any(n.endswith("etc passwd a b.md") for n in names), names
        assert (
            sum(n.endswith(" (2).md") for n in names) == 1
            and sum(n.endswith(" (2).json") for n in names) == 1
        )
        markdown = next(folder.glob("*passwd a b.md")).read_text(encoding="utf-8")
        assert screen.conversation.messages[-1].content.strip() in markdown
        assert "<details>" in markdown  # the reasoning, folded
        toasts = [n.message for n in app._notifications]
        assert any("Saved" in t and ".md" in t and ".json" in t for t in toasts)


async def test_ctrl_s_reports_an_unwritable_folder(make_app, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app = make_app(model="demo/echo")
    app.config = Config(transcript_dir=blocker / "sub")
    async with app.run_test(size=SIZE) as pilot:
        await _history_ready(pilot)
        await send(pilot, "keep me")
        await wait_turn(pilot)
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: any("not saved" in n.message for n in app._notifications), "the error toast"
        )
        assert app.is_running
        assert chat(app).conversation.messages[-1].content == "keep me"


async def test_continue_reopens_the_latest_conversation(make_app) -> None:
    _prepare(
        [
            ("Older", [("x", "y", "")], T0),
            ("The latest one", [("latest prompt", "latest answer", "")], T0 + 9),
        ]
    )
    app = make_app()
    app._continue_requested = True
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await wait_for(
            pilot, lambda: screen.conversation.title == "The latest one", "the latest conversation"
        )
        await pilot.pause()
        assert "latest answer" in rendered(app, screen.view)
        # A short conversation opens at the top of the pane, not pinned to its bottom.
        assert screen.view.scroll_y == 0
        assert screen.view.block_top(screen.view.blocks[0]) == 0


async def test_a_corrupt_history_is_moved_aside_whole_and_a_new_one_starts(make_app) -> None:
    db = paths.history_db()
    db.parent.mkdir(parents=True)
    garbage = b"this is not a database\x00" * 200
    db.write_bytes(garbage)
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await pilot.pause()
        assert "history off" not in rendered(app, screen.header)
        [moved] = db.parent.glob("history.damaged-*.db")
        assert any(str(db) in n.message and str(moved) in n.message for n in app._notifications)
        await send(pilot, "still works")
        await wait_turn(pilot)
        assert screen.conversation.messages[-1].content == "still works"
    assert moved.read_bytes() == garbage
    with _store() as store:
        [summary] = store.list_conversations()
        assert summary.title == "still works"


async def test_the_demo_key_is_in_no_file_under_the_xdg_dirs(isolated_dirs, make_app) -> None:
    app = make_app(model="deepseek-ai/DeepSeek-R1")
    async with app.run_test(size=SIZE) as pilot:
        await _history_ready(pilot)
        await send(pilot, "hello")
        await wait_turn(pilot)
        await pilot.press("ctrl+s")
        folder = paths.default_transcript_dir()
        await wait_for(pilot, lambda: folder.is_dir() and len(list(folder.iterdir())) == 2, "the transcript")
    root = isolated_dirs["XDG_DATA_HOME"].parent
    written = [p for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "history.db" for p in written)
    assert any(p.suffix == ".md" for p in written)
    for path in written:
        assert DEMO_API_KEY.encode() not in path.read_bytes(), path


# -- snapshot -----------------------------------------------------------------------------------


def test_sidebar_snapshot(snap_compare, make_app, frozen_clock) -> None:
    from textual.widgets import TextArea

    _prepare(
        [
            (
                "Why is the sky blue?",
                [("Why is the sky blue?", "Rayleigh scattering.", "Short waves scatter.")],
                T0,
            ),
            (
                "Merge two sorted lists in Python",
                [("Merge two sorted lists in Python", "Use `heapq.merge`.", "")],
                T0 + DAY,
            ),
            (
                "A very long title that will not fit into the narrow sidebar at all",
                [("q", "a", "")],
                T0 + 2 * DAY,
            ),
        ]
    )
    app = make_app()

    async def run_before(pilot: Pilot[object]) -> None:
        await wait_for(pilot, lambda: app.balance is not None, "the balance")
        await _open_sidebar(pilot)
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: chat(app).conversation.title == "Why is the sky blue?")
        await pilot.press("f9", "f9")
        await wait_for(
            pilot, lambda: app.history.sidebar is not None and app.history.sidebar.current is not None
        )
        for widget in app.screen.query(TextArea):
            widget.cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_opening_the_conversation_whose_answer_streams_shows_it_stopped_not_cut_off(
    make_app, demo_server
) -> None:
    """The conversation on screen, opened again while its answer streams (its sidebar row, a search hit): the
    answer is stopped and shown as stopped with what had arrived and its timings. It was read half-saved
    instead, marked as cut off by a siliconchat that closed, which had not happened."""
    app = make_app(model="demo/slow")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        turn = await _story_streaming(pilot)
        await wait_for(pilot, lambda: len(turn.core.recorder.reasoning) > 5, "some reasoning")
        await wait_for(pilot, lambda: screen.conversation.id is not None, "the conversation saved")
        app.history.open_conversation(screen.conversation.id)
        await wait_for(pilot, lambda: screen.turn is None, "the answer to stop")
        await wait_for(
            pilot, lambda: screen.conversation is not turn.core.conversation, "the conversation read"
        )
        await pilot.pause()
        answer = screen.conversation.messages[-1]
        assert answer.state is MessageState.STOPPED and answer.reasoning == turn.message.reasoning
        assert answer.timings.first_token is not None
        assert blocks_of(screen, ErrorBlock) == []  # no "siliconchat closed while it was streaming"
        assert "stopped" in rendered(app, one(screen, AnswerBlock))
