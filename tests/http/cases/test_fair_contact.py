"""Fair contact over HTTP (issue 20, item 6): a weekly cap on contacts with a debtor across channels and cases (a contact
logged by hand over it is recorded with a warning; the reminders wait), the vulnerable flag (no automatic message, the
cases to a senior negotiator), and a contact with a third party that would reveal the debt refused."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from agency.tables import Organisation, OutboxMessage, User
from agency.users_cli import set_senior
from cases.messages.service import send_due_reminders
from cases.tables import Case, CaseEvent, Debtor, MessageTemplate
from legal.rules.calendar import is_holiday
from tests.factories import api_token, by_hand, create_org, create_user, post_form, signed_in
from tests.http.cases.test_money import _people
from tests.http.cases.test_negotiation import _accepted_case

CALL = {"kind": "call", "outcome": "no_answer"}


def _payload(row) -> dict:
    return json.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"]


def _working_noon() -> datetime:
    """Noon, Madrid time, of today or the next working day (inside the contact window)."""
    day = datetime.now(timezone.utc).date()
    while day.weekday() == 6 or is_holiday(day):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 11, 0, tzinfo=timezone.utc)


async def test_a_contact_over_the_weeks_cap_is_recorded_with_a_warning_across_the_debtors_cases(make_client):
    org, c, ch, nh = await _people(make_client)
    first = await _accepted_case(c, ch, nh)
    second = await _accepted_case(c, ch, nh)  # the same debtor (the creditor's record), another case
    debtors = {r["debtor"] for r in await Case.select(Case.debtor).where(Case.id.is_in([first["id"], second["id"]]))}
    assert len(debtors) == 1
    # neither the debtor's own call nor an internal note counts
    for body in ({"kind": "call", "direction": "inbound", "outcome": "reached"}, {"kind": "note", "body": "Revisar el lunes."}):
        r = await c.post(f"/api/v1/cases/{first['id']}/activities", json=body, headers=nh)
        assert r.status_code == 201 and r.json()["warnings"] == []
    for case in (first, second, first):  # three contacts in the week, across both cases: at the cap, no warning
        r = await c.post(f"/api/v1/cases/{case['id']}/activities", json=CALL, headers=nh)
        assert r.status_code == 201 and r.json()["warnings"] == [], r.text
    r = await c.post(f"/api/v1/cases/{second['id']}/activities", json=CALL, headers=nh)
    assert r.status_code == 201, "over the cap a contact is still recorded"
    assert len(r.json()["warnings"]) == 1 and "4" in r.json()["warnings"][0] and "3" in r.json()["warnings"][0]
    assert await CaseEvent.exists().where(CaseEvent.id == r.json()["id"])
    # in English too (the reader's language)
    english = await api_token(c, (await create_user("negotiator", language="en"))["email"])
    r = await c.post(f"/api/v1/cases/{second['id']}/activities", json=CALL, headers=english)
    assert "limit of 3" in r.json()["warnings"][0]
    # on the case page: recorded, and the warning shown with the confirmation
    page, _me = await signed_in(make_client, "negotiator")
    r = await post_form(page, f"/cases/{first['id']}/activities", {"kind": "call", "outcome": "no_answer", "party": "debtor"})
    assert r.status_code == 303
    shown = await page.get(f"/cases/{first['id']}")
    assert "flash-warning" in shown.text and "7" in shown.text
    # a message sent by hand over the cap goes, and the answer says so
    r = await c.post(f"/api/v1/cases/{first['id']}/messages", json={"template": "reminder"}, headers=nh)
    assert r.status_code == 201 and len(r.json()["warnings"]) == 1


async def test_the_reminder_round_waits_for_a_capped_debtor_and_passes_a_vulnerable_one_by(make_client):
    now = _working_noon()
    cases = {}
    for name in ("capped", "vulnerable", "free"):
        _org, c, ch, nh = await _people(make_client)
        cases[name] = await _accepted_case(c, ch, nh)
        await Case.update({Case.accepted_at: now - timedelta(days=1)}).where(Case.id == cases[name]["id"])
        if name == "capped":
            for _ in range(3):
                assert (await c.post(f"/api/v1/cases/{cases[name]['id']}/activities", json=CALL, headers=nh)).status_code == 201
        if name == "vulnerable":
            r = await c.post(f"/api/v1/cases/{cases[name]['id']}/vulnerable", json={"vulnerable": True, "reason": "Hospitalizado, lo dice su hija."},
                             headers=nh)
            assert r.status_code == 200, r.text

    async def mails(name):
        return await OutboxMessage.count().where((OutboxMessage.case_id == cases[name]["id"]) & OutboxMessage.kind.like("reminder:%"))

    await send_due_reminders(now=now)
    assert await mails("free") == 1
    assert await mails("capped") == 0, "three contacts this week: the first contact waits"
    assert await mails("vulnerable") == 0
    # a week later the calls have aged out of the week: the waiting message goes in a later round
    await CaseEvent.update({CaseEvent.at: now - timedelta(days=8)}).where(
        (CaseEvent.case == cases["capped"]["id"]) & (CaseEvent.kind == "contact"))
    await send_due_reminders(now=now)
    assert await mails("capped") == 1
    assert await mails("vulnerable") == 0, "a vulnerable debtor gets no automatic message"


async def test_a_vulnerable_debtors_cases_go_to_a_senior_negotiator_and_each_case_keeps_the_trace(make_client):
    await User.update({User.senior: False}).where(User.senior == True)  # noqa: E712 - this test's seniors only
    org, c, ch, nh = await _people(make_client)
    first, second = await _accepted_case(c, ch, nh), await _accepted_case(c, ch, nh)
    plain = await create_user("negotiator")
    await Case.update({Case.negotiator: plain["id"]}).where(Case.id.is_in([first["id"], second["id"]]))
    await by_hand()  # (set up by hand: the report totals follow)
    # without a senior negotiator: flagged, the cases keep their negotiator, and the answer and the events say so
    r = await c.post(f"/api/v1/cases/{first['id']}/vulnerable", json={"vulnerable": True, "reason": "Enfermedad grave."}, headers=nh)
    assert r.status_code == 200, r.text
    assert r.json()["reassigned"] == [] and sorted(r.json()["kept"]) == sorted([first["id"], second["id"]]) and r.json()["warnings"]
    event = await CaseEvent.select().where((CaseEvent.case == second["id"]) & (CaseEvent.kind == "vulnerable")).first()
    assert _payload(event)["no_senior"] and event["summary"] == "Enfermedad grave." and not event["visible_to_creditor"]
    # the admin makes a negotiator senior on the users page (not a creditor)
    admin, _a = await signed_in(make_client, "admin")
    senior = await create_user("negotiator")
    assert (await post_form(admin, f"/admin/users/{senior['id']}/senior", {"senior": "1"})).status_code == 303
    creditor_user = await create_user("creditor", org)
    assert (await post_form(admin, f"/admin/users/{creditor_user['id']}/senior", {"senior": "1"})).status_code == 400
    assert (await User.select(User.senior).where(User.id == senior["id"]).first())["senior"]
    # (and from the shell: agency user senior)
    off = await create_user("negotiator")
    assert "now" in await set_senior(off["email"], True) and "no longer" in await set_senior(off["email"], False)
    # flagged again: both open cases go to the senior negotiator, each with its events, in one go
    r = await c.post(f"/api/v1/cases/{second['id']}/vulnerable", json={"vulnerable": True, "reason": "Enfermedad grave, confirmado."}, headers=nh)
    assert r.status_code == 200 and r.json()["senior_negotiator"] == senior["id"] and sorted(r.json()["reassigned"]) == sorted([first["id"], second["id"]])
    assert {x["negotiator"] for x in await Case.select(Case.negotiator).where(Case.id.is_in([first["id"], second["id"]]))} == {senior["id"]}
    assigned = await CaseEvent.select().where((CaseEvent.case == first["id"]) & (CaseEvent.kind == "assigned"))
    assert any(_payload(a).get("via") == "vulnerable" for a in assigned)
    # the case's JSON and page say so; the creditor's timeline does not carry the reason
    assert (await c.get(f"/api/v1/cases/{first['id']}", headers=nh)).json()["debtor"]["vulnerable"] is True
    page, _n = await signed_in(make_client, "negotiator")
    assert 'class="badge vulnerable"' in (await page.get(f"/cases/{first['id']}")).text
    creditor_page, _c = await signed_in(make_client, "creditor", org)
    assert "Enfermedad grave" not in (await creditor_page.get(f"/cases/{first['id']}")).text
    # cleared from the page, with why
    r = await post_form(page, f"/cases/{first['id']}/vulnerable", {"vulnerable": "0", "reason": "Recuperado, lo confirma él."})
    assert r.status_code == 303
    debtor = (await Case.select(Case.debtor).where(Case.id == first["id"]).first())["debtor"]
    assert not (await Debtor.select(Debtor.vulnerable).where(Debtor.id == debtor).first())["vulnerable"]
    assert await CaseEvent.count().where((CaseEvent.case == second["id"]) & (CaseEvent.kind == "vulnerable")) == 3


async def test_only_staff_flag_a_debtor_and_bad_input_says_what_to_fix(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    body = {"vulnerable": True, "reason": "Enfermedad grave."}
    assert (await c.post(f"/api/v1/cases/{case['id']}/vulnerable", json=body, headers=ch)).status_code == 403  # the creditor
    _org2, c2, ch2, _nh2 = await _people(make_client)
    assert (await c2.post(f"/api/v1/cases/{case['id']}/vulnerable", json=body, headers=ch2)).status_code == 403
    creditor_page, _c = await signed_in(make_client, "creditor", org)
    assert (await post_form(creditor_page, f"/cases/{case['id']}/vulnerable", {"vulnerable": "1", "reason": "Enfermedad grave."})).status_code == 403
    r = await c.post(f"/api/v1/cases/{case['id']}/vulnerable", json={"vulnerable": True, "reason": ""}, headers=nh)
    assert r.status_code == 400 and set(r.json()["errors"]) == {"reason"} and "Indique" in r.json()["errors"]["reason"]
    assert (await c.post(f"/api/v1/cases/{case['id']}/vulnerable", json={"vulnerable": "sí", "reason": "Enfermedad grave."},
                         headers=nh)).status_code == 400
    assert (await c.post("/api/v1/cases/999999999/vulnerable", json=body, headers=nh)).status_code == 404
    debtor = (await Case.select(Case.debtor).where(Case.id == case["id"]).first())["debtor"]
    assert not (await Debtor.select(Debtor.vulnerable).where(Debtor.id == debtor).first())["vulnerable"]


async def test_a_contact_with_a_third_party_that_reveals_the_debt_is_refused(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    url = f"/api/v1/cases/{case['id']}/activities"
    before = await CaseEvent.count().where((CaseEvent.case == case["id"]) & (CaseEvent.kind == "contact"))
    creditor = (await Organisation.select(Organisation.legal_name).where(Organisation.id == org).first())["legal_name"]
    for body in (f"Le dije a su hermana que es por el expediente {case['reference']}", "Su jefe sabe que debe 1.300,00 €",
                 f"Llamé de parte de {creditor.upper()}"):
        r = await c.post(url, json={**CALL, "party": "relative", "outcome": "reached", "body": body}, headers=nh)
        assert r.status_code == 422 and set(r.json()["errors"]) == {"body"}, r.text
        assert "tercero" in r.json()["errors"]["body"]
    english = await api_token(c, (await create_user("negotiator", language="en"))["email"])
    r = await c.post(url, json={**CALL, "party": "employer", "body": "Your employee owes 1,300.00"}, headers=english)
    assert r.status_code == 422 and "third party" in r.json()["errors"]["body"]
    assert await CaseEvent.count().where((CaseEvent.case == case["id"]) & (CaseEvent.kind == "contact")) == before, "nothing written"
    assert (await c.post(url, json={**CALL, "party": "neighbour"}, headers=nh)).status_code == 400
    # asking only for a call back is recorded, and the timeline says it was a third party
    r = await c.post(url, json={**CALL, "party": "relative", "outcome": "reached", "body": "Su hermana le pedirá que nos llame."}, headers=nh)
    assert r.status_code == 201 and r.json()["party"] == "relative" and r.json()["third_party"] is True
    event = await CaseEvent.select().where(CaseEvent.id == r.json()["id"]).first()
    assert "tercero" in event["summary"] and _payload(event)["party"] == "relative"
    # the same words to the debtor are what the call is about
    assert (await c.post(url, json={**CALL, "outcome": "reached", "body": "Debe 1.300,00 €, exp. " + case["reference"]}, headers=nh)).status_code == 201
    # the page: the party, the warning, the call-back script; a refused form keeps the reasons
    page, _me = await signed_in(make_client, "negotiator")
    shown = await page.get(f"/cases/{case['id']}")
    assert 'name="party"' in shown.text and "no revele la deuda" in shown.text
    assert "nos llame al" in (await page.get(f"/cases/{case['id']}/phone-scripts")).text  # the scripts beside the form: a fragment
    assert "con un familiar" in (await page.get(f"/cases/{case['id']}/part/timeline")).text  # the timeline's third-party contact
    r = await post_form(page, f"/cases/{case['id']}/activities", {"kind": "call", "party": "employer", "outcome": "reached",
                                                                    "body": "Le dije que debe 1.300,00 €"}, headers={"HX-Request": "true"})
    assert r.status_code == 400 and "tercero" in r.text


async def test_a_template_for_a_third_party_cannot_be_given_the_debt(make_client):
    admin, _ = await signed_in(make_client, "admin")
    assert await MessageTemplate.exists().where((MessageTemplate.key == "callback_request") & (MessageTemplate.language == "pt"))
    r = await post_form(admin, "/admin/templates/callback_request/es", {"subject": "", "body": "Llame al {{ agency_phone }}: debe {{ outstanding }}.",
                                                                        "action": "save"})
    assert r.status_code == 400 and "outstanding" in r.text
    r = await post_form(admin, "/admin/templates/callback_request/es", {"subject": "", "body": "Pida a {{ debtor_name }} que llame al {{ agency_phone }}.",
                                                                        "action": "save"})
    assert r.status_code == 303


async def test_the_api_token_of_another_creditor_cannot_log_or_flag(make_client):
    org = await create_org()
    client = await make_client()
    ch = await api_token(client, (await create_user("creditor", org))["email"])
    nh = await api_token(client, (await create_user("negotiator"))["email"])
    case = await _accepted_case(client, ch, nh)
    assert (await client.post(f"/api/v1/cases/{case['id']}/activities", json=CALL, headers=ch)).status_code == 403


async def test_the_vulnerable_flag_is_in_the_debtors_export_and_erasure_clears_it_and_its_reasons(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    assert (await c.post(f"/api/v1/cases/{case['id']}/vulnerable", json={"vulnerable": True, "reason": "Depresión, lo dice su médico."},
                         headers=nh)).status_code == 200
    debtor = (await Case.select(Case.debtor).where(Case.id == case["id"]).first())["debtor"]
    ah = await api_token(c, (await create_user("admin"))["email"])
    assert (await c.get(f"/api/v1/debtors/{debtor}/export", headers=ah)).json()["debtor"]["vulnerable"] is True
    await Case.update({Case.stage: "closed", Case.outcome: "withdrawn", Case.closed_at: datetime.now(timezone.utc) - timedelta(days=4 * 366),
                       Case.limitation_date: datetime.now(timezone.utc).date() - timedelta(days=1)}).where(Case.id == case["id"])
    await by_hand()  # (set up by hand: the report totals follow)
    r = await c.post(f"/api/v1/debtors/{debtor}/erasure", headers=ah)
    assert r.status_code == 200, r.text
    assert not (await Debtor.select(Debtor.vulnerable).where(Debtor.id == debtor).first())["vulnerable"]
    event = await CaseEvent.select().where((CaseEvent.case == case["id"]) & (CaseEvent.kind == "vulnerable")).first()
    assert event["summary"] == "" and _payload(event)["reason"] == "" and _payload(event)["vulnerable"] is True
