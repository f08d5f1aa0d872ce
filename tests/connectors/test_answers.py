"""The `records_hook` and `read_back` request keys: how they load, and what the runtime does.

Their end-to-end uses are tested with the vendors that need them: Stripe's
Events API (`test_builtin_stripe.py`) and BambooHR's empty write answers
(`test_builtin_bamboohr.py`).
"""

from __future__ import annotations

import pytest

from interlink.connectors import SpecError, load_spec_text
from interlink.connectors._answers import RecordsCall, location_id
from interlink.http import Request, Response

SPEC = """\
spec_version: 1
provider: answers
title: Answers
base_url: https://answers.test
auth: {type: bearer, token: "{credentials.token}"}
hooks: {objects: "interlink.connectors.builtin.stripe.hooks:event_objects"}
resources:
  things:
    model: crm.contact
    list: {path: /things, records: data, records_hook: objects}
    get: {path: "/things/{id}"}
    create: {path: /things, read_back: true}
    read: {remote_id: id}
    write: {first: first_name}
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec_text(text)
    return [f"{p.path}: {p.message}" for p in caught.value.problems]


def test_both_keys_load_into_the_compiled_request() -> None:
    """records_hook resolves to the declared hook; read_back is kept on the create request."""
    spec = load_spec_text(SPEC)
    things = spec.resources["things"]
    assert things.operations["list"].records_hook is spec.hooks["objects"]
    assert things.operations["create"].read_back is True
    assert things.operations["get"].read_back is False


def test_a_records_hook_must_be_declared_under_hooks() -> None:
    """A records_hook naming no declared hook is a load error at its path."""
    text = SPEC.replace("records_hook: objects", "records_hook: nothing")
    assert _problems(text) == [
        "resources.things.list.records_hook: names no hook declared under `hooks` "
        "('nothing'; declared: objects)"
    ]


def test_read_back_needs_a_get_request() -> None:
    """read_back without a get on the resource is a load error naming the key."""
    text = SPEC.replace('    get: {path: "/things/{id}"}\n', "")
    assert _problems(text) == [
        "resources.things.create.read_back: needs a `get` request on the resource"
    ]


def test_read_back_applies_to_writes_only() -> None:
    """read_back on a get is refused: only create and update answers can lack the record."""
    get = 'get: {path: "/things/{id}"}'
    text = SPEC.replace(get, get[:-1] + ", read_back: true}")
    assert _problems(text) == ["resources.things.get.read_back: applies to create and update only"]


def _answer(headers: dict[str, str]) -> Response:
    request = Request.build("POST", "https://answers.test/things")
    return Response(201, headers, b"", request)


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("https://api.bamboohr.com/api/gateway.php/acme/v1/employees/1201", "1201"),
        ("/things/a%2Fb/", "a/b"),
        ("", None),
    ],
)
def test_location_id_is_the_last_path_segment(location: str, expected: str | None) -> None:
    """The created id is Location's last path segment, decoded; no Location, no id."""
    assert location_id(_answer({"Location": location} if location else {})) == expected


def test_records_call_state_defaults_to_a_fresh_dict() -> None:
    """A call made without state (a single answer) gets its own empty state."""
    first = RecordsCall("p", "r", "get", [], _answer({}))
    second = RecordsCall("p", "r", "get", [], _answer({}))
    assert first.state == {}
    assert first.state is not second.state
