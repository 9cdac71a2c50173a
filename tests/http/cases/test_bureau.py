"""Credit-bureau reporting end to end on both databases: the checks, the stage guard, batches
written once with their hash, and the withdrawal of a paid debt in the next batch."""
import hashlib
import secrets
from datetime import timedelta

from agency import clock
from agency.settings import get_settings
from agency.storage import storage
from cases.bureau.service import produce_batches, produce_due_batches
from cases.tables import BureauBatch, BureauReport
from tests.factories import api_token, create_org, create_user, post_form, signed_in
from tests.http.cases.test_money import _people
from tests.http.cases.test_negotiation import _accepted_case

TODAY = clock.today()


async def test_a_debt_is_reported_once_and_withdrawn_when_paid(make_client):
    admin_client, _ = await signed_in(make_client, "admin")
    name = f"Fichero {secrets.token_hex(3)}"
    r = await post_form(admin_client, "/admin/bureaus/new", {"name": name, "kind": "companies", "file_format": "csv", "entity_code": ""})
    assert r.status_code == 400 and "f-entity_code" in r.text
    r = await post_form(admin_client, "/admin/bureaus/new", {"name": name, "kind": "companies", "file_format": "csv",
                                                             "entity_code": "AG0001", "active": "on"})
    assert r.status_code in {302, 303}

    _org, c, ch, nh = await _people(make_client)  # a new creditor's client and tokens, a negotiator's
    cid = (await _accepted_case(c, ch, nh))["id"]
    view = (await c.get(f"/api/v1/cases/{cid}/bureau", headers=ch)).json()
    assert view["eligible"] is False and {x["name"] for x in view["checks"] if not x["ok"]} == {"notice", "waiting_period", "authorised"}
    r = await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "credit_bureau"}, headers=nh)
    assert r.status_code == 409 and {x["code"] for x in r.json()["refusals"]} == {"bureau_no_notice", "bureau_waiting", "bureau_not_authorised"}

    bad = await c.post(f"/api/v1/cases/{cid}/bureau/notice", json={"delivered_on": TODAY.isoformat(), "channel": "whatsapp"}, headers=nh)
    assert bad.status_code == 400
    assert (await c.post(f"/api/v1/cases/{cid}/bureau/notice", json={"delivered_on": TODAY.isoformat(), "channel": "burofax"},
                         headers=ch)).status_code == 403
    r = await c.post(f"/api/v1/cases/{cid}/bureau/notice", json={"delivered_on": (TODAY - timedelta(days=30)).isoformat(),
                                                                 "channel": "burofax"}, headers=nh)
    assert r.status_code == 201
    assert (await c.post(f"/api/v1/cases/{cid}/bureau/authorisation", headers=nh)).status_code == 403
    r = await c.post(f"/api/v1/cases/{cid}/bureau/authorisation", headers=ch)
    assert r.status_code == 201 and r.json()["eligible"] is True
    r = await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "credit_bureau"}, headers=nh)
    assert r.status_code == 200, r.text
    assert (await BureauReport.select(BureauReport.status).where(BureauReport.case == cid).first())["status"] == "queued"

    # the worker twice on the same day: one batch, the inclusion once
    await produce_due_batches(get_settings())
    await produce_due_batches(get_settings())
    report = await BureauReport.select().where(BureauReport.case == cid).first()
    assert report["status"] == "reported" and report["included_in"]
    batch = await BureauBatch.select().where(BureauBatch.id == report["included_in"]).first()
    data = await storage().read(batch["storage_key"])
    assert hashlib.sha256(data).hexdigest() == batch["sha256"]
    reference = (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()["reference"]
    lines = [line for line in data.decode().splitlines() if reference in line]
    assert len(lines) == 1 and lines[0].split(";")[1] == "A" and lines[0].split(";")[2] == "AG0001"
    included = [b for b in await BureauBatch.select().where(BureauBatch.bureau == batch["bureau"])]
    assert len(included) == 1
    download = await admin_client.get(f"/admin/bureaus/batches/{batch['id']}/download")
    assert download.status_code == 200 and download.content == data and download.headers["x-content-sha256"] == batch["sha256"]
    charset = "iso-8859-1" if batch["filename"].endswith(".txt") else "utf-8"  # one charset, the file's (not utf-8 twice)
    assert download.headers["content-type"] == f"text/plain; charset={charset}"
    assert (await c.get(f"/api/v1/cases/{cid}/bureau", headers=ch)).json()["status"] == "reported"

    # paid in full: withdrawn in the next batch, on the case's timeline for the creditor
    owed = (await c.get(f"/api/v1/cases/{cid}", headers=nh)).json()["balance"]["outstanding"]
    assert (await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": owed, "received_on": TODAY.isoformat(), "method": "transfer"},
                         headers=nh)).status_code == 201
    assert await produce_batches(daily=False) >= 1
    report = await BureauReport.select().where(BureauReport.case == cid).first()
    assert report["status"] == "withdrawn" and report["withdrawal_reason"] == "paid"
    second = await BureauBatch.select().where(BureauBatch.id == report["withdrawn_in"]).first()
    assert second["sequence"] == batch["sequence"] + 1 and second["withdrawals"] >= 1
    withdrawn = [line for line in (await storage().read(second["storage_key"])).decode().splitlines() if reference in line]
    assert len(withdrawn) == 1 and withdrawn[0].split(";")[1] == "B"
    view = (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()
    assert {"bureau_reported", "bureau_withdrawn"} <= {e["kind"] for e in view["events"]}
    assert (await c.get(f"/api/v1/cases/{cid}/bureau", headers=ch)).json()["status"] == "withdrawn"

    stranger = await api_token(c, (await create_user("creditor", await create_org()))["email"])
    assert (await c.get(f"/api/v1/cases/{cid}/bureau", headers=stranger)).status_code == 404
    page = await admin_client.get("/admin/bureaus")
    assert page.status_code == 200 and batch["sha256"][:16] in page.text


async def _case_in_bureau_stage(make_client):
    """A company case of a new creditor, noticed 40 days ago, authorised by the creditor, moved to the
    credit-bureau stage: (client, creditor headers, negotiator headers, case id)."""
    _org, c, ch, nh = await _people(make_client)  # a new creditor's client and tokens, a negotiator's
    cid = (await _accepted_case(c, ch, nh))["id"]
    await c.post(f"/api/v1/cases/{cid}/bureau/notice", json={"delivered_on": (TODAY - timedelta(days=40)).isoformat(), "channel": "burofax"},
                 headers=nh)
    assert (await c.post(f"/api/v1/cases/{cid}/bureau/authorisation", headers=nh)).status_code == 403  # the creditor's decision
    assert (await c.post(f"/api/v1/cases/{cid}/bureau/authorisation", headers=ch)).status_code == 201
    assert (await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "credit_bureau"}, headers=nh)).status_code == 200
    return c, ch, nh, cid


async def test_deactivating_a_bureau_withdraws_what_it_holds(make_client):
    from cases.tables import Bureau

    bid = (await Bureau.insert(Bureau(name=f"Cerrado {secrets.token_hex(3)}", kind="companies", file_format="fixed", entity_code="AG9")).returning(
        Bureau.id))[0]["id"]
    c, ch, nh, cid = await _case_in_bureau_stage(make_client)
    await produce_batches(daily=False)
    assert (await BureauReport.select(BureauReport.status).where((BureauReport.case == cid) & (BureauReport.bureau == bid)).first())["status"] == "reported"
    await Bureau.update({Bureau.active: False}).where(Bureau.id == bid)
    await produce_batches(daily=False)
    row = await BureauReport.select().where((BureauReport.case == cid) & (BureauReport.bureau == bid)).first()
    assert row["status"] == "withdrawn" and row["withdrawal_reason"] == "bureau_inactive"
    last = await BureauBatch.select().where(BureauBatch.id == row["withdrawn_in"]).first()
    text = (await storage().read(last["storage_key"])).decode("latin-1")
    assert any(line[6] == "B" for line in text.splitlines())  # fixed width: the operation follows the 6-digit sequence


async def test_a_disputed_invoice_withdraws_the_debt_and_money_not_yet_due_is_never_reported(make_client):
    from cases.tables import Bureau, Invoice

    await Bureau.insert(Bureau(name=f"Disputas {secrets.token_hex(3)}", kind="companies", file_format="csv", entity_code="AG7"))
    c, ch, nh, cid = await _case_in_bureau_stage(make_client)
    await produce_batches(daily=False)
    assert {r["status"] for r in await BureauReport.select(BureauReport.status).where(BureauReport.case == cid)} == {"reported"}
    invoices = await Invoice.select(Invoice.id).where(Invoice.case == cid)
    assert (await c.post(f"/api/v1/cases/{cid}/invoices/{invoices[0]['id']}/dispute", json={"reason": "no"}, headers=nh)).status_code == 400
    assert (await c.post(f"/api/v1/cases/{cid}/invoices/{invoices[0]['id']}/dispute", json={"reason": "Dice que no recibió el pedido"},
                         headers=ch)).status_code == 403
    r = await c.post(f"/api/v1/cases/{cid}/invoices/{invoices[0]['id']}/dispute", json={"reason": "Dice que no recibió el pedido"}, headers=nh)
    assert r.status_code == 201
    assert (await c.post(f"/api/v1/cases/{cid}/invoices/{invoices[0]['id']}/dispute", json={"reason": "otra vez, igual"},
                         headers=nh)).status_code == 409
    await produce_batches(daily=False)
    reasons = {r["withdrawal_reason"] for r in await BureauReport.select(BureauReport.withdrawal_reason).where(BureauReport.case == cid)}
    assert reasons == {"disputed"}

    # a claim whose only invoice is not due yet: the guard refuses, nothing is queued
    from tests.http.cases.test_claims import claim_body

    body = claim_body()
    body["invoices"] = [{**body["invoices"][0], "due_date": (TODAY + timedelta(days=20)).isoformat()}]
    later = (await c.post("/api/v1/claims", json=body, headers=ch)).json()
    if "id" in later:  # intake may refuse invoices not yet due; either way nothing reaches a bureau
        from agency.auth import CurrentUser
        from agency.roles import Role
        from cases.stages.rules import MoveRequest, bureau_preconditions
        from cases.stages.service import load_facts

        admin = CurrentUser(id=0, email="a", name="a", role=Role.admin, organisation_id=None, language="es")
        _case, facts = await load_facts(later["id"], admin)
        assert "bureau_not_due" in {r.code for r in bureau_preconditions(facts, TODAY, MoveRequest(to="credit_bureau"))}
