"""The complaints register: a complaint recorded by the debtor (from their page), a creditor (about their own cases) or
staff, with its owner and the day its answer is due; answered once, with the outcome; every step on the case's
timeline. While a complaint about contact is open, the case gets no automatic message (contact_held)."""
from __future__ import annotations

from datetime import date

from litestar.exceptions import ClientException, HTTPException, NotFoundException, PermissionDeniedException

from agency.accounts import FormErrors
from agency.auth import CurrentUser
from agency.db import atomic
from agency.i18n import gettext as _
from agency.mail import queue_email
from agency.roles import Role
from agency.settings import get_settings
from agency.tables import User
from agency.tenancy import DebtorVisitor, scoped
from cases import events
from cases.complaints.rules import CAUSES, OUTCOMES, Deadlines, answer_due, answer_problems, complaint_problems, monthly
from cases.tables import Case, Complaint

COLUMNS = (Complaint.id, Complaint.case, Complaint.case.reference.as_alias("reference"), Complaint.source, Complaint.cause, Complaint.body,
           Complaint.consumer, Complaint.received_on, Complaint.due_on, Complaint.owner, Complaint.owner.name.as_alias("owner_name"),
           Complaint.status, Complaint.answer, Complaint.outcome, Complaint.answered_on, Complaint.answered_by.name.as_alias("answered_by_name"),
           Complaint.organisation, Complaint.created_at, Complaint.created_by, Complaint.answer_sent_to)


def deadlines() -> Deadlines:
    settings = get_settings()
    return Deadlines(settings.complaint_days_consumer, settings.complaint_days_other)


async def _owner_for(case: dict | None) -> int | None:
    """Who answers: the case's negotiator or lawyer, else the longest-serving active admin."""
    if case is not None and (case.get("negotiator") or case.get("lawyer")):
        return case["negotiator"] or case["lawyer"]
    admin = await User.select(User.id).where((User.role == Role.admin.value) & (User.active == True)).order_by(User.id).first()  # noqa: E712
    return admin["id"] if admin else None


async def file_complaint(caller: CurrentUser | DebtorVisitor, case_id: int | None, source: str, cause: str, body: str, today: date) -> dict:
    """Record a complaint. A debtor complains about their own case; a creditor as itself, about its own cases or none;
    staff for whoever complained (a debtor on the phone, a creditor, themselves)."""
    if isinstance(caller, DebtorVisitor):
        source, case_id = "debtor", caller.case_id
    elif caller.is_creditor:
        source = "creditor"
    errors = complaint_problems(source, cause, body)
    if errors:
        raise FormErrors(errors)
    case = None
    if case_id is not None:
        case = await scoped(Case.select(Case.id, Case.organisation, Case.negotiator, Case.lawyer, Case.debtor.kind.as_alias("debtor_kind")).where(
            Case.id == case_id), caller, Case.organisation, Case.id).first()
        if case is None:
            raise NotFoundException(detail=_("Not found."))
    elif isinstance(caller, CurrentUser) and not caller.is_staff and caller.organisation_id is None:
        raise PermissionDeniedException(detail=_("Your role does not give access to this page."))
    consumer = source == "debtor" and case is not None and case["debtor_kind"] == "person"
    organisation = case["organisation"] if case else (caller.organisation_id if isinstance(caller, CurrentUser) and caller.is_creditor else None)
    actor = caller if isinstance(caller, CurrentUser) else None
    text = " ".join(str(body).split())
    due = answer_due(today, consumer, deadlines())
    async with atomic():
        row = (await Complaint.insert(Complaint(
            case=case_id, organisation=organisation, source=source, cause=cause, body=text, consumer=consumer, received_on=today, due_on=due,
            owner=await _owner_for(case), created_by=actor.id if actor else None)).returning(Complaint.id))[0]
        if case_id is not None:
            await events.record(case_id, "complaint", actor, text[:300], {"complaint_id": row["id"], "from": source, "cause": cause,
                                                                          "due_on": due.isoformat()}, visible_to_creditor=True)
    return await complaint(caller, row["id"]) if isinstance(caller, CurrentUser) else {"id": row["id"], "due_on": due}


def _visible(caller: CurrentUser):
    """The complaints the caller may read: staff all; a creditor those of its organisation (its cases', and its own)."""
    query = Complaint.select(*COLUMNS)
    return query if caller.is_staff else scoped(query, caller, Complaint.organisation)


async def complaint(caller: CurrentUser, complaint_id: int) -> dict:
    row = await _visible(caller).where(Complaint.id == complaint_id).first()
    if row is None:
        raise NotFoundException(detail=_("Not found."))
    return row


async def complaints(caller: CurrentUser, status: str = "", limit: int = 200) -> list[dict]:
    query = _visible(caller)
    if status in ("open", "answered"):
        query = query.where(Complaint.status == status)
    return await query.order_by(Complaint.due_on).order_by(Complaint.id).limit(limit)


async def answer(user: CurrentUser, complaint_id: int, text: str, outcome: str, today: date) -> dict:
    """The answer sent to the complainant and the outcome, once (staff)."""
    if not user.is_staff:
        raise PermissionDeniedException(detail=_("Your role does not give access to this page."))
    found = await complaint(user, complaint_id)
    errors = answer_problems(text, outcome)
    if errors:
        raise FormErrors(errors)
    body = " ".join(str(text).split())
    to, language, name = await _complainant(found)
    async with atomic():
        done = await Complaint.update({Complaint.status: "answered", Complaint.answer: body, Complaint.outcome: outcome,
                                       Complaint.answered_on: today, Complaint.answered_by: user.id, Complaint.answer_sent_to: to}).where(
            (Complaint.id == complaint_id) & (Complaint.status == "open")).returning(Complaint.id)
        if not done:
            raise HTTPException(status_code=409, detail=_("This complaint is already answered."))
        if to:  # the answer goes to the complainant, in their language, with the message that recorded it
            await queue_email(to, "complaint_answer", kind="complaint_answer", language=language,
                              debtor_case=found["case"] if found["source"] == "debtor" else None, name=name, reference=found["reference"] or "",
                              received_on=found["received_on"], answer=body, outcome=OUTCOMES[outcome], agency=get_settings().agency_name)
        if found["case"] is not None:
            await events.record(found["case"], "complaint_answered", user, body[:300], {
                "complaint_id": complaint_id, "outcome": outcome, "in_time": today <= found["due_on"], "sent_to": "email" if to else ""},
                visible_to_creditor=True)
    return await complaint(user, complaint_id)


async def _complainant(found: dict) -> tuple[str, str, str]:
    """Where the answer goes: (address, language, name). The debtor's email for a debtor's complaint; the creditor user who
    complained for a creditor's; none for staff's own, or where no address is on file (then it goes by post)."""
    if found["source"] == "debtor" and found["case"] is not None:
        d = await Case.select(Case.debtor.email.as_alias("email"), Case.debtor.language.as_alias("language"),
                              Case.debtor.name.as_alias("name")).where(Case.id == found["case"]).first()
        return (d["email"], d["language"] or "es", d["name"]) if d and d["email"] else ("", "es", "")
    if found["source"] == "creditor" and found["created_by"] is not None:
        u = await User.select(User.email, User.language, User.name, User.role).where(User.id == found["created_by"]).first()
        if u and u["role"] == Role.creditor.value:
            return u["email"], u["language"] or "es", u["name"]
    return "", "es", ""


async def reassign(user: CurrentUser, complaint_id: int, owner_id: int) -> dict:
    """An admin gives the complaint to another member of staff."""
    if user.role != Role.admin:
        raise PermissionDeniedException(detail=_("Your role does not give access to this page."))
    found = await complaint(user, complaint_id)
    owner = await User.select(User.id, User.role, User.active).where(User.id == owner_id).first()
    if owner is None or owner["role"] == Role.creditor.value or not owner["active"]:
        raise ClientException(detail=_("Choose an active member of staff."))
    async with atomic():
        await Complaint.update({Complaint.owner: owner_id}).where(Complaint.id == complaint_id)
        if found["case"] is not None:
            await events.record(found["case"], "complaint_owner", user, "", {"complaint_id": complaint_id, "owner": owner_id},
                                visible_to_creditor=False)
    return await complaint(user, complaint_id)


async def report(caller: CurrentUser, today: date) -> list:
    rows = await _visible(caller).limit(100_000)
    return monthly([(r["received_on"], r["cause"], r["due_on"], r["answered_on"]) for r in rows], today)


async def contact_held(case_ids: list[int]) -> set[int]:
    """The cases among these with an open complaint about contact: no automatic message goes to their debtor."""
    if not case_ids:
        return set()
    return {r["case"] for r in await Complaint.select(Complaint.case).where(
        Complaint.case.is_in(case_ids) & (Complaint.status == "open") & (Complaint.cause == "contact"))}


async def staff_choices() -> list[dict]:
    return await User.select(User.id, User.name).where((User.role != Role.creditor.value) & (User.active == True)).order_by(User.name)  # noqa: E712


__all__ = ["CAUSES", "answer", "complaint", "complaints", "contact_held", "file_complaint", "reassign", "report", "staff_choices"]
