"""Logging a contact with the debtor (or a note): on the record with the next action it sets, and the promise a
call ended in, in one transaction. Cases publish the contact; legal reacts (a certified demand restarts limitation).
Fair contact: the week's count of contacts with a debtor (a manual one over the cap warns, automatic messages wait),
a contact with a third party that would reveal the debt refused, and the vulnerable flag (no automatic contact, the
cases to a senior negotiator)."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from litestar.exceptions import PermissionDeniedException
from piccolo.query.functions.aggregate import Count

from agency.accounts import FormErrors
from agency.auth import CurrentUser
from agency.db import atomic, utcnow
from agency.i18n import gettext as _
from agency.roles import Role
from agency.settings import get_settings
from agency.tables import User
from agency.tenancy import get_visible
from cases import events
from cases.contacts.rules import (
    PARTY_LABELS,
    THIRD_PARTIES,
    DebtFacts,
    cap_warning,
    choose_senior,
    counts_towards_cap,
    validate_activity,
    vulnerable_problems,
)
from cases.insolvency.service import refuse_contact
from cases.negotiation.service import add_promise, check_may_negotiate, outstanding_by_case, rescore
from cases.reports import totals
from cases.tables import Case, Debtor, Invoice
from legal.rules.jurisdictions import negotiation_by_lawyers_only

WEEK = timedelta(days=7)


async def week_counts(debtor_ids: list[int], now: datetime | None = None) -> dict[int, int]:
    """debtor -> outbound contacts with them in the seven days before ``now``, across all their cases (a debtor row is one
    creditor's), as cases.contacts.rules.counts_towards_cap counts them."""
    if not debtor_ids:
        return {}
    since = (now or utcnow()) - WEEK
    rows = await events.CaseEvent.select(events.CaseEvent.case.debtor.as_alias("debtor"), events.CaseEvent.kind, events.CaseEvent.payload).where(
        events.CaseEvent.case.debtor.is_in(sorted(set(debtor_ids))) & events.CaseEvent.kind.is_in(["contact", "message"])
        & (events.CaseEvent.at >= since))
    counts: dict[int, int] = {}
    for r in rows:
        payload = json.loads(r["payload"]) if isinstance(r["payload"], str) else (r["payload"] or {})
        if counts_towards_cap(r["kind"], payload):
            counts[r["debtor"]] = counts.get(r["debtor"], 0) + 1
    return counts


async def debt_facts(case_id: int) -> DebtFacts:
    """What a third party must not hear of this case: its references, the creditor's name, the amounts owed."""
    case = await Case.select(Case.reference, Case.creditor_reference, Case.organisation.legal_name.as_alias("creditor_name")).where(
        Case.id == case_id).first()
    invoices = [r["amount_cents"] for r in await Invoice.select(Invoice.amount_cents).where(Invoice.case == case_id)]
    owed = (await outstanding_by_case([case_id])).get(case_id, 0)
    return DebtFacts(case["reference"], case["creditor_reference"] or "", case["creditor_name"] or "",
                     tuple(sorted({owed, sum(invoices), *invoices})))


async def log_activity(user: CurrentUser, case_id: int, activity_input, today: date, promise: tuple[date, Decimal] | None = None) -> dict:
    """A contact with the debtor (or a note) on the record, and the next action date it sets. A call that
    ends in a promise to pay may carry it (date, amount): the promise is recorded with the contact, in
    the same transaction, or neither is (cases.negotiation.service.add_promise's checks, as PlanError).
    A contact with a third party that tells them of the debt is refused (DebtRevealed); one over the week's cap
    is recorded, and the answer's ``warnings`` say so."""

    case = await get_visible(Case.select(Case.id, Case.jurisdiction, Case.closed_at, Case.debtor).where(Case.id == case_id), user, Case.organisation)
    check_may_negotiate(user, case["jurisdiction"])
    party = str(getattr(activity_input, "party", "") or "").strip().lower()
    facts = await debt_facts(case_id) if party in THIRD_PARTIES else None
    activity = validate_activity(activity_input, today, case["jurisdiction"], facts)
    if activity.direction == "outbound" and activity.kind != "note":  # in concurso: the debtor is not contacted (an inbound call or
        await refuse_contact(case_id)                                # a note is still recorded)
    payload = {"channel": activity.kind, "direction": activity.direction, "outcome": activity.outcome, "contact": activity.contact,
               "certified": activity.certified, "body": activity.body,
               "next_action_on": activity.next_action_on.isoformat() if activity.next_action_on else None, "party": activity.party}
    summary = activity.body[:500]
    if activity.party in THIRD_PARTIES:  # the timeline says the contact was with someone else, and that the debt was not revealed
        payload["third_party"] = True
        summary = (_("With a third party (%(who)s); the debt was not revealed.") % {"who": PARTY_LABELS[activity.party]}) + (" " + summary if summary else "")
        summary = summary[:500]
    async with atomic():
        row = (await events.CaseEvent.insert(events.event_row(case_id, "contact", user, summary, payload)).returning(
            events.CaseEvent.id))[0]
        promise_id = None
        if promise is not None:  # its own event and next action (the day after); a date the negotiator set wins

            promise_id = await add_promise(user, case_id, promise[0], promise[1], today)
        values = {Case.updated_at: utcnow()}
        if activity.direction == "outbound" and activity.kind != "note":
            values[Case.last_contact_at] = utcnow()
        if activity.next_action_on:
            values[Case.next_action_at] = datetime.combine(activity.next_action_on, time(9, 0), tzinfo=timezone.utc)
        await Case.update(values).where(Case.id == case_id)

        await rescore([case_id])
        # Subscribers react in this transaction (legal.limitation: a certified demand interrupts limitation, CC 1973).
        await events.publish(case_id, "contact", {**payload, "on": today.isoformat()})
    warnings = []
    if counts_towards_cap("contact", payload):
        warning = cap_warning((await week_counts([case["debtor"]])).get(case["debtor"], 0), get_settings().contact_cap_week)
        if warning:
            warnings.append(str(warning))
    return {"id": row["id"], **payload, "promise_id": promise_id, "warnings": warnings}


async def senior_loads() -> dict[int, int]:
    """Each active senior negotiator's count of open cases (0 for one with none)."""
    seniors = [r["id"] for r in await User.select(User.id).where(
        (User.role == Role.negotiator.value) & (User.senior == True) & (User.active == True))]  # noqa: E712
    if not seniors:
        return {}
    loads = dict.fromkeys(seniors, 0)
    for r in await Case.select(Case.negotiator, Count(Case.id, alias="n")).where(
            Case.negotiator.is_in(seniors) & Case.closed_at.is_null()).group_by(Case.negotiator):
        loads[r["negotiator"]] = int(r["n"])
    return loads


async def set_vulnerable(user: CurrentUser, case_id: int, vulnerable: bool, reason: str) -> dict:
    """Mark the case's debtor vulnerable (or no longer), with why, on each of the debtor's cases' timelines, in one transaction.
    Marked: no automatic message goes to them (cases.messages.service.send_due_reminders), and each of their open cases
    whose negotiator is not senior goes to a senior negotiator (cases.contacts.rules.choose_senior); without one, the
    cases keep their negotiator and the answer and the events say so. Portuguese cases stay with the agency's lawyers."""
    if not user.is_staff:
        raise PermissionDeniedException(detail=_("Your role does not give access to this page."))
    case = await get_visible(Case.select(Case.id, Case.debtor).where(Case.id == case_id), user, Case.organisation)
    errors = vulnerable_problems(reason)
    if errors:
        raise FormErrors({k: str(v) for k, v in errors.items()})
    why = " ".join(str(reason).split())
    debtor_id = case["debtor"]
    async with atomic():
        await Debtor.update({Debtor.vulnerable: vulnerable}).where(Debtor.id == debtor_id)
        cases = await Case.select(Case.id, Case.negotiator, Case.jurisdiction, Case.closed_at, Case.negotiator.senior.as_alias("senior")).where(
            Case.debtor == debtor_id).order_by(Case.id)
        senior, moved, kept = None, [], []
        if vulnerable:
            to_route = [c for c in cases if c["closed_at"] is None and not c["senior"] and not negotiation_by_lawyers_only(c["jurisdiction"])]
            if to_route:
                senior = choose_senior(await senior_loads(), {c["negotiator"] for c in cases if c["senior"] and c["closed_at"] is None})
                if senior is None:
                    kept = [c["id"] for c in to_route]
                else:
                    moved = [c["id"] for c in to_route]
        for c in cases:
            payload = {"vulnerable": vulnerable, "reason": why, "marked_from_case": case_id}
            if c["id"] in moved:
                payload["negotiator"] = {"from": c["negotiator"], "to": senior}
            elif c["id"] in kept:
                payload["no_senior"] = True  # the agency has no senior negotiator: the case keeps its negotiator
            await events.record(c["id"], "vulnerable", user, why, payload, visible_to_creditor=False)
            if c["id"] in moved:
                await totals.leave([c["id"]])  # (the report totals per negotiator)
                await Case.update({Case.negotiator: senior, Case.updated_at: utcnow()}).where(Case.id == c["id"])
                await totals.enter([c["id"]])
                await events.record(c["id"], "assigned", user, "", {"negotiator": senior, "via": "vulnerable"})
    result = {"debtor_id": debtor_id, "vulnerable": vulnerable, "reason": why, "cases": [c["id"] for c in cases],
              "senior_negotiator": senior, "reassigned": moved, "kept": kept, "warnings": []}
    if kept:
        result["warnings"].append(_("The agency has no active senior negotiator: the cases keep their negotiator. Mark one on the "
                                    "users page and assign the cases to them."))
    return result
