"""The SOQL subset a sync connector sends, parsed Salesforce's way.

    SELECT Id, Email, SystemModstamp FROM Contact
    WHERE SystemModstamp > 2024-01-01T00:00:00Z AND SystemModstamp <= 2024-02-01T00:00:00Z
    ORDER BY SystemModstamp ASC LIMIT 500

Supported: a field list, one object, an optional WHERE of comparisons
(> >= < <=) on SystemModstamp or LastModifiedDate joined by AND, ORDER BY
SystemModstamp / LastModifiedDate / Id (ASC or DESC), LIMIT. Anything else is
refused the way Salesforce refuses what it cannot parse: 400 MALFORMED_QUERY
pointing at the offending token (unknown fields are INVALID_FIELD, unknown
objects INVALID_TYPE, as on a real org), never answered wrongly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from interlink.simulators._http import RequestError
from interlink.simulators.salesforce._objects import MODIFIED_FIELDS, SOBJECTS, SObjectType

__all__ = ["Soql", "parse_soql"]

_TOKEN = re.compile(r"\s*(>=|<=|!=|[(),<>=*]|[^\s(),<>=!*]+)")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$")
_MS = 0.001


@dataclass(frozen=True, slots=True)
class Soql:
    sobject: SObjectType
    fields: tuple[str, ...]  # API names, in SELECT order
    low: float | None  # inclusive lower bound on the modified time (epoch seconds)
    high: float | None  # exclusive upper bound
    order_by_id: bool  # else by (modified time, Id)
    descending: bool
    limit: int | None
    ordered: bool  # an ORDER BY was given


def _error(text: str, position: int, message: str, code: str = "MALFORMED_QUERY") -> RequestError:
    """Salesforce's query error: the query, a caret under the problem, row and column."""
    caret = " " * position + "^"
    return RequestError(
        f"\n{text}\n{caret}\nERROR at Row:1:Column:{position + 1}\n{message}", 400, code
    )


class _Tokens:
    def __init__(self, text: str) -> None:
        self.text = text
        self.items: list[tuple[str, int]] = []
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or not match.group(1):
                break
            self.items.append((match.group(1), match.start(1)))
            position = match.end()
        self.index = 0

    def peek(self) -> str:
        return self.items[self.index][0] if self.index < len(self.items) else ""

    def position(self) -> int:
        return self.items[self.index][1] if self.index < len(self.items) else len(self.text)

    def take(self) -> str:
        token = self.peek()
        self.index += 1
        return token

    def keyword(self, word: str) -> bool:
        if self.peek().upper() == word:
            self.index += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.keyword(word):
            raise self.unexpected()

    def unexpected(self) -> RequestError:
        token = self.peek()
        message = f"unexpected token: '{token}'" if token else "unexpected end of query"
        return _error(self.text, self.position(), message)


def _parse_time(tokens: _Tokens) -> float:
    position, raw = tokens.position(), tokens.take()
    if not _DATETIME.match(raw):
        # Salesforce: "line 1:56 no viable alternative at character ..." for bad literals.
        raise _error(tokens.text, position, "value of filter criterion for field "
                     "'SystemModstamp' must be of type dateTime and should not be enclosed "
                     "in quotes", "INVALID_QUERY_FILTER_OPERATOR")  # fmt: skip
    return round(datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp(), 3)


def parse_soql(text: str) -> Soql:
    tokens = _Tokens(text)
    tokens.expect("SELECT")
    raw_fields: list[tuple[str, int]] = []
    while True:
        position, name = tokens.position(), tokens.take()
        if not name or name.upper() == "FROM" or not re.match(r"^[A-Za-z_][\w.]*$", name):
            tokens.index -= 1
            raise tokens.unexpected()
        raw_fields.append((name, position))
        if not tokens.keyword(","):
            break
    tokens.expect("FROM")
    object_position, object_name = tokens.position(), tokens.take()
    sobject = next((t for t in SOBJECTS.values() if t.name.lower() == object_name.lower()), None)
    if sobject is None:
        raise _error(text, object_position, f"sObject type '{object_name}' is not supported. "
                     "If you are attempting to use a custom object, be sure to append the "
                     "'__c' after the entity name. Please reference your WSDL or the describe "
                     "call for the appropriate names.", "INVALID_TYPE")  # fmt: skip
    fields: list[str] = []
    for name, position in raw_fields:
        api_name = sobject.canonical(name)
        if api_name is None:
            raise _error(text, position, f"No such column '{name}' on entity '{sobject.name}'. "
                         "If you are attempting to use a custom field, be sure to append the "
                         "'__c' after the custom field name. Please reference your WSDL or the "
                         "describe call for the appropriate names.", "INVALID_FIELD")  # fmt: skip
        if api_name in fields:
            raise _error(text, position, f"duplicate field selected: {api_name}")
        fields.append(api_name)
    low: float | None = None
    high: float | None = None
    if tokens.keyword("WHERE"):
        while True:
            position, name = tokens.position(), tokens.take()
            if (sobject.canonical(name) or "") not in MODIFIED_FIELDS:
                raise _error(text, position, f"the simulator filters only on SystemModstamp or "
                             f"LastModifiedDate, not '{name}'")  # fmt: skip
            op_position, op = tokens.position(), tokens.take()
            if op not in (">", ">=", "<", "<="):
                raise _error(text, op_position, f"unexpected token: '{op}'")
            value = _parse_time(tokens)
            if op in (">", ">="):
                bound = round(value + _MS, 3) if op == ">" else value
                low = bound if low is None else max(low, bound)
            else:
                bound = value if op == "<" else round(value + _MS, 3)
                high = bound if high is None else min(high, bound)
            if not tokens.keyword("AND"):
                break
    order_by_id, descending, ordered = False, False, False
    if tokens.keyword("ORDER"):
        tokens.expect("BY")
        position, name = tokens.position(), tokens.take()
        api_name = sobject.canonical(name)
        if api_name not in (*MODIFIED_FIELDS, "Id"):
            raise _error(text, position, f"the simulator orders only by Id, SystemModstamp or "
                         f"LastModifiedDate, not '{name}'")  # fmt: skip
        order_by_id, ordered = api_name == "Id", True
        if tokens.keyword("DESC"):
            descending = True
        else:
            tokens.keyword("ASC")
    limit: int | None = None
    if tokens.keyword("LIMIT"):
        position, raw = tokens.position(), tokens.take()
        if not raw.isdigit():
            raise _error(text, position, f"unexpected token: '{raw}'")
        limit = int(raw)
    if tokens.peek():
        raise tokens.unexpected()
    return Soql(sobject, tuple(fields), low, high, order_by_id, descending, limit, ordered)
