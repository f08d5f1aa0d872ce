"""Resume points and content hashes: the small pure pieces a checkpoint is made of."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from interlink.errors import ConfigError
from interlink.http import Request
from interlink.sync import ResumePoint, content_hash


def test_a_resume_point_round_trips_through_json_without_credentials() -> None:
    """What a page commits comes back intact from the store's JSON, minus any credential."""
    request = Request.build(
        "POST",
        "https://api.vendor.test/search",
        json={"after": "x"},
        headers={"Authorization": "t"},
    )
    point = ResumePoint(
        "run-1",
        "incremental",
        "deleted",
        datetime(2024, 1, 1, tzinfo=UTC),
        since=datetime(2023, 12, 31, 23, 55, tzinfo=UTC),
        next_request=request,
        newest=datetime(2024, 1, 1, 0, 1, tzinfo=UTC),
    )
    data = orjson.loads(orjson.dumps(point.to_json()))
    back = ResumePoint.from_json(data)
    assert (back.run_id, back.mode, back.phase) == ("run-1", "incremental", "deleted")
    assert (back.started_at, back.since, back.newest) == (
        point.started_at,
        point.since,
        point.newest,
    )
    assert back.next_request is not None
    assert back.next_request.content == request.content
    assert "Authorization" not in back.next_request.headers


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"v": 1, "mode": "sideways", "phase": "main", "started_at": "2024-01-01T00:00:00+00:00"},
        {"v": 1, "mode": "full", "phase": "main"},
        {"v": 1, "mode": "full", "phase": "main", "started_at": "2024-01-01T00:00:00"},
    ],
)
def test_an_unreadable_resume_point_is_a_config_error(data: object) -> None:
    """A resume point that is not one (or has a naive time) is refused, never guessed at."""
    with pytest.raises(ConfigError):
        ResumePoint.from_json(data)


def test_the_content_hash_ignores_key_order_and_sees_any_change() -> None:
    """Same content in another key order hashes alike; one changed value does not."""
    a = content_hash({"x": 1, "y": [1, {"b": 2, "a": 1}]}, {"raw": True, "n": 1})
    b = content_hash({"y": [1, {"a": 1, "b": 2}], "x": 1}, {"n": 1, "raw": True})
    c = content_hash({"x": 1, "y": [1, {"a": 1, "b": 3}]}, {"n": 1, "raw": True})
    assert a == b != c
