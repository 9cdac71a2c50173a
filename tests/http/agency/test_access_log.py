"""Who read what (agency.access): every view of a case, its files and documents, and every export, by any user through
pages, the API or downloads, on record with who, when and from where; only admins read the log."""
from __future__ import annotations

import asyncio

from agency import access
from agency.tables import AccessRecord, User
from tests.factories import api_token, create_user, signed_in
from tests.http.cases.test_money import _people
from tests.http.cases.test_negotiation import _accepted_case


async def test_every_read_of_a_case_and_its_files_is_on_record_and_only_admins_read_the_log(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    other = await _accepted_case(c, ch, nh)
    cid = case["id"]
    creditor_page, creditor = await signed_in(make_client, "creditor", org)
    assert (await creditor_page.get(f"/cases/{cid}")).status_code == 200  # the page
    detail = await c.get(f"/api/v1/cases/{cid}", headers=nh)  # the API, by a negotiator
    evidence = detail.json()["evidence"][0]
    download = await c.get(f"/api/v1/evidence/{evidence['id']}/download", headers=ch)  # a download, by the creditor
    assert download.status_code in (200, 307)
    assert (await c.get(f"/api/v1/cases/{other['id']}", headers=nh)).status_code == 200  # (another case: not this one's log)
    admin = await create_user("admin")
    ah = await api_token(c, admin["email"])
    r = await c.get(f"/api/v1/cases/{cid}/access-log", headers=ah)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    seen = {(i["what"].split(":")[0], i["via"]) for i in items}
    assert {("case", "page"), ("case", "api"), (f"evidence {evidence['id']}", "api")} <= seen, items
    assert all(i["address"] and i["at"] for i in items)
    by = {(i["what"], i["via"]): i["user"] for i in items}
    names = {r["id"]: r["name"] for r in await User.select(User.id, User.name)}
    assert by[("case", "page")] == names[creditor["id"]] and by[("case", "api")] != by[("case", "page")]
    assert [i["at"] for i in items] == sorted((i["at"] for i in items), reverse=True)  # newest first
    # only admins; a case that does not exist is a 404
    assert (await c.get(f"/api/v1/cases/{cid}/access-log", headers=nh)).status_code == 403
    assert (await c.get(f"/api/v1/cases/{cid}/access-log", headers=ch)).status_code == 403
    assert (await c.get("/api/v1/cases/99999999/access-log", headers=ah)).status_code == 404
    # reading the log is not a read of the case
    assert len((await c.get(f"/api/v1/cases/{cid}/access-log", headers=ah)).json()["items"]) == len(items)


async def test_an_export_of_many_cases_is_one_entry_and_the_admins_page_shows_it(make_client):
    creditor_page, creditor = await signed_in(make_client, "creditor", (await _people(make_client))[0])
    before = await AccessRecord.count()
    r = await creditor_page.get("/reports.csv?table=stages")
    assert r.status_code == 200
    await access.flush()
    rows = await AccessRecord.select().where(AccessRecord.id > 0).order_by(AccessRecord.id, ascending=False).limit(1)
    assert await AccessRecord.count() == before + 1 and rows[0]["what"].startswith("export: report-stages-") and rows[0]["case"] is None
    admin_page, _admin = await signed_in(make_client, "admin")
    page = await admin_page.get(f"/admin/access-log?user_id={creditor['id']}")
    assert page.status_code == 200 and "report-stages-" in page.text
    assert (await creditor_page.get("/admin/access-log")).status_code == 403
    assert (await admin_page.get("/admin/access-log?case_id=abc")).status_code == 200  # (a filter that is no number: no filter)


async def test_notes_are_written_in_batches_by_themselves_once_enough_wait(database):
    before = await AccessRecord.count()
    await access.flush()
    flushed = await AccessRecord.count()
    for n in range(access.FLUSH_AT):
        access.note(None, f"case {n}", None)
    for _ in range(50):  # the batch is written by a task of its own, in one transaction
        await asyncio.sleep(0.02)
        if await AccessRecord.count() == flushed + access.FLUSH_AT:
            break
    assert await AccessRecord.count() == flushed + access.FLUSH_AT >= before + access.FLUSH_AT
