"""Chat: the members of a workspace."""

from __future__ import annotations

from typing import ClassVar

from interlink.models._base import UnifiedRecord

__all__ = ["ChatUser"]


class ChatUser(UnifiedRecord):
    """A member of a chat workspace (Slack user)."""

    model_name: ClassVar[str] = "chat.user"
    model_version: ClassVar[str] = "1.0"

    username: str | None = None
    """The handle (`ada`)."""
    name: str | None = None
    """The real name."""
    display_name: str | None = None
    email_address: str | None = None
    title: str | None = None
    timezone: str | None = None
    """An IANA zone name (`Europe/Berlin`)."""
    avatar_url: str | None = None
    is_active: bool | None = None
    is_admin: bool | None = None
    is_bot: bool | None = None
