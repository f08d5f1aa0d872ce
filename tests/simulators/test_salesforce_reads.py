"""Salesforce reads: SOQL query locators, batch sizes, incremental filters, replication, ids."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from interlink._clock import FakeClock
from interlink.simulators import create_simulator
from interlink.simulators.salesforce import SalesforceSimulator, decode_id, id18

V = "/services/data/v59.0"
INSTANCE = "https://acme.my.salesforce.com"


@pytest.fixture
async def salesforce(clock: FakeClock) -> AsyncIterator[SalesforceSimulator]:
    """A 2,500-record Salesforce org on a fake clock."""
    sim = create_simulator("salesforce", records=2_500, clock=clock)
    assert isinstance(sim, SalesforceSimulator)
    async with sim:
        yield sim


@pytest.fixture
async def sf(salesforce: SalesforceSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A plain HTTP client with the org's default session."""
    headers = {"Authorization": f"Bearer {salesforce.default_token.value}"}
    transport = httpx2.ASGITransport(app=salesforce.app)
    async with httpx2.AsyncClient(transport=transport, base_url=INSTANCE, headers=headers) as c:
        yield c


async def query_all_pages(
    client: httpx2.AsyncClient, soql: str, *, endpoint: str = "query", batch: int | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(records, pages): follow nextRecordsUrl until done."""
    headers = {} if batch is None else {"Sforce-Query-Options": f"batchSize={batch}"}
    response = await client.get(f"{V}/{endpoint}", params={"q": soql}, headers=headers)
    pages = []
    while True:
        assert response.status_code == 200, response.text
        pages.append(response.json())
        if pages[-1]["done"]:
            return [r for p in pages for r in p["records"]], pages
        response = await client.get(pages[-1]["nextRecordsUrl"], headers=headers)


async def test_full_walk_finds_every_record_once(sf: httpx2.AsyncClient) -> None:
    """nextRecordsUrl batches of 2,000 walk all 2,500 contacts, each exactly once."""
    records, pages = await query_all_pages(sf, "SELECT Id, Name, Email FROM Contact")
    assert [len(p["records"]) for p in pages] == [2_000, 500]
    assert {p["totalSize"] for p in pages} == {2_500}
    assert len({r["Id"] for r in records}) == 2_500
    first = records[0]
    assert list(first) == ["attributes", "Id", "Name", "Email"]
    assert first["attributes"] == {"type": "Contact", "url": f"{V}/sobjects/Contact/{first['Id']}"}
    assert pages[0]["nextRecordsUrl"].startswith(f"{V}/query/01g")
    assert pages[0]["nextRecordsUrl"].endswith("-2000")


async def test_batch_size_option_is_honoured_within_200_to_2000(sf: httpx2.AsyncClient) -> None:
    """Sforce-Query-Options batchSize=500 gives batches of 500; 50 is raised to the 200 minimum."""
    _, pages = await query_all_pages(sf, "SELECT Id FROM Account", batch=500)
    assert [len(p["records"]) for p in pages] == [500] * 5
    _, small = await query_all_pages(sf, "SELECT Id FROM Account", batch=50)
    assert len(small[0]["records"]) == 200


async def test_limit_and_descending_order(sf: httpx2.AsyncClient) -> None:
    """LIMIT caps totalSize and the rows; ORDER BY SystemModstamp DESC returns newest first."""
    soql = "SELECT Id, SystemModstamp FROM Contact ORDER BY SystemModstamp DESC LIMIT 450"
    records, pages = await query_all_pages(sf, soql, batch=200)
    assert pages[0]["totalSize"] == 450
    assert len(records) == 450
    stamps = [r["SystemModstamp"] for r in records]
    assert stamps == sorted(stamps, reverse=True)


async def test_incremental_filter_is_exact_after_updates_and_deletes(
    sf: httpx2.AsyncClient, salesforce: SalesforceSimulator, clock: FakeClock
) -> None:
    """SystemModstamp > checkpoint returns exactly the changed rows; queryAll adds the deleted."""
    records, _ = await query_all_pages(sf, "SELECT Id, SystemModstamp FROM Contact")
    checkpoint = max(r["SystemModstamp"] for r in records)[:23] + "Z"  # to the millisecond
    clock.advance(60)
    changed = [records[5]["Id"], records[1_700]["Id"]]
    for record_id in changed:
        patch = await sf.patch(f"{V}/sobjects/Contact/{record_id}", json={"Title": "CFO"})
        assert patch.status_code == 204
    clock.advance(1)
    assert (await sf.delete(f"{V}/sobjects/Contact/{records[9]['Id']}")).status_code == 204
    clock.advance(1)
    soql = f"SELECT Id, Title, IsDeleted FROM Contact WHERE SystemModstamp > {checkpoint}"
    live, _ = await query_all_pages(sf, soql)
    assert sorted(r["Id"] for r in live) == sorted(changed)
    assert {r["Title"] for r in live} == {"CFO"}
    everything, _ = await query_all_pages(sf, soql, endpoint="queryAll")
    deleted = [r for r in everything if r["IsDeleted"]]
    assert [r["Id"] for r in deleted] == [records[9]["Id"]]
    assert len(everything) == 3


async def test_a_record_changed_mid_walk_is_never_lost(
    sf: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """The walk plus the next incremental query find every contact, even one updated mid-walk."""
    first = await sf.get(
        f"{V}/query",
        params={"q": "SELECT Id, SystemModstamp FROM Contact"},
        headers={"Sforce-Query-Options": "batchSize=200"},
    )
    page = first.json()
    seen = [r["Id"] for r in page["records"]]
    clock.advance(5)
    ahead = await sf.get(
        f"{V}/query", params={"q": "SELECT Id FROM Contact ORDER BY Id DESC LIMIT 1"}
    )
    late_id = ahead.json()["records"][0]["Id"]
    await sf.patch(f"{V}/sobjects/Contact/{late_id}", json={"Title": "moved"})
    stamps = [r["SystemModstamp"] for r in page["records"]]
    while not page["done"]:
        page = (
            await sf.get(page["nextRecordsUrl"], headers={"Sforce-Query-Options": "batchSize=200"})
        ).json()
        seen += [r["Id"] for r in page["records"]]
        stamps += [r["SystemModstamp"] for r in page["records"]]
    checkpoint = max(stamps)[:23] + "Z"
    later, _ = await query_all_pages(
        sf, f"SELECT Id FROM Contact WHERE SystemModstamp > {checkpoint}"
    )
    found = seen + [r["Id"] for r in later]
    assert len(set(found)) == 2_500
    assert late_id in {r["Id"] for r in later}


async def test_a_batch_can_be_fetched_again_and_locators_expire(
    sf: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """A nextRecordsUrl can be retried; 15 idle minutes later it is INVALID_QUERY_LOCATOR."""
    first = (await sf.get(f"{V}/query", params={"q": "SELECT Id FROM Contact"})).json()
    again = [(await sf.get(first["nextRecordsUrl"])).json() for _ in range(2)]
    assert again[0] == again[1]
    clock.advance(15 * 60 + 1)
    expired = await sf.get(first["nextRecordsUrl"])
    assert expired.status_code == 400
    assert expired.json() == [
        {"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}
    ]


@pytest.mark.parametrize(
    ("soql", "code", "fragment"),
    [
        ("SELECT Nope FROM Contact", "INVALID_FIELD", "No such column 'Nope' on entity 'Contact'"),
        ("SELECT Id FROM Lead", "INVALID_TYPE", "sObject type 'Lead' is not supported"),
        ("SELECT Id FROM Contact WHERE Email = 'a'", "MALFORMED_QUERY", "not 'Email'"),
        ("SELECT Id FROM Contact GROUP BY Id", "MALFORMED_QUERY", "unexpected token: 'GROUP'"),
        ("SELECT FROM Contact", "MALFORMED_QUERY", "unexpected token: 'FROM'"),
    ],
)
async def test_bad_soql_is_a_400_naming_the_problem(
    sf: httpx2.AsyncClient, soql: str, code: str, fragment: str
) -> None:
    """Unparseable or unsupported SOQL is a 400 error array with the code and a caret position."""
    response = await sf.get(f"{V}/query", params={"q": soql})
    assert response.status_code == 400
    [error] = response.json()
    assert error["errorCode"] == code
    assert fragment in error["message"]
    assert "ERROR at Row:1:Column:" in error["message"]


async def test_missing_query_is_malformed(sf: httpx2.AsyncClient) -> None:
    """GET /query without q is 400 MALFORMED_QUERY."""
    response = await sf.get(f"{V}/query")
    assert response.json() == [
        {"message": "A query string has to be specified", "errorCode": "MALFORMED_QUERY"}
    ]


async def test_updated_and_deleted_replication_endpoints(
    sf: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """/updated/ lists ids changed in the window, /deleted/ the deletions with their dates."""
    clock.advance(3_600)
    created = (await sf.post(f"{V}/sobjects/Account/", json={"Name": "Zed Ltd"})).json()["id"]
    clock.advance(120)
    await sf.delete(f"{V}/sobjects/Account/{created}")
    window = {"start": "2023-11-14T23:00:00+00:00", "end": "2023-11-15T00:00:00+00:00"}
    updated = (await sf.get(f"{V}/sobjects/Account/updated/", params=window)).json()
    assert updated == {"ids": [], "latestDateCovered": "2023-11-15T00:00:00.000+0000"}
    deleted = (await sf.get(f"{V}/sobjects/Account/deleted/", params=window)).json()
    assert [d["id"] for d in deleted["deletedRecords"]] == [created]
    assert deleted["deletedRecords"][0]["deletedDate"] == "2023-11-14T23:15:20.000+0000"
    too_old = await sf.get(
        f"{V}/sobjects/Account/updated/",
        params={"start": "2023-01-01T00:00:00Z", "end": window["end"]},
    )
    assert too_old.status_code == 400
    assert too_old.json()[0]["errorCode"] == "INVALID_REPLICATION_DATE"


async def test_ids_are_18_characters_with_salesforce_checksum(sf: httpx2.AsyncClient) -> None:
    """Each id is an 18-character id whose suffix is Salesforce's case checksum of the 15."""
    records, _ = await query_all_pages(sf, "SELECT Id, AccountId FROM Contact LIMIT 50")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    for record in records:
        rid = record["Id"]
        assert len(rid) == 18
        assert rid.startswith("003")
        suffix = "".join(
            alphabet[sum(1 << j for j, ch in enumerate(rid[k : k + 5]) if ch.isupper())]
            for k in (0, 5, 10)
        )
        assert rid[15:] == suffix == id18(rid[:15])[15:]
        assert decode_id("003", rid) is not None
        assert record["AccountId"].startswith("001")
