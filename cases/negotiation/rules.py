"""Promises to pay and instalment plans (pure): how a plan splits the debt, and which promises and
instalments were kept, from the payments recorded."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from agency.i18n import format_cents
from agency.i18n import lazy_gettext as _l

FREQUENCIES = ("weekly", "fortnightly", "monthly")
MAX_INSTALMENTS = 60
GRACE_DAYS = 3  # an instalment paid within three days of its date is on time


class PlanError(ValueError):
    def __init__(self, errors: dict[str, object]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year, month = d.year + month // 12, month % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def due_dates(first: date, count: int, frequency: str) -> list[date]:
    if frequency == "weekly":
        return [first + timedelta(weeks=n) for n in range(count)]
    if frequency == "fortnightly":
        return [first + timedelta(weeks=2 * n) for n in range(count)]
    return [_add_months(first, n) for n in range(count)]


def split_plan(total_cents: int, count: int, first: date, frequency: str, today: date) -> list[tuple[int, date, int]]:
    """(number, due date, cents) for each instalment: equal parts, the remainder on the last, so the
    instalments always add up to the debt to the cent."""
    errors: dict[str, object] = {}
    if total_cents <= 0:
        errors["total"] = _l("There is nothing outstanding to split into instalments.")
    if not 1 <= count <= MAX_INSTALMENTS:
        errors["instalments"] = _l("Between 1 and %(n)s instalments.", n=MAX_INSTALMENTS)
    elif 0 < total_cents < count:
        errors["instalments"] = _l("Too many instalments for what is owed: each must be at least one cent.")
    if frequency not in FREQUENCIES:
        errors["frequency"] = _l("The frequency is weekly, fortnightly or monthly.")
    if first < today:
        errors["first_due_on"] = _l("The first instalment cannot be in the past.")
    elif first.year > today.year + 10:
        errors["first_due_on"] = _l("Enter a date within the next ten years.")
    if errors:
        raise PlanError(errors)
    base = total_cents // count
    amounts = [base] * (count - 1) + [total_cents - base * (count - 1)]
    return [(n + 1, d, a) for n, (d, a) in enumerate(zip(due_dates(first, count, frequency), amounts))]


def check_promise(promised_on: date, amount_cents: int, outstanding_cents: int, today: date, currency: str = "EUR") -> None:
    errors: dict[str, object] = {}
    if promised_on < today:
        errors["promised_on"] = _l("A promise is for today or a later date.")
    elif promised_on.year > today.year + 10:
        errors["promised_on"] = _l("Enter a date within the next ten years.")
    if amount_cents <= 0:
        errors["amount"] = _l("The promised amount must be greater than zero.")
    elif amount_cents > outstanding_cents:
        errors["amount"] = _l("The promise is larger than what is owed (%(owed)s).", owed=format_cents(outstanding_cents, currency))
    if errors:
        raise PlanError(errors)


@dataclass(frozen=True)
class Payment:
    received_on: date
    cents: int
    recorded_at: datetime | None = None  # when it was written in the ledger (None: only its day is known)


def towards(payment: Payment, made: datetime | date) -> bool:
    """Whether a payment counts towards a promise or plan made at ``made``. What a commitment asks for was worked out from
    the payments recorded when it was made, so one counts when it was recorded after that moment: not a payment recorded
    the same morning before the plan (the plan is net of it already, and would be paid twice), but one received the day
    before and recorded after (a transfer read from the next bank statement). Where only the day is known (``made`` a date:
    the ledger's own reckoning, by the days money was received), one received on that day or later."""
    if isinstance(made, datetime) and payment.recorded_at is not None:
        return payment.recorded_at > made
    return payment.received_on >= (made.date() if isinstance(made, datetime) else made)


def promise_status(promised_on: date, amount_cents: int, made: datetime | date, payments: list[Payment], today: date) -> str:
    """kept once the payments since the promise (``towards`` it) reach its amount by its date; broken when its date
    (plus the grace days) has passed without that; open meanwhile."""
    paid = sum(p.cents for p in payments if towards(p, made) and p.received_on <= promised_on + timedelta(days=GRACE_DAYS))
    if paid >= amount_cents:
        return "kept"
    return "broken" if today > promised_on + timedelta(days=GRACE_DAYS) else "open"


def waiting_on_promise(promised_on: date, today: date) -> bool:
    """A debtor who promised to pay is not chased by the reminder flow until the promise is due and its
    grace days are over: promised for Tuesday 15 December, no reminder until Saturday 19th (the
    promise is broken from then, and the flow resumes)."""
    return today <= promised_on + timedelta(days=GRACE_DAYS)


def instalment_statuses(instalments: list[tuple[int, date, int]], payments: list[Payment], since: datetime | date, today: date) -> list[str]:
    """Payments since the plan was agreed (``towards`` it) settle the instalments in order (cumulatively): the k-th
    is paid once the total paid covers the first k; missed when its date plus grace has passed."""
    paid_total = sum(p.cents for p in payments if towards(p, since))
    statuses, due_so_far = [], 0
    for _number, due_on, cents in instalments:
        due_so_far += cents
        if paid_total >= due_so_far:
            statuses.append("paid")
        elif today > due_on + timedelta(days=GRACE_DAYS):
            statuses.append("missed")
        else:
            statuses.append("due")
    return statuses


def instalment_paid(instalments: list[tuple[int, date, int]], payments: list[Payment], since: datetime | date) -> list[int]:
    """Cents paid towards each instalment, settled in order as instalment_statuses does: 2.000,00 paid
    on a plan of three 6.822,13 instalments is [200000, 0, 0] (4.822,13 left on the first)."""
    left = sum(p.cents for p in payments if towards(p, since))
    paid = []
    for _number, _due_on, cents in instalments:
        paid.append(min(cents, max(left, 0)))
        left -= cents
    return paid


def instalment_owed(instalments: list[tuple[int, date, int]], payments: list[Payment], since: datetime | date) -> tuple[int, date, int] | None:
    """The first instalment not yet covered, as (number, due date, cents still owed on it), settled
    cumulatively as instalment_statuses does: 60,00 paid towards a first instalment of 102,69 leaves
    42,69 to ask for, not the whole instalment. None once the plan is paid."""
    paid_total = sum(p.cents for p in payments if towards(p, since))
    due_so_far = 0
    for number, due_on, cents in instalments:
        due_so_far += cents
        if paid_total < due_so_far:
            return number, due_on, min(cents, due_so_far - paid_total)
    return None


INSTALMENT_NOTICE_DAYS = 3  # an instalment is announced this many days before it falls due


def instalment_message(owed: tuple[int, date, int] | None, today: date) -> str | None:
    """What a debtor on a plan is told about the instalment they owe now (instalment_owed): "due"
    from three days before its date until its grace days end, "missed" after; None before, or when
    the plan is paid. Each is sent once per instalment (the worker keeps which went out). Worked
    example: an instalment due Thursday 10 December is announced from Monday 7th; unpaid by
    Sunday 13th (three days' grace), it is missed from Monday 14th."""
    if owed is None:
        return None
    _number, due_on, _cents = owed
    if today > due_on + timedelta(days=GRACE_DAYS):
        return "missed"
    if today >= due_on - timedelta(days=INSTALMENT_NOTICE_DAYS):
        return "due"
    return None


def promise_after_reversal(decided: str, a_later_promise_is_open: bool) -> str:
    """A kept promise once a payment that kept it is reversed: ``decided`` is promise_status over the
    payments that stand. Open again, unless a later promise is open (one at a time): then replaced."""
    return "replaced" if decided == "open" and a_later_promise_is_open else decided


def plan_after_reversal(instalments: list[str], a_later_plan_is_active: bool) -> str:
    """A completed plan once a payment towards it is reversed: still completed if every instalment is
    paid by what stands; else active again, unless a later plan is active (one at a time): cancelled."""
    if all(s == "paid" for s in instalments):
        return "completed"
    return "cancelled" if a_later_plan_is_active else "active"
