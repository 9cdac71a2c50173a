"""Templates: edited by admins with versions, refused with the unknown field named, previewed on a
case; sent from a case by staff (email via the outbox, WhatsApp as a link)."""
import re

from agency import clock
from agency.tables import OutboxMessage
from cases.tables import CaseEvent, MessageTemplate
from tests.factories import api_token, create_org, create_user, post_form, signed_in
from tests.http.cases.test_negotiation import _accepted_case


async def _accepted(make_client):
    """A creditor's claim accepted by a negotiator: (organisation, client, creditor's headers, negotiator's headers, case)."""
    org = await create_org()
    client = await make_client()
    ch = await api_token(client, (await create_user("creditor", org))["email"])
    nh = await api_token(client, (await create_user("negotiator"))["email"])
    return org, client, ch, nh, await _accepted_case(client, ch, nh)


async def test_admin_edits_with_versions_and_the_unknown_field_is_named(make_client):
    admin, _ = await signed_in(make_client, "admin")
    assert (await admin.get("/admin/templates")).status_code == 200
    page = await admin.get("/admin/templates/reminder/es")
    assert page.status_code == 200 and "{{ outstanding }}" in page.text
    r = await post_form(admin, "/admin/templates/reminder/es", {"subject": "Hola", "body": "Debe {{ outstandig }}", "action": "save"})
    assert r.status_code == 400 and "outstandig" in r.text
    before = await MessageTemplate.count().where((MessageTemplate.key == "reminder") & (MessageTemplate.language == "es"))
    r = await post_form(admin, "/admin/templates/reminder/es", {"subject": "Recordatorio {{ reference }}", "body": "Debe {{ outstanding }}.",
                                                                   "action": "save"})
    assert r.status_code == 303
    versions = await MessageTemplate.select().where((MessageTemplate.key == "reminder") & (MessageTemplate.language == "es"))
    assert len(versions) == before + 1 and sum(v["active"] for v in versions) == 1
    from cases.tables import Case
    from tests.http.cases.test_tenancy import make_case

    case_id = await make_case(await create_org(), "Deudor Vista Previa")
    reference = (await Case.select(Case.reference).where(Case.id == case_id).first())["reference"]
    r = await post_form(admin, "/admin/templates/reminder/es", {"subject": "x", "body": "Hola {{ debtor_name }}, exp. {{ reference }}.",
                                                                   "action": "preview", "case_reference": reference})
    assert r.status_code == 200 and f"Hola Deudor Vista Previa, exp. {reference}." in r.text
    r = await post_form(admin, "/admin/templates/reminder/es", {"subject": "x", "body": "y", "action": "preview", "case_reference": "EXP-1999-999999"})
    assert r.status_code == 400 and 'value="EXP-1999-999999"' in r.text, "the reference typed stays to be mended"
    # a preview of a message about a promise, on a case without one: told it would be refused
    r = await post_form(admin, "/admin/templates/promise_confirmation/es", {
        "subject": "x", "body": "Pagará {{ promise_amount }} el {{ promise_date }}.", "action": "preview", "case_reference": reference})
    assert r.status_code == 200 and "no tiene una promesa de pago abierta" in r.text
    # saving the active text again makes no version
    r = await post_form(admin, "/admin/templates/reminder/es", {"subject": "Recordatorio {{ reference }}", "body": "Debe {{ outstanding }}.",
                                                                   "action": "save"})
    assert r.status_code == 303
    assert await MessageTemplate.count().where((MessageTemplate.key == "reminder") & (MessageTemplate.language == "es")) == before + 1
    # an earlier version's text, brought back into the form, and made the active text again as a new version
    first = (await MessageTemplate.select(MessageTemplate.version, MessageTemplate.body).where(
        (MessageTemplate.key == "reminder") & (MessageTemplate.language == "es")).order_by(MessageTemplate.version).first())
    page = await admin.get(f"/admin/templates/reminder/es?version={first['version']}")
    assert page.status_code == 200 and "Esta es la versión" in page.text and "pendiente el pago de" in page.text
    assert (await admin.get("/admin/templates/reminder/es?version=999")).status_code == 404


async def test_staff_send_a_template_and_creditors_cannot(make_client):
    org, client, ch, nh, case = await _accepted(make_client)
    assert (await client.post(f"/api/v1/cases/{case['id']}/messages", json={"template": "first_contact"}, headers=ch)).status_code == 403
    r = await client.post(f"/api/v1/cases/{case['id']}/messages", json={"template": "first_contact"}, headers=nh)
    assert r.status_code == 201 and r.json()["to"] == "pagos@norte.test"
    assert "1.210,50" in r.json()["body"] and case["reference"] in r.json()["subject"]
    assert await OutboxMessage.exists().where((OutboxMessage.to_address == "pagos@norte.test") & (OutboxMessage.kind == "debtor:first_contact"))
    assert await CaseEvent.exists().where((CaseEvent.case == case["id"]) & (CaseEvent.kind == "message"))
    r = await client.post(f"/api/v1/cases/{case['id']}/messages", json={"template": "whatsapp_first_contact"}, headers=nh)
    assert r.status_code == 400  # the debtor has no phone
    r = await client.post(f"/api/v1/cases/{case['id']}/messages", json={"template": "nope"}, headers=nh)
    assert r.status_code == 404
    # a promise confirmation with no promise would go out with blanks: refused, nothing queued
    before = await OutboxMessage.count()
    r = await client.post(f"/api/v1/cases/{case['id']}/messages", json={"template": "promise_confirmation"}, headers=nh)
    assert r.status_code == 400 and "promesa de pago" in r.json()["detail"] and await OutboxMessage.count() == before
    from datetime import timedelta

    r = await client.post(f"/api/v1/cases/{case['id']}/promises", json={"promised_on": (clock.today() + timedelta(days=3)).isoformat(),
                                                                     "amount": "100"}, headers=nh)
    assert r.status_code == 201
    r = await client.post(f"/api/v1/cases/{case['id']}/messages", json={"template": "promise_confirmation"}, headers=nh)
    assert r.status_code == 201 and "100,00" in r.json()["body"]


async def test_a_creditors_own_reminder_steps_replace_the_default(make_client):
    from datetime import datetime, timedelta, timezone

    from cases.messages.service import send_due_reminders
    from cases.tables import Case, ReminderStep

    admin, _ = await signed_in(make_client, "admin")
    org = await create_org()
    assert (await admin.get("/admin/reminders")).status_code == 200
    r = await post_form(admin, "/admin/reminders/", {"organisation_id": str(org), "anchor": "due", "offset_days": "999", "template_key": "reminder"})
    assert r.status_code == 400 and "365" in r.text
    r = await post_form(admin, "/admin/reminders/", {"organisation_id": str(org), "anchor": "due", "offset_days": "0", "template_key": "overdue"})
    assert r.status_code == 303
    assert await ReminderStep.exists().where((ReminderStep.organisation == org) & (ReminderStep.template_key == "overdue"))
    r = await post_form(admin, "/admin/reminders/", {"organisation_id": str(org), "anchor": "due", "offset_days": "0", "template_key": "overdue"})
    assert r.status_code == 400 and "dos veces" in r.text, "the same step twice: the debtor would get the message twice"
    assert await ReminderStep.count().where(ReminderStep.organisation == org) == 1
    r = await post_form(admin, "/admin/reminders/", {"organisation_id": str(org), "anchor": "due", "offset_days": "3", "template_key": "promise_confirmation"})
    assert r.status_code == 400 and "promesa" in r.text, "a step goes to every case: not a message about a promise"
    creditor = await create_user("creditor", org)
    client = await make_client()
    ch = await api_token(client, creditor["email"])
    nh = await api_token(client, (await create_user("negotiator"))["email"])
    case = await _accepted_case(client, ch, nh)
    from legal.rules.calendar import is_holiday

    day = datetime.now(timezone.utc).date()  # the claim's invoices fell due yesterday: a working day from today on
    while day.weekday() == 6 or is_holiday(day):
        day += timedelta(days=1)
    monday = datetime(day.year, day.month, day.day, 11, 0, tzinfo=timezone.utc)  # 12:00 in Madrid, inside the contact window
    await Case.update({Case.accepted_at: monday - timedelta(days=1)}).where(Case.id == case["id"])
    await send_due_reminders(now=monday)
    sent = [e["payload"] for e in await CaseEvent.select(CaseEvent.payload).where((CaseEvent.case == case["id"]) & (CaseEvent.kind == "message"))]
    import json

    templates = [json.loads(p)["template"] if isinstance(p, str) else p["template"] for p in sent]
    assert templates == ["overdue"]  # the creditor's own step, not the agency's first contact


async def test_whatsapp_from_the_case_page_gives_a_button_with_the_text_ready(make_client):
    from cases.tables import Case, Debtor

    org, client, ch, nh, case = await _accepted(make_client)
    debtor = (await Case.select(Case.debtor).where(Case.id == case["id"]).first())["debtor"]
    await Debtor.update({Debtor.phone: "600 123 456"}).where(Debtor.id == debtor)
    page, _ = await signed_in(make_client, "negotiator")
    assert 'id="msg-result"' in (await page.get(f"/cases/{case['id']}")).text
    r = await post_form(page, f"/cases/{case['id']}/messages", {"template": "whatsapp_first_contact"}, headers={"hx-request": "true"})
    assert r.status_code == 200 and r.headers["hx-retarget"] == "#msg-result"
    assert 'href="https://wa.me/34600123456?text=Hola%2C%20' in r.text and "Abrir WhatsApp" in r.text and 'target="_blank"' in r.text
    assert "S.L.." not in r.text
    timeline = (await page.get(f"/cases/{case['id']}/part/timeline")).text.split('id="timeline"', 1)[1]
    assert "+34600123456</span>: Hola," in timeline and "whatsapp_first_contact" not in timeline, "what was said, not the template's key"
    r = await post_form(page, f"/cases/{case['id']}/messages", {"template": "nope"}, headers={"hx-request": "true"})
    assert r.status_code == 404 or (r.status_code == 400 and r.headers["x-form-error"] == "1")


async def test_the_debt_summary_adds_up_and_says_how_to_pay(make_client):
    import re
    from decimal import Decimal

    org, client, ch, nh, case = await _accepted(make_client)
    body = (await client.post(f"/api/v1/cases/{case['id']}/messages", json={"template": "debt_summary"}, headers=nh)).json()["body"]

    def line(label):
        return Decimal(re.search(label + r": ([\d.]+,\d\d)", body).group(1).replace(".", "").replace(",", "."))

    assert line("Facturas") + line("Intereses de demora") + line("Costes de cobro e indemnización") - line("Pagado") == line("Total pendiente")
    assert line("Costes de cobro e indemnización") > 0 and "Transferencia: ES" in body and case["reference"] in body
    balance = (await client.get(f"/api/v1/cases/{case['id']}", headers=nh)).json()["balance"]
    assert line("Total pendiente") == Decimal(balance["outstanding"]) and line("Intereses de demora") == Decimal(balance["interest"])


async def test_the_phone_script_is_written_out_for_the_case_for_staff_only(make_client):
    org, client, ch, nh, case = await _accepted(make_client)
    staff, _ = await signed_in(make_client, "negotiator")
    assert 'hx-get="/cases/%d/phone-scripts"' % case["id"] in (await staff.get(f"/cases/{case['id']}")).text  # beside the contact log
    text = (await staff.get(f"/cases/{case['id']}/phone-scripts")).text
    assert "Guion: primera llamada" in text and "exp. " + case["reference"] in text and re.search(r"deuda de [\d.]+,\d\d", text)
    assert "{{" not in text.split('class="phone-script"', 1)[1].split("</details>", 1)[0], "written out, not the template"
    creditor_page, _ = await signed_in(make_client, "creditor", org)
    assert 'class="phone-script"' not in (await creditor_page.get(f"/cases/{case['id']}")).text
