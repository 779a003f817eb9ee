"""What the chat screen asks of the app, as a protocol: the screens never import the App class.

:class:`~siliconchat.ui.app.SiliconChatApp` is the one implementation (the type checker checks it where the app
makes its chat screen); a screen reaches it as ``cast(ChatHost, self.app)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from siliconchat.config import Settings
    from siliconchat.core.api import ChatClient
    from siliconchat.core.conversation import Conversation, ModelParams
    from siliconchat.ui.history.link import HistoryLink
    from siliconchat.ui.key_priority import KeyPriority

__all__ = ["ChatHost"]


class ChatHost(Protocol):
    """The app, as the chat screen sees it."""

    settings: Settings
    model: str
    balance: str | None
    history: HistoryLink
    keys: KeyPriority

    async def ready_client(self) -> ChatClient:
        """The API client, ready to send (made in a thread on first use)."""
        ...

    def new_conversation(self) -> Conversation: ...

    def thinking_label(self, params: ModelParams) -> str: ...

    def key_for(self, binding_id: str) -> str:
        """How the key bound to ``binding_id`` is shown, after the user's keymap."""
        ...

    def notify_plain(
        self, message: str, *, severity: str = "information", timeout: float | None = None
    ) -> None:
        """A toast whose text is never read as markup."""
        ...

    compare_models: list[str]
    """The models of the last comparison."""

    def open_model_picker(self, *, compare: bool = False) -> None: ...

    def cycle_favourite(self, step: int) -> None: ...

    def toggle_favourite(self, model: str) -> None: ...
