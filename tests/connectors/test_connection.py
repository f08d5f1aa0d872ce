"""The connection runtime on a small spec: templates, auth, hooks, mapping errors, sync."""

# ruff: noqa: E501  (spec snippets read best unwrapped)

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

import interlink
from interlink import (
    ASGITransport,
    ConfigError,
    FakeClock,
    MockTransport,
    NotFoundError,
    Request,
    Response,
    State,
)
from interlink.connectors import load_spec_text
from interlink.errors import MappingError
from interlink.http import respond
from interlink.mapping import InvalidWriteError
from interlink.simulators import create_simulator
from interlink.simulators.hubspot import HubSpotSimulator

ACME = (Path(__file__).parent / "acme.yaml").read_text()
WRITES = """    create: {path: /contacts, body_path: "data[0]", records: "data[0]", idempotency_header: Idempotency-Key}
    update: {method: PUT, path: "/contacts/{id}", records: data}
    write:
      first: first_name
"""
SPEC_TEXT = (
    ACME.replace("    read:\n", WRITES + "    read:\n")
    .replace("passthrough:", "api_version: {value: '2024-01', in: header, header: Acme-Version}\npassthrough:")
)  # fmt: skip
PEOPLE = [{"id": str(i), "first": f"P{i}", "last": "X"} for i in range(5)]


class Vendor:
    """A fake Acme API: pages of two contacts by cursor; records every request."""

    def __init__(self, people: list[dict[str, Any]] | None = None) -> None:
        self.people = people if people is not None else list(PEOPLE)
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        path = request.url.split("/api", 1)[1]
        if request.method == "POST":
            body = orjson.loads(request.content or b"{}")
            return respond(request, 201, json={"data": [{"id": "new", **body["data"][0]}]})
        if path.startswith("/contacts/"):
            rid = path.rsplit("/", 1)[1]
            if request.method == "PUT":
                return respond(
                    request, json={"data": {"id": rid, **orjson.loads(request.content or b"{}")}}
                )
            return respond(request, json={"id": rid, "first": "One"})
        start = int(request.params.get("cursor", "0"))
        nxt = str(start + 2) if start + 2 < len(self.people) else None
        return respond(
            request, json={"data": self.people[start : start + 2], "meta": {"next": nxt}}
        )


def open_acme(vendor: Vendor, clock: FakeClock, **options: Any) -> interlink.Connection:
    spec = load_spec_text(SPEC_TEXT, file="acme.yaml")
    return interlink.connect(
        spec,
        credentials={"api_key": "k-123"},
        variables={"subdomain": "eu-1"},
        state=State.in_process(clock=clock),
        transport=MockTransport(vendor),
        clock=clock,
        **options,
    )


async def test_requests_carry_variables_auth_version_and_cursor(clock: FakeClock) -> None:
    """The base URL's {subdomain}, the API key header, the version header and cursors all apply."""
    vendor = Vendor()
    async with open_acme(vendor, clock) as acme:
        names = [c.first_name async for c in acme.list("contacts")]
    assert names == ["P0", "P1", "P2", "P3", "P4"]
    first = vendor.requests[0]
    assert first.url == "https://eu-1.acme.test/api/contacts"
    assert first.headers["X-Acme-Key"] == "k-123"
    assert first.headers["Acme-Version"] == "2024-01"
    assert [r.params.get("cursor") for r in vendor.requests] == [None, "2", "4"]


async def test_a_record_the_mapping_cannot_handle_raises_naming_it(clock: FakeClock) -> None:
    """Without on_error the listing stops at the bad record with a MappingError naming it."""
    people = [*PEOPLE[:2], {"id": "bad", "first": {"nested": 1}}, *PEOPLE[2:]]
    async with open_acme(Vendor(people), clock, connection_id="conn-9") as acme:
        seen: list[str] = []

        async def walk() -> None:
            async for contact in acme.list("contacts"):
                seen.append(contact.remote_id)

        with pytest.raises(MappingError) as caught:
            await walk()
    assert seen == ["0", "1"]
    error = caught.value
    assert (error.provider, error.resource, error.remote_id) == ("acme", "contacts", "bad")
    assert error.connection_id == "conn-9"
    assert error.field == "first_name"


async def test_on_error_reports_the_bad_record_and_keeps_the_rest(clock: FakeClock) -> None:
    """With on_error every good record still arrives and the bad one is reported, not dropped."""
    people = [*PEOPLE[:2], {"id": "bad", "first": {"nested": 1}}, *PEOPLE[2:]]
    errors: list[MappingError] = []
    async with open_acme(Vendor(people), clock) as acme:
        ids = [c.remote_id async for c in acme.list("contacts", on_error=errors.append)]
    assert ids == ["0", "1", "2", "3", "4"]
    assert [e.remote_id for e in errors] == ["bad"]


async def test_create_wraps_the_body_and_passes_the_idempotency_key(clock: FakeClock) -> None:
    """body_path wraps the write, records unwraps the answer, the key goes in the declared header."""
    vendor = Vendor()
    async with open_acme(vendor, clock) as acme:
        created = await acme.create("contacts", {"first_name": "Ada"}, idempotency_key="key-1")
    sent = vendor.requests[-1]
    assert orjson.loads(sent.content or b"") == {"data": [{"first": "Ada"}]}
    assert sent.headers["Idempotency-Key"] == "key-1"
    assert sent.idempotency_key == "key-1"  # so the pipeline may retry this POST
    assert (created.remote_id, created.first_name) == ("new", "Ada")


async def test_without_a_declared_header_the_key_is_not_claimed(clock: FakeClock) -> None:
    """A vendor without idempotency keys gets none, and the POST is not marked safe to retry."""
    text = SPEC_TEXT.replace(", idempotency_header: Idempotency-Key", "")
    spec = load_spec_text(text)
    vendor = Vendor()
    async with interlink.connect(spec, credentials={"api_key": "k"}, variables={"subdomain": "x"},
                                 transport=MockTransport(vendor), clock=clock) as acme:  # fmt: skip
        await acme.create("contacts", {"first_name": "Ada"}, idempotency_key="key-1")
    assert vendor.requests[-1].idempotency_key is None
    assert "Idempotency-Key" not in vendor.requests[-1].headers


async def test_a_hook_adjusts_the_request(clock: FakeClock) -> None:
    """A module:function hook sees the watermark and rewrites the incremental request."""
    text = SPEC_TEXT.replace(
        "    get:", "    incremental: {path: /contacts, records: data, hook: since}\n    get:"
    ).replace("passthrough:", 'hooks: {since: "hookmod:since_query"}\npassthrough:')
    vendor = Vendor()
    spec = load_spec_text(text)
    async with interlink.connect(spec, credentials={"api_key": "k"}, variables={"subdomain": "x"},
                                 transport=MockTransport(vendor), clock=clock) as acme:  # fmt: skip
        since = datetime(2024, 1, 31, tzinfo=UTC)
        assert len([c async for c in acme.list("contacts", modified_after=since)]) == 5
    assert vendor.requests[0].params["q"] == (
        "SELECT id FROM contacts WHERE modified >= 2024-01-31T00:00:00+00:00"
    )


@pytest.mark.parametrize(
    ("options", "where"),
    [({"variables": {}}, "variables.subdomain"),
     ({"variables": {"subdomain": "Not Valid"}}, "variables.subdomain"),
     ({"variables": {"subdomain": "a", "region": "b"}}, "variables.region"),
     ({"credentials": {}}, "credentials.api_key"),
     ({"auth_method": "oauth"}, "auth_method")],
)  # fmt: skip
def test_bad_connection_input_is_a_config_error(options: dict[str, Any], where: str) -> None:
    """Missing or malformed variables, missing credentials and unknown methods name the key."""
    spec = load_spec_text(SPEC_TEXT)
    kwargs: dict[str, Any] = {"credentials": {"api_key": "k"}, "variables": {"subdomain": "a"}}
    kwargs.update(options)
    with pytest.raises(ConfigError) as caught:
        interlink.connect(spec, transport=MockTransport(Vendor()), **kwargs)
    assert caught.value.where == where


def test_the_sync_facade_runs_the_async_connection_on_its_own_thread(clock: FakeClock) -> None:
    """connect_sync: blocking calls, lazy iteration, one private loop thread closed on exit."""
    vendor = Vendor()
    spec = load_spec_text(SPEC_TEXT)
    before = threading.active_count()
    with interlink.connect_sync(spec, credentials={"api_key": "k"}, variables={"subdomain": "x"},
                                transport=MockTransport(vendor), clock=clock) as acme:  # fmt: skip
        assert isinstance(acme, interlink.SyncConnection)
        records = acme.list("contacts")
        assert next(records).remote_id == "0"
        assert len(vendor.requests) == 1  # one page fetched so far: iteration is lazy
        assert [c.remote_id for c in records] == ["1", "2", "3", "4"]
        assert acme.get("contacts", "7").first_name == "One"
        assert acme.update("contacts", "7", {"first_name": "Two"}).first_name == "Two"
        with pytest.raises(ConfigError, match="not allowed"):
            acme.request("GET", "/admin")
        assert threading.active_count() == before + 1
    assert threading.active_count() == before


def test_the_sync_facade_closes_its_thread_when_connecting_fails() -> None:
    """A ConfigError while connecting leaves no loop thread behind."""
    before = threading.active_count()
    with pytest.raises(ConfigError):
        interlink.connect_sync("no-such-provider", credentials={})
    assert threading.active_count() == before


def test_the_sync_facade_creates_and_deletes_through_the_async_connection(
    clock: FakeClock,
) -> None:
    """connect_sync's create and delete reach the vendor (HubSpot's simulator): the created
    record comes back mapped, can be read, and after delete is gone (NotFoundError)."""
    sim = create_simulator("hubspot", records=2, clock=clock)
    assert isinstance(sim, HubSpotSimulator)
    try:
        with interlink.connect_sync(
            "hubspot",
            credentials={"access_token": sim.default_token.value},
            state=State.in_process(clock=clock),
            transport=ASGITransport(sim.app),
            clock=clock,
        ) as hubspot:
            created = hubspot.create("contacts", {"first_name": "Ada", "last_name": "Lovelace"})
            assert (created.first_name, created.provider) == ("Ada", "hubspot")
            assert hubspot.get("contacts", created.remote_id).last_name == "Lovelace"
            hubspot.delete("contacts", created.remote_id)
            with pytest.raises(NotFoundError):
                hubspot.get("contacts", created.remote_id)
            with pytest.raises(InvalidWriteError, match=r"hubspot\.contacts\.fist_name"):
                hubspot.create("contacts", {"fist_name": "Ada"})
    finally:
        asyncio.run(sim.aclose())
