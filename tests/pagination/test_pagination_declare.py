"""Declarations from plain dicts, compiled body paths and the RFC 8288 Link parser."""

from __future__ import annotations

from typing import Any

import pytest
from multidict import CIMultiDict

from interlink._errors import ConfigError
from interlink.http import Request, respond
from interlink.pagination import (
    PAGINATION_TYPES,
    CursorPagination,
    LinkHeaderPagination,
    NextUrlPagination,
    OffsetPagination,
    SinglePage,
    TimeWindowPagination,
    compile_path,
    paginator_from_mapping,
    parse_link_header,
)


def test_the_brief_example_builds_a_cursor_declaration() -> None:
    """The documented dict builds the same declaration as the constructor."""
    spec = paginator_from_mapping(
        {"type": "cursor", "cursor_path": "paging.next.after", "cursor_param": "after"}
    )
    assert spec == CursorPagination(cursor_path="paging.next.after", cursor_param="after")


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        (
            {"type": "offset", "limit": 50, "total_path": "meta.total"},
            OffsetPagination(limit=50, total_path="meta.total"),
        ),
        (
            {"type": "next_url", "next_url_path": "links.next", "allowed_hosts": ["cdn.x.test"]},
            NextUrlPagination(next_url_path="links.next", allowed_hosts=("cdn.x.test",)),
        ),
        (
            {
                "type": "time_window",
                "since_param": "start_time",
                "initial": 0,
                "next_since_path": "end_time",
            },
            TimeWindowPagination(since_param="start_time", initial=0, next_since_path="end_time"),
        ),
        ({"type": "link_header"}, LinkHeaderPagination()),
        ({"type": "single_page"}, SinglePage()),
    ],
)
def test_each_type_builds_from_a_mapping(mapping: dict[str, Any], expected: object) -> None:
    """Every declared type is reachable from YAML-shaped data, lists becoming tuples."""
    assert paginator_from_mapping(mapping) == expected


def test_every_registered_type_is_a_declaration_with_a_fresh_paginator() -> None:
    """Each registered class builds a new paginator object per call (no shared state)."""
    required: dict[str, dict[str, Any]] = {
        "cursor": {"cursor_path": "next"},
        "header_cursor": {"header": "X-Next"},
        "next_url": {"next_url_path": "next"},
        "time_window": {"since_param": "since", "record_time_path": "updated_at"},
    }
    for name in PAGINATION_TYPES:
        spec = paginator_from_mapping({"type": name, **required.get(name, {})})
        assert spec.paginator() is not spec.paginator()


@pytest.mark.parametrize(
    ("mapping", "where", "problem"),
    [
        ({"type": "scroll"}, "pagination.type", "unknown pagination type 'scroll'"),
        ({"cursor_path": "x"}, "pagination.type", "is required"),
        ({"type": "cursor", "cursor_param": "after"}, "pagination.cursor_path", "is required"),
        ({"type": "cursor", "cursr_path": "x"}, "pagination.cursr_path", "unknown key"),
        ({"type": "offset", "limit": 0}, "pagination.limit", ">= 1"),
        ({"type": "offset", "limit": True}, "pagination.limit", "expected an integer"),
        ({"type": "offset", "limit": "100"}, "pagination.limit", "expected an integer"),
        ({"type": "offset", "start": -1}, "pagination.start", ">= 0"),
        ({"type": "page_number", "page_size": -5}, "pagination.page_size", ">= 1"),
        ({"type": "cursor", "cursor_path": "a..b"}, "pagination.cursor_path", "bad path syntax"),
        ({"type": "cursor", "cursor_path": ".a"}, "pagination.cursor_path", "bad path syntax"),
        ({"type": "cursor", "cursor_path": "a."}, "pagination.cursor_path", "bad path syntax"),
        ({"type": "cursor", "cursor_path": "$."}, "pagination.cursor_path", "bad path syntax"),
        ({"type": "cursor", "cursor_path": " a"}, "pagination.cursor_path", "whitespace"),
        ({"type": "cursor", "cursor_path": 3}, "pagination.cursor_path", "expected a string"),
        (
            {"type": "cursor", "cursor_path": "n", "has_more_path": "m", "done_path": "d"},
            "pagination.done_path",
            "not both",
        ),
        (
            {"type": "cursor", "cursor_path": "n", "page_size": 10},
            "pagination.size_param",
            "required",
        ),
        ({"type": "next_url"}, "pagination.next_url_path", "is required"),
        ({"type": "next_url", "next_url_path": None}, "pagination.next_url_path", "is required"),
        (
            {"type": "next_url", "next_url_path": "n", "allowed_hosts": [1]},
            "pagination.allowed_hosts",
            "strings",
        ),
        ({"type": "link_header", "rel": "next last"}, "pagination.rel", "one relation type"),
        (
            {"type": "time_window", "since_param": "since"},
            "pagination.next_since_path",
            "is required",
        ),
        ({"type": "header_cursor", "header": ""}, "pagination.header", "must name"),
    ],
)
def test_a_bad_declaration_names_the_key(mapping: dict[str, Any], where: str, problem: str) -> None:
    """A bad declaration is a ConfigError naming the key and what was expected."""
    with pytest.raises(ConfigError) as caught:
        paginator_from_mapping(mapping)
    assert caught.value.where == where
    assert problem in caught.value.problem


def test_errors_are_prefixed_with_the_callers_location() -> None:
    """The loader's location prefixes the key, so the spec author finds the line."""
    with pytest.raises(ConfigError) as caught:
        paginator_from_mapping(
            {"type": "offset", "limit": 0}, where="resources.contacts.pagination"
        )
    assert caught.value.where == "resources.contacts.pagination.limit"


def test_a_non_mapping_declaration_is_refused() -> None:
    """A list where a mapping belongs is a ConfigError at the declaration itself."""
    with pytest.raises(ConfigError) as caught:
        paginator_from_mapping(["offset"])  # type: ignore[arg-type]
    assert caught.value.where == "pagination"


@pytest.mark.parametrize(
    ("source", "keys"),
    [
        ("", ()),
        ("$", ()),
        ("results", ("results",)),
        ("$.data.items", ("data", "items")),
        ("paging.next.after", ("paging", "next", "after")),
        ("items[0].id", ("items", 0, "id")),
        ("items.0", ("items", 0)),
        ('["@odata.nextLink"]', ("@odata.nextLink",)),
        ("value['x.y'].z", ("value", "x.y", "z")),
    ],
)
def test_paths_compile_once_into_keys(source: str, keys: tuple[object, ...]) -> None:
    """Dotted, indexed and quoted paths compile into a tuple of keys."""
    assert compile_path(source, where="p").keys == keys


def test_paths_look_up_values_and_report_absence() -> None:
    """A compiled path walks objects and lists; absent steps give the default."""
    body = {"data": {"items": [{"id": 7}]}, "@odata.nextLink": "n", "7": "seven"}
    assert compile_path("data.items[0].id", where="p").get(body) == 7
    assert compile_path('["@odata.nextLink"]', where="p").get(body) == "n"
    assert compile_path("7", where="p").get(body) == "seven"
    assert compile_path("data.items[3].id", where="p").get(body, "absent") == "absent"
    assert compile_path("data.items.id", where="p").get(body, "absent") == "absent"
    assert compile_path("$", where="p").get(body) is body


def test_link_header_parsing_follows_rfc_8288() -> None:
    """Several links, several rel values, quoted params holding `,` `;` and escapes, odd spacing."""
    value = (
        '<https://x.test/a?page=2&per_page=10>;rel="next",'
        ' <https://x.test/a?page=9> ; rel="last" ; title="a, b; \\"c\\"",'
        ' <https://x.test/a?page=1>; REL="first prev"; rel=ignored,'
        " garbage without brackets, <https://x.test/t>; rel=self"
    )
    links = parse_link_header(value)
    assert [link.target for link in links] == [
        "https://x.test/a?page=2&per_page=10",
        "https://x.test/a?page=9",
        "https://x.test/a?page=1",
        "https://x.test/t",
    ]
    assert links[0].rels == {"next"}
    assert links[1].params["title"] == 'a, b; "c"'
    assert links[2].rels == {"first", "prev"}  # the second rel is ignored, per the RFC
    assert links[3].rels == {"self"}


async def test_link_header_pagination_reads_several_link_fields() -> None:
    """A next link in the second of two `Link` header fields is found."""
    request = Request.build("GET", "https://x.test/a")
    headers: CIMultiDict[str] = CIMultiDict(
        [
            ("Link", '<https://x.test/a?page=9>; rel="last"'),
            ("Link", '<https://x.test/a?page=2>; rel="next"'),
        ]
    )
    response = respond(request, json=[])
    response = type(response)(status=200, headers=headers, content=b"[]", request=request)
    paginator = LinkHeaderPagination().paginator()
    paginator.start(request)
    following = paginator.advance(response, [], [])
    assert following is not None
    assert following.full_url == "https://x.test/a?page=2"


def test_start_resets_a_paginator_for_a_new_iteration() -> None:
    """start() forgets the previous iteration's position and returns the first request again."""
    paginator = OffsetPagination(limit=2).paginator()
    request = Request.build("GET", "https://x.test/a")
    first = paginator.start(request)
    page = respond(first, json={"items": [{"id": 1}, {"id": 2}]})
    second = paginator.advance(page, {}, [{"id": 1}, {"id": 2}])
    assert second is not None
    assert second.params["offset"] == "2"
    assert paginator.start(request).params == {"offset": "0", "limit": "2"}
