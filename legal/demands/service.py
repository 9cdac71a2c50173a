"""What was sent to the debtor and how they answered, as far as the law cares: a document sent (by a
certified channel it is a demand that interrupts limitation, CC 1973), a settlement offer (the attempt
LO 1/2025 requires before suing, with its answer deadline), the debtor's signed acknowledgement."""
from __future__ import annotations

import json
from datetime import date

from litestar.exceptions import ClientException, HTTPException, NotFoundException

from agency import clock
from agency.auth import CurrentUser
from agency.db import as_date, atomic, utcnow
from agency.i18n import gettext as _
from agency.tenancy import get_visible
from cases import events
from cases.contacts.rules import CERTIFIED
from cases.tables import Case, CaseEvent, Evidence
from legal.court.service import create_deadline
from legal.demands.rules import delivery_problem
from legal.documents.service import TEMPLATES, visible_document
from legal.limitation.service import refresh_limitation
from legal.tables import Deadline

SEND_CHANNELS = ("burofax", "letter", "email", "hand")
SETTLEMENT_TEMPLATES = ("settlement_offer", "payment_demand")  # both carry the offer (legal/documents/templates)
# The letters that demand payment from the debtor: sent by a certified channel, they interrupt limitation
# (CC 1973). A statement for the creditor or a notice does not, however it is sent.
DEMAND_TEMPLATES = ("payment_demand", "reminder_letter", "settlement_offer", "lettre_recouvrement_amiable", "carta_cobranca_amigavel")
# The documents that go to the debtor by post, burofax, email or by hand (court writs are filed instead).
SENDABLE = ("payment_demand", "reminder_letter", "debt_acknowledgement", "settlement_offer", "mediation_request", "bureau_notice",
            "lettre_recouvrement_amiable", "carta_cobranca_amigavel")


def _day(value: date, today: date, what: str) -> date:
    if value > today:
        raise ClientException(detail=_("%(what)s cannot be in the future.") % {"what": what})
    return value


async def mark_sent(user: CurrentUser, document_id: int, sent_on: date, channel: str, today: date) -> None:
    doc = await visible_document(user, document_id)
    if doc["template"] not in SENDABLE:
        raise ClientException(detail=_("This document is not sent to the debtor (a court writ is recorded as a filing)."))
    if channel not in SEND_CHANNELS:
        raise ClientException(detail=_("The channel is one of: %(values)s.") % {"values": ", ".join(SEND_CHANNELS)})
    _day(sent_on, today, _("The sending date"))
    if sent_on < as_date(doc["data_date"]):
        raise ClientException(detail=_("A document is sent on or after the day it was made."))
    case = await Case.select(Case.id, Case.jurisdiction, Case.settlement_offer_on).where(Case.id == doc["case"]).first()
    certified = channel in CERTIFIED
    demand = certified and doc["template"] in DEMAND_TEMPLATES
    async with atomic():
        await events.record(doc["case"], "document_sent", user, _("%(name)s sent by %(channel)s.") % {
            "name": str(TEMPLATES[doc["template"]].name), "channel": channel},
            {"document": document_id, "template": doc["template"], "sent_on": sent_on.isoformat(), "channel": channel,
             "certified": certified, "demand": demand}, visible_to_creditor=doc["visible_to_creditor"])
        if doc["template"] in SETTLEMENT_TEMPLATES:
            if case["settlement_offer_on"] is None or sent_on < as_date(case["settlement_offer_on"]):
                await Case.update({Case.settlement_offer_on: sent_on, Case.updated_at: utcnow()}).where(Case.id == doc["case"])
            await create_deadline(doc["case"], "settlement_answer", sent_on, f"document:{document_id}:sent", case["jurisdiction"])
        if demand:
            await refresh_limitation([doc["case"]], today)


async def record_delivery(user: CurrentUser, case_id: int, what: tuple, delivered_on: date, certificate_id: int | None,
                          today: date) -> dict:
    """The day something sent to the debtor reached them, with its certificate (an evidence file of the case):
    ``what`` is ("document", document_id) for the latest send of a document, or ("contact", event_id) for a
    certified contact (a burofax logged as a contact). Once per sending (a repeat is a 409). Limitation restarts
    from the delivery, a consumer's default starts there, and a settlement offer's 30 days are counted from it."""
    case = await get_visible(Case.select(Case.id, Case.jurisdiction, Case.settlement_offer_on).where(Case.id == case_id), user,
                             Case.organisation)
    if what[0] == "document":
        doc = await visible_document(user, what[1])
        if doc["case"] != case_id:
            raise NotFoundException(detail=_("Not found."))
        sends = [p for p in await _payloads(case_id, "document_sent") if p.get("document") == what[1]]
        if not sends:
            raise HTTPException(status_code=409, detail=_("This document has not been sent: record its sending first."))
        sent = max(sends, key=lambda p: p["sent_on"])
        sent_on, key = date.fromisoformat(sent["sent_on"]), ["document", what[1], sent["sent_on"]]
        demand, settlement, channel = bool(sent.get("demand")), doc["template"] in SETTLEMENT_TEMPLATES, sent.get("channel", "")
    else:
        row = await CaseEvent.select(CaseEvent.id, CaseEvent.at, CaseEvent.payload).where(
            (CaseEvent.id == what[1]) & (CaseEvent.case == case_id) & (CaseEvent.kind == "contact")).first()
        payload = _payload(row) if row else {}
        if not payload.get("certified") or payload.get("direction") != "outbound":
            raise NotFoundException(detail=_("No certified contact with the debtor has that number in this case."))
        sent_on, key = clock.day_of(row["at"]), ["contact", what[1]]
        demand, settlement, channel = True, False, payload.get("channel", "")
    problem = delivery_problem(sent_on, delivered_on, today)
    if problem:
        raise ClientException(detail=str(problem))
    if certificate_id is not None and (not 0 < certificate_id < 2**31 or  # (an id no row can have: not a driver overflow)
                                       not await Evidence.exists().where((Evidence.id == certificate_id) & (Evidence.case == case_id))):
        raise ClientException(detail=_("The certificate must be a file of this case's evidence: upload it first."))
    async with atomic():
        if any(p.get("of") == key for p in await _payloads(case_id, "delivered")):  # (inside: two clicks at once)
            raise HTTPException(status_code=409, detail=_("This sending's delivery is already recorded."))
        await events.record(case_id, "delivered", user, _("Delivered to the debtor on %(day)s.") % {"day": delivered_on.isoformat()},
                            {"of": key, "sent_on": sent_on.isoformat(), "delivered_on": delivered_on.isoformat(), "channel": channel,
                             "certificate": certificate_id, "demand": demand}, visible_to_creditor=True)
        if settlement and delivered_on != sent_on:  # LO 1/2025: the 30 days run from receipt (received the day sent: as they are)
            await Case.update({Case.settlement_offer_on: delivered_on, Case.updated_at: utcnow()}).where(Case.id == case_id)
            await Deadline.update({Deadline.status: "cancelled", Deadline.done_at: utcnow()}).where(
                (Deadline.case == case_id) & (Deadline.rule == "settlement_answer") & (Deadline.status == "open"))
            await create_deadline(case_id, "settlement_answer", delivered_on, f"{':'.join(map(str, key))}:delivered", case["jurisdiction"])
        await refresh_limitation([case_id], today)  # and the day a demand first reached the debtor
    return {"of": key, "sent_on": sent_on, "delivered_on": delivered_on, "certificate": certificate_id, "demand": demand}


def _payload(row) -> dict:
    return json.loads(row["payload"] or "{}") if isinstance(row["payload"], str) else (row["payload"] or {})


async def _payloads(case_id: int, kind: str) -> list[dict]:
    return [_payload(r) for r in await CaseEvent.select(CaseEvent.payload).where((CaseEvent.case == case_id) & (CaseEvent.kind == kind))]


async def record_settlement_answer(user: CurrentUser, case_id: int, answered_on: date, accepted: bool, note: str, today: date) -> None:
    case = await get_visible(Case.select(Case.id, Case.settlement_offer_on).where(Case.id == case_id), user, Case.organisation)
    if case["settlement_offer_on"] is None:
        raise HTTPException(status_code=409, detail=_("No settlement offer has been sent for this case."))
    _day(answered_on, today, _("The answer's date"))
    if answered_on < as_date(case["settlement_offer_on"]):
        raise ClientException(detail=_("The answer comes after the offer was sent."))
    async with atomic():
        await Case.update({Case.settlement_answer_on: answered_on, Case.updated_at: utcnow()}).where(Case.id == case_id)
        await Deadline.update({Deadline.status: "done", Deadline.done_at: utcnow()}).where(  # answered: nothing left to wait for
            (Deadline.case == case_id) & (Deadline.rule == "settlement_answer") & (Deadline.status == "open"))
        await events.record(case_id, "settlement_answer", user, note.strip()[:500],
                            {"answered_on": answered_on.isoformat(), "accepted": accepted}, visible_to_creditor=True)


async def record_acknowledgement(user: CurrentUser, case_id: int, signed_on: date, note: str, today: date) -> None:
    """The debtor signed an acknowledgement of the debt: limitation starts again (CC 1973)."""
    await get_visible(Case.select(Case.id).where(Case.id == case_id), user, Case.organisation)
    _day(signed_on, today, _("The signing date"))
    async with atomic():
        await events.record(case_id, "acknowledgement", user, note.strip()[:500], {"on": signed_on.isoformat()}, visible_to_creditor=True)
        await refresh_limitation([case_id], today)
