"""The debtor's data rights over HTTP (DESIGN.md "Trust"): an admin exports everything held about a debtor (JSON and a
Word file, each export on the case's access log), corrects it (old and new values on the timeline), and erases it,
refused with a 409 naming the legal hold while one applies; the retention job erases what no hold keeps any more."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta, timezone

from agency import access, clock
from agency.settings import get_settings
from agency.tables import AccessRecord, OutboxMessage
from cases.privacy import service as privacy
from cases.tables import Case, CaseEvent, Complaint, Debtor, Evidence, LedgerEntry
from tests.factories import api_token, by_hand, create_user, post_form, signed_in
from tests.http.cases.test_money import _people
from tests.http.cases.test_negotiation import _accepted_case

TODAY = clock.today()


async def _debtor_of(case_id: int) -> int:
    return (await Case.select(Case.debtor).where(Case.id == case_id).first())["debtor"]


async def _close(case_id: int, limitation=None, years_ago: int = 0) -> None:
    await Case.update({Case.stage: "closed", Case.outcome: "paid", Case.closed_at: datetime.now(timezone.utc) - timedelta(days=366 * years_ago),
                       Case.limitation_date: limitation}).where(Case.id == case_id)
    await by_hand()  # (set up by hand: the report totals follow)


async def test_an_admin_exports_corrects_and_erases_a_debtors_data(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    cid = case["id"]
    debtor_id = await _debtor_of(cid)
    r = await c.post(f"/api/v1/cases/{cid}/activities", headers=nh, json={
        "kind": "call", "contact": "+34 600 111 222", "outcome": "reached", "body": "Habló el gerente: paga el viernes."})
    assert r.status_code == 201, r.text
    r = await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": "100.00", "received_on": TODAY.isoformat(), "method": "transfer"}, headers=nh)
    assert r.status_code == 201, r.text
    ah = await api_token(c, (await create_user("admin"))["email"])
    # the debtor complained on the phone; the answer was emailed to them
    r = await c.post("/api/v1/complaints", json={"case_id": cid, "from": "debtor", "cause": "amount", "body": "Dice que la factura ya estaba pagada."},
                     headers=nh)
    assert r.status_code == 201, r.text
    assert (await c.post(f"/api/v1/complaints/{r.json()['id']}/answer", json={"answer": "Revisado: no consta el pago.", "outcome": "rejected"},
                         headers=nh)).status_code == 200

    # only admins; an unknown debtor is a 404
    for h in (ch, nh):
        assert (await c.get(f"/api/v1/debtors/{debtor_id}/export", headers=h)).status_code == 403
        assert (await c.post(f"/api/v1/debtors/{debtor_id}/erasure", headers=h)).status_code == 403
    assert (await c.get("/api/v1/debtors/99999999/export", headers=ah)).status_code == 404

    # the export: the person, and everything per case
    r = await c.get(f"/api/v1/debtors/{debtor_id}/export", headers=ah)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["debtor"]["name"] == "Talleres Norte S.L." and data["debtor"]["email"] == "pagos@norte.test"
    [exported] = data["cases"]
    assert exported["reference"] == case["reference"] and len(exported["invoices"]) == 2 and exported["files"]
    assert [m["amount"] for m in exported["money"] if m["kind"] == "payment"] == ["100.00"]
    contacts = [e for e in exported["timeline"] if e["kind"] == "contact"]
    assert contacts and contacts[0]["details"]["contact"] == "+34600111222" and "gerente" in contacts[0]["details"]["body"]
    assert [h["code"] for h in data["holds"]] == ["open_case", "accounting"]
    assert [m["to"] for m in exported["messages"] if m["kind"] == "complaint_answer"] == ["pagos@norte.test"]
    assert [x["body"] for x in exported["complaints"]] == ["Dice que la factura ya estaba pagada."]
    assert (await c.get(f"/api/v1/debtors/{debtor_id}/export?format=pdf", headers=ah)).status_code == 400
    # the Word file says the same, readably
    r = await c.get(f"/api/v1/debtors/{debtor_id}/export?format=docx", headers=ah)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    xml = zipfile.ZipFile(io.BytesIO(r.content)).read("word/document.xml").decode()
    assert "Talleres Norte S.L." in xml and case["reference"] in xml and "gerente" in xml
    # each export is on the case's access log
    log = (await c.get(f"/api/v1/cases/{cid}/access-log", headers=ah)).json()["items"]
    assert sum(1 for i in log if i["what"] == f"debtor {debtor_id}: data exported") == 2

    # correction: refused field by field, then done, old and new values on the timeline
    r = await c.patch(f"/api/v1/debtors/{debtor_id}", json={"email": "no es un correo", "reason": "Lo pidió el deudor"}, headers=ah)
    assert r.status_code == 400 and set(r.json()["errors"]) == {"email"}
    r = await c.patch(f"/api/v1/debtors/{debtor_id}", json={"email": "admin@norte.test"}, headers=ah)
    assert r.status_code == 400 and set(r.json()["errors"]) == {"reason"}
    r = await c.patch(f"/api/v1/debtors/{debtor_id}", json={"stage": "closed", "reason": "x"}, headers=ah)
    assert r.status_code == 400 and set(r.json()["errors"]) == {"stage"}
    r = await c.patch(f"/api/v1/debtors/{debtor_id}", json={"email": "Admin@Norte.test", "city": "Getxo", "reason": "Lo pidió el deudor por correo"},
                      headers=ah)
    assert r.status_code == 200, r.text
    assert r.json()["email"] == "admin@norte.test" and r.json()["city"] == "Getxo"
    event = await CaseEvent.select(CaseEvent.payload, CaseEvent.actor).where((CaseEvent.case == cid) & (CaseEvent.kind == "debtor_rectified")).first()
    payload = json.loads(event["payload"])
    assert payload["before"] == {"city": "Bilbao", "email": "pagos@norte.test"} and payload["after"]["city"] == "Getxo" and event["actor"]

    # erasure: refused while the case is open, naming the hold, nothing changed
    r = await c.post(f"/api/v1/debtors/{debtor_id}/erasure", headers=ah)
    assert r.status_code == 409 and [h["code"] for h in r.json()["holds"]] == ["open_case", "accounting"]
    assert case["reference"] in r.json()["detail"]
    assert (await Debtor.select(Debtor.name).where(Debtor.id == debtor_id).first())["name"] == "Talleres Norte S.L."
    # closed, nothing owed any more... but the books keep the payment for six years
    await LedgerEntry.insert(LedgerEntry(case=cid, kind="payment", amount_cents=500_000, booked_on=TODAY, method="transfer"))
    await by_hand()  # (set up by hand: the report totals follow)
    await _close(cid)
    r = await c.post(f"/api/v1/debtors/{debtor_id}/erasure", headers=ah)
    assert r.status_code == 409 and [(h["code"], h["until"]) for h in r.json()["holds"]] == [
        ("closed_recently", TODAY.replace(year=TODAY.year + 3).isoformat()), ("accounting", TODAY.replace(year=TODAY.year + 6).isoformat())]
    # seven years on (the money moved then; whatever the balance says today, the debt can no longer be claimed)
    await LedgerEntry.update({LedgerEntry.booked_on: TODAY - timedelta(days=7 * 366)}).where(LedgerEntry.case == cid)
    await by_hand()  # (set up by hand: the report totals follow)
    await _close(cid, limitation=TODAY - timedelta(days=1), years_ago=7)
    money_before = await LedgerEntry.select(LedgerEntry.kind, LedgerEntry.amount_cents).where(LedgerEntry.case == cid).order_by(LedgerEntry.id)
    evidence = await Evidence.select(Evidence.id).where(Evidence.case == cid).first()
    r = await c.post(f"/api/v1/debtors/{debtor_id}/erasure", headers=ah)
    assert r.status_code == 200, r.text
    assert r.json()["already"] is False and r.json()["files_deleted"] >= 1
    d = await Debtor.select().where(Debtor.id == debtor_id).first()
    assert d["name"] == f"ANON-{debtor_id:06d}" and d["email"] == d["tax_id"] == d["address_line1"] == d["phone"] == "" and d["anonymised_at"]
    contact = await CaseEvent.select(CaseEvent.summary, CaseEvent.payload).where((CaseEvent.case == cid) & (CaseEvent.kind == "contact")).first()
    assert contact["summary"] == "" and json.loads(contact["payload"])["contact"] == "" and json.loads(contact["payload"])["channel"] == "call"
    assert "pagos@norte.test" not in (await CaseEvent.select(CaseEvent.payload).where(
        (CaseEvent.case == cid) & (CaseEvent.kind == "debtor_rectified")).first())["payload"]
    assert not await OutboxMessage.exists().where((OutboxMessage.case_id == cid) & (OutboxMessage.to_address != ""))
    assert await Complaint.select(Complaint.body, Complaint.outcome).where(Complaint.case == cid) == [{"body": "", "outcome": "rejected"}]
    # the money and the audit trail stay
    assert await LedgerEntry.select(LedgerEntry.kind, LedgerEntry.amount_cents).where(LedgerEntry.case == cid).order_by(LedgerEntry.id) == money_before
    assert await CaseEvent.exists().where((CaseEvent.case == cid) & (CaseEvent.kind == "anonymised") & CaseEvent.actor.is_not_null())
    # the file is gone: its download says so
    assert (await c.get(f"/api/v1/evidence/{evidence['id']}/download", headers=ah)).status_code == 410
    # asked again: done already; nothing left to correct
    again = await c.post(f"/api/v1/debtors/{debtor_id}/erasure", headers=ah)
    assert again.status_code == 200 and again.json()["already"] is True
    assert (await c.patch(f"/api/v1/debtors/{debtor_id}", json={"city": "Bilbao", "reason": "x"}, headers=ah)).status_code == 409
    assert (await c.get(f"/api/v1/debtors/{debtor_id}/export", headers=ah)).json()["debtor"]["name"] == f"ANON-{debtor_id:06d}"


async def test_the_admins_page_shows_the_holds_corrects_and_refuses_erasure(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    debtor_id = await _debtor_of(case["id"])
    admin, _admin = await signed_in(make_client, "admin")
    page = await admin.get(f"/debtors/{debtor_id}")
    assert page.status_code == 200 and "Talleres Norte S.L." in page.text and case["reference"] in page.text
    assert f"/debtors/{debtor_id}/export.docx" in page.text and "sigue abierto" in page.text  # the open case, in Spanish
    assert f'href="/debtors/{debtor_id}"' in (await admin.get(f"/cases/{case['id']}")).text  # reached from the case page
    r = await post_form(admin, f"/debtors/{debtor_id}", {"name": "Talleres Norte S.L.", "postal_code": "", "reason": ""})
    assert r.status_code == 400 and 'id="e-postal_code"' in r.text and 'id="e-reason"' in r.text
    r = await post_form(admin, f"/debtors/{debtor_id}", {"phone": "+34 944 000 000", "reason": "Teléfono nuevo dado por el deudor"})
    assert r.status_code == 303
    assert (await Debtor.select(Debtor.phone).where(Debtor.id == debtor_id).first())["phone"] == "+34 944 000 000"
    r = await post_form(admin, f"/debtors/{debtor_id}/erasure")
    assert r.status_code == 409 and "sigue abierto" in r.text
    assert (await Debtor.select(Debtor.anonymised_at).where(Debtor.id == debtor_id).first())["anonymised_at"] is None
    # a creditor and a negotiator do not reach the page
    creditor, _c = await signed_in(make_client, "creditor", org)
    assert (await creditor.get(f"/debtors/{debtor_id}")).status_code == 403
    json_export = await admin.get(f"/debtors/{debtor_id}/export.json")
    assert json_export.status_code == 200 and json_export.headers["cache-control"] == "private, no-store"
    assert json.loads(json_export.content)["debtor"]["id"] == debtor_id


async def test_the_retention_job_erases_only_what_no_hold_keeps_and_drops_old_reads(make_client):
    org, c, ch, nh = await _people(make_client)
    owed, quiet = await _accepted_case(c, ch, nh), await _accepted_case(c, ch, nh)
    # two different debtors (the claims share the debtor's tax id: give the second its own)
    quiet_debtor = await _debtor_of(quiet["id"])
    if quiet_debtor == await _debtor_of(owed["id"]):
        new = await Debtor.insert(Debtor(organisation=org, kind="company", name="Otra S.L.", tax_id="B00000011", address_line1="C/ Luna 1",
                                         city="Vigo", postal_code="36201")).returning(Debtor.id)
        quiet_debtor = new[0]["id"]
        await Case.update({Case.debtor: quiet_debtor}).where(Case.id == quiet["id"])
    await _close(owed["id"], limitation=TODAY + timedelta(days=400), years_ago=4)  # money still owed, claimable for 400 days: kept
    await _close(quiet["id"], limitation=TODAY - timedelta(days=1), years_ago=4)  # owed, no longer claimable, closed long ago: erased
    old = datetime.now(timezone.utc) - timedelta(days=get_settings().access_log_days + 1)
    await AccessRecord.insert(AccessRecord(user=None, at=old, case=owed["id"], what="case", address="127.0.0.1", via="api"))
    await access.flush()
    privacy.reset_retention_clock()
    done = await privacy.retention_job(get_settings())
    assert done >= 1
    assert (await Debtor.select(Debtor.anonymised_at).where(Debtor.id == quiet_debtor).first())["anonymised_at"] is not None
    assert (await Debtor.select(Debtor.anonymised_at).where(Debtor.id == await _debtor_of(owed["id"])).first())["anonymised_at"] is None
    assert not await AccessRecord.exists().where(AccessRecord.at < old + timedelta(seconds=1))
    event = await CaseEvent.select(CaseEvent.actor, CaseEvent.payload).where((CaseEvent.case == quiet["id"]) & (CaseEvent.kind == "anonymised")).first()
    assert event["actor"] is None and json.loads(event["payload"])["by"] == "retention"
    # run again at once: it waits its turn; and a second full run does nothing more
    assert await privacy.retention_job(get_settings()) == 0
    privacy.reset_retention_clock()
    assert await privacy.retention_job(get_settings()) == 0
    assert (await Debtor.select(Debtor.anonymised_at).where(Debtor.id == await _debtor_of(owed["id"])).first())["anonymised_at"] is None
