"""Logging a contact with the debtor (or a note): on the record with the next action it sets, and the promise a
call ended in, in one transaction. Cases publish the contact; legal reacts (a certified demand restarts limitation)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal

from agency.auth import CurrentUser
from agency.db import atomic, utcnow
from agency.tenancy import get_visible
from cases import events
from cases.contacts.rules import validate_activity
from cases.negotiation.service import add_promise, check_may_negotiate, rescore
from cases.tables import Case


async def log_activity(user: CurrentUser, case_id: int, activity_input, today: date, promise: tuple[date, Decimal] | None = None) -> dict:
    """A contact with the debtor (or a note) on the record, and the next action date it sets. A call that
    ends in a promise to pay may carry it (date, amount): the promise is recorded with the contact, in
    the same transaction, or neither is (cases.negotiation.service.add_promise's checks, as PlanError)."""

    case = await get_visible(Case.select(Case.id, Case.jurisdiction, Case.closed_at).where(Case.id == case_id), user, Case.organisation)
    check_may_negotiate(user, case["jurisdiction"])
    activity = validate_activity(activity_input, today, case["jurisdiction"])
    payload = {"channel": activity.kind, "direction": activity.direction, "outcome": activity.outcome, "contact": activity.contact,
               "certified": activity.certified, "body": activity.body,
               "next_action_on": activity.next_action_on.isoformat() if activity.next_action_on else None}
    async with atomic():
        row = (await events.CaseEvent.insert(events.event_row(case_id, "contact", user, activity.body[:500], payload)).returning(
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
    return {"id": row["id"], **payload, "promise_id": promise_id}
