"""Slack's writes: posting messages, editing profiles, deactivating members (SCIM).

Slack users cannot be created through the Web API, so the create of this
simulator is `chat.postMessage`; updates are `users.profile.set`; deletion is
SCIM deactivation, after which the member is still listed with `deleted: true`
(Slack's own deleted-records mechanism) and their user tokens answer
`account_inactive`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from interlink.simulators._store import Collection, StoredRecord
from interlink.simulators.slack._auth import Caller
from interlink.simulators.slack._objects import PROFILE_FIELDS, b36, parse_id
from interlink.simulators.slack._wire import SlackError

__all__ = ["MAX_TEXT", "message_fields", "profile_changes", "visible_channel"]

MAX_TEXT = 40_000  # Slack truncates/refuses longer messages (msg_too_long)


def visible_channel(conversations: Collection, raw: Any) -> StoredRecord:
    """The channel a token may see by id, or `channel_not_found`.

    Private channels the app was not added to are invisible, as on Slack.
    """
    rid = parse_id(raw, "C") if isinstance(raw, str) else None
    channel = None if rid is None else conversations.get(rid)
    if channel is None or (channel.fields["is_private"] and not channel.fields["is_member"]):
        raise SlackError("channel_not_found")
    return channel


def message_fields(
    channel: StoredRecord, args: Mapping[str, Any], author: str, bot_id: str | None, ts: str
) -> dict[str, Any]:
    """What chat.postMessage stores, or Slack's error for a post it would refuse."""
    text, blocks, attachments = args.get("text"), args.get("blocks"), args.get("attachments")
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    if text is not None and not isinstance(text, str):
        raise SlackError("invalid_arguments", response_metadata={
            "messages": ["[ERROR] text must be a string"]})  # fmt: skip
    if text and len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    if channel.fields["is_archived"]:
        raise SlackError("is_archived")
    if isinstance(blocks, str):  # form-encoded requests carry blocks as a JSON string
        try:
            blocks = orjson.loads(blocks)
        except orjson.JSONDecodeError:
            raise SlackError("invalid_blocks_format") from None
    fields: dict[str, Any] = {
        "channel": "C" + b36(channel.id),
        "channel_type": "group" if channel.fields["is_private"] else "channel",
        "type": "message",
        "text": text or "",
        "user": author,
        "ts": ts,
    }
    if bot_id is not None:
        fields["bot_id"] = bot_id
    if blocks:
        fields["blocks"] = blocks
    return fields


def _profile_argument(args: Mapping[str, Any]) -> dict[str, Any]:
    profile = args.get("profile")
    if isinstance(profile, str):  # form-encoded: a JSON string
        try:
            profile = orjson.loads(profile)
        except orjson.JSONDecodeError:
            raise SlackError("invalid_profile") from None
    if profile is None and isinstance(args.get("name"), str):
        profile = {args["name"]: args.get("value", "")}
    if not isinstance(profile, dict) or not profile:
        raise SlackError("invalid_profile")
    return profile


def profile_changes(
    users: Collection, caller: Caller, args: Mapping[str, Any]
) -> tuple[StoredRecord, dict[str, Any]]:
    """The member users.profile.set edits and the field changes, or Slack's refusal.

    Editing someone else needs an admin; unknown
    profile fields are `invalid_profile` (the simulator refuses them rather
    than silently dropping them).
    """
    assert caller.user_id is not None, "bot tokens are refused before"
    target_id = caller.user_id
    if args.get("user"):
        found = parse_id(str(args["user"]), "U")
        if found is None:
            raise SlackError("user_not_found")
        target_id = found
    if target_id != caller.user_id:
        me = users.get(caller.user_id)
        if me is None or not me.fields["is_admin"]:
            raise SlackError("not_admin")
    member = users.get(target_id)
    if member is None or member.fields["deleted"]:
        raise SlackError("user_not_found")
    if member.fields["is_bot"]:
        raise SlackError("user_is_bot")
    changes = _profile_argument(args)
    if not set(changes) <= PROFILE_FIELDS:
        raise SlackError("invalid_profile")
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "status_expiration":
            if not isinstance(value, int) or isinstance(value, bool):
                raise SlackError("invalid_profile")
            clean[key] = value
        elif isinstance(value, str):
            clean[key] = value
        else:
            raise SlackError("invalid_profile")
    return member, clean
