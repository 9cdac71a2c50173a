"""Procedural deadlines (pure): business days, the deadline rules the product tracks, and how close
a deadline is. Day counts and sources live in legal/jurisdictions.py (DEADLINES).

Business days
- Spain, civil procedure (``civil=True``; LEC 130.2, LOPJ 182-183): not Saturdays, Sundays, national
  holidays (legal/calendar.py), 24 December to 6 January (LO 14/2022), nor any day of August. Regional and local
  holidays also close the courts but are not known here (see legal/calendar.py).
- Spain with ``civil=False`` (out-of-court periods), France and Portugal: weekends and national
  holidays only. Portugal's judicial holidays (férias judiciais, which suspend Portuguese procedural
  periods) are not modelled: no tracked rule runs in a Portuguese court.

Counting
- "business": from the day after the event (LEC 133.1), counting business days only (LEC 133.2);
  the deadline ends at the end of the last one.
- "calendar": the day of the event plus the number of days (the count starts the day after).
- "months": date to date; when the month has no such day, its last day (LEC 133.3, CPC 641).
- A calendar or month deadline that ends on a day that is not a business day moves to the next
  business day (LOPJ 185.2, CPC 642). Court deadlines use the procedural calendar of the court's
  country (in Spain August counts as closed: for the European order for payment this reading is
  *unconfirmed*; Reg. 1182/71 would move only weekends and holidays); out-of-court ones (the LO 1/2025
  settlement offer) move over weekends and national holidays only, a conservative reading since the
  Código Civil (art. 5) does not move civil periods at all.
- A rule that belongs to one country's law (monitorio: ES; injonction: FR) always uses that
  country's calendar; the ``country`` argument is the court's country for the European rules."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from agency.i18n import lazy_gettext as _l
from legal.rules.calendar import is_holiday
from legal.rules.jurisdictions import (
    DEADLINE_WARNING_DAYS,
    DEADLINES,
    ES_PROCEDURAL_CLOSED_FROM,
    ES_PROCEDURAL_CLOSED_UNTIL,
    ES_PROCEDURAL_MONTHS_OFF,
)

UNITS = ("business", "calendar", "months")
LEVELS = ("overdue", "today", "soon", "later")


def is_business_day(day: date, country: str = "ES", civil: bool = True) -> bool:
    if day.weekday() >= 5 or is_holiday(day, country):
        return False
    if civil and country.upper() == "ES":
        christmas = (day.month, day.day) >= ES_PROCEDURAL_CLOSED_FROM or (day.month, day.day) <= ES_PROCEDURAL_CLOSED_UNTIL
        return day.month not in ES_PROCEDURAL_MONTHS_OFF and not christmas
    return True


def add_business_days(start: date, days: int, country: str = "ES", civil: bool = True) -> date:
    """The day a deadline of ``days`` business days ends, counted from the day after ``start``."""
    if days < 0:
        raise ValueError("a deadline cannot have a negative number of days")
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day, country, civil):
            counted += 1
    return day


def next_business_day(day: date, country: str = "ES", civil: bool = True) -> date:
    """``day`` itself when it is a business day, else the next one."""
    while not is_business_day(day, country, civil):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """Date to date; the last day of the month when it has no such day (31 January + 1 = 28/29 February)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DeadlineRule:
    key: str
    label: object  # lazy string
    days: int  # the number of units
    unit: str  # "business" | "calendar" | "months"
    source: str
    country: str | None = None  # the country whose law sets it; None: the court's country decides
    court: bool = True  # a court deadline (procedural calendar) or an out-of-court one
    moves: bool = True  # a calendar or month deadline ending on a closed day moves to the next business day (LOPJ 185.2)


_LABELS = {
    "monitorio_answer": (_l("Time for the debtor to pay or oppose the monitorio, from service"), "ES", True),
    "verbal_answer": (_l("Time for the defendant to answer the juicio verbal claim, from service"), "ES", True),
    "ordinario_answer": (_l("Time for the defendant to answer the juicio ordinario claim, from service"), "ES", True),
    "eop_opposition": (_l("Time for the debtor to oppose the European order for payment, from service"), None, True),
    "settlement_answer": (_l("Time for the debtor to answer the settlement offer; silence counts as rejection"), "ES", False),
    "injonction_opposition": (_l("Time for the debtor to oppose the injonction de payer, from service"), "FR", True),
    "injonction_service": (_l("Time to serve the injonction de payer, from the order; unserved, it lapses"), "FR", True),
    "ordinario_claim_after_opposition": (_l("Time to file the juicio ordinario claim after the monitorio was opposed, from notice of "
                                            "the opposition"), "ES", True),
    "verbal_opposition_reply": (_l("Time to answer the debtor's opposition in writing, now a juicio verbal, from notice of the "
                                   "opposition"), "ES", True),
    "enforcement_expiry": (_l("Enforcement may be asked until this day (five years from the decree or judgment)"), "ES", True),
}

DEADLINE_RULES: dict[str, DeadlineRule] = {
    key: DeadlineRule(key, label, DEADLINES[key][0], DEADLINES[key][1], DEADLINES[key][2], country, court)
    for key, (label, country, court) in _LABELS.items()
} | {  # the concurso's claim communication: the safer, earlier reading (legal/rules/insolvency.py), never moved
    "insolvency_claim": DeadlineRule("insolvency_claim", _l("Time to communicate the claim to the insolvency administrator, from the "
                                                            "day after the declaration's publication in the BOE"),
                                     *DEADLINES["insolvency_claim"], country="ES", court=False, moves=False),
}


# What the lawyer does once each deadline has run, as the procedure says.
NEXT_STEPS = {
    "monitorio_answer": _l("Neither paid nor opposed: the court ends the monitorio by decree and the creditor asks for "
                           "enforcement (LEC 816). Opposed: the claim goes on as a verbal or ordinary trial (LEC 818)."),
    "verbal_answer": _l("No answer: the debtor is in default (rebeldía) and the claim goes on; answered: the court sets the "
                        "hearing (LEC 438-440)."),
    "ordinario_answer": _l("No answer: the debtor is in default (rebeldía); answered: the court calls the preliminary "
                           "hearing (LEC 404-414)."),
    "eop_opposition": _l("No opposition: the court declares the order enforceable (Reg. 1896/2006 art. 18). Opposed: the "
                         "claim goes on under the ordinary national procedure unless the creditor asked to end it (art. 17)."),
    "settlement_answer": _l("No answer in these days counts as a rejection: the settlement attempt the court asks for is on "
                            "record (LO 1/2025)."),
    "injonction_opposition": _l("No opposition within the month: ask the court to make the order enforceable (CPC 1422)."),
    "injonction_service": _l("Serve the order on the debtor before this day, or it lapses (CPC 1411)."),
    "ordinario_claim_after_opposition": _l("File the juicio ordinario claim before this day (the monitorio's court fee is deducted "
                                           "from the ordinario's); without it the case is dismissed with costs (LEC 818.2)."),
    "verbal_opposition_reply": _l("Answer the opposition in writing and say whether a hearing is wanted; the court then sets the "
                                  "verbal's hearing or decides (LEC 818.2 and 438; *unconfirmed*)."),
    "enforcement_expiry": _l("Ask the court for enforcement (attachment of accounts, wages, assets) before this day (LEC 816 and "
                             "518)."),
    "insolvency_claim": _l("Send the claim communication (the insolvency_claim document, signed, with the invoices) to the "
                           "administrator by this day; a late claim may be ranked as subordinated (TRLC art. 281.1.1º)."),
}


def deadline_for(rule_key: str, from_day: date, country: str = "ES") -> date:
    """The last day of the deadline ``rule_key`` that starts with the event of ``from_day``."""
    return deadline_with_move(rule_key, from_day, country)[0]


def deadline_with_move(rule_key: str, from_day: date, country: str = "ES") -> tuple[date, date | None]:
    """(the last day, the day it would have ended on when that was not a business day and it moved, else None)."""
    rule = DEADLINE_RULES[rule_key]
    country = rule.country or country
    if rule.unit == "business":
        return add_business_days(from_day, rule.days, country, civil=True), None
    if rule.unit == "calendar":
        end = from_day + timedelta(days=rule.days)
    elif rule.unit == "months":
        end = add_months(from_day, rule.days)
    else:
        raise ValueError(f"unknown deadline unit {rule.unit!r}")
    if not rule.moves:
        return end, None
    moved = next_business_day(end, country, civil=rule.court)
    return moved, (end if moved != end else None)


@dataclass(frozen=True)
class Warning:
    level: str  # "overdue" | "today" | "soon" | "later"
    days_left: int  # calendar days until the deadline ends; negative once it has passed


def warning_for(due_on: date, today: date, soon_days: int = DEADLINE_WARNING_DAYS) -> Warning:
    left = (due_on - today).days
    if left < 0:
        return Warning("overdue", left)
    if left == 0:
        return Warning("today", 0)
    return Warning("soon" if left <= soon_days else "later", left)
