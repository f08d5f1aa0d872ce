"""The Slack Web API simulator: users, conversations, messages; bot, user and rotating tokens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from interlink.simulators._base import PageRequest, Simulator, SimulatorInfo, register
from interlink.simulators._http import Reply, basic_credentials
from interlink.simulators._ratelimit import Limiter, RollingWindow, TokenBucket
from interlink.simulators._render import PristineCache
from interlink.simulators._secrets import derived_secret
from interlink.simulators._store import Collection, StoredRecord
from interlink.simulators._tokens import Token
from interlink.simulators._webhooks import WebhookFormat
from interlink.simulators.slack._auth import ACCESS_TOKEN_TTL, BOT, Caller, Credentials
from interlink.simulators.slack._events import Envelopes
from interlink.simulators.slack._objects import Workspace, b36, build_collections, parse_id
from interlink.simulators.slack._wire import (
    SlackError,
    SlackEvents,
    decode_cursor,
    encode_cursor,
    ok_false,
    rate_limited,
)
from interlink.simulators.slack._writes import message_fields, profile_changes, visible_channel

__all__ = ["SlackSimulator"]

# Requests per minute per method per app per workspace: the floor of each method's tier.
TIERS: Mapping[str, int] = {
    "users.list": 20,  # Tier 2
    "conversations.list": 20,  # Tier 2
    "users.info": 100,  # Tier 4
    "conversations.info": 50,  # Tier 3
    "users.profile.set": 50,  # Tier 3
    "auth.test": 100,  # special; generous
    "auth.revoke": 50,  # Tier 3
}
LIMIT_REQUIRED_ABOVE = 1_000  # users.list without `limit` on a bigger team: limit_required
MAX_LIMIT = 1_000
CHANNEL_TYPES = {"public_channel": "channels:read", "private_channel": "groups:read",
                 "mpim": "mpim:read", "im": "im:read"}  # fmt: skip


def _derived(seed: int, label: str) -> str:
    return derived_secret("slack", seed, label)


def _ref_id(collection: Collection, ref: int) -> int:
    index = collection.pristine_index(ref)
    return ref if index is None else collection.first_id + index


def _limit(args: Mapping[str, Any], default: int) -> int:
    raw = args.get("limit")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise SlackError("invalid_limit") from None
    if value < 0:
        raise SlackError("invalid_limit")
    # Slack documents a ceiling of 1,000 and answers larger asks with at most that.
    return min(value, MAX_LIMIT) or default


def _cursor_start(args: Mapping[str, Any], kind: str, letter: str) -> int:
    """The record id a `cursor` argument resumes at (0 without one), or invalid_cursor."""
    if not args.get("cursor"):
        return 0
    rid = parse_id(decode_cursor(str(args["cursor"]), kind) or "", letter)
    if rid is None:
        raise SlackError("invalid_cursor")
    return rid


@register
class SlackSimulator(Simulator):
    info = SimulatorInfo(
        name="slack",
        title="Slack Web API",
        resources=("users", "conversations", "messages"),
        auth="xoxb-/xoxp- tokens (Bearer or token=); rotating tokens (12 h) via oauth.v2.access",
        pagination="cursor (response_metadata.next_cursor, empty at the end)",
        rate_limits="per method per app: Tier 2 20/min, Tier 3 50/min, Tier 4 100/min; "
        "chat.postMessage ~1/s per channel",
    )

    def __init__(self, **options: Any) -> None:
        seed = options.get("seed", 0)
        self.signing_secret = _derived(seed, "signing-secret")[:32]
        self.client_id = f"{1_000_000_000 + seed}.{int(_derived(seed, 'client')[:8], 16)}"
        self.client_secret = _derived(seed, "client-secret")[:32]
        self.verification_token = _derived(seed, "verification-token")[:24]
        super().__init__(**options)
        self.workspace = Workspace(self.seed)
        self.envelopes = Envelopes(self.workspace, self.verification_token)
        self.auth = Credentials(self.tokens, self.workspace, self.collections["users"])
        self.method_limits: dict[str, Limiter] = {
            m: self.add_limiter(RollingWindow(n, 60.0)) for m, n in TIERS.items()
        }
        # "One message per second per channel, short bursts allowed": the burst size is a guess.
        self.post_limit = self.add_limiter(TokenBucket(3, 1.0))
        self.cache = PristineCache()
        self._last_ts = 0.0
        secret = _derived(self.seed, "bot-token")
        self.default_token = self.auth.issue(BOT, value=f"xoxb-{secret[:13]}-{secret[13:26]}-"
                                             f"{secret[26:50]}")  # fmt: skip

    # -- framework hooks --------------------------------------------------------------------

    def build_collections(self) -> Mapping[str, Collection]:
        return build_collections(self.records, self.seed)

    def webhook_format(self) -> WebhookFormat:
        return SlackEvents(self.signing_secret)

    def error_response(
        self, status: int, message: str | None, *, category: str | None = None
    ) -> Response:
        if status == 429:
            return rate_limited(30.0)
        if status == 404:
            return ok_false("unknown_method", 404)
        if status >= 500:  # what a 200-with-error-body fault shows too
            return ok_false("service_unavailable" if status in (502, 503, 504)
                            else "internal_error", status)  # fmt: skip
        code = category or "invalid_arguments"
        if message is None:
            return ok_false(code, status)
        return ok_false(code, status, response_metadata={"messages": [f"[ERROR] {message}"]})

    def issue_token(self, kind: str | None = None) -> Token:
        """`bot` (default), `user` (the primary owner's), `admin` or `rotating`."""
        return self.auth.issue(kind or BOT)

    def issue_auth_code(self) -> str:
        """A code, as Slack's consent screen would redirect with, for oauth.v2.access."""
        return self.tokens.issue_code("app")

    def page_request(self, limit: int) -> PageRequest:
        auth = {"Authorization": f"Bearer {self.default_token.value}"}
        return PageRequest("GET", f"/api/users.list?limit={limit}", auth)

    def reset(self) -> None:
        super().reset()
        self.cache.clear()
        self.envelopes.reset()

    def routes(self) -> Sequence[BaseRoute]:
        both = ["GET", "POST"]  # every Web API method takes either
        return [
            Route("/api/users.list", self.users_list, methods=both),
            Route("/api/users.info", self.users_info, methods=both),
            Route("/api/conversations.list", self.conversations_list, methods=both),
            Route("/api/conversations.info", self.conversations_info, methods=both),
            Route("/api/chat.postMessage", self.post_message, methods=both),
            Route("/api/users.profile.set", self.profile_set, methods=both),
            Route("/api/auth.test", self.auth_test, methods=both),
            Route("/api/auth.revoke", self.auth_revoke, methods=both),
            Route("/api/oauth.v2.access", self.oauth_access, methods=both),
            Route("/scim/v1/Users/{user_id}", self.scim_deactivate, methods=["DELETE"]),
        ]

    # -- arguments, auth and limits ---------------------------------------------------------

    @staticmethod
    async def _arguments(request: Request) -> tuple[dict[str, Any], bool]:
        """Query string plus form or JSON body; True when the body was JSON."""
        args: dict[str, Any] = dict(request.query_params)
        body = await request.body()
        if not body:
            return args, False
        if "json" in request.headers.get("content-type", ""):
            try:
                data = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise SlackError("invalid_json") from None
            if not isinstance(data, dict):
                raise SlackError("json_not_object")
            return {**args, **data}, True
        args.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return args, False

    async def _call(
        self, request: Request, method: str, needed: Sequence[str], key: str = "app"
    ) -> tuple[Caller, dict[str, Any], dict[str, str]]:
        """Check the token (Bearer, or a `token` argument outside JSON bodies), the
        scopes and the method's rate limit; returns the caller, arguments and headers."""
        args, is_json = await self._arguments(request)
        value = self.credential(request.headers) or (None if is_json else args.get("token"))
        caller = self.auth.caller(value)
        self.auth.require(caller, needed)
        limiter = self.method_limits.get(method, self.post_limit)
        decision = self.limit(limiter, key)
        if not decision.allowed:
            raise Reply(rate_limited(decision.reset_after))
        return caller, args, dict(self.auth.scope_headers(caller, needed))

    def _ok(self, data: dict[str, Any], headers: Mapping[str, str]) -> Response:
        return Response(orjson.dumps({"ok": True, **data}), 200, headers,
                        media_type="application/json")  # fmt: skip

    def _render_user(self, email: bool) -> Any:
        def render(rec: StoredRecord) -> bytes:
            user = self.workspace.user(rec)
            if not email:  # users:read.email decides whether emails are shown
                user["profile"].pop("email", None)
            return orjson.dumps(user)

        return render

    def _emit_user_change(self, member: StoredRecord) -> None:
        now = self.clock.time()
        event = {"type": "user_change", "user": self.workspace.user(member), "cache_ts": int(now)}
        self.webhooks.emit(self.envelopes.wrap(event, now))

    # -- reads ------------------------------------------------------------------------------

    async def users_list(self, request: Request) -> Response:
        caller, args, headers = await self._call(request, "users.list", ("users:read",))
        users = self.collections["users"]
        view = users.by_id(_cursor_start(args, "user", "U"))
        limit = _limit(args, 0)
        if limit == 0:  # no limit: Slack tries to send everything, up to a point
            if len(view) > LIMIT_REQUIRED_ABOVE:
                raise SlackError("limit_required")
            limit = max(1, len(view))
        refs = view.refs(0, limit + 1)
        cursor = (
            encode_cursor("user", "U" + b36(_ref_id(users, refs[limit])))
            if len(refs) > limit
            else ""
        )
        email = "users:read.email" in caller.scopes
        members = self.cache.fragments(users, refs[:limit], self._render_user(email), email)
        body = (b'{"ok":true,"members":[' + b",".join(members) + b'],"cache_ts":%d,'
                b'"response_metadata":{"next_cursor":"%s"}}'
                % (int(self.clock.time()), cursor.encode()))  # fmt: skip
        return Response(body, 200, headers, media_type="application/json")

    async def users_info(self, request: Request) -> Response:
        caller, args, headers = await self._call(request, "users.info", ("users:read",))
        rid = parse_id(str(args.get("user", "")), "U")
        member = None if rid is None else self.collections["users"].get(rid)
        if member is None:
            raise SlackError("user_not_found")
        user = orjson.loads(self._render_user("users:read.email" in caller.scopes)(member))
        return self._ok({"user": user}, headers)

    async def conversations_list(self, request: Request) -> Response:
        args, _ = await self._arguments(request)
        types = [t for t in str(args.get("types") or "public_channel").split(",") if t]
        if not types or any(t not in CHANNEL_TYPES for t in types):
            raise SlackError("invalid_types")
        needed = tuple(CHANNEL_TYPES[t] for t in types)
        caller, args, headers = await self._call(request, "conversations.list", needed[:1])
        for scope in needed[1:]:
            self.auth.require(caller, (scope,))
        channels = self.collections["conversations"]
        limit = _limit(args, 100)
        refs = channels.by_id(_cursor_start(args, "team", "C")).refs(0, limit + 1)
        cursor = ""
        if len(refs) > limit:
            cursor = encode_cursor("team", "C" + b36(_ref_id(channels, refs[limit])))
        # Slack pages first and filters after, so a page may hold fewer than `limit`
        # channels (even none) while next_cursor still points further.
        exclude_archived = str(args.get("exclude_archived", "")).lower() in ("true", "1")
        wanted = {
            t == "private_channel" for t in types if t in ("public_channel", "private_channel")
        }
        kept = []
        for ref in refs[:limit]:
            f = channels.resolve(ref).fields
            if f["is_private"] not in wanted or (f["is_private"] and not f["is_member"]):
                continue
            if exclude_archived and f["is_archived"]:
                continue
            kept.append(ref)
        render = self.workspace.conversation
        items = self.cache.fragments(channels, kept, lambda r: orjson.dumps(render(r)), "channel")
        body = (b'{"ok":true,"channels":[' + b",".join(items)
                + b'],"response_metadata":{"next_cursor":"%s"}}' % cursor.encode())  # fmt: skip
        return Response(body, 200, headers, media_type="application/json")

    async def conversations_info(self, request: Request) -> Response:
        _, args, headers = await self._call(
            request, "conversations.info", ("channels:read", "groups:read")
        )
        channel = visible_channel(self.collections["conversations"], args.get("channel"))
        return self._ok({"channel": self.workspace.conversation(channel)}, headers)

    # -- writes -----------------------------------------------------------------------------

    def _next_ts(self) -> str:
        # Message timestamps are unique per channel: never reuse one, even in the same µs.
        ts = max(self.clock.time(), self._last_ts + 0.000001)
        self._last_ts = ts
        return f"{ts:.6f}"

    async def post_message(self, request: Request) -> Response:
        args, _ = await self._arguments(request)
        channel_id = str(args.get("channel", ""))
        caller, args, headers = await self._call(
            request, "chat.postMessage", ("chat:write",), key=f"post:{channel_id}"
        )
        channel = visible_channel(self.collections["conversations"], channel_id)
        author = self.auth.user_slack_id(caller)
        bot_id = self.workspace.bot_id if caller.is_bot else None
        fields = message_fields(channel, args, author, bot_id, self._next_ts())
        fields["team"] = self.workspace.team_id
        self.collections["messages"].create(fields, self.clock.time())
        self.counters.record_create("messages", request.headers.get("idempotency-key"))
        message = {k: v for k, v in fields.items() if k not in ("channel", "channel_type")}
        self.webhooks.emit(self.envelopes.wrap({**fields, "event_ts": fields["ts"]},
                                               self.clock.time()))  # fmt: skip
        return self._ok({"channel": fields["channel"], "ts": fields["ts"], "message": message},
                        headers)  # fmt: skip

    async def profile_set(self, request: Request) -> Response:
        needed = ("users.profile:write",)
        caller, args, headers = await self._call(request, "users.profile.set", ())
        if caller.is_bot:  # bots cannot hold users.profile:write: Slack names the token type
            raise SlackError("not_allowed_token_type")
        self.auth.require(caller, needed)
        headers.update(self.auth.scope_headers(caller, needed))
        users = self.collections["users"]
        member, changes = profile_changes(users, caller, args)
        updated = users.update(member.id, changes, self.clock.time())
        assert updated is not None
        self._emit_user_change(updated)
        user = self.workspace.user(updated)
        return self._ok({"username": user["name"], "profile": user["profile"]}, headers)

    async def scim_deactivate(self, request: Request) -> Response:
        """SCIM `DELETE /Users/{id}`: deactivate a member (they stay listed, deleted)."""

        def scim_error(description: str, code: int) -> Response:
            body = {"Errors": {"description": description, "code": code}}
            return Response(orjson.dumps(body), code, media_type="application/json")

        try:
            caller = self.auth.caller(self.credential(request.headers))
        except SlackError as exc:
            return scim_error(exc.code, 401)
        if "admin" not in caller.scopes:
            return scim_error("missing_scope: admin", 403)
        users = self.collections["users"]
        rid = parse_id(request.path_params["user_id"], "U")
        member = None if rid is None else users.get(rid)
        if member is None:
            return scim_error("user_not_found", 404)
        if not member.fields["deleted"]:
            updated = users.update(member.id, {"deleted": True}, self.clock.time())
            assert updated is not None
            self._emit_user_change(updated)
        return Response(status_code=204)

    # -- tokens -----------------------------------------------------------------------------

    async def auth_test(self, request: Request) -> Response:
        caller, _, headers = await self._call(request, "auth.test", ())
        w = self.workspace
        data = {"url": "https://acme-corp.slack.com/", "team": w.team_name,
                "team_id": w.team_id, "user_id": self.auth.user_slack_id(caller),
                "is_enterprise_install": False}  # fmt: skip
        if caller.is_bot:
            data["bot_id"] = w.bot_id
        return self._ok(data, headers)

    async def auth_revoke(self, request: Request) -> Response:
        caller, args, headers = await self._call(request, "auth.revoke", ())
        test = str(args.get("test", "")).lower() in ("true", "1")
        if not test:
            self.tokens.revoke(caller.token.value)
        return self._ok({"revoked": not test}, headers)

    async def oauth_access(self, request: Request) -> Response:
        """oauth.v2.access: exchange a code, or (token rotation) spend a refresh token."""
        self.counters.token_requests += 1
        args, _ = await self._arguments(request)
        client_id, client_secret = basic_credentials(request.headers) or (
            args.get("client_id"), args.get("client_secret"))  # fmt: skip
        if client_id != self.client_id:
            raise SlackError("invalid_client_id")
        if client_secret != self.client_secret:
            raise SlackError("bad_client_secret")
        grant = args.get("grant_type") or ("authorization_code" if args.get("code") else None)
        if grant == "refresh_token":
            token, refresh, scopes = self.auth.rotate(str(args.get("refresh_token", "")))
        elif grant == "authorization_code":
            if self.tokens.redeem_code(str(args.get("code", ""))) is None:
                raise SlackError("invalid_code")
            token, refresh = self.auth.install()
            scopes = self.auth.caller(token.value).scopes
        else:
            raise SlackError("invalid_grant_type")
        w = self.workspace
        return self._ok({
            "app_id": w.app_id, "scope": ",".join(sorted(scopes)), "token_type": "bot",
            "access_token": token.value, "bot_user_id": w.bot_user_id,
            "team": {"id": w.team_id, "name": w.team_name}, "enterprise": None,
            "is_enterprise_install": False, "expires_in": ACCESS_TOKEN_TTL,
            "refresh_token": refresh,
        }, {})  # fmt: skip
