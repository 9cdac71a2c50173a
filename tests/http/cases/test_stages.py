"""Stage moves through the API and the page: 409 with the reason, an event, the creditor's email."""
import io
from datetime import timedelta

from agency import clock
from agency.tables import OutboxMessage
from cases.tables import Case, CaseEvent
from tests.factories import api_token, create_org, create_user, post_form, signed_in
from tests.http.cases.test_claims import PDF, claim_body


async def _case(client, h, with_evidence=True):
    case = (await client.post("/api/v1/claims", json=claim_body(), headers=h)).json()
    if with_evidence:
        await client.post(f"/api/v1/cases/{case['id']}/evidence", headers=h, files={"file": ("f.pdf", io.BytesIO(PDF), "application/pdf")})
    return case


async def test_accepting_and_refusing(make_client):
    org = await create_org()
    creditor = await create_user("creditor", org)
    client = await make_client()
    ch = await api_token(client, creditor["email"])
    nh = await api_token(client, (await create_user("negotiator"))["email"])
    bare = await _case(client, ch, with_evidence=False)
    r = await client.post(f"/api/v1/cases/{bare['id']}/transitions", json={"to": "amicable"}, headers=nh)
    assert r.status_code == 409 and r.json()["detail"]
    assert [x["code"] for x in r.json()["refusals"]] == ["no_evidence"]
    assert (await Case.select(Case.stage).where(Case.id == bare["id"]).first())["stage"] == "intake"

    case = await _case(client, ch)
    assert (await client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "amicable"}, headers=ch)).status_code == 403
    r = await client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "amicable", "reason": "Documentación completa"}, headers=nh)
    assert r.status_code == 200 and r.json()["stage"] == "amicable"
    assert await CaseEvent.exists().where((CaseEvent.case == case["id"]) & (CaseEvent.kind == "stage_changed") & (CaseEvent.visible_to_creditor == True))  # noqa: E712
    mail = await OutboxMessage.select().where((OutboxMessage.to_address == creditor["email"]) & (OutboxMessage.kind == "stage_changed")).first()
    assert mail and case["reference"] in mail["subject"] and "recobro amistoso" in mail["body_text"]
    creditor_view = (await client.get(f"/api/v1/cases/{case['id']}", headers=ch)).json()
    assert "stage_changed" in [e["kind"] for e in creditor_view["events"]]
    r = await client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "closed", "outcome": "paid"}, headers=nh)
    assert r.status_code == 409 and [x["code"] for x in r.json()["refusals"]] == ["balance_not_zero"]
    r = await client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "court"}, headers=nh)
    assert r.status_code == 409 and r.json()["refusals"][0]["code"] == "not_your_move"


async def test_page_quick_action_shows_the_refusal(make_client):
    org = await create_org()
    creditor = await create_user("creditor", org)
    api = await make_client()
    case = await _case(api, await api_token(api, creditor["email"]), with_evidence=False)
    client, _ = await signed_in(make_client, "negotiator")
    page = await client.get(f"/cases/{case['id']}")
    assert 'action="/cases/%d/transitions"' % case["id"] in page.text
    r = await post_form(client, f"/cases/{case['id']}/transitions", {"to": "amicable"})
    assert r.status_code == 303
    page = await client.get(f"/cases/{case['id']}")
    assert "flash-error" in page.text
    r = await post_form(client, f"/cases/{case['id']}/transitions", {"to": "closed", "outcome": "rejected", "reason": "No es una deuda vencida"},
                        headers={"hx-request": "true"})
    assert r.headers["hx-redirect"] == f"/cases/{case['id']}"
    assert (await Case.select(Case.stage, Case.outcome).where(Case.id == case["id"]).first()) == {"stage": "closed", "outcome": "rejected"}
    page = (await client.get(f"/cases/{case['id']}/part/timeline")).text
    assert "Cerrado</span> <span class=\"muted\">(no aceptado)</span>" in page, "how it ended, beside the stage"
    assert "→ Cerrado (no aceptado) — No es una deuda vencida" in page, "and on the timeline"


async def test_logging_contacts(make_client):
    org = await create_org()
    creditor = await create_user("creditor", org)
    client = await make_client()
    ch = await api_token(client, creditor["email"])
    nh = await api_token(client, (await create_user("negotiator"))["email"])
    case = await _case(client, ch)
    body = {"kind": "call", "direction": "outbound", "outcome": "promise_to_pay", "contact": "600123456", "body": "Pagará el viernes",
            "next_action_on": (clock.today() + timedelta(days=40)).isoformat()}
    assert (await client.post(f"/api/v1/cases/{case['id']}/activities", json=body, headers=ch)).status_code == 403
    r = await client.post(f"/api/v1/cases/{case['id']}/activities", json=body, headers=nh)
    assert r.status_code == 201 and r.json()["contact"] == "+34600123456"
    staff_view = (await client.get(f"/api/v1/cases/{case['id']}", headers=nh)).json()
    assert "contact" in [e["kind"] for e in staff_view["events"]] and staff_view["next_action_at"].startswith(body["next_action_on"])
    creditor_view = (await client.get(f"/api/v1/cases/{case['id']}", headers=ch)).json()
    assert "contact" not in [e["kind"] for e in creditor_view["events"]]  # the agency's working record
    r = await client.post(f"/api/v1/cases/{case['id']}/activities", json={**body, "contact": "12"}, headers=nh)
    assert r.status_code == 400 and "contact" in r.json()["errors"]
    page_client, _ = await signed_in(make_client, "negotiator")
    r = await post_form(page_client, f"/cases/{case['id']}/activities", {"kind": "burofax", "outcome": "sent", "body": "Requerimiento"})
    assert r.status_code == 303
    # through htmx: the whole page reloads (a #fragment-only change would just scroll and hide the result)
    r = await post_form(page_client, f"/cases/{case['id']}/activities", {"kind": "call", "contact": "600 123 456", "outcome": "reached"},
                        headers={"hx-request": "true"})
    assert r.headers["hx-redirect"] == f"/cases/{case['id']}"
    # refused through htmx: a 400 with the reason, shown on the form (static/app.js), which keeps what was typed; nothing logged
    before = await CaseEvent.count().where(CaseEvent.case == case["id"])
    r = await post_form(page_client, f"/cases/{case['id']}/activities", {"kind": "call", "contact": "Sr. Pérez", "outcome": "reached",
                                                                        "body": "Un texto largo que no se pierde"}, headers={"hx-request": "true"})
    assert r.status_code == 400 and r.headers["x-form-error"] == "1" and "hx-redirect" not in r.headers
    assert "teléfono no es válido" in r.text and "Un texto largo" not in r.text
    assert await CaseEvent.count().where(CaseEvent.case == case["id"]) == before
    page = await page_client.get(f"/cases/{case['id']}/part/timeline")
    assert "Requerimiento" in page.text and "Burofax" in page.text


async def test_a_call_that_ends_in_a_promise_records_it_with_the_contact_or_not_at_all(make_client):
    from cases.tables import Promise

    org = await create_org()
    client = await make_client()
    ch = await api_token(client, (await create_user("creditor", org))["email"])
    nh = await api_token(client, (await create_user("negotiator"))["email"])
    case = await _case(client, ch)
    url = f"/api/v1/cases/{case['id']}/activities"
    friday = (clock.today() + timedelta(days=4)).isoformat()
    call = {"kind": "call", "outcome": "promise_to_pay", "contact": "600123456", "body": "Pagará el viernes"}

    def counts():
        return CaseEvent.count().where(CaseEvent.case == case["id"]), Promise.count().where(Promise.case == case["id"])

    before = [await q for q in counts()]
    for wrong, field in (({"promise_amount": "100"}, "promised_on"),  # half a promise
                         ({"promised_on": friday, "promise_amount": "100", "outcome": "reached"}, "outcome"),  # not a promise outcome
                         ({"promised_on": friday, "promise_amount": "999999"}, "promise_amount"),  # more than is owed
                         ({"promised_on": "2020-01-01", "promise_amount": "100"}, "promised_on")):
        r = await client.post(url, json={**call, **wrong}, headers=nh)
        assert r.status_code == 400 and field in r.json()["errors"], (wrong, r.text)
        assert [await q for q in counts()] == before, "neither the contact nor the promise is written"
    r = await client.post(url, json={**call, "promised_on": friday, "promise_amount": "100,50"}, headers=nh)
    assert r.status_code == 201 and r.json()["promise_id"]
    promise = await Promise.select().where(Promise.id == r.json()["promise_id"]).first()
    assert promise["amount_cents"] == 10050 and promise["promised_on"].isoformat() == friday and promise["status"] == "open"
    kinds = [e["kind"] for e in (await client.get(f"/api/v1/cases/{case['id']}", headers=nh)).json()["events"]]
    assert "contact" in kinds and "promise" in kinds
    # the creditor sees the promise (not the agency's contact record)
    creditor_kinds = [e["kind"] for e in (await client.get(f"/api/v1/cases/{case['id']}", headers=ch)).json()["events"]]
    assert "promise" in creditor_kinds and "contact" not in creditor_kinds
    # the page's form: a refusal keeps what was typed (htmx) and names what to fix
    page_client, _ = await signed_in(make_client, "negotiator")
    r = await post_form(page_client, f"/cases/{case['id']}/activities", {**call, "promised_on": friday, "promise_amount": "100,0x"},
                        headers={"hx-request": "true"})
    assert r.status_code == 400 and "importe" in r.text
    assert 'name="promised_on"' in (await page_client.get(f"/cases/{case['id']}")).text
    r = await client.post(url, json={**call, "outcome": " PROMISE_TO_PAY", "promised_on": friday, "promise_amount": "10"}, headers=nh)
    assert r.status_code == 201 and r.json()["promise_id"], "the outcome is read as the contact log reads it"
    # the case closed in another tab meanwhile: told on the form, nothing written
    from agency.db import utcnow

    await Case.update({Case.closed_at: utcnow()}).where(Case.id == case["id"])
    before = [await q for q in counts()]
    r = await post_form(page_client, f"/cases/{case['id']}/activities", {**call, "promised_on": friday, "promise_amount": "10"},
                        headers={"hx-request": "true"})
    assert r.status_code == 400 and r.headers["x-form-error"] == "1" and "cerrado" in r.text
    assert [await q for q in counts()] == before
