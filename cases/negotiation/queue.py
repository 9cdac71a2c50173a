"""Queue priority (pure): which case a negotiator should work next, and why.

The score is a sum of documented parts, each with a reason code the queue page shows:

| part | points | why |
|---|---|---|
| amount outstanding | 10 x log10(euros + 1), at most 40 | bigger debts first (1,000 EUR = 30, 10,000 EUR = 40) |
| days overdue | days / 9, at most 20 | older debts are harder to collect every week |
| next action due (or none set) | +15 (+5) | a promised call-back is a promise of ours |
| broken promises | +15 each, at most 30 | a broken promise needs an answer the same day |
| missed instalments | +12 each, at most 24 | likewise, before the plan falls apart |
| classification | intentional +10, negligent +5, circumstantial +3 | firm and fast with those who won't pay |
| limitation within 90 / 180 days | +20 / +10 | a prescribed debt is lost |
| stage | amicable +5, credit bureau -5 | a reported debt waits for the bureau to bite |
| accepted, not contacted within 24 h | +25 ("act fast") | the first contact matters most |
| contacted today | -20 | nobody is called twice a day |
| paid, chose a plan or promised in the last 7 days | -15 | a debtor who is paying needs no call |
| opened their page in the last 3 days and left without paying, a plan or a word | +15 | they are thinking about it: call now |
| a question from the creditor waiting for the agency's answer | +30 | answered within two business days (cases.conversation) |
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from agency.i18n import DISPLAY_TZ
from agency.i18n import lazy_gettext as _l

QUEUE_STAGES = ("amicable", "mediation", "credit_bureau")
ACT_FAST_AFTER = timedelta(hours=24)
ENGAGED_FOR = timedelta(days=7)  # a payment, a plan or a promise this recent: the debtor is paying
LEFT_FOR = timedelta(days=3)  # a visit to their page this recent, with nothing done since: call while they think about it
# What a debtor does that counts: paying, agreeing a plan or a promise (engaged); and what shows they did not just
# leave their page (any of those, or a dispute, a call-back asked for, a message).
ENGAGED_KINDS = ("payment", "plan", "promise")
ANSWERED_KINDS = (*ENGAGED_KINDS, "portal_dispute", "portal_callback", "portal_message")

REASONS = {
    "amount": _l("large amount"),
    "overdue": _l("long overdue"),
    "action_due": _l("next action due"),
    "no_action": _l("no next action set"),
    "broken_promise": _l("broken promise"),
    "missed_instalment": _l("missed instalment"),
    "intentional": _l("intentional debtor"),
    "negligent": _l("negligent debtor"),
    "circumstantial": _l("circumstantial debtor"),
    "limitation_soon": _l("limitation date near"),
    "act_fast": _l("act fast: not contacted 24 h after acceptance"),
    "contacted_today": _l("already contacted today"),
    "engaged": _l("paid or chose a plan in the last 7 days"),
    "opened_and_left": _l("opened their page and left without paying"),
    "creditor_question": _l("question from the creditor"),
}
CLASSIFICATION_POINTS = {"intentional": 10, "negligent": 5, "circumstantial": 3, "unknown": 0}
STAGE_POINTS = {"amicable": 5, "mediation": 0, "credit_bureau": -5}
CREDITOR_QUESTION_POINTS = 30


@dataclass(frozen=True)
class QueueFacts:
    stage: str
    outstanding_cents: int
    oldest_due_date: date | None
    next_action_at: datetime | None
    broken_promises: int
    missed_instalments: int
    classification: str
    limitation_date: date | None
    accepted_at: datetime | None
    last_contact_at: datetime | None
    engaged_at: datetime | None = None  # the latest payment, plan or promise
    visited_at: datetime | None = None  # the debtor's latest visit to their page
    answered_at: datetime | None = None  # the latest of engaged_at and the debtor's disputes, call-backs and messages
    question_at: datetime | None = None  # the oldest question from the creditor the agency has not answered yet


def _utc(moment: datetime | None) -> datetime | None:
    """A stored moment as an aware UTC datetime (a naive one is UTC: the database's)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def score(f: QueueFacts, now: datetime) -> tuple[int, tuple[str, ...]]:
    today = now.astimezone(DISPLAY_TZ).date() if now.tzinfo else now.date()  # the agency's day (agency.clock)
    points = 0.0
    reasons: list[str] = []

    amount = min(40.0, 10 * math.log10(max(f.outstanding_cents, 0) / 100 + 1))
    points += amount
    if amount >= 30:
        reasons.append("amount")
    if f.oldest_due_date:
        overdue = min(20.0, max((today - f.oldest_due_date).days, 0) / 9)
        points += overdue
        if overdue >= 10:
            reasons.append("overdue")
    if f.next_action_at is None:
        points += 5
        reasons.append("no_action")
    elif f.next_action_at <= now:
        points += 15
        reasons.append("action_due")
    if f.broken_promises:
        points += min(30, 15 * f.broken_promises)
        reasons.append("broken_promise")
    if f.missed_instalments:
        points += min(24, 12 * f.missed_instalments)
        reasons.append("missed_instalment")
    if CLASSIFICATION_POINTS.get(f.classification, 0):
        points += CLASSIFICATION_POINTS[f.classification]
        reasons.append(f.classification)
    if f.limitation_date:
        left = (f.limitation_date - today).days
        if left <= 90:
            points += 20
            reasons.append("limitation_soon")
        elif left <= 180:
            points += 10
            reasons.append("limitation_soon")
    points += STAGE_POINTS.get(f.stage, 0)
    if f.accepted_at and f.last_contact_at is None and now - f.accepted_at >= ACT_FAST_AFTER:
        points += 25
        reasons.append("act_fast")
    if f.last_contact_at and (f.last_contact_at.astimezone(DISPLAY_TZ).date() if f.last_contact_at.tzinfo else f.last_contact_at.date()) == today:
        points -= 20
        reasons.append("contacted_today")
    engaged, visited, answered = (_utc(t) for t in (f.engaged_at, f.visited_at, f.answered_at))
    at = _utc(now)
    if engaged and at - engaged <= ENGAGED_FOR:
        points -= 15
        reasons.append("engaged")
    elif visited and at - visited <= LEFT_FOR and (answered is None or answered < visited):
        points += 15
        reasons.append("opened_and_left")
    if f.question_at is not None:
        points += CREDITOR_QUESTION_POINTS
        reasons.append("creditor_question")
    return round(points), tuple(reasons)


STRATEGIES = {
    "intentional": _l("Intentional: be firm and escalate fast (certified demand, bureau, court). Offer little flexibility."),
    "negligent": _l("Negligent: remind often and make paying easy (link, instalments, reminders before each date)."),
    "circumstantial": _l("Circumstantial: listen, solve the underlying problem and offer a flexible plan."),
    "unknown": _l("Not classified yet: find out on the first contact why the debt is unpaid."),
}
CLASSIFICATIONS = tuple(STRATEGIES)
