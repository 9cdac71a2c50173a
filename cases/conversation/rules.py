"""The conversation's rules (pure): what a message may be, and by when the agency answers a creditor's question.

A creditor's message is a question for the agency, answered within two business days of the day it was asked (the
agency's own service level, not a statute): counted from the day after, skipping weekends and the national holidays of
the agency's calendar (Spain's: legal.rules.calendar), not the courts' August nor their Christmas closure (the
conversation is not a procedural period). A question asked on Friday is due on Tuesday; one asked on Thursday
5 December 2024 on Tuesday 10 December (Friday 6 December is a national holiday). The answer is due by the end of that
day; from the next day the question is overdue."""
from __future__ import annotations

from datetime import date, timedelta

from agency.i18n import format_number
from agency.i18n import gettext as _
from legal.rules.deadlines import add_business_days, is_business_day

SIDES = ("creditor", "agency")
BODY_MAX = 10_000  # characters
FILES_MAX = 10  # files attached to one message
ANSWER_BUSINESS_DAYS = 2
AGENCY_CALENDAR = "ES"  # the country whose national holidays the agency does not work


def clean_body(body: object) -> str:
    """The message as kept: line ends made one kind, blank lines at either end dropped (the lines themselves kept)."""
    return str(body or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def message_problems(body: str, files: int = 0) -> dict[str, str]:
    """Field -> what to fix (empty when the message can be sent). ``body`` as clean_body gives it."""
    errors: dict[str, str] = {}
    if not body:
        errors["body"] = _("Write the message.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("Write the message in at most %(max)s characters (it has %(n)s).") % {
            "max": format_number(BODY_MAX), "n": format_number(len(body))}
    if files > FILES_MAX:
        errors["files"] = _("Attach at most %(max)s files to one message.") % {"max": FILES_MAX}
    return errors


def answer_due(asked_on: date, country: str = AGENCY_CALENDAR) -> date:
    """The day the agency's answer to a question asked on ``asked_on`` (the agency's calendar day) is due."""
    return add_business_days(asked_on, ANSWER_BUSINESS_DAYS, country, civil=False)


def is_overdue(due_on: date, today: date) -> bool:
    return today > due_on


def business_days_late(due_on: date, today: date, country: str = AGENCY_CALENDAR) -> int:
    """How many business days have passed since the answer was due (0 while it is not yet late, or when only a weekend
    or a holiday has passed)."""
    late, day = 0, due_on
    while day < today:
        day += timedelta(days=1)
        late += is_business_day(day, country, civil=False)
    return late
