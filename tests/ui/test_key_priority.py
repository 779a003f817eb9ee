"""Typed keys go before streaming frames: a key read from the terminal holds frames back until it is shown."""

from __future__ import annotations

import asyncio
import time

from textual import events
from textual.app import App
from textual.drivers.headless_driver import HeadlessDriver
from ui_support import chat, wait_for

from siliconchat.ui.key_priority import KEY_ECHO_WAIT, KeyPriority, key_noting

SIZE = (120, 40)


def test_a_key_waits_from_when_it_is_read_until_it_is_shown() -> None:
    keys = KeyPriority()
    assert not keys.waiting(time.perf_counter())
    keys.read()
    assert keys.waiting(time.perf_counter())  # read by the input thread, not handled yet
    number = keys.handled()
    assert keys.waiting(time.perf_counter())  # handled, not on screen yet
    keys.shown(number)
    assert not keys.waiting(time.perf_counter())


def test_a_key_holds_frames_back_for_a_bounded_time() -> None:
    keys = KeyPriority()
    keys.read()
    assert not keys.waiting(time.perf_counter() + KEY_ECHO_WAIT + 0.01)
    keys.handled()
    assert not keys.waiting(time.perf_counter() + KEY_ECHO_WAIT + 0.01)


def test_keys_that_did_not_come_through_the_driver_do_not_wait_once_shown() -> None:
    keys = KeyPriority()
    for _ in range(3):  # e.g. Pilot's key presses: handled, never read
        keys.shown(keys.handled())
    keys.read()  # then one typed in the terminal
    assert keys.waiting(time.perf_counter())


async def test_the_terminal_driver_notes_each_key_it_reads(make_app) -> None:
    app = make_app()
    # In a terminal, the app runs with Textual's driver for the platform, made to note keys.
    assert app.get_driver_class() is key_noting(App.get_driver_class(app))
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        driver = key_noting(HeadlessDriver)(app)  # what the app's terminal driver does, on the test's loop
        await asyncio.to_thread(driver.process_message, events.Key("x", "x"))
        # Read in the input thread; the app has not handled it yet: streaming frames would wait.
        assert app.keys.waiting(time.perf_counter())
        await wait_for(pilot, lambda: screen.prompt.text == "x", "the key in the prompt")
        await pilot.pause()
        assert not app.keys.waiting(time.perf_counter())  # on screen: frames may go on


async def test_the_stream_reader_waits_for_a_typed_key_to_be_shown() -> None:
    keys = KeyPriority()
    assert not keys.pending
    keys.read()
    assert keys.pending
    number = keys.handled()
    waiter = asyncio.ensure_future(keys.until_shown())
    await asyncio.sleep(0.02)
    assert not waiter.done()  # handled, not on screen: the reader stays paused
    keys.shown(number)
    await asyncio.wait_for(waiter, 1)
    assert not keys.pending


async def test_the_stream_reader_waits_for_a_key_a_bounded_time() -> None:
    keys = KeyPriority()
    keys.read()
    keys.handled()  # never shown (e.g. its widget went away)
    started = time.perf_counter()
    await asyncio.wait_for(keys.until_shown(), 1)
    assert time.perf_counter() - started < KEY_ECHO_WAIT + 0.1
    assert not keys.pending  # the reader does not look again at every event
