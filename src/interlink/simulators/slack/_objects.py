"""Slack users and conversations: generated values, Slack ids and wire rendering.

Slack ids are a type letter plus upper-case base 36 (`U0G9QF9C6`, `C012AB3CD`,
`T012AB3C4`); here record id n renders as the letter + base36(n), so ids sort
like the records they name and parse back exactly. Times are epoch seconds
(`updated`, `created`); message timestamps are `"1700000000.000100"` strings.
Only fields the Web API's OpenAPI description allows appear (it forbids extra
properties on users and conversations).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from interlink.simulators._dataset import Dataset
from interlink.simulators._fake import company, person
from interlink.simulators._store import Collection, StoredRecord

__all__ = [
    "CHANNEL_FIRST_ID",
    "PROFILE_FIELDS",
    "USER_FIRST_ID",
    "Workspace",
    "b36",
    "build_collections",
    "parse_id",
]

USER_FIRST_ID = 1_700_000_000_000  # renders U + 8 characters, like real user ids
CHANNEL_FIRST_ID = 2_300_000_000_000
MESSAGE_FIRST_ID = 1
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# The time zone Slack would report for a member in each of `_fake.CITIES`.
TIME_ZONES: Mapping[str, tuple[str, str, int]] = {
    "Berlin": ("Europe/Berlin", "Central European Time", 3600),
    "Boston": ("America/New_York", "Eastern Standard Time", -18000),
    "Lagos": ("Africa/Lagos", "West Africa Standard Time", 3600),
    "Lisbon": ("Europe/Lisbon", "Western European Time", 0),
    "London": ("Europe/London", "Greenwich Mean Time", 0),
    "Madrid": ("Europe/Madrid", "Central European Time", 3600),
    "Mumbai": ("Asia/Kolkata", "India Standard Time", 19800),
    "Paris": ("Europe/Paris", "Central European Time", 3600),
    "São Paulo": ("America/Sao_Paulo", "Brasilia Standard Time", -10800),
    "Seoul": ("Asia/Seoul", "Korean Standard Time", 32400),
    "Sydney": ("Australia/Sydney", "Australian Eastern Daylight Time", 39600),
    "Tokyo": ("Asia/Tokyo", "Japan Standard Time", 32400),
    "Toronto": ("America/Toronto", "Eastern Standard Time", -18000),
    "Austin": ("America/Chicago", "Central Standard Time", -21600),
}
STATUSES = (("", ""), ("", ""), ("In a meeting", ":spiral_calendar_pad:"),
            ("Commuting", ":bus:"), ("Out sick", ":face_with_thermometer:"),
            ("Vacationing", ":palm_tree:"), ("Focusing", ":headphones:"))  # fmt: skip
COLORS = ("9f69e7", "4bbe2e", "e7392d", "3c989f", "674b1b", "e96699", "5b89d5", "df3dc0")
CHANNEL_WORDS = ("proj", "team", "help", "ops", "eng", "sales", "design", "ask", "feed", "mktg")
TOPICS = ("Weekly sync notes", "Incidents and follow-ups", "Launch planning",
          "Questions welcome", "Customer escalations", "Roadmap discussion", "")  # fmt: skip
# users.profile.set accepts these profile fields (email and names need an admin for others).
PROFILE_FIELDS = frozenset({
    "first_name", "last_name", "display_name", "real_name", "title", "phone", "skype",
    "email", "pronouns", "status_text", "status_emoji", "status_expiration",
})  # fmt: skip


def b36(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
    return out or "0"


def parse_id(value: str, letter: str) -> int | None:
    """The record id behind a Slack id like `U0G9QF9C6` (None when it is not one)."""
    body = value[1:]
    if value[:1] != letter or not body or not body.isalnum() or body.upper() != body:
        return None
    return int(body, 36)


def _ascii(text: str) -> str:
    # Slack's *_normalized names are the ASCII folding of the display form.
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _user(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    p = person(rng, i)
    is_bot = i > 0 and rng.chance(0.03)
    status_text, status_emoji = rng.choice(STATUSES)
    handle = p.email.split("@", 1)[0]
    return {
        "name": f"{handle.split('.')[0]}-bot-{i}" if is_bot else handle,
        "first_name": p.first_name,
        "last_name": "Bot" if is_bot else p.last_name,
        "display_name": "" if rng.chance(0.3) else p.first_name,
        "title": "" if is_bot else p.job_title,
        "phone": "" if is_bot or rng.chance(0.4) else p.phone,
        "email": None if is_bot else p.email,
        "city": p.city,
        "status_text": status_text,
        "status_emoji": status_emoji,
        "pronouns": "",
        "skype": "",
        "color": rng.choice(COLORS),
        "avatar_hash": f"g{rng.next() & 0xFFFFFFFFFFF:011x}",
        "is_admin": i == 0 or rng.chance(0.04),
        "is_owner": i == 0,
        "is_primary_owner": i == 0,
        "is_restricted": not is_bot and rng.chance(0.05),
        "is_bot": is_bot,
        "has_2fa": rng.chance(0.7),
        # A deactivated member: Slack keeps listing them, with deleted: true.
        "deleted": i > 0 and rng.chance(0.05),
    }


def _channel(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    c = company(rng, i)
    if i < 2:
        name = ("general", "random")[i]
    else:
        word = c.name.split()[0].lower()
        name = f"{rng.choice(CHANNEL_WORDS)}-{word}-{i}"
    is_private = i >= 2 and rng.chance(0.2)
    return {
        "name": name,
        "is_private": is_private,
        "is_archived": i >= 2 and rng.chance(0.08),
        "creator": USER_FIRST_ID + rng.below(max(1, d.size)),
        "topic": rng.choice(TOPICS),
        "purpose": f"Conversations about {c.name}" if i >= 2 else "Company-wide announcements",
        "num_members": 1 + rng.below(250),
        # The app's bot sees every public channel but only the private ones it was added to.
        "is_member": not is_private or rng.chance(0.5),
    }


def build_collections(records: int, seed: int) -> dict[str, Collection]:
    return {
        "users": Collection(Dataset("slack-users", records, seed), _user, first_id=USER_FIRST_ID),
        "conversations": Collection(
            Dataset("slack-conversations", records, seed), _channel, first_id=CHANNEL_FIRST_ID
        ),
        # Messages are only ever posted (chat.postMessage): nothing is generated.
        "messages": Collection(
            Dataset("slack-messages", 0, seed), lambda d, i: {}, first_id=MESSAGE_FIRST_ID
        ),
    }


class Workspace:
    """One Slack workspace (team) and its app: renders users and conversations."""

    __slots__ = ("app_id", "bot_id", "bot_user_id", "team_id", "team_name")

    def __init__(self, seed: int) -> None:
        self.team_id = "T" + b36(1_500_000_000_000 + seed)
        self.team_name = "Acme Corp"
        self.app_id = "A" + b36(1_600_000_000_000 + seed)
        self.bot_id = "B" + b36(1_650_000_000_000 + seed)
        self.bot_user_id = "U" + b36(USER_FIRST_ID - 1 - seed % 1000)  # never a generated user

    def user(self, rec: StoredRecord) -> dict[str, Any]:
        f = rec.fields
        tz, tz_label, tz_offset = TIME_ZONES.get(str(f["city"]), ("UTC", "UTC", 0))
        real_name = f"{f['first_name']} {f['last_name']}".strip()
        real_name = str(f.get("real_name") or real_name)
        display = str(f["display_name"])
        image = f"https://avatars.slack-edge.com/2023-01-01/{rec.id}_{f['avatar_hash'][1:]}"
        profile: dict[str, Any] = {
            "title": f["title"],
            "phone": f["phone"],
            "skype": f["skype"],
            "real_name": real_name,
            "real_name_normalized": _ascii(real_name),
            "display_name": display,
            "display_name_normalized": _ascii(display),
            "fields": {},
            "status_text": f["status_text"],
            "status_emoji": f["status_emoji"],
            "status_expiration": int(f.get("status_expiration", 0)),
            "avatar_hash": f["avatar_hash"],
            "first_name": f["first_name"],
            "last_name": f["last_name"],
            "pronouns": f["pronouns"],
            **{f"image_{n}": f"{image}_{n}.png" for n in (24, 32, 48, 72, 192, 512)},
            "team": self.team_id,
        }
        if f["email"] is not None:
            profile["email"] = f["email"]
        if f["is_bot"]:
            profile.update(bot_id="B" + b36(rec.id), api_app_id=self.app_id, always_active=True)
        return {
            "id": "U" + b36(rec.id),
            "team_id": self.team_id,
            "name": f["name"],
            "deleted": f["deleted"],
            "color": f["color"],
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "profile": profile,
            "is_admin": f["is_admin"],
            "is_owner": f["is_owner"],
            "is_primary_owner": f["is_primary_owner"],
            "is_restricted": f["is_restricted"],
            "is_ultra_restricted": False,
            "is_bot": f["is_bot"],
            "is_app_user": False,
            "updated": int(rec.modified_at),
            "has_2fa": f["has_2fa"],
        }

    def conversation(self, rec: StoredRecord) -> dict[str, Any]:
        f = rec.fields
        created = int(rec.created_at)
        creator = "U" + b36(int(f["creator"]))
        return {
            "id": "C" + b36(rec.id),
            "name": f["name"],
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": f["is_private"],
            "created": created,
            "is_archived": f["is_archived"],
            "is_general": f["name"] == "general",
            "unlinked": 0,
            "name_normalized": f["name"],
            "is_shared": False,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "is_ext_shared": False,
            "is_member": f["is_member"],
            "creator": creator,
            "previous_names": [],
            "num_members": f["num_members"],
            "topic": {"value": f["topic"], "creator": creator if f["topic"] else "",
                      "last_set": created if f["topic"] else 0},
            "purpose": {"value": f["purpose"], "creator": creator, "last_set": created},
        }  # fmt: skip
