"""The case timeline: every service that changes a case writes one event, in its transaction."""
from __future__ import annotations

import json
from typing import Any

from agency.auth import CurrentUser
from agency.db import utcnow
from cases.tables import CaseEvent

__all__ = ["CREDITOR_VISIBLE", "CaseEvent", "event_row", "record"]

# Which kinds creditors see on their timeline (the rest is the agency's working notes).
CREDITOR_VISIBLE = {
    "claim_opened", "evidence_added", "stage_changed", "payment", "document", "message", "promise", "plan", "promise_kept",
    "promise_broken", "promise_reopened", "instalment_missed", "plan_completed", "plan_reopened", "payment_reversed", "expense",
    "remittance", "message_withdrawn",
}


def event_row(case_id: int, kind: str, actor: CurrentUser | None, summary: str, payload: dict[str, Any] | None = None,
              visible_to_creditor: bool | None = None) -> CaseEvent:
    return CaseEvent(
        case=case_id, kind=kind, actor=actor.id if actor and actor.id else None, at=utcnow(), summary=summary,
        payload=json.dumps(payload or {}, default=str, ensure_ascii=False),
        visible_to_creditor=kind in CREDITOR_VISIBLE if visible_to_creditor is None else visible_to_creditor,
    )


async def record(case_id: int, kind: str, actor: CurrentUser | None, summary: str, payload: dict[str, Any] | None = None,
                 visible_to_creditor: bool | None = None) -> None:
    await CaseEvent.insert(event_row(case_id, kind, actor, summary, payload, visible_to_creditor))
