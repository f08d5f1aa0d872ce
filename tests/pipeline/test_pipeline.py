"""The pipeline composed: auth, limits, breaker, retries, classification, pagination together."""

from __future__ import annotations

import asyncio
import random

import pytest

from interlink import (
    AuthError,
    BearerAuth,
    BreakerConfig,
    Budget,
    CircuitBreaker,
    CircuitOpenError,
    ClientCredentialsAuth,
    ConnectError,
    CursorPagination,
    ErrorContract,
    FakeClock,
    FatalError,
    MalformedResponseError,
    OAuth2Client,
    Pipeline,
    RateLimitedError,
    RateLimiter,
    Request,
    RetryPolicy,
    ServerError,
    SinglePage,
    Window,
)
from interlink.errors import BudgetExhaustedError
from interlink.http import MockTransport, respond

URL = "https://vendor.test/v1/items"
TOKEN_URL = "https://vendor.test/oauth/token"
SECRET = "cs_live_very_secret_value"


def retry(clock: FakeClock) -> RetryPolicy:
    return RetryPolicy(attempts=4, base=0.5, cap=8.0, total_timeout=120.0, rng=random.Random(7))


async def test_retries_a_503_then_succeeds(clock: FakeClock) -> None:
    """A transient 503 is retried after a backoff sleep and the success is returned."""
    answers = iter([503, 503, 200])
    transport = MockTransport(lambda r: respond(r, next(answers), json={"ok": True}))
    pipeline = Pipeline("vendor", transport, retry=retry(clock), clock=clock)
    response, body = await pipeline.send_json(Request.build("GET", URL))
    assert (response.status, body) == (200, {"ok": True})
    assert len(transport.requests) == 3
    assert len(clock.sleeps) == 2
    assert pipeline.stats.retries == 2


async def test_gives_up_after_the_attempt_budget(clock: FakeClock) -> None:
    """A vendor that keeps failing raises ServerError with provider and status after 4 tries."""
    transport = MockTransport(lambda r: respond(r, 502, content="<html>Bad Gateway</html>"))
    pipeline = Pipeline("vendor", transport, retry=retry(clock), clock=clock)
    with pytest.raises(ServerError) as caught:
        await pipeline.send(Request.build("GET", URL))
    assert len(transport.requests) == 4
    assert caught.value.provider == "vendor"
    assert caught.value.upstream_status == 502
    assert "Bad Gateway" in (caught.value.body or "")


async def test_unsafe_post_is_not_retried_but_keyed_post_is(clock: FakeClock) -> None:
    """A POST without an idempotency key is sent once; with a key it is retried."""
    transport = MockTransport(lambda r: respond(r, 500, json={"message": "boom"}))
    pipeline = Pipeline("vendor", transport, retry=retry(clock), clock=clock)
    with pytest.raises(ServerError):
        await pipeline.send(Request.build("POST", URL, json={"a": 1}))
    assert len(transport.requests) == 1
    with pytest.raises(ServerError):
        await pipeline.send(Request.build("POST", URL, json={"a": 1}, idempotency_key="k-1"))
    assert len(transport.requests) == 1 + 4


async def test_not_found_is_not_retried(clock: FakeClock) -> None:
    """A 404 raises at once: retrying cannot help."""
    transport = MockTransport(lambda r: respond(r, 404, json={"message": "no such item"}))
    pipeline = Pipeline("vendor", transport, retry=retry(clock), clock=clock)
    with pytest.raises(Exception, match="no such item") as caught:
        await pipeline.send(Request.build("GET", URL))
    assert caught.value.__class__.__name__ == "NotFoundError"
    assert len(transport.requests) == 1


async def test_network_errors_are_retried(clock: FakeClock) -> None:
    """A dropped connection is retried like a 5xx."""
    calls = 0

    def handler(request: Request):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectError("reset", request=request)
        return respond(request, 200, json=[])

    pipeline = Pipeline("vendor", MockTransport(handler), retry=retry(clock), clock=clock)
    _, body = await pipeline.send_json(Request.build("GET", URL))
    assert body == []
    assert calls == 2


async def test_truncated_json_in_a_200_is_an_error_never_an_empty_page(clock: FakeClock) -> None:
    """A 200 whose JSON is cut off raises MalformedResponseError after the retries."""
    transport = MockTransport(lambda r: respond(r, 200, content=b'{"results": [{"id": 1}, {"i'))
    pipeline = Pipeline("vendor", transport, retry=retry(clock), clock=clock)
    with pytest.raises(MalformedResponseError):
        await pipeline.send_json(Request.build("GET", URL))
    assert len(transport.requests) == 4


async def test_vendor_error_contract_in_a_200(clock: FakeClock) -> None:
    """Slack-style `{"ok": false}` in a 200 is a classified error, not data."""
    contract = ErrorContract.from_dict({"success_flag": "ok", "code": "error"})
    transport = MockTransport(lambda r: respond(r, 200, json={"ok": False, "error": "bad_thing"}))
    pipeline = Pipeline("slack", transport, contract=contract, clock=clock)
    with pytest.raises(FatalError, match="bad_thing"):
        await pipeline.send_json(Request.build("GET", URL))


async def test_429_retry_after_pauses_and_retries(clock: FakeClock) -> None:
    """A 429 with Retry-After waits at least that long, then succeeds; the 429 is counted."""
    answers = iter([429, 200])

    def handler(request: Request):  # type: ignore[no-untyped-def]
        status = next(answers)
        headers = {"Retry-After": "7"} if status == 429 else {}
        return respond(request, status, json={"n": 1}, headers=headers)

    limiter = RateLimiter("vendor", "conn-1", clock=clock)
    pipeline = Pipeline(
        "vendor", MockTransport(handler), limiter=limiter, retry=retry(clock), clock=clock
    )
    start = clock.monotonic()
    await pipeline.send_json(Request.build("GET", URL))
    assert clock.monotonic() - start >= 7
    assert pipeline.stats.rate_limited == 1


async def test_declared_limit_paces_concurrent_requests_without_429s(clock: FakeClock) -> None:
    """30 concurrent requests under a declared 10-per-second limit never exceed it."""
    sent_at: list[float] = []

    def handler(request: Request):  # type: ignore[no-untyped-def]
        sent_at.append(clock.time())
        return respond(request, 200, json={})

    limiter = RateLimiter("vendor", "conn-1", [Window(10, per=1.0)], clock=clock)
    pipeline = Pipeline("vendor", MockTransport(handler), limiter=limiter, clock=clock)
    await asyncio.gather(*(pipeline.send(Request.build("GET", URL)) for _ in range(30)))
    assert len(sent_at) == 30
    for i in range(len(sent_at) - 10):
        assert sent_at[i + 10] - sent_at[i] >= 1.0 - 1e-9


async def test_daily_budget_raises_retry_later_without_retrying(clock: FakeClock) -> None:
    """A spent daily budget raises BudgetExhaustedError carrying when it resets."""
    transport = MockTransport(lambda r: respond(r, 200, json={}))
    limiter = RateLimiter("vendor", "conn-1", [Budget(2)], clock=clock)
    pipeline = Pipeline("vendor", transport, limiter=limiter, retry=retry(clock), clock=clock)
    await pipeline.send(Request.build("GET", URL))
    await pipeline.send(Request.build("GET", URL))
    with pytest.raises(BudgetExhaustedError) as caught:
        await pipeline.send(Request.build("GET", URL))
    assert caught.value.resets_at > clock.time()
    assert caught.value.provider == "vendor"
    assert len(transport.requests) == 2


async def test_breaker_opens_and_fails_fast(clock: FakeClock) -> None:
    """After enough failures the breaker opens and further calls never reach the vendor."""
    transport = MockTransport(lambda r: respond(r, 500, json={}))
    breaker = CircuitBreaker(
        "vendor", "conn-1", config=BreakerConfig(min_calls=4, cooldown=30.0), clock=clock
    )
    pipeline = Pipeline("vendor", transport, breaker=breaker, clock=clock)
    for _ in range(4):
        with pytest.raises(ServerError):
            await pipeline.send(Request.build("GET", URL))
    with pytest.raises(CircuitOpenError) as caught:
        await pipeline.send(Request.build("GET", URL))
    assert len(transport.requests) == 4
    assert caught.value.retry_after is not None
    assert caught.value.to_problem()["retryable"] is True


async def test_breaker_half_open_probe_closes_on_success(clock: FakeClock) -> None:
    """After the cooldown one probe goes through; its success closes the circuit."""
    healthy = False

    def handler(request: Request):  # type: ignore[no-untyped-def]
        return respond(request, 200 if healthy else 503, json={})

    breaker = CircuitBreaker(
        "vendor", "conn-1", config=BreakerConfig(min_calls=4, cooldown=30.0), clock=clock
    )
    pipeline = Pipeline("vendor", MockTransport(handler), breaker=breaker, clock=clock)
    for _ in range(4):
        with pytest.raises(ServerError):
            await pipeline.send(Request.build("GET", URL))
    clock.advance(31)
    healthy = True
    await pipeline.send(Request.build("GET", URL))
    assert str(await breaker.state()) == "closed"


def oauth_vendor(clock: FakeClock, *, reject_api: bool = False):  # type: ignore[no-untyped-def]
    """A fake vendor with a client-credentials token endpoint issuing 1-hour tokens."""
    issued: list[str] = []

    def handler(request: Request):  # type: ignore[no-untyped-def]
        if request.url == TOKEN_URL:
            token = f"tok-{len(issued)}"
            issued.append(token)
            return respond(request, 200, json={"access_token": token, "expires_in": 3600})
        current = f"Bearer {issued[-1]}" if issued else None
        if reject_api or request.headers.get("Authorization") != current:
            return respond(request, 401, json={"message": "token expired"})
        return respond(request, 200, json={"items": []})

    return handler, issued


async def test_oauth_concurrent_requests_share_one_token(clock: FakeClock) -> None:
    """40 concurrent calls through the pipeline cause exactly one token request."""
    handler, issued = oauth_vendor(clock)
    auth = ClientCredentialsAuth(OAuth2Client(TOKEN_URL, "client", SECRET), clock=clock)
    pipeline = Pipeline("vendor", MockTransport(handler), auth=auth, clock=clock)
    await asyncio.gather(*(pipeline.send(Request.build("GET", URL)) for _ in range(40)))
    assert issued == ["tok-0"]
    clock.advance(0.81 * 3600)
    await pipeline.send(Request.build("GET", URL))
    assert issued == ["tok-0", "tok-1"]


async def test_oauth_401_refreshes_once_then_raises_auth_error(clock: FakeClock) -> None:
    """A 401 forces one refresh and one retry; a second 401 is an AuthError without secrets."""
    handler, issued = oauth_vendor(clock, reject_api=True)
    auth = ClientCredentialsAuth(OAuth2Client(TOKEN_URL, "client", SECRET), clock=clock)
    transport = MockTransport(handler)
    pipeline = Pipeline("vendor", transport, auth=auth, retry=retry(clock), clock=clock)
    with pytest.raises(AuthError) as caught:
        await pipeline.send(Request.build("GET", URL))
    assert len(issued) == 2
    assert len([r for r in transport.requests if r.url == URL]) == 2
    error = caught.value
    assert error.provider == "vendor"
    for token in [SECRET, *issued]:
        assert token not in str(error)
        assert token not in repr(error)
        assert token not in str(error.to_problem())


async def test_rate_limited_error_exposes_problem_details(clock: FakeClock) -> None:
    """A 429 that outlasts the retry budget renders as problem details with retry_after."""
    transport = MockTransport(lambda r: respond(r, 429, json={}, headers={"Retry-After": "600"}))
    pipeline = Pipeline("vendor", transport, retry=retry(clock), clock=clock)
    with pytest.raises(RateLimitedError) as caught:
        await pipeline.send(Request.build("GET", URL))
    problem = caught.value.to_problem()
    assert problem["status"] == 429
    assert problem["retry_after"] == 600
    assert problem["upstream_status"] == 429


async def test_pagination_travels_the_pipeline(clock: FakeClock) -> None:
    """Every page goes through auth and retries: a failing page is retried, not skipped."""
    failures = {200: 1}
    records = [{"id": i} for i in range(450)]

    def handler(request: Request):  # type: ignore[no-untyped-def]
        assert request.headers["Authorization"] == "Bearer t"
        after = int(request.params.get("after", "0"))
        if failures.get(after):
            failures[after] -= 1
            return respond(request, 503, json={})
        page = records[after : after + 100]
        body: dict[str, object] = {"results": page}
        if after + 100 < len(records):
            body["paging"] = {"next": {"after": str(after + 100)}}
        return respond(request, 200, json=body)

    pipeline = Pipeline(
        "vendor", MockTransport(handler), auth=BearerAuth("t"), retry=retry(clock), clock=clock
    )
    pagination = CursorPagination(cursor_path="paging.next.after", cursor_param="after")
    seen = [
        record["id"]
        async for page in pipeline.paginate(
            Request.build("GET", URL), pagination, records_path="results"
        )
        for record in page.records
    ]
    assert seen == list(range(450))
    assert pipeline.stats.retries == 1


async def test_503_retry_after_is_honoured(clock: FakeClock) -> None:
    """A 503 with Retry-After (BambooHR's throttle) waits that long before retrying."""
    answers = iter([503, 200])

    def handler(request: Request):  # type: ignore[no-untyped-def]
        status = next(answers)
        headers = {"Retry-After": "20"} if status == 503 else {}
        return respond(request, status, json={}, headers=headers)

    pipeline = Pipeline("vendor", MockTransport(handler), retry=retry(clock), clock=clock)
    await pipeline.send(Request.build("GET", URL))
    assert clock.sleeps == [20.0]


async def test_page_without_its_records_is_retried_as_malformed(clock: FakeClock) -> None:
    """A 200 whose body is an error shape (no records) is retried, then the real page is read."""
    answers = iter(
        [{"status": "error", "message": "internal", "category": "INTERNAL_ERROR"}, {"results": []}]
    )
    transport = MockTransport(lambda r: respond(r, 200, json=next(answers)))
    pipeline = Pipeline("vendor", transport, retry=retry(clock), clock=clock)
    pagination = CursorPagination(cursor_path="paging.next.after", cursor_param="after")
    pages = [
        page
        async for page in pipeline.paginate(
            Request.build("GET", URL), pagination, records_path="results"
        )
    ]
    assert [page.records for page in pages] == [[]]
    assert pipeline.stats.retries == 1


async def test_error_object_where_a_bare_list_belongs_is_retried(clock: FakeClock) -> None:
    """A 200 carrying an error object where the page is the bare list (`$`) is retried."""
    answers = iter([{"message": "Server Error"}, [{"id": 1}]])
    transport = MockTransport(lambda r: respond(r, 200, json=next(answers)))
    pipeline = Pipeline("vendor", transport, retry=retry(clock), clock=clock)
    pages = [
        page
        async for page in pipeline.paginate(
            Request.build("GET", URL), SinglePage(), records_path="$"
        )
    ]
    assert [page.records for page in pages] == [[{"id": 1}]]
    assert pipeline.stats.retries == 1


async def test_page_that_never_has_records_fails_as_malformed(clock: FakeClock) -> None:
    """A vendor that keeps answering without records ends in MalformedResponseError, not a loop."""
    transport = MockTransport(lambda r: respond(r, 200, json={"data": []}))
    pipeline = Pipeline("vendor", transport, retry=retry(clock), clock=clock)
    pagination = CursorPagination(cursor_path="paging.next.after", cursor_param="after")
    with pytest.raises(MalformedResponseError, match="without records at 'results'"):
        async for _ in pipeline.paginate(
            Request.build("GET", URL), pagination, records_path="results"
        ):
            pass
    assert len(transport.requests) == 4
