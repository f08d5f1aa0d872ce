"""Variables read from the token answer (`from: auth`): declared, checked, filled, refused."""

from __future__ import annotations

from typing import Any

import pytest

import interlink
from interlink import ConfigError, FakeClock, FatalError, MockTransport, State
from interlink.connectors import SpecError, load_spec_text
from interlink.http import Request, Response, respond

SPEC = """\
spec_version: 1
provider: orgs
title: Orgs
base_url: "{instance_url}/api"
variables:
  instance_url: {from: auth, field: org.url, pattern: "^https://[a-z]+\\\\.orgs\\\\.test$"}
auth:
  default: oauth
  methods:
    oauth: {type: oauth2_refresh_token, token_url: "https://login.orgs.test/token"}
    token: {type: bearer, token: "{credentials.access_token}"}
resources:
  people:
    model: crm.contact
    list: {path: /people, records: data}
    read: {remote_id: id, first_name: first}
"""

CREDENTIALS = {"client_id": "c", "client_secret": "s", "refresh_token": "r"}


def _problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        load_spec_text(text, file="orgs.yaml")
    return [(p.path, p.message) for p in caught.value.problems]


def _vendor(answer: dict[str, Any]) -> MockTransport:
    """A token endpoint answering `answer` (plus a token), and an API listing one person."""

    def handle(request: Request) -> Response:
        if request.url == "https://login.orgs.test/token":
            return respond(request, json={"access_token": "at", "expires_in": 3600, **answer})
        return respond(request, json={"data": [{"id": "1", "first": "Ada"}]})

    return MockTransport(handle)


def _connect(transport: MockTransport, clock: FakeClock, **options: Any) -> interlink.Connection:
    return interlink.connect(
        load_spec_text(SPEC, file="orgs.yaml"),
        transport=transport,
        state=State.in_process(clock=clock),
        clock=clock,
        **{"credentials": CREDENTIALS, **options},
    )


async def test_a_dotted_field_of_the_answer_becomes_the_whole_base_url(clock: FakeClock) -> None:
    """base_url may start with a from-auth variable holding a URL; `org.url` is a path into
    the token answer."""
    transport = _vendor({"org": {"url": "https://acme.orgs.test"}})
    async with _connect(transport, clock) as conn:
        people = [p async for p in conn.list("people")]
    assert people[0].first_name == "Ada"
    assert [r.url for r in transport.requests] == [
        "https://login.orgs.test/token",
        "https://acme.orgs.test/api/people",
    ]


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({}, "the token answer has no 'org.url'"),
        ({"org": {"url": "https://evil.example"}}, "does not match variables.instance_url.pattern"),
    ],
)
async def test_an_answer_without_a_usable_value_is_a_fatal_error_sending_nothing(
    clock: FakeClock, answer: dict[str, Any], problem: str
) -> None:
    """A missing field, or a value outside the variable's pattern, stops the call before any
    API request carries the token anywhere; the value itself is never echoed."""
    transport = _vendor(answer)
    async with _connect(transport, clock) as conn:
        with pytest.raises(FatalError, match=problem) as raised:
            [p async for p in conn.list("people")]
    assert "evil" not in str(raised.value)
    assert [r.url for r in transport.requests] == ["https://login.orgs.test/token"]


async def test_a_method_without_a_token_answer_needs_the_variable_given(clock: FakeClock) -> None:
    """The bearer method has no token answer: connecting without the variable is refused;
    giving it works (and is checked against the pattern)."""
    transport = _vendor({})
    with pytest.raises(ConfigError, match=r"variables\.instance_url.*'token'"):
        _connect(transport, clock, auth_method="token", credentials={"access_token": "t"})
    given = {"instance_url": "https://zeta.orgs.test"}
    async with _connect(
        transport, clock, auth_method="token", credentials={"access_token": "t"}, variables=given
    ) as conn:
        [p async for p in conn.list("people")]
    assert transport.requests[-1].url == "https://zeta.orgs.test/api/people"


def test_a_token_answer_variable_outside_base_url_is_refused() -> None:
    """Requests are built before a token exists, so only base_url may name such a variable."""
    text = SPEC.replace("list: {path: /people,", 'list: {path: "/people/{instance_url}",')
    assert _problems(text) == [
        (
            "resources.people.list.path",
            "variable 'instance_url' is read from the token answer (from: auth), so it may "
            "only be used in base_url in template '/people/{instance_url}'",
        )
    ]


def test_reading_the_token_answer_needs_an_oauth_method() -> None:
    """A spec whose only method is a bearer token has no token answer to read from."""
    text = SPEC.replace("  default: oauth\n", "  default: token\n").replace(
        '    oauth: {type: oauth2_refresh_token, token_url: "https://login.orgs.test/token"}\n', ""
    )
    assert _problems(text) == [
        (
            "variables.instance_url.from",
            "no auth method is OAuth, so there is no token answer to read it from; "
            "use `from: connection`",
        )
    ]


def test_part_applies_to_token_answer_variables_only() -> None:
    """`part: host` on a variable the connection gives is a problem at its place; an unknown
    part is a schema problem naming the choices."""
    connection = SPEC.replace(
        "variables:\n", "variables:\n  region: {from: connection, part: host}\n"
    )
    assert _problems(connection) == [
        ("variables.region.part", "applies only to a variable read from the token answer")
    ]
    unknown = SPEC.replace("field: org.url,", "field: org.url, part: path,")
    assert _problems(unknown)[0][0] == "variables.instance_url.part"
