"""Complaints against the agency's conduct (Directive 2021/2167 on credit servicers, art. 23; the EBA expects a
procedure with an owner and an answer within a deadline): who may complain, about what, and by when the agency answers.
Plain Python: no tables, no I/O."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from agency.i18n import gettext as _
from agency.i18n import lazy_gettext as _l

SOURCES = {"debtor": _l("the debtor"), "creditor": _l("the creditor"), "staff": _l("the agency's staff")}
CAUSES = {
    "contact": _l("how or how often the debtor was contacted"),
    "amount": _l("the amount claimed"),
    "data": _l("personal data"),
    "conduct": _l("the manner of a member of staff"),
    "other": _l("something else"),
}
OUTCOMES = {"upheld": _l("upheld"), "partly": _l("partly upheld"), "rejected": _l("not upheld")}
BODY_MAX = 5000


@dataclass(frozen=True)
class Deadlines:
    consumer_days: int = 15  # AGENCY_COMPLAINT_DAYS_CONSUMER
    other_days: int = 30  # AGENCY_COMPLAINT_DAYS_OTHER


def answer_due(received_on: date, consumer: bool, deadlines: Deadlines) -> date:
    """The day the answer is due: calendar days from the day the complaint was received (15 for a consumer, 30 for
    the rest, unless the agency's settings say otherwise)."""
    return received_on + timedelta(days=deadlines.consumer_days if consumer else deadlines.other_days)


def complaint_problems(source: str, cause: str, body: str) -> dict[str, str]:
    """Field -> what to fix (empty when the complaint can be recorded)."""
    errors: dict[str, str] = {}
    if source not in SOURCES:
        errors["from"] = _("Say who complains: %(choices)s.") % {"choices": ", ".join(SOURCES)}
    if cause not in CAUSES:
        errors["cause"] = _("Say what the complaint is about: %(choices)s.") % {"choices": ", ".join(CAUSES)}
    text = " ".join(str(body or "").split())
    if len(text) < 10:
        errors["body"] = _("Write what happened, in a sentence or more.")
    elif len(text) > BODY_MAX:
        errors["body"] = _("Write it in at most %(n)s characters.") % {"n": BODY_MAX}
    return errors


def answer_problems(answer: str, outcome: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(" ".join(str(answer or "").split())) < 10:
        errors["answer"] = _("Write the answer sent to the complainant.")
    if outcome not in OUTCOMES:
        errors["outcome"] = _("Choose the outcome: %(choices)s.") % {"choices": ", ".join(OUTCOMES)}
    return errors


@dataclass(frozen=True)
class MonthRow:
    month: str  # YYYY-MM, the month received
    cause: str
    received: int
    answered_in_time: int
    answered_late: int
    open: int
    overdue: int  # open, and past its deadline


def monthly(complaints: Iterable[tuple[date, str, date, date | None]], today: date) -> list[MonthRow]:
    """Per month received and cause: (received_on, cause, due_on, answered_on) -> how many, answered in time or late,
    still open, and of those overdue. Newest month first."""
    rows: dict[tuple[str, str], list[int]] = {}
    for received_on, cause, due_on, answered_on in complaints:
        r = rows.setdefault((received_on.strftime("%Y-%m"), cause), [0, 0, 0, 0, 0])
        r[0] += 1
        if answered_on is None:
            r[3] += 1
            r[4] += today > due_on
        elif answered_on <= due_on:
            r[1] += 1
        else:
            r[2] += 1
    return [MonthRow(month, cause, *counts) for (month, cause), counts in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1]),
                                                                                     reverse=True)]
