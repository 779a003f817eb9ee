"""A turn's events become a message with the right text, state, usage and timings."""

from __future__ import annotations

from siliconchat.core.conversation import Conversation, MessageState, Usage
from siliconchat.core.events import AnswerDelta, ErrorKind, Failed, Finished, ReasoningDelta, UsageUpdate
from siliconchat.core.turn import LENGTH_NO_ANSWER, STOPPED, TurnRecorder


def recorder() -> TurnRecorder:
    return TurnRecorder(Conversation().add_assistant("m/x"))


def test_reasoning_then_answer_with_running_usage() -> None:
    turn = recorder()
    for event in (
        ReasoningDelta("Let "),
        ReasoningDelta("me see."),
        UsageUpdate(Usage(10, 2, 2, 12)),
        AnswerDelta("\n"),
        AnswerDelta("Yes."),
        UsageUpdate(Usage(10, 4, 2, 14)),
        Finished("stop"),
    ):
        turn.apply(event)
    message = turn.message
    assert (message.reasoning, message.content) == ("Let me see.", "\nYes.")
    assert message.state is MessageState.COMPLETE and message.finish_reason == "stop"
    assert message.usage == Usage(10, 4, 2, 14)  # the last running total, not a sum
    assert message.usage.answer_tokens == 2
    assert message.timings.first_token is not None and message.timings.reasoning is not None


def test_reasoning_that_used_the_whole_budget_is_explained() -> None:
    turn = recorder()
    turn.apply(ReasoningDelta("thinking…"))
    turn.apply(Finished("length"))
    assert turn.message.content == "" and turn.message.error == LENGTH_NO_ANSWER


def test_failure_after_text_is_incomplete_and_keeps_the_text() -> None:
    turn = recorder()
    turn.apply(AnswerDelta("half an"))
    turn.apply(Failed("broke off", ErrorKind.STREAM, partial=True))
    assert turn.message.state is MessageState.INCOMPLETE
    assert (turn.message.content, turn.message.error) == ("half an", "broke off")


def test_failure_before_text_is_failed() -> None:
    turn = recorder()
    turn.apply(Failed("refused", ErrorKind.AUTH, status=401))
    assert turn.message.state is MessageState.FAILED and turn.failure is not None


def test_stop_keeps_the_partial_answer() -> None:
    turn = recorder()
    turn.apply(ReasoningDelta("hmm"))
    turn.apply(AnswerDelta("par"))
    turn.stop()
    assert turn.message.state is MessageState.STOPPED and turn.message.error == STOPPED
    assert (turn.message.reasoning, turn.message.content) == ("hmm", "par")
    turn.stop()  # a second stop changes nothing
    assert turn.message.state is MessageState.STOPPED


def test_failed_and_streaming_answers_are_not_sent_back() -> None:
    conversation = Conversation(system_prompt="Be brief.")
    conversation.add_user("one")
    failed = recorder()
    failed.apply(Failed("x", ErrorKind.SERVER))
    conversation.append(failed.message)
    conversation.add_user("two")
    ok = conversation.add_assistant("m/x")
    ok.content, ok.reasoning, ok.state = "answer", "secret thoughts", MessageState.COMPLETE
    assert conversation.request_messages() == [  # the failed attempt leaves, its prompt with it
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "two"},
        {"role": "assistant", "content": "answer"},
    ]
