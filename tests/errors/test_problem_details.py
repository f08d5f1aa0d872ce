"""Errors render as RFC 9457 problem details and never leak the request's credentials."""

from __future__ import annotations

import orjson
import pytest

from interlink.errors import MalformedResponseError, RateLimitedError, UpstreamError
from interlink.http import Request, respond
from interlink.http._classify import ErrorContract, classify, decode_json

TOKEN = "pd_api_token_8f3a9c1e77"
BEARER = "eyJhbGciOiJIUzI1NiJ9.sekrit-bearer-value"
REQUEST = Request.build(
    "GET",
    "https://api.pipedrive.test/v1/persons",
    params={"api_token": TOKEN, "start": 0},
    headers={"Authorization": f"Bearer {BEARER}"},
)


def rendered(error: UpstreamError) -> str:
    """Every way an error is shown to a person or a log."""
    return " ".join(
        [str(error), repr(error), orjson.dumps(error.to_problem()).decode(), error.body or ""]
    )


@pytest.mark.parametrize(
    "body",
    [
        {"message": "bad"},
        # A vendor that echoes the request, secrets included, into its error.
        {
            "message": f"Invalid token {TOKEN} for https://api.pipedrive.test/v1/persons?api_token={TOKEN}"
        },
        {"error": f"Authorization 'Bearer {BEARER}' rejected", "detail": BEARER},
    ],
)
@pytest.mark.parametrize("status", [400, 401, 429, 500])
def test_no_credential_appears_anywhere(body: dict[str, str], status: int) -> None:
    """Neither the api_token value nor the bearer token shows in str, repr, problem or body."""
    error = classify(respond(REQUEST, status, json=body), provider="pipedrive")
    assert error is not None
    text = rendered(error)
    assert TOKEN not in text
    assert BEARER not in text
    assert "[REDACTED]" in str(error)  # the URL's api_token is shown as redacted, not dropped


def test_contract_failure_is_scrubbed_too() -> None:
    """A 200 {"success": false} echoing the token is scrubbed like a status error."""
    response = respond(REQUEST, 200, json={"success": False, "error": f"token {TOKEN} expired"})
    contract = ErrorContract(success_flag="success")
    error = contract.check(
        response, decode_json(response, provider="pipedrive"), provider="pipedrive"
    )
    assert error is not None
    assert TOKEN not in rendered(error)


def test_malformed_json_error_is_credential_free() -> None:
    """A malformed-body error shows the redacted URL, not the token."""
    with pytest.raises(MalformedResponseError) as caught:
        decode_json(respond(REQUEST, 200, content=b'{"data": ['), provider="pipedrive")
    assert TOKEN not in rendered(caught.value)
    assert BEARER not in rendered(caught.value)


def test_problem_details_fields() -> None:
    """to_problem has type, title, status, detail, provider, retryable and upstream_status."""
    response = respond(REQUEST, 429, json={"error": "Too many"}, headers={"Retry-After": "9"})
    error = classify(response, provider="pipedrive")
    assert isinstance(error, RateLimitedError)
    problem = error.to_problem()
    assert problem == {
        "type": "https://interlink.dev/problems/upstream-rate-limited",
        "title": "Vendor rate limit reached",
        "status": 429,
        "detail": str(error),
        "retryable": True,
        "provider": "pipedrive",
        "upstream_status": 429,
        "retry_after": 9.0,
    }
    assert "pipedrive: HTTP 429 Too Many Requests: Too many" in problem["detail"]
    assert "GET https://api.pipedrive.test/v1/persons?api_token=" in problem["detail"]


def test_not_found_problem_is_not_retryable() -> None:
    """A 404 renders as a non-retryable problem with the vendor status."""
    problem = classify(respond(REQUEST, 404, json={"message": "gone"}), provider="pipedrive")
    assert problem is not None
    details = problem.to_problem()
    assert (details["status"], details["retryable"], details["upstream_status"]) == (
        404,
        False,
        404,
    )
    assert details["type"].endswith("/upstream-not-found")


def test_token_endpoint_body_keeps_only_oauth_error_fields() -> None:
    """A failed token call's message keeps error and error_description, nothing else."""
    token_request = Request.build("POST", "https://auth.vendor.test/token", purpose="auth")
    body = {
        "error": "invalid_grant",
        "error_description": "expired",
        "refresh_token": "rt-very-secret",
    }
    error = classify(respond(token_request, 400, json=body), provider="acme")
    assert error is not None
    assert error.message == "HTTP 400 Bad Request: invalid_grant: expired"
    assert "rt-very-secret" not in rendered(error)
