"""The pages the connect flow answers with: the credentials form, the variables form, done."""

from __future__ import annotations

import secrets
from urllib.parse import quote, urlencode, urlsplit

from starlette.responses import RedirectResponse, Response

from interlink.connectors import ConnectorSpec
from interlink.server.connect._offers import Offer
from interlink.server.connect._pages import PAGE_HEADERS, message, page
from interlink.server.connect._signing import Sealer
from interlink.server.connect._tenant_tokens import TenantGrant

__all__ = ["FORM_COOKIE", "credentials_form", "done", "hosted_link", "variables_form"]

FORM_COOKIE = "interlink_connect_form"


def credentials_form(
    offer: Offer,
    values: dict[str, str],
    forms: Sealer,
    grant: TenantGrant,
    error: str | None,
    status: int,
    secure: bool,
) -> Response:
    csrf = secrets.token_urlsafe(24)
    provider = offer.spec.provider
    response = page(
        "form.html",
        status,
        title=f"Connect {offer.spec.title}",
        intro=f"Enter your {offer.spec.title} credentials. They are checked with one call to "
        f"{offer.spec.title}, then stored encrypted.",
        error=error,
        method="post",
        action=f"/connect/{provider}",
        tenant_token=values.get("tenant_token", ""),
        csrf=csrf,
        fields=offer.fields(values),
        submit="Connect",
        back=hosted_link(values),
    )
    sealed = forms.seal({"csrf": csrf, "p": provider}, expires_at=grant.expires_at + 600)
    response.set_cookie(
        FORM_COOKIE, sealed, max_age=1800, path=f"/connect/{provider}", httponly=True,
        samesite="strict", secure=secure,
    )  # fmt: skip
    return response


def variables_form(offer: Offer, values: dict[str, str], error: str | None) -> Response:
    return page(
        "form.html",
        422 if error else 200,
        title=f"Connect {offer.spec.title}",
        intro=f"Which {offer.spec.title} account? You will then sign in with {offer.spec.title}.",
        error=error,
        method="get",
        action=f"/connect/{offer.spec.provider}",
        tenant_token=values.get("tenant_token", ""),
        csrf=None,
        fields=offer.fields(values),
        submit="Continue",
        back=hosted_link(values),
    )


def done(spec: ConnectorSpec, connection_id: str, return_url: str | None) -> Response:
    if return_url:
        answer = urlencode(
            {"connection_id": connection_id, "provider": spec.provider, "status": "connected"}
        )
        joiner = "&" if urlsplit(return_url).query else "?"
        return RedirectResponse(return_url + joiner + answer, 303, headers=PAGE_HEADERS)
    return message(
        "Connected", f"{spec.title} is connected.", 200,
        detail=f"Connection {connection_id}. You can close this window.",
    )  # fmt: skip


def hosted_link(values: dict[str, str]) -> str:
    return f"/connect?tenant_token={quote(values.get('tenant_token', ''))}"
