"""The conversation between the creditor and the agency on a case over HTTP (issue 22, item 3): both sides post and read
the same thread (JSON, multipart with files, the case page's section), a creditor's question raises the case in the
queue and tells its negotiator, the agency's answer closes it and tells the creditor's users; refusals (a message over
10,000 characters, a file of a refused type, a document of another case) write nothing; another organisation's creditor
gets a 404; questions unanswered after two business days show on the admin's dashboard."""
from __future__ import annotations

import io
import json
from datetime import date, timedelta

from agency import clock
from agency.auth import CurrentUser
from agency.roles import Role
from agency.tables import OutboxMessage
from cases.conversation.rules import answer_due
from cases.privacy import service as privacy
from cases.tables import Case, CaseEvent, ConversationFile, ConversationMessage, Evidence
from tests.factories import api_token, by_hand, case_page, create_org, create_user, post_form, signed_in
from tests.http.cases.test_claims import PDF
from tests.http.cases.test_money import _people
from tests.http.cases.test_negotiation import _accepted_case
from tests.http.cases.test_stages import _case


async def _written(case_id: int) -> tuple:
    """What a refusal must leave as it was: the messages, their files, the case's evidence and timeline, the outbox."""
    return (await ConversationMessage.count().where(ConversationMessage.case == case_id), await ConversationFile.count(),
            await Evidence.count().where(Evidence.case == case_id), await CaseEvent.count().where(CaseEvent.case == case_id),
            await OutboxMessage.count())


async def _with_negotiator(make_client):
    org, c, ch, _nh = await _people(make_client)
    negotiator = await create_user("negotiator", language="en")
    nh = await api_token(c, negotiator["email"])
    case = await _accepted_case(c, ch, nh)
    await Case.update({Case.negotiator: negotiator["id"]}).where(Case.id == case["id"])
    await by_hand()  # (set up by hand: the report totals follow)
    return org, c, ch, nh, negotiator, case


async def test_both_sides_post_and_read_the_thread_the_question_raises_the_queue_and_the_answer_closes_it(make_client):
    org, c, ch, nh, negotiator, case = await _with_negotiator(make_client)
    cid = case["id"]
    before = (await Case.select(Case.priority, Case.priority_reasons).where(Case.id == cid).first())

    r = await c.post(f"/api/v1/cases/{cid}/conversation", json={"body": "¿Han hablado ya con el deudor?\nGracias."}, headers=ch)
    assert r.status_code == 201, r.text
    question = r.json()
    assert question["side"] == "creditor" and question["body"] == "¿Han hablado ya con el deudor?\nGracias."
    assert question["due_on"] == answer_due(clock.today()).isoformat() and question["answered_at"] is None

    # a task for the negotiator: the case rises in the queue with the reason, and its negotiator is told by email
    raised = await Case.select(Case.priority, Case.priority_reasons).where(Case.id == cid).first()
    assert "creditor_question" in raised["priority_reasons"].split(",") and raised["priority"] == before["priority"] + 30
    queue = {row["id"]: row for row in (await c.get("/api/v1/queue", headers=nh)).json()}
    assert queue[cid]["priority"] == raised["priority"] and len(queue[cid]["reasons"]) == len(raised["priority_reasons"].split(","))
    mail = await OutboxMessage.select().where((OutboxMessage.to_address == negotiator["email"]) &
                                              (OutboxMessage.kind == "conversation_creditor")).first()
    assert mail and case["reference"] in mail["subject"] and "question from the creditor" in mail["subject"]
    assert "¿Han hablado ya con el deudor?" in mail["body_text"]
    [event] = await CaseEvent.select().where((CaseEvent.case == cid) & (CaseEvent.kind == "conversation_creditor"))
    assert event["visible_to_creditor"] and json.loads(event["payload"])["message_id"] == question["id"]

    # the agency answers: the question is answered, the case sinks back, the creditor's users are told
    r = await c.post(f"/api/v1/cases/{cid}/conversation", json={"body": "Sí, ha prometido pagar el viernes."}, headers=nh)
    assert r.status_code == 201, r.text
    assert r.json()["side"] == "agency"
    for h in (ch, nh):  # both sides read the same thread
        items = (await c.get(f"/api/v1/cases/{cid}/conversation", headers=h)).json()
        assert [m["side"] for m in items["items"]] == ["creditor", "agency"] and items["waiting"] == 0
        assert items["items"][0]["answered_at"] and items["items"][0]["answered_by"]
    after = await Case.select(Case.priority, Case.priority_reasons).where(Case.id == cid).first()
    assert "creditor_question" not in after["priority_reasons"].split(",") and after["priority"] == before["priority"]
    creditor_mails = await OutboxMessage.select().where((OutboxMessage.kind == "conversation_agency") & OutboxMessage.body_text.like("%ha prometido pagar%"))
    assert len(creditor_mails) == 1 and case["reference"] in creditor_mails[0]["subject"]
    [answer] = await CaseEvent.select().where((CaseEvent.case == cid) & (CaseEvent.kind == "conversation_agency"))
    assert json.loads(answer["payload"])["answers"] == [question["id"]] and answer["visible_to_creditor"]
    timeline = [e["kind"] for e in (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()["events"]]
    assert "conversation_creditor" in timeline and "conversation_agency" in timeline


async def test_files_go_with_the_message_as_the_cases_evidence(make_client):
    _org, c, ch, nh, _negotiator, case = await _with_negotiator(make_client)
    cid = case["id"]
    r = await c.post(f"/api/v1/cases/{cid}/conversation", headers=ch, data={"body": "Adjunto el albarán firmado."},
                     files=[("file", ("albaran.pdf", io.BytesIO(PDF + b"%albaran"), "application/pdf"))])
    assert r.status_code == 201, r.text
    [f] = r.json()["files"]
    assert f["filename"] == "albaran.pdf" and f["content_type"] == "application/pdf"
    row = await Evidence.select().where(Evidence.id == f["evidence_id"]).first()
    assert row["case"] == cid and row["kind"] == "correspondence" and len(row["sha256"]) == 64
    assert (await c.get(f["download_url"], headers=nh)).status_code in (200, 307)

    # JSON with a document the case already has
    uploaded = (await c.post(f"/api/v1/cases/{cid}/evidence", headers=nh, files={"file": ("carta.pdf", io.BytesIO(PDF + b"%carta"),
                                                                                          "application/pdf")})).json()
    r = await c.post(f"/api/v1/cases/{cid}/conversation", json={"body": "Le enviamos la carta.", "evidence_ids": [uploaded["id"]]}, headers=nh)
    assert r.status_code == 201 and [x["evidence_id"] for x in r.json()["files"]] == [uploaded["id"]], r.text


async def test_refusals_write_nothing(make_client):
    org, c, ch, nh, _negotiator, case = await _with_negotiator(make_client)
    cid = case["id"]
    other_case = await _accepted_case(c, ch, nh)
    theirs = (await c.post(f"/api/v1/cases/{other_case['id']}/evidence", headers=ch,
                           files={"file": ("otra.pdf", io.BytesIO(PDF + b"%otra"), "application/pdf")})).json()
    before = await _written(cid)

    r = await c.post(f"/api/v1/cases/{cid}/conversation", json={"body": "x" * 10_001}, headers=ch)
    assert r.status_code == 400 and "10" in r.json()["errors"]["body"] and r.json()["detail"], r.text
    for body in ({"body": ""}, {"body": "   \n "}, {}, {"body": 5}, {"body": "Hola", "evidence_ids": "1"}):
        r = await c.post(f"/api/v1/cases/{cid}/conversation", json=body, headers=ch)
        assert r.status_code == 400 and r.json()["detail"], (body, r.text)
    r = await c.post(f"/api/v1/cases/{cid}/conversation", json={"body": "Mire este", "evidence_ids": [theirs["id"]]}, headers=ch)
    assert r.status_code == 400 and str(theirs["id"]) in r.json()["detail"]
    r = await c.post(f"/api/v1/cases/{cid}/conversation", content=b"not json", headers={**ch, "Content-Type": "application/json"})
    assert r.status_code == 400
    # a file of a refused type (an executable named .pdf), beside a good one: neither is kept, no message
    r = await c.post(f"/api/v1/cases/{cid}/conversation", headers=ch, data={"body": "Adjunto dos ficheros."},
                     files=[("file", ("bueno.pdf", io.BytesIO(PDF + b"%bueno"), "application/pdf")),
                            ("file", ("factura.pdf", io.BytesIO(b"MZ\x90\x00" + b"\0" * 64), "application/pdf"))])
    assert r.status_code == 400 and "factura.pdf" in r.json()["detail"], r.text
    r = await c.post(f"/api/v1/cases/{cid}/conversation", headers=ch, data={"body": "x" * 10_001},
                     files=[("file", ("bueno.pdf", io.BytesIO(PDF + b"%bueno"), "application/pdf"))])
    assert r.status_code == 400
    assert await _written(cid) == before

    # another organisation's creditor: a 404 on reading and on writing, nothing written
    other = await api_token(c, (await create_user("creditor", await create_org()))["email"])
    assert (await c.get(f"/api/v1/cases/{cid}/conversation", headers=other)).status_code == 404
    assert (await c.post(f"/api/v1/cases/{cid}/conversation", json={"body": "¿Qué tal?"}, headers=other)).status_code == 404
    r = await c.post(f"/api/v1/cases/{cid}/conversation", headers=other, data={"body": "¿Qué tal?"},
                     files=[("file", ("a.pdf", io.BytesIO(PDF), "application/pdf"))])
    assert r.status_code == 404
    page, _me = await signed_in(make_client, "creditor", await create_org())
    assert (await page.get(f"/cases/{cid}/conversation")).status_code == 404
    assert (await post_form(page, f"/cases/{cid}/conversation", {"body": "Hola"}, files={"files": ("", b"", "application/octet-stream")})
            ).status_code == 404
    assert await _written(cid) == before


async def test_the_case_page_section_posts_and_refreshes_on_both_sides(make_client):
    org, c, ch, nh, negotiator, case = await _with_negotiator(make_client)
    cid = case["id"]
    creditor_page, _creditor = await signed_in(make_client, "creditor", org)
    shown = await case_page(creditor_page, cid)
    assert f'hx-post="/cases/{cid}/conversation"' in shown.text and 'name="body"' in shown.text

    # htmx: the section comes back with the message in the thread
    r = await post_form(creditor_page, f"/cases/{cid}/conversation", {"body": "Por favor, llamen al deudor por la tarde."},
                        files={"files": ("nota.txt", b"Horario: 16-19 h\n", "text/plain")}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'id="conversation"' in r.text and "llamen al deudor por la tarde" in r.text and "nota.txt" in r.text
    assert "<html" not in r.text

    # refused over htmx: a 400 with the reason, nothing written
    before = await _written(cid)
    r = await post_form(creditor_page, f"/cases/{cid}/conversation", {"body": "y" * 10_001},
                        files={"files": ("", b"", "application/octet-stream")}, headers={"HX-Request": "true"})
    assert r.status_code == 400 and r.headers.get("X-Form-Error") == "1" and "10" in r.text
    r = await post_form(creditor_page, f"/cases/{cid}/conversation", {"body": "Un programa"},
                        files={"files": ("programa.exe", b"MZ\x90\x00" + b"\0" * 64, "application/octet-stream")},
                        headers={"HX-Request": "true"})
    assert r.status_code == 400 and "programa.exe" in r.text
    assert await _written(cid) == before

    # staff see the question on the case page and answer it without JavaScript
    staff_page, staff = await signed_in(make_client, "negotiator")
    shown = await case_page(staff_page, cid)
    assert "llamen al deudor por la tarde" in shown.text
    r = await post_form(staff_page, f"/cases/{cid}/conversation", {"body": "De acuerdo, le llamaremos a las 17 h."},
                        files={"files": ("", b"", "application/octet-stream")})
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{cid}/conversation"
    thread = (await creditor_page.get(f"/cases/{cid}/conversation")).text
    assert "le llamaremos a las 17 h" in thread and "<html" in thread
    assert (await ConversationMessage.select(ConversationMessage.answered_by).where(
        (ConversationMessage.case == cid) & (ConversationMessage.side == "creditor")).first()
            )["answered_by"] == staff["id"]


async def test_questions_unanswered_after_two_business_days_show_on_the_admin_dashboard(make_client):
    org, c, ch, nh, _negotiator, case = await _with_negotiator(make_client)
    cid = case["id"]
    r = await c.post(f"/api/v1/cases/{cid}/conversation", json={"body": "¿Alguna novedad sobre el pago?"}, headers=ch)
    late = r.json()["id"]
    r = await c.post(f"/api/v1/cases/{cid}/conversation", json={"body": "Y otra pregunta, de hoy."}, headers=ch)
    fresh = r.json()["id"]
    # the first asked on Wednesday 25 November 2026: due Friday 27; the list is read as of today
    asked = date(2026, 11, 25)
    await ConversationMessage.update({ConversationMessage.due_on: answer_due(asked),
                                      ConversationMessage.created_at: ConversationMessage.created_at - timedelta(days=(clock.today() - asked).days)}
                                     ).where(ConversationMessage.id == late)
    admin_page, _admin = await signed_in(make_client, "admin")
    admin = await api_token(admin_page, _admin["email"])
    items = (await admin_page.get("/api/v1/conversations/overdue", headers=admin)).json()["items"]
    mine = [i for i in items if i["case_id"] == cid]
    assert [i["message_id"] for i in mine] == [late], "only the question past its due day"
    assert mine[0]["due_on"] == "2026-11-27" and mine[0]["asked_days_ago"] == (clock.today() - asked).days
    assert mine[0]["business_days_late"] >= 1 and mine[0]["reference"] == case["reference"]
    assert fresh not in [i["message_id"] for i in items]
    dashboard = (await admin_page.get("/admin/")).text
    assert 'hx-get="/admin/conversations"' in dashboard
    fragment = await admin_page.get("/admin/conversations", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and case["reference"] in fragment.text and "Alguna novedad" in fragment.text
    assert (await c.get("/api/v1/conversations/overdue", headers=ch)).status_code == 403
    assert (await c.get("/api/v1/conversations/overdue", headers=nh)).status_code == 403
    # the case page says the question is overdue
    assert (await c.get(f"/api/v1/cases/{cid}/conversation", headers=ch)).json() | {"items": None} == {"items": None, "waiting": 2, "overdue": 1}
    assert (await c.get(f"/cases/{cid}/conversation", headers={**ch, "HX-Request": "true"})).text.count("badge status-broken") == 2

    # answered: off the list
    assert (await c.post(f"/api/v1/cases/{cid}/conversation", json={"body": "Ninguna todavía; seguimos."}, headers=nh)).status_code == 201
    items = (await admin_page.get("/api/v1/conversations/overdue", headers=admin)).json()["items"]
    assert cid not in [i["case_id"] for i in items]


async def test_the_messages_go_into_the_debtors_export_and_are_blanked_when_the_debtor_is_anonymised(make_client):
    _org, c, ch, nh, _negotiator, case = await _with_negotiator(make_client)
    cid = case["id"]
    assert (await c.post(f"/api/v1/cases/{cid}/conversation", json={"body": "El deudor, Juan, dice que está en paro."}, headers=ch)
            ).status_code == 201
    debtor_id = (await Case.select(Case.debtor).where(Case.id == cid).first())["debtor"]
    admin = await create_user("admin")
    me = CurrentUser(id=admin["id"], email=admin["email"], name="a", role=Role.admin, organisation_id=None, language="es")
    exported = await privacy.export(me, debtor_id)
    [mine] = [x for x in exported["cases"] if x["reference"] == case["reference"]]
    assert [m["text"] for m in mine["conversation"]] == ["El deudor, Juan, dice que está en paro."]

    await privacy.anonymise(None, debtor_id)
    assert [m["body"] for m in await ConversationMessage.select(ConversationMessage.body).where(ConversationMessage.case == cid)] == [""]
    [event] = await CaseEvent.select(CaseEvent.summary).where((CaseEvent.case == cid) & (CaseEvent.kind == "conversation_creditor"))
    assert event["summary"] == ""


async def test_a_question_on_a_case_nobody_works_yet_goes_to_the_admins(make_client):
    _org, c, ch, _nh = await _people(make_client)
    case = await _case(c, ch)  # a claim not yet accepted: no negotiator, no lawyer
    admin = await create_user("admin", language="en")
    assert (await c.post(f"/api/v1/cases/{case['id']}/conversation", json={"body": "¿Han recibido la reclamación?"}, headers=ch)
            ).status_code == 201
    mail = await OutboxMessage.select().where((OutboxMessage.to_address == admin["email"]) & (OutboxMessage.kind == "conversation_creditor")).first()
    assert mail and case["reference"] in mail["subject"] and "¿Han recibido la reclamación?" in mail["body_text"]


async def test_a_question_makes_the_case_due_so_take_next_offers_it(make_client):
    from datetime import datetime, timezone

    from cases.negotiation.service import take_next

    org, c, ch, nh, negotiator, case = await _with_negotiator(make_client)
    later = datetime.now(timezone.utc) + timedelta(days=20)
    await Case.update({Case.next_action_at: later, Case.priority: 10**6}).where(Case.id == case["id"])
    me = CurrentUser(id=negotiator["id"], email=negotiator["email"], name="n", role=Role.negotiator, organisation_id=None, language="en")
    taken = await take_next(me)
    assert taken is None or taken.case_id != case["id"], "its next action is weeks away"
    r = await c.post(f"/api/v1/cases/{case['id']}/conversation", json={"body": "¿Alguna novedad?"}, headers=ch)
    assert r.status_code == 201, r.text
    taken = await take_next(me)
    assert taken is not None and taken.case_id == case["id"], "the creditor's question is due now"


async def test_a_question_and_its_answer_are_notifications_with_what_was_written(make_client):
    org, c, ch, nh, negotiator, case = await _with_negotiator(make_client)
    r = await c.post(f"/api/v1/cases/{case['id']}/conversation", json={"body": "¿Ha contestado   el deudor?"}, headers=ch)
    assert r.status_code == 201, r.text
    told = (await c.get("/api/v1/notifications", headers=nh)).json()
    assert told["unread"] >= 1 and any(case["reference"] in i["text"] and "¿Ha contestado el deudor?" in i["text"] for i in told["items"])
    r = await c.post(f"/api/v1/cases/{case['id']}/conversation", json={"body": "Sí: pagará el lunes."}, headers=nh)
    assert r.status_code == 201, r.text
    items = (await c.get("/api/v1/notifications", headers=ch)).json()["items"]
    assert any("Sí: pagará el lunes." in i["text"] for i in items)
