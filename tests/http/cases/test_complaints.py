"""The complaints register over HTTP (DESIGN.md "Trust"): a creditor, staff or the debtor record a complaint; it has an
owner and an answer deadline (15 days for a consumer, 30 otherwise); staff answer it once; creditors see only their
organisation's; while a complaint about contact is open, the debtor gets no automatic message."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from agency import clock
from agency.tables import OutboxMessage
from cases.messages.service import send_due_reminders
from cases.tables import Case, CaseEvent, Complaint, Debtor
from tests.factories import api_token, by_hand, create_user, post_form, signed_in
from tests.http.cases.test_money import _people
from tests.http.cases.test_negotiation import _accepted_case
from tests.http.cases.test_portal import TAX_ID, _session, debtor  # noqa: F401 - the fixture

TODAY = clock.today()


async def test_a_creditors_complaint_has_an_owner_and_a_deadline_and_staff_answer_it_once(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    negotiator = await create_user("negotiator")
    await Case.update({Case.negotiator: negotiator["id"]}).where(Case.id == case["id"])
    await by_hand()  # (set up by hand: the report totals follow)
    r = await c.post("/api/v1/complaints", json={"case_id": case["id"], "from": "staff", "cause": "conduct",
                                                 "body": "El gestor fue descortés con nuestro cliente."}, headers=ch)
    assert r.status_code == 201, r.text
    done = r.json()
    # a creditor complains as itself, whatever it says; a company's case: 30 days; the case's negotiator owns it
    assert done["from"] == "creditor" and done["due_on"] == (TODAY + timedelta(days=30)).isoformat() and done["owner"]
    assert await CaseEvent.exists().where((CaseEvent.case == case["id"]) & (CaseEvent.kind == "complaint"))
    # bad input: a 400 naming each field
    r = await c.post("/api/v1/complaints", json={"case_id": case["id"], "cause": "weather", "body": "no"}, headers=ch)
    assert r.status_code == 400 and set(r.json()["errors"]) == {"cause", "body"}
    assert (await c.post("/api/v1/complaints", json={"case_id": "abc", "cause": "other", "body": "Algo pasó con el expediente."},
                         headers=ch)).status_code == 400
    # another creditor neither sees it nor complains about that case
    _org2, c2, ch2, _nh2 = await _people(make_client)
    assert (await c2.get(f"/api/v1/complaints/{done['id']}", headers=ch2)).status_code == 404
    assert done["id"] not in [i["id"] for i in (await c2.get("/api/v1/complaints", headers=ch2)).json()["items"]]
    assert (await c2.post("/api/v1/complaints", json={"case_id": case["id"], "cause": "other", "body": "Un expediente que no es nuestro."},
                          headers=ch2)).status_code == 404
    # the creditor cannot answer; staff do, once
    answer = {"answer": "Hemos revisado las llamadas y pedido disculpas al deudor.", "outcome": "upheld"}
    assert (await c.post(f"/api/v1/complaints/{done['id']}/answer", json=answer, headers=ch)).status_code == 403
    assert (await c.post(f"/api/v1/complaints/{done['id']}/answer", json={"answer": "", "outcome": "x"}, headers=nh)).status_code == 400
    r = await c.post(f"/api/v1/complaints/{done['id']}/answer", json=answer, headers=nh)
    assert r.status_code == 200 and r.json()["status"] == "answered" and r.json()["outcome"] == "upheld"
    # emailed to the creditor's user who complained
    mail = await OutboxMessage.select().where((OutboxMessage.kind == "complaint_answer") & (OutboxMessage.to_address == r.json()["answer_sent_to"])).first()
    assert mail and answer["answer"] in mail["body_text"] and mail["case_id"] is None and r.json()["answer_sent_to"].startswith("creditor-")
    assert (await c.post(f"/api/v1/complaints/{done['id']}/answer", json=answer, headers=nh)).status_code == 409
    # the creditor reads the answer
    assert (await c.get(f"/api/v1/complaints/{done['id']}", headers=ch)).json()["answer"] == answer["answer"]


async def test_the_debtor_complains_from_their_page_and_automatic_contact_stops_until_it_is_answered(debtor, make_client):
    c, cid = debtor["c"], debtor["case"]["id"]
    await Debtor.update({Debtor.kind: "person"}).where(Debtor.id == (await Case.select(Case.debtor).where(Case.id == cid).first())["debtor"])
    h = await _session(c, debtor["token"])
    r = await c.post("/api/v1/portal/complaints", json={"cause": "contact", "body": "Me llaman cada día a las diez de la noche."}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["due_on"] == (TODAY + timedelta(days=15)).isoformat()  # a consumer: 15 days
    assert (await c.post("/api/v1/portal/complaints", json={"cause": "contact", "body": "corto"}, headers=h)).status_code == 400
    # the reminders' flow passes this case by while the complaint is open
    before = await OutboxMessage.count().where(OutboxMessage.case_id == cid)
    await send_due_reminders(now=_weekday_noon())
    assert await OutboxMessage.count().where(OutboxMessage.case_id == cid) == before
    # answered: contact may resume
    admin = await api_token(c, (await create_user("admin"))["email"])
    answered = await c.post(f"/api/v1/complaints/{r.json()['id']}/answer", json={"answer": "Limitamos las llamadas a horario de oficina.",
                                                                                "outcome": "partly"}, headers=admin)
    assert answered.status_code == 200
    # the answer goes to the debtor, with their case (it is theirs: their export, their erasure)
    email = (await Debtor.select(Debtor.email).where(Debtor.id == (await Case.select(Case.debtor).where(Case.id == cid).first())["debtor"]).first())["email"]
    mail = await OutboxMessage.select().where((OutboxMessage.kind == "complaint_answer") & (OutboxMessage.case_id == cid)).first()
    assert answered.json()["answer_sent_to"] == email and mail["to_address"] == email
    assert "Limitamos las llamadas a horario de oficina." in mail["body_text"] and "estimada en parte" in mail["body_text"]
    await send_due_reminders(now=_weekday_noon())
    assert await OutboxMessage.count().where(OutboxMessage.case_id == cid) > before


async def test_the_register_page_records_lists_and_reports_and_a_person_answers_it(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    staff, _me = await signed_in(make_client, "negotiator")
    page = await staff.get(f"/complaints?case_id={case['id']}")
    assert page.status_code == 200 and f'value="{case["id"]}"' in page.text
    r = await post_form(staff, "/complaints", {"case_id": str(case["id"]), "from": "debtor", "cause": "amount", "body": "Dice que ya pagó una factura."})
    assert r.status_code == 303, r.text
    detail = await staff.get(r.headers["location"])
    assert detail.status_code == 200 and "Dice que ya pagó una factura." in detail.text
    refused = await post_form(staff, "/complaints", {"case_id": str(case["id"]), "from": "debtor", "cause": "amount", "body": "?"})
    assert refused.status_code == 400 and 'id="e-body"' in refused.text
    listing = await staff.get("/complaints")
    assert case["reference"] in listing.text and TODAY.strftime("%Y-%m") in listing.text  # the month's report
    creditor, _c = await signed_in(make_client, "creditor", org)
    assert case["reference"] in (await creditor.get("/complaints")).text


def _weekday_noon():
    """Noon of the next working weekday, Madrid time (inside the contact window)."""
    day = TODAY
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 11, 0, tzinfo=timezone.utc)


async def test_the_debtors_page_has_the_complaint_form_in_their_language_and_it_records_one(debtor):
    c, token, cid = debtor["c"], debtor["token"], debtor["case"]["id"]
    await c.get(f"/p/{token}?lang=fr")
    csrf = c.cookies.get("agency_csrf")
    assert (await c.post(f"/p/{token}", data={"verifier": TAX_ID, "_csrf_token": csrf})).status_code == 303
    home = await c.get("/portal/home")
    assert 'action="/portal/complaint"' in home.text and "Faire une réclamation" in home.text
    refused = await c.post("/portal/complaint", data={"cause": "contact", "body": "court", "_csrf_token": csrf})
    assert refused.status_code == 400 and 'action="/portal/complaint"' in refused.text
    assert not await Complaint.exists().where(Complaint.case == cid)
    done = await c.post("/portal/complaint", data={"cause": "contact", "body": "On m'appelle tous les soirs à 22 heures.", "_csrf_token": csrf})
    assert done.status_code == 303 and done.headers["location"] == "/portal/home"
    row = await Complaint.select().where(Complaint.case == cid).first()
    assert row["source"] == "debtor" and row["cause"] == "contact" and row["created_by"] is None
