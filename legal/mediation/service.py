"""Mediation (Ley 5/2012): the request, the sessions, the outcome. An agreement becomes an instalment
plan and a document; a failure is the documented settlement attempt the court stage needs (LO 1/2025)
and the case goes back to amicable or on towards court. Limitation is suspended while it runs."""
from __future__ import annotations

from datetime import date

from litestar.exceptions import ClientException, HTTPException, NotFoundException

from agency.auth import CurrentUser
from agency.db import as_date, atomic, is_unique_violation, utcnow
from agency.i18n import gettext as _
from agency.tenancy import get_visible
from cases import events
from cases.billing.balances import balance_of
from cases.money import to_cents
from cases.negotiation.rules import PlanError, split_plan
from cases.negotiation.service import add_plan
from cases.stages.rules import MoveRequest
from cases.stages.service import advance_stage
from cases.tables import Case
from legal.documents.service import DocumentDataMissing, generate_document
from legal.limitation.service import refresh_limitation
from legal.tables import Mediation, MediationSession

OUTCOMES = ("agreed", "failed")


def check_dates(requested_on: date, received_on: date, today: date) -> None:
    if requested_on > today or received_on > today:
        raise ClientException(detail=_("Mediation dates cannot be in the future."))
    if received_on < requested_on:
        raise ClientException(detail=_("The mediator receives the request on or after the day it is sent."))


async def running_mediation(case_id: int) -> dict | None:
    return await Mediation.select().where((Mediation.case == case_id) & (Mediation.status == "running")).first()


async def start_mediation(user: CurrentUser, case_id: int, mediator: str, requested_on: date, received_on: date, today: date) -> dict:
    """The mediation, then its request document (Ley 5/2012): ``{"id", "document"}``; the document is
    None when the case lacks data it needs (the panel says so and it can be made later)."""

    case = await get_visible(Case.select(Case.id, Case.stage, Case.settlement_offer_on).where(Case.id == case_id), user, Case.organisation)
    if len(mediator.strip()) < 3:
        raise ClientException(detail=_("Name the mediator or the mediation institution."))
    check_dates(requested_on, received_on, today)
    if await running_mediation(case_id):
        raise HTTPException(status_code=409, detail=_("A mediation is already running for this case."))
    if case["stage"] not in ("amicable", "mediation"):
        raise HTTPException(status_code=409, detail=_("A mediation starts from the amicable stage."))
    try:
        async with atomic():
            if case["stage"] == "amicable":
                await advance_stage(user, case_id, MoveRequest(to="mediation", reason=_("Mediation requested.")), today)
            row = (await Mediation.insert(Mediation(case=case_id, mediator=mediator.strip()[:200], requested_on=requested_on,
                                                    received_on=received_on, created_by=user.id)).returning(Mediation.id))[0]
            if case["settlement_offer_on"] is None:  # a mediation request is a settlement attempt (LO 1/2025)
                await Case.update({Case.settlement_offer_on: received_on}).where(Case.id == case_id)
            await events.record(case_id, "mediation", user, _("Mediation requested from %(mediator)s.") % {"mediator": mediator.strip()},
                                {"mediation": row["id"], "requested_on": requested_on, "received_on": received_on}, visible_to_creditor=True)
            await refresh_limitation([case_id], today)  # suspended from the mediator's receipt (Ley 5/2012)
    except Exception as exc:
        if is_unique_violation(exc):  # started by someone else a moment ago (one running mediation per case)
            raise HTTPException(status_code=409, detail=_("A mediation is already running for this case.")) from None
        raise

    try:
        document = await generate_document(user, case_id, "mediation_request", today)
    except DocumentDataMissing:
        document = None
    return {"id": row["id"], "document": document}


async def _mediation(user: CurrentUser, mediation_id: int) -> dict:
    row = await Mediation.select().where(Mediation.id == mediation_id).first()
    if row is None:
        raise NotFoundException(detail=_("Not found."))
    await get_visible(Case.select(Case.id).where(Case.id == row["case"]), user, Case.organisation)
    if row["status"] != "running":
        raise HTTPException(status_code=409, detail=_("This mediation has ended."))
    return row


async def add_session(user: CurrentUser, mediation_id: int, held_on: date, mediator: str, notes: str, today: date) -> int:
    med = await _mediation(user, mediation_id)
    if held_on > today:
        raise ClientException(detail=_("Record a session once it has been held (the date cannot be in the future)."))
    if held_on < as_date(med["requested_on"]):
        raise ClientException(detail=_("A session cannot be before the mediation was requested."))
    async with atomic():
        row = (await MediationSession.insert(MediationSession(mediation=mediation_id, held_on=held_on, mediator=mediator.strip()[:200],
                                                              notes=notes.strip()[:5000], created_by=user.id)).returning(MediationSession.id))[0]
        await events.record(med["case"], "mediation_session", user, notes.strip()[:300],
                            {"mediation": mediation_id, "held_on": held_on}, visible_to_creditor=True)
    return row["id"]


async def end_mediation(user: CurrentUser, mediation_id: int, outcome: str, ended_on: date, agreement: str, today: date, *,
                        instalments: int = 0, frequency: str = "monthly", first_due_on: date | None = None,
                        back_to_amicable: bool = False) -> dict:
    """Agreed: the agreement text, a plan when instalments are given, and the agreement document.
    Failed: the attempt is on record; the case stays ready for court or goes back to amicable.
    Everything is checked first and written in one transaction; the document follows it."""

    med = await _mediation(user, mediation_id)
    case_id = med["case"]
    if outcome not in OUTCOMES:
        raise ClientException(detail=_("The outcome is an agreement or no agreement."))
    if ended_on > today or ended_on < as_date(med["requested_on"]):
        raise ClientException(detail=_("The mediation ends between its request and today."))
    if outcome == "agreed":
        if len(agreement.strip()) < 10:
            raise ClientException(detail=_("Write what the parties agreed (it goes into the agreement document)."))
        if not await MediationSession.exists().where(MediationSession.mediation == mediation_id):
            raise ClientException(detail=_("Record the sessions held before the agreement (the agreement document lists them)."))
        if instalments:
            if first_due_on is None:
                raise ClientException(detail=_("Give the first instalment's date."))
            try:  # the plan's own checks, before anything is written
                split_plan(to_cents((await balance_of(case_id, today)).outstanding), instalments, first_due_on, frequency, today)
            except PlanError as exc:
                raise ClientException(detail=" ".join(str(v) for v in exc.errors.values())) from None
    result: dict = {"mediation": mediation_id, "outcome": outcome}
    async with atomic():
        changed = await Mediation.update({Mediation.status: outcome, Mediation.ended_on: ended_on,
                                          Mediation.agreement: agreement.strip()[:20000]}).where(
            (Mediation.id == mediation_id) & (Mediation.status == "running")).returning(Mediation.id)
        if not changed:
            raise HTTPException(status_code=409, detail=_("This mediation has ended."))
        if outcome == "failed":
            await Case.update({Case.settlement_answer_on: ended_on, Case.updated_at: utcnow()}).where(Case.id == case_id)
        await events.record(case_id, "mediation_ended", user,
                            _("Mediation ended with an agreement.") if outcome == "agreed" else _("Mediation ended without agreement."),
                            {"mediation": mediation_id, "outcome": outcome, "ended_on": ended_on}, visible_to_creditor=True)
        if outcome == "agreed" and instalments:
            result["plan"] = await add_plan(user, case_id, instalments, frequency, first_due_on, today)
        if outcome == "failed" and back_to_amicable:
            await advance_stage(user, case_id, MoveRequest(to="amicable", reason=_("Mediation ended without agreement.")), today)
        await refresh_limitation([case_id], today)  # the suspension ends; an agreement acknowledges the debt
    if outcome == "agreed":  # the agreement stands; its document is made now, or later from the panel if data is missing
        try:
            result["document"] = await generate_document(user, case_id, "mediation_agreement", today)
        except DocumentDataMissing as exc:
            result["document"], result["document_missing"] = None, exc.detail
    return result


async def case_mediations(case_id: int) -> list[dict]:
    rows = await Mediation.select().where(Mediation.case == case_id).order_by(Mediation.id)
    sessions = await MediationSession.select().where(MediationSession.mediation.is_in([r["id"] for r in rows] or [0])).order_by(
        MediationSession.held_on)
    for r in rows:
        r["sessions"] = [s for s in sessions if s["mediation"] == r["id"]]
    return rows
