"""Classification: every status, every vendor error contract, bodies that lie or break."""

from __future__ import annotations

import pytest

from interlink._clock import FakeClock
from interlink.errors import (
    AuthError,
    ConflictError,
    FatalError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    UpstreamError,
)
from interlink.http import Request, Response, respond
from interlink.http._classify import DEFAULT_CONTRACT, ErrorContract, classify, decode_json
from interlink.http._vendor_text import MESSAGE_LIMIT

REQUEST = Request.build("GET", "https://api.vendor.test/v1/contacts")

SLACK = ErrorContract(
    success_flag="ok",
    code_path=("error",),
    codes={
        "ratelimited": RateLimitedError,
        "invalid_auth": AuthError,
        "token_revoked": AuthError,
        "not_found": NotFoundError,
    },
)
PIPEDRIVE = ErrorContract(success_flag="success")
NGINX_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>nginx</h1></body></html>"
)
GRAPHQL = ErrorContract(errors_field="errors")


def outcome(
    response: Response, contract: ErrorContract = DEFAULT_CONTRACT, clock: FakeClock | None = None
) -> tuple[UpstreamError | None, object]:
    """Run a response through classify, decode_json and check, as the pipeline does."""
    error = classify(response, provider="acme", contract=contract, clock=clock)
    if error is not None:
        return error, None
    try:
        body = decode_json(response, provider="acme", contract=contract)
    except MalformedResponseError as exc:
        return exc, None
    return contract.check(response, body, provider="acme", clock=clock), body


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (408, ServerError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
        (599, ServerError),
        (429, RateLimitedError),
        (401, AuthError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (410, NotFoundError),
        (409, ConflictError),
        (412, ConflictError),
        (400, FatalError),
        (422, FatalError),
        (405, FatalError),
        (418, FatalError),
        (301, FatalError),
    ],
)
def test_status_maps_to_error_class(status: int, expected: type[UpstreamError]) -> None:
    """Each status named by the issue lands on exactly its class in the tree."""
    error = classify(respond(REQUEST, status, json={"message": "nope"}), provider="acme")
    assert type(error) is expected
    assert error.upstream_status == status
    assert error.provider == "acme"
    assert f"HTTP {status}" in error.message


@pytest.mark.parametrize("status", [200, 201, 202, 204, 304])
def test_success_statuses_are_not_errors(status: int) -> None:
    """2xx and 304 classify as no error without reading the body."""
    assert classify(respond(REQUEST, status, content=b"{broken"), provider="acme") is None


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [
        ({"Retry-After": "30"}, 30.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"Retry-After": "Tue, 14 Nov 2023 22:13:40 GMT"}, 20.0),  # FakeClock starts at 22:13:20
        ({"Retry-After": "Tue, 14 Nov 2023 22:13:00 GMT"}, 0.0),  # in the past: no wait
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "nan"}, None),
        ({"RateLimit-Reset": "7"}, 7.0),
        ({"X-RateLimit-Reset": "1700000045"}, 45.0),  # epoch seconds (GitHub)
        ({"X-RateLimit-Reset": "12"}, 12.0),  # a delta (other vendors)
        ({}, None),
    ],
)
def test_429_carries_retry_after(headers: dict[str, str], retry_after: float | None) -> None:
    """A 429's retry_after comes from Retry-After (seconds or HTTP-date) or the reset headers."""
    clock = FakeClock()
    error = classify(respond(REQUEST, 429, headers=headers), provider="acme", clock=clock)
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == retry_after


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "60"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000060"},
    ],
)
def test_github_secondary_rate_limit_403_is_rate_limited(headers: dict[str, str]) -> None:
    """A 403 with Retry-After or X-RateLimit-Remaining: 0 is a rate limit, not a denial."""
    body = {"message": "You have exceeded a secondary rate limit."}
    error = classify(
        respond(REQUEST, 403, json=body, headers=headers), provider="github", clock=FakeClock()
    )
    assert type(error) is RateLimitedError
    assert error.retry_after == 60.0
    assert "secondary rate limit" in error.message


def test_plain_403_with_remaining_budget_is_permission_denied() -> None:
    """A 403 whose rate-limit headers show budget left is a real permission denial."""
    response = respond(
        REQUEST,
        403,
        json={"message": "Resource not accessible"},
        headers={"X-RateLimit-Remaining": "4999"},
    )
    assert type(classify(response, provider="github")) is PermissionDeniedError


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": "Contact 42 does not exist"}, "Contact 42 does not exist"),
        (
            {"error": "invalid_request", "error_description": "bad scope"},
            "invalid_request: bad scope",
        ),
        ({"error": "Item not found"}, "Item not found"),
        (
            {"errors": [{"message": "email is invalid", "code": "INVALID"}]},
            "INVALID: email is invalid",
        ),
        ({"errors": ["first problem", "second"]}, "first problem"),
        ({"errors": {"email": ["has already been taken"]}}, "email: has already been taken"),
        (
            [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
            "INVALID_SESSION_ID: Session expired or invalid",
        ),
        (
            {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": "No such customer: 'cus_1'",
                }
            },
            "resource_missing: No such customer: 'cus_1'",
        ),
        (
            {"detail": "Field 'name' is required", "title": "Bad Request"},
            "Field 'name' is required",
        ),
        ({"code": 1234, "msg": "odd vendor"}, "1234: odd vendor"),
        ({"unrelated": True}, None),
    ],
)
def test_vendor_message_is_extracted(body: object, message: str | None) -> None:
    """The common error shapes yield the vendor's code and message after the status line."""
    error = classify(respond(REQUEST, 400, json=body), provider="acme")
    assert error is not None
    expected = "HTTP 400 Bad Request" + (f": {message}" if message else "")
    assert error.message == expected


def test_declared_paths_win_over_guessing() -> None:
    """A contract's code and message paths read a vendor's unusual envelope."""
    contract = ErrorContract.from_dict({"code": "fault.detail.0.code", "message": "fault.reason"})
    body = {"message": "generic", "fault": {"reason": "quota gone", "detail": [{"code": "Q1"}]}}
    error = classify(respond(REQUEST, 400, json=body), provider="acme", contract=contract)
    assert error is not None
    assert error.message == "HTTP 400 Bad Request: Q1: quota gone"


def test_vendor_code_mapping_overrides_status() -> None:
    """A declared vendor code decides the class even when the status says otherwise."""
    contract = ErrorContract.from_dict({"codes": {"REQUEST_LIMIT_EXCEEDED": "rate_limited"}})
    body = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    response = respond(REQUEST, 403, json=body, headers={"Retry-After": "5"})
    error = classify(response, provider="salesforce", contract=contract)
    assert type(error) is RateLimitedError
    assert error.retry_after == 5.0


@pytest.mark.parametrize(
    ("response", "contract", "expected", "fragment"),
    [
        pytest.param(
            respond(REQUEST, 200, json={"ok": False, "error": "invalid_auth"}),
            SLACK,
            AuthError,
            "invalid_auth",
            id="slack-invalid-auth",
        ),
        pytest.param(
            respond(REQUEST, 200, json={"ok": False, "error": "token_revoked"}),
            SLACK,
            AuthError,
            "token_revoked",
            id="slack-token-revoked",
        ),
        pytest.param(
            respond(REQUEST, 200, json={"ok": False, "error": "not_found"}),
            SLACK,
            NotFoundError,
            "not_found",
            id="slack-not-found",
        ),
        pytest.param(
            respond(REQUEST, 200, json={"ok": False, "error": "channel_not_found"}),
            SLACK,
            FatalError,
            "channel_not_found",
            id="slack-unmapped-code",
        ),
        pytest.param(
            respond(
                REQUEST,
                429,
                json={"ok": False, "error": "ratelimited"},
                headers={"Retry-After": "3"},
            ),
            SLACK,
            RateLimitedError,
            "ratelimited",
            id="slack-429",
        ),
        pytest.param(
            respond(
                REQUEST,
                200,
                json={"success": False, "error": "Scope and URL mismatch", "errorCode": 403},
            ),
            PIPEDRIVE,
            FatalError,
            "Scope and URL mismatch",
            id="pipedrive-success-false",
        ),
        pytest.param(
            respond(
                REQUEST,
                200,
                json={"data": None, "errors": [{"message": "Field 'x' doesn't exist"}]},
            ),
            GRAPHQL,
            FatalError,
            "Field 'x' doesn't exist",
            id="errors-array",
        ),
        pytest.param(
            respond(
                REQUEST,
                400,
                json=[
                    {
                        "message": "Required fields are missing: [Name]",
                        "errorCode": "REQUIRED_FIELD_MISSING",
                    }
                ],
            ),
            DEFAULT_CONTRACT,
            FatalError,
            "REQUIRED_FIELD_MISSING: Required fields are missing: [Name]",
            id="salesforce-array",
        ),
        pytest.param(
            respond(
                REQUEST,
                402,
                json={
                    "error": {
                        "type": "card_error",
                        "code": "card_declined",
                        "message": "Your card was declined.",
                    }
                },
            ),
            DEFAULT_CONTRACT,
            FatalError,
            "card_declined: Your card was declined.",
            id="stripe-error-object",
        ),
        pytest.param(
            respond(
                REQUEST,
                500,
                content=NGINX_PAGE,
                headers={"Content-Type": "text/html"},
            ),
            DEFAULT_CONTRACT,
            ServerError,
            "HTTP 500 Internal Server Error: 502 Bad Gateway",
            id="html-500",
        ),
        pytest.param(
            respond(
                REQUEST,
                500,
                content="<html><body><h1>Oops</h1> <p>Something &amp; broke</p></body></html>",
            ),
            DEFAULT_CONTRACT,
            ServerError,
            "Oops Something & broke",
            id="html-500-no-title",
        ),
        pytest.param(
            respond(
                REQUEST, 500, content="upstream connect error or disconnect/reset before headers"
            ),
            DEFAULT_CONTRACT,
            ServerError,
            "HTTP 500 Internal Server Error: upstream connect error",
            id="plain-text-500",
        ),
        pytest.param(
            respond(REQUEST, 503, content=b'{"message": "maintena'),
            DEFAULT_CONTRACT,
            ServerError,
            '{"message": "maintena',
            id="truncated-json-503",
        ),
        pytest.param(
            respond(REQUEST, 200, content=b'{"results": [{"id": 1}, {"id"'),
            DEFAULT_CONTRACT,
            MalformedResponseError,
            "invalid JSON",
            id="truncated-json-200",
        ),
        pytest.param(
            respond(REQUEST, 200, content=b"<html>Service Unavailable</html>"),
            DEFAULT_CONTRACT,
            MalformedResponseError,
            "invalid JSON",
            id="invalid-json-200",
        ),
        pytest.param(
            respond(REQUEST, 200, content=b""),
            DEFAULT_CONTRACT,
            MalformedResponseError,
            "empty body",
            id="empty-200",
        ),
        pytest.param(
            respond(REQUEST, 200, content=b"  \n"),
            DEFAULT_CONTRACT,
            MalformedResponseError,
            "empty body",
            id="blank-200",
        ),
    ],
)
def test_vendor_error_contracts(
    response: Response, contract: ErrorContract, expected: type[UpstreamError], fragment: str
) -> None:
    """Each vendor's way of failing becomes the right error with the vendor's words."""
    error, _ = outcome(response, contract)
    assert type(error) is expected
    assert fragment in error.message


@pytest.mark.parametrize(
    ("response", "contract", "body"),
    [
        pytest.param(
            respond(REQUEST, 200, json={"ok": True, "channels": []}),
            SLACK,
            {"ok": True, "channels": []},
            id="slack-ok",
        ),
        pytest.param(
            respond(REQUEST, 200, json={"success": True, "data": [1]}),
            PIPEDRIVE,
            {"success": True, "data": [1]},
            id="pipedrive-ok",
        ),
        pytest.param(
            respond(REQUEST, 200, json={"data": {"a": 1}, "errors": []}),
            GRAPHQL,
            {"data": {"a": 1}, "errors": []},
            id="empty-errors-array",
        ),
        pytest.param(
            respond(REQUEST, 200, json=[{"ok": False}]), SLACK, [{"ok": False}], id="list-is-data"
        ),
        pytest.param(respond(REQUEST, 204), DEFAULT_CONTRACT, None, id="204-no-content"),
        pytest.param(
            respond(REQUEST, 200, json={"results": []}),
            DEFAULT_CONTRACT,
            {"results": []},
            id="plain-200",
        ),
    ],
)
def test_successful_bodies_pass(response: Response, contract: ErrorContract, body: object) -> None:
    """A body that reports success is decoded once and returned as is."""
    assert outcome(response, contract) == (None, body)


def test_slack_ratelimited_in_a_200_honours_retry_after() -> None:
    """A vendor code mapped to rate_limited reads Retry-After even on a 200."""
    response = respond(
        REQUEST, 200, json={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "12"}
    )
    error, _ = outcome(response, SLACK)
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 12.0
    assert error.upstream_status == 200


def test_declared_no_data_status_allows_an_empty_body() -> None:
    """An empty body on a declared "no data" status is no data; undeclared, it is malformed."""
    empty_200 = respond(REQUEST, 200, content=b"")
    zoho = ErrorContract.from_dict({"no_data_statuses": [200, 204]})
    assert decode_json(empty_200, provider="zoho", contract=zoho) is None
    strict = ErrorContract.from_dict({"no_data_statuses": []})
    with pytest.raises(MalformedResponseError):
        decode_json(respond(REQUEST, 204), provider="acme", contract=strict)


def test_head_response_needs_no_body() -> None:
    """A HEAD response has no body by definition, so none is expected."""
    head = Request.build("HEAD", "https://api.vendor.test/v1/contacts")
    assert decode_json(respond(head, 200), provider="acme") is None


def test_long_text_body_is_truncated_in_the_message() -> None:
    """A huge plain-text error page yields a bounded message, not the whole page."""
    response = respond(REQUEST, 502, content="x" * 100_000)
    error = classify(response, provider="acme")
    assert error is not None
    assert len(error.message) < MESSAGE_LIMIT + 40
    assert error.message.endswith("…")
    assert error.body is not None
    assert len(error.body) < 2200


def test_binary_garbage_body_does_not_crash() -> None:
    """An undecodable body still classifies, with a readable message."""
    error = classify(respond(REQUEST, 500, content=b"\xff\xfe\x00boom"), provider="acme")
    assert type(error) is ServerError
    assert "boom" in error.message
