"""Pagination: one lifecycle for every vendor's way of handing out pages.

```python
from interlink.pagination import paginate, paginator_from_mapping

spec = paginator_from_mapping(
    {"type": "cursor", "cursor_path": "paging.next.after", "cursor_param": "after"}
)
async for page in paginate(send, request, spec, records_path="results", id_field="id"):
    store(page.records)
```

A declaration (`OffsetPagination`, `CursorPagination`, ...) is immutable and
builds a fresh `Paginator` per iteration; `paginate` drives it and guards
against loops, foreign next links, runaway page counts and shifting offsets.
"""

from __future__ import annotations

from interlink.pagination._base import Paginator, PaginatorSpec
from interlink.pagination._cursor import CursorPagination, HeaderCursorPagination
from interlink.pagination._declare import PAGINATION_TYPES, paginator_from_mapping
from interlink.pagination._driver import DEFAULT_MAX_PAGES, Page, Send, paginate
from interlink.pagination._link import (
    Link,
    LinkHeaderPagination,
    NextUrlPagination,
    parse_link_header,
)
from interlink.pagination._offset import OffsetPagination, PageNumberPagination
from interlink.pagination._paths import BodyPath, compile_path
from interlink.pagination._single import SinglePage
from interlink.pagination._window import TimeWindowPagination

__all__ = [
    "DEFAULT_MAX_PAGES",
    "PAGINATION_TYPES",
    "BodyPath",
    "CursorPagination",
    "HeaderCursorPagination",
    "Link",
    "LinkHeaderPagination",
    "NextUrlPagination",
    "OffsetPagination",
    "Page",
    "PageNumberPagination",
    "Paginator",
    "PaginatorSpec",
    "Send",
    "SinglePage",
    "TimeWindowPagination",
    "compile_path",
    "paginate",
    "paginator_from_mapping",
    "parse_link_header",
]
