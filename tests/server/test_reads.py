"""Reads from the store: listing with cursors and filters, one record with its ETag, fresh reads."""

from __future__ import annotations

from tests.server.conftest import Api


async def test_list_pages_through_every_record_once(api: Api) -> None:
    """Pages of 7 walk all 20 synced contacts in order, each once, then next_cursor is null."""
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"page_size": 7, **({"cursor": cursor} if cursor else {})}
        answer = await api.a.client.get("/v1/crm/contacts", params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        seen += [r["id"] for r in body["results"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 20
    assert all("remote_data" not in r for r in body["results"])


async def test_list_of_one_connection_and_remote_data(api: Api) -> None:
    """connection_id narrows to one connection; include_remote_data adds the vendor payload."""
    answer = await api.a.client.get(
        "/v1/crm/contacts",
        params={"connection_id": api.a.connection.id, "include_remote_data": "true"},
    )
    results = answer.json()["results"]
    assert len(results) == 20
    assert all(r["connection_id"] == api.a.connection.id for r in results)
    assert all(isinstance(r["remote_data"], dict) for r in results)


async def test_cursor_from_other_filters_or_garbage_is_refused(api: Api) -> None:
    """A cursor replayed with other filters, or one that is not a cursor, is a 400 problem."""
    first = (await api.a.client.get("/v1/crm/contacts", params={"page_size": 5})).json()
    other = await api.a.client.get(
        "/v1/crm/contacts", params={"cursor": first["next_cursor"], "include_deleted": "true"}
    )
    assert other.status_code == 400
    assert other.headers["content-type"] == "application/problem+json"
    assert "other filters" in other.json()["detail"]
    garbage = await api.a.client.get("/v1/crm/contacts", params={"cursor": "not-a-cursor"})
    assert garbage.status_code == 400
    assert garbage.json()["detail"].startswith("query cursor")


async def test_page_size_is_bounded(api: Api) -> None:
    """page_size above the maximum is a 422 problem naming the parameter."""
    answer = await api.a.client.get("/v1/crm/contacts", params={"page_size": 5000})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert "query page_size" in answer.json()["detail"]


async def test_modified_after_filters_and_needs_a_zone(api: Api) -> None:
    """modified_after in the future lists nothing; without a time zone it is refused."""
    future = await api.a.client.get(
        "/v1/crm/contacts", params={"modified_after": "2999-01-01T00:00:00Z"}
    )
    assert future.json() == {"results": [], "next_cursor": None}
    naive = await api.a.client.get(
        "/v1/crm/contacts", params={"modified_after": "2020-01-01T00:00:00"}
    )
    assert naive.status_code == 400
    assert "time zone" in naive.json()["detail"]


async def test_get_one_with_etag_and_fresh_read(api: Api) -> None:
    """GET one answers the stored record with its ETag; fresh=true reads the vendor's change
    through and stores it, so the ETag moves."""
    listed = (await api.a.client.get("/v1/crm/contacts", params={"page_size": 1})).json()
    record = listed["results"][0]
    one = await api.a.client.get(f"/v1/crm/contacts/{record['id']}")
    assert one.status_code == 200
    assert one.json()["id"] == record["id"]
    etag = one.headers["etag"]
    assert etag.startswith('"')
    changed = await api.a.client.patch(
        f"/v1/passthrough/{api.a.connection.id}/crm/v3/objects/contacts/{record['remote_id']}",
        json={"properties": {"firstname": "Changed-At-Vendor"}},
    )
    assert changed.status_code == 200, changed.text
    stale = await api.a.client.get(f"/v1/crm/contacts/{record['id']}")
    assert stale.headers["etag"] == etag
    fresh = await api.a.client.get(f"/v1/crm/contacts/{record['id']}", params={"fresh": "true"})
    assert fresh.status_code == 200
    assert fresh.json()["first_name"] == "Changed-At-Vendor"
    assert fresh.headers["etag"] != etag
    again = await api.a.client.get(f"/v1/crm/contacts/{record['id']}")
    assert again.headers["etag"] == fresh.headers["etag"]


async def test_unknown_record_and_wrong_model_are_404(api: Api) -> None:
    """An unknown id, or a contact's id under /companies, is a 404 problem."""
    listed = (await api.a.client.get("/v1/crm/contacts", params={"page_size": 1})).json()
    record_id = listed["results"][0]["id"]
    for path in ("/v1/crm/contacts/nope", f"/v1/crm/companies/{record_id}"):
        answer = await api.a.client.get(path)
        assert answer.status_code == 404
        assert answer.json()["type"].endswith("/not-found")
