"""The conversation's use-cases: read a case's thread, post a message (with files kept as the case's evidence), the
questions the agency has not answered in time.

A creditor's message is a question for the agency: it is due in two business days (rules.answer_due), raises the case
in the negotiators' queue (cases.negotiation.queue: "question from the creditor") and tells the case's negotiator by
email; the agency's next message on the case answers every question open on it, and tells the creditor's users. Each
message is a case event (``conversation_creditor``, ``conversation_agency``) both sides see on the timeline."""
from __future__ import annotations

from datetime import date
from typing import BinaryIO, Protocol

from litestar.exceptions import ClientException

from agency import access, clock
from agency.accounts import FormErrors
from agency.auth import CurrentUser
from agency.db import as_date, atomic, utcnow
from agency.i18n import gettext as _
from agency.mail import queue_email
from agency.roles import Role
from agency.settings import get_settings
from agency.tables import User
from agency.tenancy import get_visible
from cases import events
from cases.claims.rules import ERASED_EVIDENCE
from cases.claims.service import check_file, notify_creditors, store_evidence
from cases.conversation.rules import answer_due, business_days_late, clean_body, is_overdue, message_problems
from cases.negotiation.service import rescore
from cases.tables import Case, CaseEvent, ConversationFile, ConversationMessage, Evidence

MESSAGE_COLUMNS = (ConversationMessage.id, ConversationMessage.side, ConversationMessage.body, ConversationMessage.created_at,
                   ConversationMessage.due_on, ConversationMessage.answered_at, ConversationMessage.author.name.as_alias("author_name"),
                   ConversationMessage.answered_by.name.as_alias("answered_by_name"))


class Upload(Protocol):
    """A file received with the message (agency.uploads.ReceivedFile): on disk, measured and hashed."""

    file: BinaryIO
    filename: str
    size: int
    sha256: str


def side_of(user: CurrentUser) -> str:
    return "creditor" if user.is_creditor else "agency"


async def conversation_case(user: CurrentUser, case_id: int) -> dict:
    """The case whose conversation the user may read and write (another organisation's case is a 404)."""
    return await get_visible(Case.select(Case.id, Case.reference, Case.organisation, Case.negotiator, Case.lawyer, Case.closed_at,
                                         Case.debtor.name.as_alias("debtor_name")).where(Case.id == case_id), user, Case.organisation)


async def messages_of(case_id: int) -> list[dict]:
    """The case's messages, oldest first, each with its files."""
    rows = await ConversationMessage.select(*MESSAGE_COLUMNS).where(ConversationMessage.case == case_id).order_by(
        ConversationMessage.created_at).order_by(ConversationMessage.id)
    files: dict[int, list[dict]] = {}
    if rows:
        for f in await ConversationFile.select(
                ConversationFile.message, ConversationFile.evidence.as_alias("evidence_id"),
                ConversationFile.evidence.original_name.as_alias("filename"), ConversationFile.evidence.size.as_alias("size"),
                ConversationFile.evidence.content_type.as_alias("content_type"), ConversationFile.evidence.kind.as_alias("kind")).where(
                ConversationFile.message.is_in([r["id"] for r in rows])).order_by(ConversationFile.id):
            files.setdefault(f["message"], []).append(f)
    for r in rows:
        r["files"] = files.get(r["id"], [])
        r["due_on"] = as_date(r["due_on"])
    return rows


async def thread(user: CurrentUser, case_id: int, today: date) -> dict:
    """The case, its messages and the questions still waiting for the agency's answer (with whether they are late)."""
    case = await conversation_case(user, case_id)
    access.note(user, "conversation", case_id)
    messages = await messages_of(case_id)
    waiting = [m for m in messages if m["side"] == "creditor" and m["answered_at"] is None]
    return {"case": case, "messages": messages, "waiting": waiting,
            "overdue": [m for m in waiting if m["due_on"] is not None and is_overdue(m["due_on"], today)]}


async def _attachable(case_id: int, evidence_ids: list[int]) -> list[int]:
    """The ids, each once, when every one is a document of this case (400 naming the others)."""
    wanted = list(dict.fromkeys(evidence_ids))
    if not wanted:
        return []
    found = {r["id"] for r in await Evidence.select(Evidence.id).where(
        Evidence.id.is_in(wanted) & (Evidence.case == case_id) & (Evidence.kind != ERASED_EVIDENCE))}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise FormErrors({"evidence_ids": _("These are not documents of this case: %(ids)s. Upload the file to the case first "
                                            "(POST /api/v1/cases/{id}/evidence), or send it with the message.") % {
            "ids": ", ".join(str(i) for i in missing)}})
    return wanted


async def post_message(user: CurrentUser, case_id: int, body: object, today: date, evidence_ids: list[int] | None = None,
                       files: list[Upload] | None = None) -> dict:
    """Send a message on the case, as the creditor or as the agency. Everything is checked before anything is written
    (the text, the files' size and real type, the documents named): a refusal writes nothing. The files become the
    case's evidence (kind correspondence) in the message's transaction."""
    case = await conversation_case(user, case_id)
    side = side_of(user)
    text = clean_body(body)
    files = list(files or [])
    errors = message_problems(text, len(evidence_ids or []) + len(files))
    if errors:
        raise FormErrors(errors)
    for f in files:  # size and real type of every file, before any is kept
        check_file(f.file, f.filename, f.size)
    if files and case["closed_at"] is not None:
        raise ClientException(detail=_("This case is closed: documents can no longer be added. Send the message without files."))
    attached = await _attachable(case_id, evidence_ids or [])
    now = utcnow()
    due = answer_due(today) if side == "creditor" else None
    async with atomic():
        for f in files:
            stored = await store_evidence(user, case["organisation"], f.file, f.filename, f.size, f.sha256, "correspondence", case_id=case_id,
                                          note={"via": "conversation"})
            if stored["id"] not in attached:
                attached.append(stored["id"])
        message_id = (await ConversationMessage.insert(ConversationMessage(
            case=case_id, side=side, author=user.id, body=text, created_at=now, due_on=due)).returning(ConversationMessage.id))[0]["id"]
        if attached:
            await ConversationFile.insert(*[ConversationFile(message=message_id, evidence=e) for e in attached])
        answered: list[int] = []
        if side == "agency":  # the agency's message answers every question open on the case
            answered = [r["id"] for r in await ConversationMessage.update({
                ConversationMessage.answered_at: now, ConversationMessage.answered_by: user.id}).where(
                (ConversationMessage.case == case_id) & (ConversationMessage.side == "creditor") & ConversationMessage.answered_at.is_null()
            ).returning(ConversationMessage.id)]
        payload = {"message_id": message_id, "side": side, "evidence_ids": attached}
        payload.update({"due_on": due.isoformat()} if due else {"answers": answered})
        await events.record(case_id, f"conversation_{side}", user, text[:300], payload, visible_to_creditor=True)
        if side == "creditor":  # a question is due now: "take next" offers the case even if its next action was later
            await Case.update({Case.next_action_at: now}).where((Case.id == case_id) & (Case.next_action_at > now))
        if side == "creditor" or answered:
            await rescore([case_id])  # a question raises the case in the queue; its answer lets it sink back
        await _tell(user, case, side, text, due)
    return {"id": message_id, "side": side, "due_on": due, "answers": answered, "evidence_ids": attached}


async def _tell(user: CurrentUser, case: dict, side: str, text: str, due: date | None) -> None:
    """By email, in the reader's language: the case's negotiator (else its lawyer, else the admins) of a creditor's
    question; the creditor's users of the agency's message."""
    context = {"reference": case["reference"], "debtor": case["debtor_name"], "by": user.name, "body": text, "case_id": case["id"]}
    if side == "agency":
        await notify_creditors(case["organisation"], "conversation_agency", **context)
        return
    owner = case["negotiator"] or case["lawyer"]
    active = User.active == True  # noqa: E712
    staff = await User.select(User.email, User.name, User.language).where((User.id == owner) & active) if owner else []
    if not staff:  # nobody works the case yet (a claim not accepted, a negotiator gone): the admins are told
        staff = await User.select(User.email, User.name, User.language).where((User.role == Role.admin.value) & active)
    for person in staff:
        await queue_email(person["email"], "conversation_creditor", kind="conversation_creditor", language=person["language"] or "es",
                          name=person["name"], due_on=due, base_url=get_settings().base_url, **context)


async def overdue_questions(today: date, limit: int = 200) -> list[dict]:
    """The creditors' questions still unanswered after their due day, the longest waiting first, with how late they are
    (business days) and how long ago they were asked (calendar days)."""
    rows = await ConversationMessage.select(
        ConversationMessage.id, ConversationMessage.case, ConversationMessage.body, ConversationMessage.created_at, ConversationMessage.due_on,
        ConversationMessage.author.name.as_alias("author_name"), ConversationMessage.case.reference.as_alias("reference"),
        ConversationMessage.case.negotiator.name.as_alias("negotiator_name"),
        ConversationMessage.case.organisation.legal_name.as_alias("creditor_name")).where(
        (ConversationMessage.side == "creditor") & ConversationMessage.answered_at.is_null() & (ConversationMessage.due_on < today)).order_by(
        ConversationMessage.due_on).order_by(ConversationMessage.id).limit(limit)
    for r in rows:
        r["due_on"] = as_date(r["due_on"])
        r["asked_days_ago"] = (today - clock.day_of(r["created_at"])).days
        r["business_days_late"] = business_days_late(r["due_on"], today)
    return rows


# --- the debtor's data rights (cases.privacy, through agency.wiring) -----------------------------------------------------

CONVERSATION_KINDS = ("conversation_creditor", "conversation_agency")


async def cases_data(case_ids: list[int]) -> list[dict]:
    """The cases' messages for the debtor's export (they may speak of the debtor), a row each with its "case"."""
    if not case_ids:
        return []
    return [{"case": r["case"], "on": clock.day_of(r["created_at"]).isoformat(), "from": r["side"], "text": r["body"]}
            for r in await ConversationMessage.select(ConversationMessage.case, ConversationMessage.created_at, ConversationMessage.side,
                                                      ConversationMessage.body).where(ConversationMessage.case.is_in(case_ids)).order_by(
                ConversationMessage.id)]


async def stored_files(case_ids: list[int]) -> list[str]:
    """None of its own: a message's files are the case's evidence, deleted with it."""
    return []


async def on_case_event(case_id: int, kind: str, payload: dict) -> None:
    """The case's debtor was anonymised: the messages' texts are blanked, on the timeline too (who wrote when, and the
    files' rows, stay)."""
    if kind != "anonymised":
        return
    await ConversationMessage.update({ConversationMessage.body: ""}).where(ConversationMessage.case == case_id)
    await CaseEvent.update({CaseEvent.summary: ""}).where((CaseEvent.case == case_id) & CaseEvent.kind.is_in(list(CONVERSATION_KINDS)))


__all__ = ["cases_data", "on_case_event", "stored_files", "conversation_case", "messages_of", "overdue_questions", "post_message", "side_of", "thread"]
