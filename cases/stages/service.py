"""Moving a case between stages: facts from the database, the decision from cases.stages.rules, and the
change, its event and the creditor's email in one transaction."""
from __future__ import annotations

from datetime import date

from litestar.exceptions import HTTPException
from piccolo.query.functions.aggregate import Count, Min, Sum

from agency import clock
from agency.auth import CurrentUser
from agency.db import as_date, atomic, utcnow
from agency.i18n import gettext as _
from agency.mail import queue_email
from agency.settings import get_settings
from agency.tables import User
from agency.tenancy import get_visible
from cases import events
from cases.billing import service as billing
from cases.billing.balances import balance_of, principal_owed
from cases.bureau.rules import due_and_owed
from cases.bureau.service import queue_reports
from cases.claims.service import notify_creditors
from cases.negotiation.service import paid_by_case, rescore
from cases.reports import totals
from cases.stages.rules import (
    HOLD_REASON_MAX,
    RECALL_OUTCOME,
    STAGES,
    CaseFacts,
    Decision,
    MoveRequest,
    Refusal,
    decide,
    hold_refusal,
    recall_refusal,
    settlement_attempt_done,
)
from cases.tables import Case, Evidence, Invoice


class StageRefused(HTTPException):
    status_code = 409

    def __init__(self, decision: Decision):
        super().__init__(detail=decision.reason, extra={"refusals": [{"code": r.code, "message": str(r)} for r in decision.refusals]})
        self.decision = decision


async def load_facts(case_id: int, user: CurrentUser) -> tuple[dict, CaseFacts]:
    case = await get_visible(
        Case.select(
            Case.id, Case.reference, Case.stage, Case.organisation, Case.lawyer, Case.debtor.name.as_alias("debtor_name"),
            Case.debtor.kind.as_alias("debtor_kind"), Case.debtor.tax_id.as_alias("debtor_tax_id"),
            Case.debtor.address_line1.as_alias("debtor_address"), Case.debtor.postal_code.as_alias("debtor_postal_code"),
            Case.bureau_notice_on, Case.bureau_authorised_at, Case.court_authorised_at, Case.settlement_offer_on,
            Case.settlement_answer_on, Case.jurisdiction,
        ).where(Case.id == case_id),
        user, Case.organisation,
    )
    money = await Invoice.select(
        Count(Invoice.id, alias="n"), Sum(Invoice.amount_cents, alias="cents"), Min(Invoice.due_date, alias="oldest"),
    ).where((Invoice.case == case_id) & (Invoice.disputed == False)).first()  # noqa: E712
    disputed = await Invoice.count().where((Invoice.case == case_id) & (Invoice.disputed == True))  # noqa: E712
    evidence = await Evidence.count().where(Evidence.case == case_id)
    principal = int(money["cents"] or 0)

    paid = (await paid_by_case([case_id])).get(case_id, 0)
    balance = await balance_of(case_id)

    owed_due, oldest_owed = due_and_owed(principal_owed(balance), clock.today())
    facts = CaseFacts(
        stage=case["stage"],
        debtor_named=bool(case["debtor_name"].strip()),
        debtor_has_address=bool(case["debtor_address"].strip() and case["debtor_postal_code"].strip()),
        debtor_identified_by_tax_id=bool(case["debtor_tax_id"]),
        debtor_is_person=case["debtor_kind"] == "person",
        outstanding_invoices=money["n"] if principal - paid > 0 else 0,
        disputed_invoices=disputed,
        evidence_count=evidence,
        outstanding_cents=int(balance.outstanding * 100),
        principal_outstanding_cents=owed_due,  # for the bureau: principal past due and still owed
        bureau_oldest_owed_due=oldest_owed,
        jurisdiction=case["jurisdiction"] or "ES",
        bureau_notice_on=as_date(case["bureau_notice_on"]),
        bureau_authorised=case["bureau_authorised_at"] is not None,
        principal_cents=principal,
        oldest_due_date=as_date(money["oldest"]),
        lawyer_assigned=case["lawyer"] is not None,
        creditor_authorised_court=case["court_authorised_at"] is not None,
        settlement_attempt_on_record=settlement_attempt_done(as_date(case["settlement_offer_on"]), as_date(case["settlement_answer_on"]),
                                                             clock.today()),
    )
    return case, facts


async def advance_stage(user: CurrentUser, case_id: int, move: MoveRequest, today: date) -> None:
    if move.to not in STAGES:  # bad input, not a conflict with the case's state
        raise HTTPException(status_code=400, detail=_("Unknown stage: %(stage)s.") % {"stage": move.to[:30]})
    case, facts = await load_facts(case_id, user)
    decision = decide(facts, move, user.role, today)
    if not decision.allowed:
        raise StageRefused(decision)
    now = utcnow()
    values = {Case.stage: move.to, Case.updated_at: now}
    if move.to == "amicable" and facts.stage == "intake":
        values[Case.accepted_at] = now
    if move.to == "closed":
        values.update({Case.outcome: move.outcome, Case.closed_at: now})
    async with atomic():
        await totals.leave([case_id])  # (the report totals: out of the old stage's row, into the new one's)
        changed = await Case.update(values).where((Case.id == case_id) & (Case.stage == facts.stage)).returning(Case.id)
        if not changed:  # someone else moved it in between
            raise HTTPException(status_code=409, detail=_("The case changed meanwhile: reload the page and try again."))
        await totals.enter([case_id])
        await events.record(
            case_id, "stage_changed", user, move.reason.strip(),
            {"from": facts.stage, "to": move.to, "outcome": move.outcome, "reason": move.reason.strip()},
        )
        # The agency's fees the move earns, each booked once (cases.billing.service)
        if move.to == "amicable" and facts.stage == "intake":
            await billing.book_flat_fee(case_id, today, user)
        elif move.to == "court":
            await billing.book_legal_fee(case_id, (await balance_of(case_id, today)).outstanding, today, user)
        elif move.to == "closed" and move.outcome in {"paid", "settled"}:
            await billing.book_minimum_fee(case_id, today, user)
        elif move.to == "closed" and move.outcome == RECALL_OUTCOME:  # recalled by the creditor: the tariff's withdrawal fee
            await billing.book_withdrawal_fee(case_id, (await balance_of(case_id, today)).outstanding, today, user)
        if move.to == "credit_bureau":  # queued at every bureau that takes the debtor; the next batch reports it

            await queue_reports(case_id)

        await rescore([case_id])
        await notify_creditors(case["organisation"], "stage_changed", notification="stage_changed", reference=case["reference"], debtor=case["debtor_name"],
                               stage=move.to, from_stage=facts.stage, outcome=move.outcome, reason=move.reason.strip(), case_id=case_id)




# --- hold and recall (the creditor's side) ------------------------------------------------------------

def clean_reason(reason: str | None) -> str:
    """The reason a hold or a recall must give: 400 (bad input) when empty or too long."""
    text = (reason or "").strip()
    if not text:
        raise HTTPException(status_code=400, detail=_("Say why (a few words the agency and the creditor will read)."),
                            extra={"errors": {"reason": _("Required.")}})
    if len(text) > HOLD_REASON_MAX:
        raise HTTPException(status_code=400, detail=_("The reason is too long (at most %(n)s characters).") % {"n": HOLD_REASON_MAX},
                            extra={"errors": {"reason": _("Too long.")}})
    return text


def refused(refusal: Refusal) -> StageRefused:
    return StageRefused(Decision(False, (refusal,)))


async def set_hold(user: CurrentUser, case_id: int, reason: str | None, holding: bool) -> None:
    """Put the case on hold (``holding``) or resume it: no automatic contact (cases.messages) and out of the negotiators'
    queue (cases.negotiation) while held. The change, its event (seen by the creditor) and the email to the case's
    negotiator in one transaction; a closed case, a held case held again or a case not held resumed: 409, nothing written."""
    text = clean_reason(reason) if holding else (reason or "").strip()[:HOLD_REASON_MAX]
    case = await get_visible(Case.select(Case.id, Case.reference, Case.stage, Case.held_at, Case.negotiator,
                                         Case.debtor.name.as_alias("debtor_name")).where(Case.id == case_id), user, Case.organisation)
    refusal = hold_refusal(case["stage"], case["held_at"] is not None, holding)
    if refusal:
        raise refused(refusal)
    now = utcnow()
    values = ({Case.held_at: now, Case.held_reason: text, Case.held_by: user.id} if holding
              else {Case.held_at: None, Case.held_reason: "", Case.held_by: None})
    held_now = Case.held_at.is_null() if holding else Case.held_at.is_not_null()
    async with atomic():
        changed = await Case.update({**values, Case.updated_at: now}).where(
            (Case.id == case_id) & (Case.stage == case["stage"]) & held_now).returning(Case.id)
        if not changed:  # someone else held, resumed or moved it in between
            raise HTTPException(status_code=409, detail=_("The case changed meanwhile: reload the page and try again."))
        kind = "held" if holding else "resumed"
        await events.record(case_id, kind, user, text, {"reason": text, "by_role": user.role.value})
        if case["negotiator"] is not None:  # the negotiator working the case is told, in their language
            negotiator = await User.select(User.email, User.name, User.language).where(
                (User.id == case["negotiator"]) & (User.active == True)).first()  # noqa: E712
            if negotiator:
                await queue_email(negotiator["email"], "case_held", kind=f"case_{kind}", language=negotiator["language"],
                                  name=negotiator["name"], holding=holding, reference=case["reference"], debtor=case["debtor_name"],
                                  reason=text, by=user.name, base_url=get_settings().base_url, case_id=case_id)


async def recall_case(user: CurrentUser, case_id: int, reason: str | None, today: date) -> None:
    """The creditor recalls its case: it closes as withdrawn through the stage machine (its guards, event, email and side
    effects: queued reminders withdrawn, bureau reports withdrawn in the next batch) and the tariff's withdrawal fee on
    what the debtor still owed (cases.billing.fees.withdrawal_fee), booked once in the move's transaction; the fees the
    case already earned stay on the statement."""
    text = clean_reason(reason)
    case = await get_visible(Case.select(Case.id, Case.stage).where(Case.id == case_id), user, Case.organisation)
    refusal = recall_refusal(case["stage"])
    if refusal:
        raise refused(refusal)
    await advance_stage(user, case_id, MoveRequest(to="closed", outcome=RECALL_OUTCOME, reason=text), today)
