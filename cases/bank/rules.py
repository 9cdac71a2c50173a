"""What a bank line says of a case (pure): the case references written in its concepts.

A case's reference is ``EXP-<year>-<number>``, the number zero-padded to six digits (``EXP-2026-000123``, made by
``cases.claims.service.next_references``). Debtors type it, and banks mangle it on the way: lower case, the dashes
dropped or turned into spaces, dots or slashes (``exp 2026 000123``, ``EXP2026000123``, ``Exp.2026/123``). Each is
read back as the reference the agency wrote."""
from __future__ import annotations

import re
from datetime import date

from agency.i18n import lazy_gettext as _l

# EXP, the year, the number. Without a separator between year and number the number must have its six digits (else
# "EXP2026123" could be any split); with one, a debtor who dropped the leading zeros is still read. The number is
# one run of digits, never glued to a following digit.
_SEP = r"[\s\-_./:]*"
_REFERENCE = re.compile(
    rf"EXP{_SEP}(?P<year>20\d\d)(?:(?P<number>\d{{6,11}})|[\s\-_./:]+(?P<short>\d{{1,11}}))(?!\d)",
    re.IGNORECASE,
)


def canonical(year: str, number: str) -> str:
    return f"EXP-{year}-{int(number):06d}"


def references_in(text: str) -> list[str]:
    """The case references in ``text``, canonical (``EXP-2026-000123``), each once, in the order they appear."""
    found: list[str] = []
    for match in _REFERENCE.finditer(text or ""):
        reference = canonical(match["year"], match["number"] or match["short"])
        if int(match["number"] or match["short"]) and reference not in found:
            found.append(reference)
    return found


# --- direct debits (SEPA, the EPC rulebooks) ------------------------------------------------------------------------

NOTICE_DAYS = 2  # the debtor is told the amount and the day at least this many days before (pre-notification)
MAX_ATTEMPTS = 2  # an instalment returned for want of funds is presented once more, then left to the negotiator

# The return reasons (ISO 20022 ExternalReturnReason1Code) a negotiator meets, and what follows each: "retry" presents
# the instalment once more in the next batch; "stop" collects nothing more under the mandate and tells the negotiator.
RETURN_REASONS = {
    "AM04": ("retry", _l("insufficient funds")),
    "MS03": ("retry", _l("reason not given by the debtor's bank")),
    "AC01": ("stop", _l("account number incorrect")),
    "AC04": ("stop", _l("account closed")),
    "AC06": ("stop", _l("account blocked")),
    "AG01": ("stop", _l("direct debits forbidden on this account")),
    "MD01": ("stop", _l("no mandate")),
    "MD06": ("stop", _l("refund requested by the debtor")),
    "MD07": ("stop", _l("the debtor has died")),
    "MS02": ("stop", _l("refused by the debtor")),
    "SL01": ("stop", _l("refused by a service of the debtor's bank")),
}


def after_return(reason: str, attempt: int) -> str:
    """What follows a return: "retry" (once more in the next batch) or "stop". An unknown code stops: a person looks."""
    then, _label = RETURN_REASONS.get(reason, ("stop", None))
    return "retry" if then == "retry" and attempt < MAX_ATTEMPTS else "stop"


def sequence_type(collected_before: bool) -> str:
    """FRST for a mandate's first collection (or while every earlier one was returned), RCUR after one went through."""
    return "RCUR" if collected_before else "FRST"


def instrument_for(debtor_kind: str) -> str:
    """CORE for a person (a consumer's scheme: refund within 8 weeks), B2B for a company."""
    return "B2B" if debtor_kind == "company" else "CORE"


def left_of_instalments(instalments: list[tuple[int, date, int]], paid_cents: int) -> list[tuple[int, date, int]]:
    """What is still owed of each instalment, in order, once ``paid_cents`` paid since the plan are set against them
    first to last (as the negotiation's rules settle them): (number, due date, cents left), the paid ones left out.
    Worked example: instalments of 100, 100, 100 and 150 paid: [(2, due, 50), (3, due, 100)]."""
    left, running = [], paid_cents
    for number, due_on, cents in instalments:
        taken = min(cents, max(running, 0))
        running -= taken
        if cents - taken > 0:
            left.append((number, due_on, cents - taken))
    return left


def end_to_end_id(reference: str, instalment_id: int, attempt: int) -> str:
    """The collection's end-to-end id (35 characters at most): the case's reference, the instalment, the attempt."""
    return f"{reference}-I{instalment_id}-A{attempt}"[:35]


def file_part_paid(amount_cents: int, parts: list[tuple[int, str, int]]) -> tuple[int, str] | None:
    """The direct-debit file, or the one payment-information block of a file, that a credit of this amount pays whole:
    ``parts`` are (file, part, total), part "" for a whole file and "CORE/FRST" (scheme and sequence) for a block, as a
    bank credits a file at once or each block apart. A whole file first; None when none, or more than one, match."""
    for whole in (True, False):
        found = [(batch, part) for batch, part, total in parts if (part == "") == whole and total == amount_cents]
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None
