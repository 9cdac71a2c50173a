"""The case timeline: every service that changes a case writes one event, in its transaction."""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from agency.auth import CurrentUser
from agency.db import fetch_records, utcnow
from cases.tables import CaseEvent

__all__ = ["CREDITOR_VISIBLE", "CaseEvent", "event_row", "publish", "publish_many", "record", "subscribe"]

# Who reacts to a kind of event (the legal side restarts limitation on a certified demand): registered by the
# shell at start (agency.wiring), called in the transaction that wrote the event, so a reaction that fails
# undoes the change that caused it. cases never imports legal; legal subscribes.
Subscriber = Callable[[int, str, dict[str, Any]], Awaitable[None]]
# The same subscriber told of many events of one kind at once, each of another case: [(case_id, payload)], in order.
ManySubscriber = Callable[[str, list[tuple[int, dict[str, Any]]]], Awaitable[None]]
_subscribers: dict[str, list[Subscriber]] = {}
_many: dict[Subscriber, ManySubscriber] = {}


def subscribe(kind: str, subscriber: Subscriber, many: ManySubscriber | None = None) -> None:
    """Call ``subscriber(case_id, kind, payload)`` after every event of this kind (once, however often asked); ``many``,
    if given, does what it does for many events at once (publish_many: a bank statement's thousands of payments)."""
    listeners = _subscribers.setdefault(kind, [])
    if subscriber not in listeners:
        listeners.append(subscriber)
    if many is not None:
        _many[subscriber] = many


async def publish(case_id: int, kind: str, payload: dict[str, Any] | None = None) -> None:
    """Tell the subscribers of this kind; services that insert an event row themselves call it after the insert."""
    for subscriber in _subscribers.get(kind, ()):
        await subscriber(case_id, kind, payload or {})


async def publish_many(kind: str, items: list[tuple[int, dict[str, Any] | None]]) -> None:
    """publish() for many events of one kind written together, each the latest of its kind on its case: a subscriber
    that can is told of them all at once, the others one by one, in order. Two of the same case are told one by one."""
    items = [(case_id, payload or {}) for case_id, payload in items]
    apart = len({case_id for case_id, _p in items}) < len(items)
    for subscriber in _subscribers.get(kind, ()):
        if (many := _many.get(subscriber)) is not None and not apart:
            await many(kind, items)
        else:
            for case_id, payload in items:
                await subscriber(case_id, kind, payload)

# Which kinds creditors see on their timeline (the rest is the agency's working notes).
CREDITOR_VISIBLE = {
    "claim_opened", "evidence_added", "stage_changed", "payment", "document", "message", "promise", "plan", "promise_kept",
    "promise_broken", "promise_reopened", "instalment_missed", "plan_completed", "plan_reopened", "payment_reversed", "expense",
    "remittance", "message_withdrawn", "held", "resumed", "insolvency", "insolvency_ended",
}


def event_row(case_id: int, kind: str, actor: CurrentUser | None, summary: str, payload: dict[str, Any] | None = None,
              visible_to_creditor: bool | None = None) -> CaseEvent:
    return CaseEvent(
        case=case_id, kind=kind, actor=actor.id if actor and actor.id else None, at=utcnow(), summary=summary,
        payload=json.dumps(payload or {}, default=str, ensure_ascii=False),
        visible_to_creditor=kind in CREDITOR_VISIBLE if visible_to_creditor is None else visible_to_creditor,
    )


# Every change of every case writes one: fixed SQL (building a Piccolo row and its INSERT was a tenth of a booked
# payment's time, tests/bench/test_portal_speed.py), the values as event_row gives them.
RECORD_SQL = ('INSERT INTO case_events ("case", kind, actor, at, summary, payload, visible_to_creditor) '
              "VALUES ({}, {}, {}, {}, {}, {}, {}) RETURNING id")


async def record(case_id: int, kind: str, actor: CurrentUser | None, summary: str, payload: dict[str, Any] | None = None,
                 visible_to_creditor: bool | None = None) -> int:
    """Write the event (in the caller's transaction, if any) and tell its subscribers; its id."""
    rows = await fetch_records(RECORD_SQL, case_id, kind, actor.id if actor and actor.id else None, utcnow(), summary,
                               json.dumps(payload or {}, default=str, ensure_ascii=False),
                               kind in CREDITOR_VISIBLE if visible_to_creditor is None else visible_to_creditor)
    await publish(case_id, kind, payload)
    return rows[0]["id"]
