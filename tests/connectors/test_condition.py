"""`condition:` on an update: compiled with each mistake named, sent as declared, and the
built-in Zendesk connector's safe update refused by the simulator when stale."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from tests.connectors._simkit import open_builtin, running

import interlink
from interlink import ConfigError, FakeClock, MockTransport, Request, Response
from interlink.connectors import SpecError, load_spec_text
from interlink.errors import ConflictError
from interlink.http import respond
from interlink.simulators.zendesk import ZendeskSimulator

ACME = (Path(__file__).parent / "acme.yaml").read_text()
FIELD = "{version: updated_at, field: updated_stamp, body: {safe_update: true}}"
HEADER = "{version: meta.etag, header: If-Match}"


def _spec(condition: str, op: str = "update") -> str:
    path = "/contacts/{id}" if op == "update" else "/contacts"
    writes = (
        f'    {op}: {{method: PUT, path: "{path}", records: data, condition: {condition}}}\n'
        "    write:\n      first: first_name\n"
    )
    return ACME.replace("    read:\n", writes + "    read:\n")


@pytest.mark.parametrize(
    ("condition", "op", "where", "words"),
    [
        (FIELD, "create", "resources.contacts.create.condition", "update only"),
        (
            "{field: updated_stamp}",
            "update",
            "resources.contacts.update.condition.version",
            "is required",
        ),
        (
            "{version: v, field: f, header: If-Match}",
            "update",
            "resources.contacts.update.condition",
            "exactly one of field",
        ),
        ("{version: v}", "update", "resources.contacts.update.condition", "exactly one of field"),
        (
            "{version: v, field: f, colour: red}",
            "update",
            "resources.contacts.update.condition.colour",
            "unknown key",
        ),
        (
            "{version: v, header: If-Match, body: {a: 1}}",
            "update",
            "resources.contacts.update.condition.body",
            "goes with field",
        ),
        (
            "{version: v, field: ''}",
            "update",
            "resources.contacts.update.condition.field",
            "non-empty string",
        ),
    ],
)
def test_a_bad_condition_is_named(condition: str, op: str, where: str, words: str) -> None:
    """Each mistake in `condition:` is a load error at its path, saying what is wrong."""
    with pytest.raises(SpecError) as caught:
        load_spec_text(_spec(condition, op), file="acme.yaml")
    assert any(p.path == where and words in p.message for p in caught.value.problems), (
        caught.value.problems
    )


class _Vendor:
    """Answers a PUT with the record it was sent; keeps every request."""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        sent = orjson.loads(request.content or b"{}")
        return respond(request, json={"data": {"id": "7", **sent}})


@pytest.mark.parametrize(
    ("condition", "body", "headers"),
    [
        (FIELD, {"first": "Ada", "safe_update": True, "updated_stamp": "v1"}, {}),
        (HEADER, {"first": "Ada"}, {"If-Match": "v1"}),
    ],
)
async def test_the_version_is_sent_as_declared(
    clock: FakeClock, condition: str, body: dict[str, object], headers: dict[str, str]
) -> None:
    """update(version=) puts the version in the declared body field (with the constant fields)
    or header; without a version the update carries none of it."""
    vendor = _Vendor()
    spec = load_spec_text(_spec(condition), file="acme.yaml")
    async with interlink.connect(spec, credentials={"api_key": "k"}, variables={"subdomain": "x"},
                                 transport=MockTransport(vendor), clock=clock) as acme:  # fmt: skip
        await acme.update("contacts", "7", {"first_name": "Ada"}, version="v1")
        await acme.update("contacts", "7", {"first_name": "Ada"})
    conditional, plain = vendor.requests
    assert orjson.loads(conditional.content or b"") == body
    assert {k: conditional.headers[k] for k in headers} == headers
    assert orjson.loads(plain.content or b"") == {"first": "Ada"}
    assert "If-Match" not in plain.headers


async def test_a_version_without_a_declared_condition_is_refused(clock: FakeClock) -> None:
    """A version for a resource whose update declares no condition is a ConfigError naming
    where it would be declared, and nothing is sent."""
    vendor = _Vendor()
    spec = load_spec_text(_spec(FIELD).replace(f", condition: {FIELD}", ""), file="acme.yaml")
    async with interlink.connect(spec, credentials={"api_key": "k"}, variables={"subdomain": "x"},
                                 transport=MockTransport(vendor), clock=clock) as acme:  # fmt: skip
        with pytest.raises(ConfigError, match=r"update\.condition"):
            await acme.update("contacts", "7", {"first_name": "Ada"}, version="v1")
    assert vendor.requests == []


async def test_zendesk_refuses_a_stale_safe_update(clock: FakeClock) -> None:
    """Through the built-in connector, an update with the ticket's current updated_at goes
    through; one with the version it had before is Zendesk's 409, a ConflictError."""
    async with running("zendesk", clock, records=20) as sim:
        assert isinstance(sim, ZendeskSimulator)
        credentials = {"email": "user@example.com", "api_token": sim.default_token.value}
        async with open_builtin(sim, clock, credentials=credentials,
                                variables={"subdomain": "acme"}) as zendesk:  # fmt: skip
            tickets = [t async for t in zendesk.list("tickets")]
            ticket = next(t for t in tickets if (t.remote_data or {}).get("status") != "closed")
            version = str((ticket.remote_data or {})["updated_at"])
            clock.advance(60)
            updated = await zendesk.update("tickets", ticket.remote_id, {"name": "A"},
                                           version=version)  # fmt: skip
            assert updated.name == "A"
            with pytest.raises(ConflictError):
                await zendesk.update("tickets", ticket.remote_id, {"name": "B"}, version=version)
            assert (await zendesk.get("tickets", ticket.remote_id)).name == "A"
