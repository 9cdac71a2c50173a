"""The insolvency watch over HTTP on both databases (issue 21, item 5): a debtor marked as in concurso by a lawyer or an admin
(never a creditor); marked twice, dated in the future or without a court: a 4xx that says what to fix, nothing written. The
mark stops contact (reminders pass the case by, a call or a message by hand is refused with a 409 naming the concurso) and
court action (no new filing, no enforcement), tells the creditor (an email, an event on their timeline), opens the month to
communicate the claim, and the communication is a document read back with python-docx."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from agency import clock
from agency.db import is_unique_violation
from agency.tables import OutboxMessage
from cases.bank.debits import due_collections
from cases.messages.service import send_due_reminders
from cases.tables import Case, CaseEvent, Insolvency
from legal.rules.insolvency import claim_deadline
from legal.tables import Deadline
from tests.factories import api_token, create_user, post_form, signed_in
from tests.http.cases.test_direct_debits import _admin, _sepa_plan
from tests.http.cases.test_fair_contact import _working_noon
from tests.http.cases.test_portal import _link, _session, debtor  # noqa: F401 - the fixture
from tests.http.legal.test_legal import _es_money, _in_court, _legal_case, docx_text

TODAY = clock.today()
COURT = "Juzgado de lo Mercantil n.º 1 de Bilbao, concurso 77/2026"


async def _debtor(case_id: int) -> int:
    return (await Case.select(Case.debtor).where(Case.id == case_id).first())["debtor"]


async def _nothing_written(debtor_id: int) -> tuple:
    return await Insolvency.count().where(Insolvency.debtor == debtor_id), await CaseEvent.count().where(CaseEvent.kind == "insolvency")


async def test_marking_stops_contact_tells_the_creditor_and_makes_the_communication(make_client):
    now = _working_noon()
    p = await _legal_case(make_client)
    c, ch, nh, lh, cid = p["c"], p["ch"], p["nh"], p["lh"], p["id"]
    await Case.update({Case.accepted_at: now - timedelta(days=1)}).where(Case.id == cid)
    debtor = await _debtor(cid)
    url = f"/api/v1/debtors/{debtor}/insolvency"
    published, declared = TODAY - timedelta(days=5), TODAY - timedelta(days=9)
    body = {"court": COURT, "published_on": published.isoformat(), "declared_on": declared.isoformat(),
            "administrator": "Ane Etxeberria, administradora concursal, ane@concursal.example"}

    # before the mark the communication has nothing to be made of
    r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "insolvency_claim"}, headers=lh)
    assert r.status_code == 422 and "concurso" in r.json()["detail"], r.text

    # refusals: a creditor may not mark; a future date, no court, a broken date: 400 naming the field; nothing written
    before = await _nothing_written(debtor)
    assert (await c.post(url, json=body, headers=ch)).status_code == 403
    assert (await c.post(url, json=body, headers=nh)).status_code == 403, "a negotiator does not mark it either"
    r = await c.post(url, json={**body, "published_on": (TODAY + timedelta(days=1)).isoformat()}, headers=lh)
    assert r.status_code == 400 and "published_on" in r.json()["errors"] and "futur" in r.json()["detail"], r.text
    r = await c.post(url, json={**body, "court": " "}, headers=lh)
    assert r.status_code == 400 and "court" in r.json()["errors"]
    r = await c.post(url, json={**body, "published_on": "2026-02-30"}, headers=lh)
    assert r.status_code == 400 and "published_on" in r.json()["errors"]
    r = await c.post(url, json={**body, "declared_on": (published + timedelta(days=1)).isoformat()}, headers=lh)
    assert r.status_code == 400 and "declared_on" in r.json()["errors"]
    assert (await c.post("/api/v1/debtors/999999/insolvency", json=body, headers=lh)).status_code == 404
    assert await _nothing_written(debtor) == before

    # the mark: the record, the deadline, the event the creditor sees, the creditor's email
    r = await c.post(url, json=body, headers=lh)
    assert r.status_code == 201, r.text
    marked = r.json()
    assert marked["court"] == COURT and marked["published_on"] == published.isoformat() and marked["cases"] == [cid]
    assert marked["claim_deadline"] == claim_deadline(published).isoformat()
    [deadline] = await Deadline.select().where((Deadline.case == cid) & (Deadline.rule == "insolvency_claim"))
    assert deadline["due_on"] == claim_deadline(published) and deadline["starts_on"] == published
    seen = (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()["events"]
    assert "insolvency" in [e["kind"] for e in seen], "the creditor sees the concurso on the case"
    creditor_mail = await OutboxMessage.select().where(OutboxMessage.kind == "insolvency")
    assert len(creditor_mail) == 1 and "Talleres Norte" in creditor_mail[0]["subject"] and COURT in creditor_mail[0]["body_text"]
    assert p["case"]["reference"] in creditor_mail[0]["body_text"]
    assert (await c.get(url, headers=lh)).json()["open"]["id"] == marked["id"]
    admin_page, _admin_user = await signed_in(make_client, "admin")
    assert COURT in (await admin_page.get(f"/debtors/{debtor}")).text, "the debtor's page (admins) shows the concurso"
    assert (await c.get(url, headers=ch)).status_code == 403

    # marked twice: 409 that names the concurso, nothing written
    before = await _nothing_written(debtor)
    r = await c.post(url, json={**body, "court": "Juzgado de lo Mercantil n.º 2 de Bilbao"}, headers=p["lh"])
    assert r.status_code == 409 and COURT in r.json()["detail"], r.text
    assert await _nothing_written(debtor) == before
    # the database holds one open concurso per debtor by itself (two marks at once: the second insert fails, answered 409)
    try:
        await Insolvency.insert(Insolvency(debtor=debtor, open_debtor=debtor, court="duplicado", published_on=published))
    except Exception as exc:  # noqa: BLE001 - the driver's own unique-violation error
        assert is_unique_violation(exc), exc
    else:
        raise AssertionError("a second open concurso for the debtor was stored")

    # contact stopped: no automatic reminder, a call or a message by hand refused (409 naming the concurso); an inbound call
    # and a note are still recorded
    await send_due_reminders(now=now)
    assert await OutboxMessage.count().where((OutboxMessage.case_id == cid) & OutboxMessage.kind.like("reminder:%")) == 0
    r = await c.post(f"/api/v1/cases/{cid}/activities", json={"kind": "call", "outcome": "no_answer"}, headers=nh)
    assert r.status_code == 409 and "concurso" in r.json()["detail"] and COURT in r.json()["detail"], r.text
    r = await c.post(f"/api/v1/cases/{cid}/messages", json={"template": "reminder"}, headers=nh)
    assert r.status_code == 409 and "concurso" in r.json()["detail"]
    for allowed in ({"kind": "call", "direction": "inbound", "outcome": "reached"}, {"kind": "note", "body": "Comunicar el crédito."}):
        assert (await c.post(f"/api/v1/cases/{cid}/activities", json=allowed, headers=nh)).status_code == 201

    # the case page shows the flag and the facts, the case list the flag on the row (the creditor's too)
    page = await c.get(f"/cases/{cid}", headers=lh)
    assert 'class="badge insolvency"' in page.text and COURT in page.text
    assert 'class="badge insolvency"' in (await c.get("/cases", headers=ch)).text

    # the communication: the concurso, the classes, the interest to the declaration as the ledger reckons it
    r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "insolvency_claim"}, headers=lh)
    assert r.status_code == 201, r.text
    data = (await c.get(r.json()["download_url"], headers=lh)).content
    text = docx_text(data)
    ledger = (await c.get(f"/api/v1/cases/{cid}/ledger?as_of={declared.isoformat()}", headers=lh)).json()["balances"]
    for expected in ("COMUNICACIÓN DE CRÉDITO", COURT, "Ane Etxeberria", "Talleres Norte", "ordinario", "subordinado", "281.1.3º",
                     _es_money(ledger["principal"]), _es_money(ledger["compensation"]), _es_money(ledger["interest"])):
        assert expected in text, expected
    assert "{{" not in text and "{%" not in text
    assert "insolvency_claim" in [d["template"] for d in (await c.get(f"/api/v1/cases/{cid}/documents", headers=ch)).json()], \
        "the creditor sees the communication made for them"


async def test_no_new_filing_nor_enforcement_while_in_concurso(make_client):
    p = await _in_court(make_client)
    c, lh, cid = p["c"], p["lh"], p["id"]
    await Case.update({Case.created_at: datetime.now(timezone.utc) - timedelta(days=30)}).where(Case.id == cid)  # an older case
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    fid = (await c.post(f"/api/v1/cases/{cid}/filings", json={"procedure": "monitorio", "court": "Juzgado de Bilbao", "status": "filed",
                                                             "filed_on": yesterday}, headers=lh)).json()["id"]
    admin = await api_token(c, (await create_user("admin"))["email"])
    r = await c.post(f"/api/v1/debtors/{await _debtor(cid)}/insolvency", json={"court": COURT, "published_on": yesterday}, headers=admin)
    assert r.status_code == 201, r.text
    r = await c.post(f"/api/v1/cases/{cid}/filings", json={"procedure": "verbal", "court": "Juzgado de Bilbao"}, headers=lh)
    assert r.status_code == 409 and COURT in r.json()["detail"], r.text
    r = await c.post(f"/api/v1/filings/{fid}", json={"status": "enforcement", "filed_on": yesterday, "court_case_number": "9/2026"},
                     headers=lh)
    assert r.status_code == 409 and "concurso" in r.json()["detail"], r.text
    # the concurso ends: filings may be made again
    r = await c.post(f"/api/v1/debtors/{await _debtor(cid)}/insolvency/end", json={}, headers=admin)
    assert r.status_code == 200 and r.json()["open"] is None, r.text
    r = await c.post(f"/api/v1/cases/{cid}/filings", json={"procedure": "verbal", "court": "Juzgado de Bilbao"}, headers=lh)
    assert r.status_code == 201, r.text


async def test_the_case_page_form_marks_and_says_what_to_fix(make_client):
    p = await _legal_case(make_client)
    cid = p["id"]
    browser, _lawyer = await signed_in(make_client, "lawyer")
    r = await post_form(browser, f"/cases/{cid}/insolvency", {"court": COURT, "published_on": (TODAY + timedelta(days=3)).isoformat()})
    assert r.status_code == 303
    shown = await browser.get(f"/cases/{cid}")
    assert "flash-error" in shown.text and "futur" in shown.text
    assert not await Insolvency.exists().where(Insolvency.debtor == await _debtor(cid))
    r = await post_form(browser, f"/cases/{cid}/insolvency", {"court": COURT, "published_on": TODAY.isoformat(), "administrator": ""})
    assert r.status_code == 303
    shown = await browser.get(f"/cases/{cid}")
    assert "flash-success" in shown.text and 'class="badge insolvency"' in shown.text
    # a creditor cannot post the form
    creditor_page, _c = await signed_in(make_client, "creditor", p["org"])
    r = await post_form(creditor_page, f"/cases/{cid}/insolvency", {"court": COURT, "published_on": TODAY.isoformat()})
    assert r.status_code in (403, 404)


async def test_the_debtors_page_reads_only_while_in_concurso(make_client):
    p = await _legal_case(make_client)
    c, nh, cid = p["c"], p["nh"], p["id"]
    token = await _link(c, nh, cid)
    h = await _session(c, token)
    before = (await c.get("/api/v1/portal/case", headers=h)).json()
    assert before["insolvency"] is None and before["plan_options"]
    admin = await api_token(c, (await create_user("admin"))["email"])
    r = await c.post(f"/api/v1/debtors/{await _debtor(cid)}/insolvency", json={"court": COURT, "published_on": TODAY.isoformat()},
                     headers=admin)
    assert r.status_code == 201, r.text
    view = (await c.get("/api/v1/portal/case", headers=h)).json()
    assert view["insolvency"] == {"court": COURT, "published_on": TODAY.isoformat()}
    assert view["plan_options"] == [] and view["pay_online"] is False and view["balances"] == before["balances"]
    for url, body in (("/api/v1/portal/payments", {"amount": "100.00", "method": "card"}),
                      ("/api/v1/portal/plans", {"instalments": 2, "first_due_on": TODAY.isoformat(), "method": "transfer", "accept": True}),
                      ("/api/v1/portal/callbacks", {"phone": "600123456", "on": (TODAY + timedelta(days=1)).isoformat(), "slot": "morning"})):
        r = await c.post(url, json=body, headers=h)
        assert r.status_code == 409 and COURT in r.json()["detail"], (url, r.status_code, r.text)


async def test_no_direct_debit_from_a_debtor_in_concurso(debtor):
    """A plan under a SEPA mandate is not collected once the debtor is in concurso: the file has nothing of theirs."""
    c, cid = debtor["c"], debtor["case"]["id"]
    plan, first = await _sepa_plan(debtor)
    ah = await _admin(debtor)
    assert any(d["mandate"] == plan["mandate_reference"] for d in await due_collections(date.fromisoformat(first)))
    r = await c.post(f"/api/v1/debtors/{await _debtor(cid)}/insolvency", json={"court": COURT, "published_on": TODAY.isoformat()},
                     headers=ah)
    assert r.status_code == 201, r.text
    assert not any(d["mandate"] == plan["mandate_reference"] for d in await due_collections(date.fromisoformat(first)))
