"""Court filings, hearings, court costs and deadlines (the dates come from legal.rules.deadlines). A filing's
status history is its case events; the deadlines an event creates are created once per event."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal

from litestar.exceptions import ClientException, HTTPException, NotFoundException

from agency import clock
from agency.auth import CurrentUser
from agency.db import as_date, atomic, utcnow
from agency.i18n import DISPLAY_TZ, format_money
from agency.i18n import gettext as _
from agency.roles import Role
from agency.tenancy import get_visible
from cases import events
from cases.billing.balances import balance_of
from cases.billing.service import book_expense
from cases.insolvency.service import InsolvencyRefused, insolvency_of_case, refusal_text
from cases.stages.rules import MoveRequest
from cases.stages.service import advance_stage
from cases.tables import Case
from legal.court.rules import ON_SERVICE, STATUS_LABELS, FilingError, check_filing
from legal.court.steps import (
    STATUS_AFTER,
    STEP_LABELS,
    STEP_ONLY,
    OpenedDeadline,
    check_step,
    follows_opposition,
    next_steps,
    open_deadlines,
)
from legal.limitation.service import refresh_limitation
from legal.rules.deadlines import DEADLINE_RULES, NEXT_STEPS, deadline_for, deadline_with_move, warning_for
from legal.rules.procedures import PROCEDURES, claim_amount, is_legal_person, ordinario_fee_after_monitorio
from legal.tables import Deadline, Filing, FilingStep, Hearing

COST_KINDS = ("court_fee", "procurador", "lawyer")
REPEATABLE_STEPS = ("attachment",)  # steps the court may take more than once on the same day


def _checked(status: str, filed_on: date | None, court_case_number: str, served_on: date | None, today: date) -> None:
    try:
        check_filing(status, filed_on, court_case_number, served_on, today)
    except FilingError as exc:
        raise ClientException(detail=str(exc)) from None


async def _court_case(user: CurrentUser, case_id: int) -> dict:
    case = await get_visible(Case.select(Case.id, Case.stage, Case.lawyer, Case.jurisdiction, Case.reference, Case.created_at).where(
        Case.id == case_id), user, Case.organisation)
    if case["stage"] != "court":
        raise HTTPException(status_code=409, detail=_("Filings are recorded once the case is in the court stage."))
    if user.role == Role.lawyer and case["lawyer"] != user.id:
        raise HTTPException(status_code=403, detail=_("This case is assigned to another lawyer."))
    return case


async def create_filing(user: CurrentUser, case_id: int, procedure: str, court: str, status: str, filed_on: date | None,
                        court_case_number: str, today: date) -> int:
    case = await _court_case(user, case_id)
    await _not_in_insolvency(case_id, _("No new court filing"))
    if filed_on and filed_on < _opened(case):
        raise ClientException(detail=_("The filing date cannot be before the case came to the agency."))
    if procedure not in PROCEDURES:
        raise ClientException(detail=_("Choose a procedure: %(values)s.") % {"values": ", ".join(PROCEDURES)})
    if len(court.strip()) < 3:
        raise ClientException(detail=_("Name the court (e.g. Tribunal de Instancia de Sevilla, Sección Civil)."))
    _checked(status, filed_on, court_case_number.strip(), None, today)
    async with atomic():
        row = (await Filing.insert(Filing(case=case_id, procedure=procedure, court=court.strip()[:200], status=status, filed_on=filed_on,
                                          court_case_number=court_case_number.strip()[:60], created_by=user.id)).returning(Filing.id))[0]
        await events.record(case_id, "filing", user, _("Court filing: %(procedure)s at %(court)s (%(status)s).") % {
            "procedure": str(PROCEDURES[procedure]), "court": court.strip(), "status": str(STATUS_LABELS[status])},
            {"filing": row["id"], "procedure": procedure, "court": court.strip(), "from": None, "to": status,
             "filed_on": filed_on, "court_case_number": court_case_number.strip()}, visible_to_creditor=True)
        if filed_on:
            await _after_filed(case_id)
    return row["id"]


async def update_filing(user: CurrentUser, filing_id: int, status: str, filed_on: date | None, court_case_number: str,
                        served_on: date | None, outcome: str, today: date) -> None:
    filing = await Filing.select().where(Filing.id == filing_id).first()
    if filing is None:
        raise NotFoundException(detail=_("Not found."))
    case = await _court_case(user, filing["case"])
    if status == "enforcement" and filing["status"] != "enforcement":  # enforcement stops with the concurso (TRLC art. 142-143, numbering *unconfirmed*)
        await _not_in_insolvency(filing["case"], _("No enforcement"))
    was_filed = as_date(filing["filed_on"])
    was_served = as_date(filing["served_on"])
    if was_filed and (filed_on is None or status == "prepared"):
        raise ClientException(detail=_("A filed claim keeps its filing date (and is no longer “prepared”)."))
    if was_served and served_on is None:
        raise ClientException(detail=_("A claim served on the debtor keeps its service date (correct it if it was wrong)."))
    if status in STEP_ONLY and status != filing["status"]:  # paid closes the case only once nothing is owed: the step checks it
        raise ClientException(detail=_("Record “%(status)s” with the filing's steps, not by editing its status.")
                              % {"status": str(STATUS_LABELS[status])})
    _checked(status, filed_on, court_case_number.strip(), served_on, today)
    if filed_on and filed_on < _opened(case):
        raise ClientException(detail=_("The filing date cannot be before the case came to the agency."))
    async with atomic():
        await Filing.update({Filing.status: status, Filing.filed_on: filed_on, Filing.court_case_number: court_case_number.strip()[:60],
                             Filing.served_on: served_on, Filing.outcome: outcome.strip()[:5000], Filing.updated_at: utcnow()}).where(
            Filing.id == filing_id)
        changes = {k: v for k, v in {"status": status, "filed_on": filed_on, "court_case_number": court_case_number.strip(),
                                     "served_on": served_on, "outcome": outcome.strip()}.items()
                   if v != (as_date(filing[k]) if k in ("filed_on", "served_on") else filing[k])}
        if changes:
            await events.record(filing["case"], "filing", user, _("Court filing updated: %(status)s.") % {"status": str(STATUS_LABELS[status])},
                                {"filing": filing_id, "from": filing["status"], "to": status, **changes}, visible_to_creditor=True)
        rule = ON_SERVICE.get(filing["procedure"])
        if served_on and rule and served_on != was_served:
            # A corrected service date replaces the deadline counted from the wrong one.
            await Deadline.update({Deadline.status: "cancelled", Deadline.done_at: utcnow()}).where(
                (Deadline.filing == filing_id) & (Deadline.rule == rule) & (Deadline.status == "open"))
            await create_deadline(filing["case"], rule, served_on, f"filing:{filing_id}:served:{served_on.isoformat()}",
                                  case["jurisdiction"], filing_id)
        if filed_on != was_filed:  # filed now, or the filing date corrected
            await _after_filed(filing["case"])


async def _not_in_insolvency(case_id: int, what: str) -> None:
    """A 409 naming the concurso when the case's debtor is in one: no new claim nor enforcement against them."""
    found = await insolvency_of_case(case_id)
    if found is not None:
        raise InsolvencyRefused(detail=refusal_text(found, what), extra={"insolvency_id": found["id"]})


async def on_insolvency(case_id: int, kind: str, payload: dict) -> None:
    """The case's debtor is in concurso (cases.insolvency, subscribed by agency.wiring): the month to communicate the claim
    to the administrator opens, once per concurso and case (TRLC art. 255.1; legal.rules.insolvency)."""
    if kind != "insolvency" or not payload.get("published_on"):
        return
    await create_deadline(case_id, "insolvency_claim", date.fromisoformat(payload["published_on"]),
                          f"insolvency:{payload.get('insolvency_id')}:{case_id}", "ES")


def _opened(case: dict) -> date:
    created = case["created_at"]
    return clock.day_of(created)


async def _after_filed(case_id: int) -> None:
    await refresh_limitation([case_id])  # a court claim interrupts limitation (CC 1973)
    # the debtor's time to answer a settlement offer is moot once the claim is before the court: no longer on the agenda
    # (an outside tester saw it overdue beside the filing); the answer, if it comes, can still be recorded
    await Deadline.update({Deadline.status: "cancelled", Deadline.done_at: utcnow()}).where(
        (Deadline.case == case_id) & (Deadline.rule == "settlement_answer") & (Deadline.status == "open"))


async def add_hearing(user: CurrentUser, filing_id: int, at: datetime, kind: str, place: str, notes: str) -> int:
    filing = await Filing.select().where(Filing.id == filing_id).first()
    if filing is None:
        raise NotFoundException(detail=_("Not found."))
    await _court_case(user, filing["case"])
    filed_on = as_date(filing["filed_on"])
    if filed_on is None:
        raise ClientException(detail=_("A hearing belongs to a filing already filed: record the filing date first."))
    if at.date() < filed_on:
        raise ClientException(detail=_("A hearing cannot be before the filing (%(day)s).") % {"day": filed_on.isoformat()})
    async with atomic():
        row = (await Hearing.insert(Hearing(filing=filing_id, case=filing["case"], at=at, kind=kind.strip()[:40], place=place.strip()[:200],
                                            notes=notes.strip()[:5000], created_by=user.id)).returning(Hearing.id))[0]
        if filing["status"] in ("filed", "admitted", "served", "opposed"):
            await Filing.update({Filing.status: "hearing_set", Filing.updated_at: utcnow()}).where(Filing.id == filing_id)
        local = at.astimezone(DISPLAY_TZ)  # the timeline reads the time as the court keeps it
        await events.record(filing["case"], "hearing", user, _("Hearing on %(at)s at %(place)s.") % {"at": local.isoformat(timespec="minutes"),
                                                                                                      "place": place.strip()},
                            {"filing": filing_id, "hearing": row["id"], "at": local.isoformat(), "kind": kind, "place": place},
                            visible_to_creditor=True)
    return row["id"]


async def move_hearing(user: CurrentUser, hearing_id: int, at: datetime, place: str | None, reason: str,
                       case_id: int | None = None) -> None:
    """A hearing postponed or mistyped: its new date and time (and place), with why; the old ones stay on the
    timeline in the event (from, to), which the creditor sees as they saw the hearing set."""
    hearing = await Hearing.select().where(Hearing.id == hearing_id).first()
    if hearing is None or (case_id is not None and hearing["case"] != case_id):
        raise NotFoundException(detail=_("Not found."))
    await _court_case(user, hearing["case"])
    reason = reason.strip()
    if not reason:
        raise ClientException(detail=_("Say why the hearing moves (postponed by the court, a date entered wrongly...)."))
    filing = await Filing.select(Filing.filed_on).where(Filing.id == hearing["filing"]).first()
    filed_on = as_date(filing["filed_on"])
    if filed_on is not None and at.date() < filed_on:
        raise ClientException(detail=_("A hearing cannot be before the filing (%(day)s).") % {"day": filed_on.isoformat()})
    place = hearing["place"] if place is None or not place.strip() else place.strip()[:200]
    before = hearing["at"] if isinstance(hearing["at"], datetime) else datetime.fromisoformat(str(hearing["at"]))
    async with atomic():
        await Hearing.update({Hearing.at: at, Hearing.place: place}).where(Hearing.id == hearing_id)
        await events.record(hearing["case"], "hearing_moved", user, reason[:500],
                            {"hearing": hearing_id, "from": _local(before).isoformat(), "to": at.astimezone(DISPLAY_TZ).isoformat(),
                             "place": place, "reason": reason[:500]}, visible_to_creditor=True)


def _local(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(DISPLAY_TZ)


async def book_court_cost(user: CurrentUser, case_id: int, kind: str, amount: Decimal, on: date, description: str, today: date,
                          idempotency_key: str | None = None) -> tuple[list[int], bool]:
    """Court fee, procurador, lawyer: ledger entries through cases.billing.service (recoverable from the debtor as costs)."""

    case = await _court_case(user, case_id)
    if on < _opened(case):
        raise ClientException(detail=_("A cost cannot be dated before the case came to the agency."))
    if kind not in COST_KINDS:
        raise ClientException(detail=_("The cost is one of: %(kinds)s.") % {"kinds": ", ".join(COST_KINDS)})
    return await book_expense(user, case_id, kind, amount, on, description, True, today, idempotency_key)


# --- deadlines -------------------------------------------------------------------------------------------

async def create_deadline(case_id: int, rule: str, from_day: date, source_key: str, country: str = "ES",
                          filing_id: int | None = None) -> None:
    """Once per source event (a unique key), so a repeated request creates nothing new."""
    if await Deadline.exists().where(Deadline.source_key == source_key):
        return
    due = deadline_for(rule, from_day, country)
    await Deadline.insert(Deadline(case=case_id, filing=filing_id, rule=rule, starts_on=from_day, due_on=due, source_key=source_key))
    await events.record(case_id, "deadline", None, str(DEADLINE_RULES[rule].label), {"rule": rule, "from": from_day, "due": due},
                        visible_to_creditor=True)
    if filing_id is not None:  # in court the case's next action follows the court's deadlines (negotiators plan their own)
        # unless an earlier one is planned: the morning after the deadline falls due (did the debtor pay, answer, oppose?)
        after = datetime.combine(date.fromordinal(due.toordinal() + 1), time(9, 0), tzinfo=timezone.utc)
        await Case.update({Case.next_action_at: after}).where(
            (Case.id == case_id) & (Case.next_action_at.is_null() | (Case.next_action_at > after) | (Case.next_action_at < utcnow())))


async def close_deadline(user: CurrentUser, deadline_id: int) -> None:
    row = await Deadline.select(Deadline.id, Deadline.case, Deadline.rule).where(Deadline.id == deadline_id).first()
    if row is None:
        raise NotFoundException(detail=_("Not found."))
    await get_visible(Case.select(Case.id).where(Case.id == row["case"]), user, Case.organisation)
    async with atomic():
        if not await Deadline.update({Deadline.status: "done", Deadline.done_at: utcnow()}).where(
                (Deadline.id == deadline_id) & (Deadline.status == "open")).returning(Deadline.id):
            raise HTTPException(status_code=409, detail=_("This deadline is already closed."))
        await events.record(row["case"], "deadline_done", user, str(DEADLINE_RULES[row["rule"]].label), {"deadline": deadline_id, "rule": row["rule"]})


def _with_warning(row: dict, today: date) -> dict:
    due = as_date(row["due_on"])
    row["due_on"] = due
    starts = as_date(row["starts_on"])
    if row["rule"] in DEADLINE_RULES and starts is not None:  # the day counted, when it was not a business day and the deadline moved
        counted_due, moved = deadline_with_move(row["rule"], starts, row.get("jurisdiction") or "ES")
        row["moved_from"] = moved if counted_due == due else None
    else:
        row["moved_from"] = None
    row["warning"] = warning_for(due, today)
    row["label"] = DEADLINE_RULES[row["rule"]].label if row["rule"] in DEADLINE_RULES else row["rule"]
    row["next_step"] = NEXT_STEPS.get(row["rule"], "")
    return row


async def case_deadlines(case_id: int, today: date) -> list[dict]:
    rows = await Deadline.select().where(Deadline.case == case_id).order_by(Deadline.due_on)
    return [_with_warning(r, today) for r in rows]


async def agenda(user: CurrentUser, today: date, days: int = 60) -> dict:
    """The lawyer's open deadlines (overdue ones included) and upcoming hearings, soonest first."""
    until = date.fromordinal(today.toordinal() + days)
    mine = (Deadline.case.lawyer == user.id) if user.role == Role.lawyer else Deadline.case.lawyer.is_not_null()
    deadlines = await Deadline.select(*Deadline.all_columns(), Deadline.case.reference.as_alias("reference"),
                                      Deadline.case.debtor.name.as_alias("debtor_name")).where(
        mine & (Deadline.status == "open") & (Deadline.due_on <= until)).order_by(Deadline.due_on).limit(500)
    hmine = (Hearing.case.lawyer == user.id) if user.role == Role.lawyer else Hearing.case.lawyer.is_not_null()
    start = datetime(today.year, today.month, today.day, tzinfo=timezone.utc)
    hearings = await Hearing.select(*Hearing.all_columns(), Hearing.case.reference.as_alias("reference"),
                                    Hearing.case.debtor.name.as_alias("debtor_name")).where(
        hmine & (Hearing.at >= start)).order_by(Hearing.at).limit(200)
    return {"deadlines": [_with_warning(d, today) for d in deadlines], "hearings": hearings}


async def case_filings(case_id: int) -> list[dict]:
    filings = await Filing.select().where(Filing.case == case_id).order_by(Filing.id)
    hearings = await Hearing.select().where(Hearing.case == case_id).order_by(Hearing.at)
    steps = await FilingStep.select(FilingStep.filing, FilingStep.step, FilingStep.on, FilingStep.note).where(
        FilingStep.case == case_id).order_by(FilingStep.on).order_by(FilingStep.id)
    for f in filings:
        f["hearings"] = [h for h in hearings if h["filing"] == f["id"]]
        f["steps"] = [{**s, "on": as_date(s["on"]), "label": STEP_LABELS.get(s["step"], s["step"])} for s in steps if s["filing"] == f["id"]]
        f["next_steps"] = [(s, STEP_LABELS[s]) for s in next_steps(f["procedure"], f["status"])] if f["filed_on"] else []
        f["ordinario"] = await ordinario_offer(case_id, f["id"], f["procedure"], f["status"], clock.today())
        f["status_label"] = STATUS_LABELS.get(f["status"], f["status"])
        f["procedure_label"] = PROCEDURES.get(f["procedure"], f["procedure"])
    return filings


# --- steps ------------------------------------------------------------------------------------------------

async def _last_step(filing_id: int) -> dict | None:
    return await FilingStep.select().where(FilingStep.filing == filing_id).order_by(FilingStep.on, ascending=False).order_by(
        FilingStep.id, ascending=False).first()


async def _claim_facts(case_id: int, today: date) -> tuple[Decimal, Decimal, bool]:
    """(what the debtor owes, the amount claimed in court, whether the creditor pays the Spanish court fee as a legal person)."""
    balance = await balance_of(case_id, today)
    org = await Case.select(Case.organisation.country.as_alias("country"), Case.organisation.tax_id.as_alias("tax_id")).where(
        Case.id == case_id).first()
    legal_person = is_legal_person(org["country"] or "ES", org["tax_id"] or "") if org else True
    return balance.outstanding, claim_amount(balance.outstanding, balance.costs_outstanding), legal_person


def _same_step(filing_id: int, step: str, on: date, note: str):
    """The step already recorded that a request repeats: the same step on the same day; for a step the court may take more
    than once a day (two attachments), also the same note (one sent twice is one)."""
    same = (FilingStep.filing == filing_id) & (FilingStep.step == step) & (FilingStep.on == on)
    return same & (FilingStep.note == note) if step in REPEATABLE_STEPS else same


async def record_step(user: CurrentUser, filing_id: int, step: str, on: date, note: str, today: date, case_id: int | None = None) -> dict:
    """What the court did on ``on``: the step (appended), the filing's status and service date, the case event the creditor
    reads and the deadlines it opens, in one transaction. The same step on the same day again creates nothing
    (``created`` False). ``paid`` closes the case as paid through the stage machine, once nothing is owed."""
    filing = await Filing.select().where(Filing.id == filing_id).first()
    if filing is None or (case_id is not None and filing["case"] != case_id):
        raise NotFoundException(detail=_("Not found."))
    case = await _court_case(user, filing["case"])
    note = note.strip()[:2000]
    if await FilingStep.exists().where(_same_step(filing_id, step, on, note)):
        return await _step_answer(filing_id, step, on, False, today)
    last = await _last_step(filing_id)
    last_on = as_date(last["on"]) if last else as_date(filing["served_on"])
    refusal = check_step(filing["procedure"], filing["status"], step, on, as_date(filing["filed_on"]), last_on, today)
    if refusal is not None:
        raise HTTPException(status_code=refusal.status, detail=str(refusal), extra={"code": refusal.code})
    owed, amount, _legal_person = await _claim_facts(filing["case"], today)
    if step == "paid" and owed > 0:
        raise HTTPException(status_code=409, detail=_(
            "The debtor still owes %(amount)s on this case: record the payment on the case first, then the filing closes as paid.")
            % {"amount": format_money(owed)}, extra={"code": "still_owed"})
    country = case["jurisdiction"] or "ES"
    opened = open_deadlines(filing["procedure"], step, on, amount, country)
    async with atomic():
        # The filing's row first: a second request for the same filing waits here, then finds the step already recorded.
        await Filing.update({Filing.updated_at: utcnow()}).where(Filing.id == filing_id)
        if await FilingStep.exists().where(_same_step(filing_id, step, on, note)):
            return await _step_answer(filing_id, step, on, False, today)
        current = await Filing.select(Filing.status).where(Filing.id == filing_id).first()
        if current["status"] != filing["status"]:
            raise HTTPException(status_code=409, detail=_("The filing changed meanwhile: reload the page and try again."))
        await FilingStep.insert(FilingStep(filing=filing_id, case=filing["case"], step=step, on=on, note=note, created_by=user.id))
        values = {Filing.status: STATUS_AFTER[step]}
        if step == "served":
            values[Filing.served_on] = on
        await Filing.update(values).where(Filing.id == filing_id)
        await events.record(filing["case"], "filing_step", user, _("%(step)s on %(day)s.") % {"step": str(STEP_LABELS[step]), "day": on.isoformat()}
                            + (f" {note}" if note else ""),
                            {"filing": filing_id, "step": step, "on": on, "note": note, "from": filing["status"], "to": STATUS_AFTER[step],
                             "deadlines": [{"rule": d.rule, "due": d.due_on, "moved_from": d.moved_from} for d in opened]},
                            visible_to_creditor=True)
        open_ones = (Deadline.filing == filing_id) & (Deadline.status == "open")
        if step == "paid":  # nothing left to watch on this filing
            await Deadline.update({Deadline.status: "cancelled", Deadline.done_at: utcnow()}).where(open_ones)
        elif step in ("no_answer", "opposed") and filing["procedure"] in ON_SERVICE:  # the debtor's time to answer is over
            await Deadline.update({Deadline.status: "done", Deadline.done_at: utcnow()}).where(
                open_ones & (Deadline.rule == ON_SERVICE[filing["procedure"]]))
        for d in opened:
            await create_deadline(filing["case"], d.rule, on, _step_key(filing_id, step, on), country, filing_id)
        if step == "paid":  # the case is in court (checked above): it closes as paid, through the stage machine's own checks
            await advance_stage(user, filing["case"], MoveRequest(to="closed", outcome="paid", reason=_(
                "Paid: the court filing ends with the payment.")), today)
    return await _step_answer(filing_id, step, on, True, today)


def _step_key(filing_id: int, step: str, on: date) -> str:
    """A step's deadlines are created once (the old status form's service used the same key: filing:{id}:served:{day})."""
    return f"filing:{filing_id}:{step}:{on.isoformat()}"


async def _step_answer(filing_id: int, step: str, on: date, created: bool, today: date) -> dict:
    """The filing, with the deadlines this step opened (``opened``) and, after an opposition, the ordinario claim to file."""
    view = await filing_view(filing_id, created=created)
    keys = {r["id"] for r in await Deadline.select(Deadline.id).where(Deadline.source_key == _step_key(filing_id, step, on))}
    view["opened"] = [d for d in view["deadlines"] if d["id"] in keys]
    if step == "opposed":
        view["ordinario_claim"] = await ordinario_offer(view["case"], filing_id, view["procedure"], view["status"], today)
    return view


ORDINARIO_TEMPLATE = "ordinario_claim"


async def ordinario_offer(case_id: int, filing_id: int, procedure: str, status: str, today: date) -> dict | None:
    """An opposed monitorio above the verbal's limit: the ordinario claim to file within the month (LEC 818.2), generated
    from the case (legal.documents: ``ordinario_claim``) with the ordinario's court fee less the monitorio's."""
    if procedure != "monitorio" or status != "opposed":
        return None
    _owed, amount, legal_person = await _claim_facts(case_id, today)
    if follows_opposition(amount) != "ordinario":
        return None
    fee = ordinario_fee_after_monitorio(amount, legal_person)
    due = await Deadline.select(Deadline.due_on).where((Deadline.filing == filing_id) & (Deadline.rule == "ordinario_claim_after_opposition")
                                                       & (Deadline.status == "open")).order_by(Deadline.due_on).first()
    return {"amount": str(amount), "court_fee": str(fee.ordinario.total), "monitorio_fee_deducted": str(fee.monitorio.total),
            "court_fee_to_pay": str(fee.to_pay), "due_on": as_date(due["due_on"]) if due else None, "template": ORDINARIO_TEMPLATE,
            "generate": f"/api/v1/cases/{case_id}/documents"}


async def filing_view(filing_id: int, created: bool = False) -> dict:
    """The filing as the API answers it: its steps, the steps that may follow and its deadlines (with the source and the
    note when the last day moved off a non-business day)."""
    f = await Filing.select().where(Filing.id == filing_id).first()
    rows = await FilingStep.select(FilingStep.step, FilingStep.on, FilingStep.note).where(FilingStep.filing == filing_id).order_by(
        FilingStep.on).order_by(FilingStep.id)
    deadlines = await Deadline.select().where(Deadline.filing == filing_id).order_by(Deadline.due_on).order_by(Deadline.id)
    case = await Case.select(Case.jurisdiction).where(Case.id == f["case"]).first()
    out = []
    for d in deadlines:
        starts, due = as_date(d["starts_on"]), as_date(d["due_on"])
        rule = DEADLINE_RULES.get(d["rule"])
        counted, moved = deadline_with_move(d["rule"], starts, case["jurisdiction"] or "ES") if rule else (None, None)
        moved = moved if counted == due else None  # (a deadline stored under an older count says nothing of a move)
        out.append({"id": d["id"], "rule": d["rule"], "label": str(rule.label) if rule else d["rule"], "source": rule.source if rule else "",
                    "starts_on": starts, "due_on": due, "status": d["status"], "moved_from": moved,
                    "note": str(OpenedDeadline(d["rule"], starts, due, moved).note)})
    return {"id": f["id"], "case": f["case"], "procedure": f["procedure"], "court": f["court"], "status": f["status"],
            "filed_on": as_date(f["filed_on"]), "served_on": as_date(f["served_on"]), "court_case_number": f["court_case_number"],
            "steps": [{"step": s["step"], "on": as_date(s["on"]), "note": s["note"]} for s in rows],
            "next_steps": list(next_steps(f["procedure"], f["status"])), "deadlines": out, "created": created}


async def case_filing_views(user: CurrentUser, case_id: int) -> list[dict]:
    """GET /api/v1/cases/{id}/filings: the case's filings with their steps (the case read through tenancy)."""
    await get_visible(Case.select(Case.id).where(Case.id == case_id), user, Case.organisation)
    return [await filing_view(f["id"]) for f in await Filing.select(Filing.id).where(Filing.case == case_id).order_by(Filing.id)]
