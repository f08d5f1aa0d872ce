"""A vendor's OAuth consent screen: the authorization endpoint of the code flow (RFC 6749 §4.1).

`GET` checks the request and shows the end user what the app asks for, with
Allow and Deny buttons; the choice is posted back to the same URL, and the
browser is redirected to the app's `redirect_uri` with a single-use `code`
(bound to the client, the redirect URI and the PKCE S256 challenge) or with
`error=access_denied`, `state` echoed either way. As RFC 6749 §4.1.2.1
requires, a request whose client or redirect URI cannot be trusted gets an
error page and is never redirected. Each vendor supplies its own words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from interlink.simulators._tokens import CodeGrant, TokenStore

__all__ = ["ConsentScreen"]

_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # BASE64URL(SHA-256), unpadded (RFC 7636 §4.2)
_FIELDS = (
    "response_type", "client_id", "redirect_uri", "scope", "state",
    "code_challenge", "code_challenge_method",
)  # fmt: skip


@dataclass(slots=True)
class ConsentScreen:
    """The authorization endpoint of one simulated vendor.

    `callback_urls` are the redirect URIs registered for the app; while empty,
    any http(s) URL is accepted (a simulator serves whatever test app calls it).
    `require_pkce` refuses requests without an S256 challenge (Salesforce's
    "Require PKCE" app setting; Zendesk's public clients).
    """

    vendor: str
    tokens: TokenStore
    client_id: Callable[[], str]
    subject: Callable[[], str]
    denied: str = "The resource owner or authorization server denied the request."
    require_pkce: bool = False
    callback_urls: set[str] = field(default_factory=set)
    consents: int = 0
    """How many times an end user pressed Allow (tests read it)."""

    async def page(self, request: Request) -> Response:
        """The endpoint (`GET` shows the screen, `POST` takes the decision)."""
        if request.method == "POST":
            body = (await request.body()).decode("utf-8", "replace")
            params = dict(parse_qsl(body, keep_blank_values=True))
        else:
            params = dict(request.query_params)
        problem = self._untrusted(params)
        if problem is not None:
            return _page(self.vendor, "Error", f"<p>{html.escape(problem)}</p>", 400)
        redirect = params["redirect_uri"]
        error = self._invalid(params)
        if error is not None:
            return _back(redirect, params, error=error[0], error_description=error[1])
        if request.method == "GET":
            return self._screen(params)
        if params.get("decision") != "allow":
            return _back(redirect, params, error="access_denied", error_description=self.denied)
        self.consents += 1
        subject = self.subject()
        grant = CodeGrant(
            subject,
            client_id=params["client_id"],
            redirect_uri=redirect,
            code_challenge=params.get("code_challenge") or None,
            scope=params.get("scope") or None,
        )
        return _back(redirect, params, code=self.tokens.issue_code(subject, grant))

    def _untrusted(self, params: Mapping[str, str]) -> str | None:
        if params.get("client_id") != self.client_id():
            return "error=invalid_client_id: client identifier invalid"
        redirect = params.get("redirect_uri", "")
        parts = urlsplit(redirect)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            return "error=redirect_uri_mismatch: redirect_uri must be an absolute http(s) URL"
        if self.callback_urls and redirect not in self.callback_urls:
            return "error=redirect_uri_mismatch: redirect_uri must match configuration"
        return None

    def _invalid(self, params: Mapping[str, str]) -> tuple[str, str] | None:
        if params.get("response_type") != "code":
            return "unsupported_response_type", "response_type must be 'code'"
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method", "S256" if challenge else "")
        if challenge is None:
            if self.require_pkce:
                return "invalid_request", "code_challenge is required"
            return None
        if method != "S256":
            return "invalid_request", "code_challenge_method must be S256"
        if not _CHALLENGE.fullmatch(challenge):
            return "invalid_request", "code_challenge must be 43 base64url characters"
        return None

    def _screen(self, params: Mapping[str, str]) -> Response:
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(params[name])}">'
            for name in _FIELDS
            if name in params
        )
        scopes = "".join(f"<li>{html.escape(s)}</li>" for s in params.get("scope", "").split() if s)
        body = (
            f"<p>The application <b>{html.escape(params['client_id'])}</b> asks to access "
            f"your {html.escape(self.vendor)} account.</p>"
            f"<ul>{scopes or '<li>basic access</li>'}</ul>"
            f'<form method="post">{hidden}'
            '<button type="submit" name="decision" value="allow" id="allow">Allow</button> '
            '<button type="submit" name="decision" value="deny" id="deny">Deny</button>'
            "</form>"
        )
        return _page(self.vendor, "Allow access?", body, 200)


def _back(redirect: str, params: Mapping[str, str], **answer: str) -> Response:
    if "state" in params:
        answer["state"] = params["state"]
    joiner = "&" if urlsplit(redirect).query else "?"
    return RedirectResponse(redirect + joiner + urlencode(answer), status_code=302)


def _page(vendor: str, title: str, body: str, status: int) -> Response:
    text = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(vendor)}: "
        f"{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    )
    return HTMLResponse(text, status)
