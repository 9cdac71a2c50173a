"""The debtor's data rights as rules (pure): what holds a debtor's data back from erasure, until when, and what
anonymised data looks like.

GDPR art. 17.3 lets a controller keep data that a legal obligation or the defence of legal claims requires. For a
collection agency those are, per case of the debtor:
- an **open case**: the collection it was given to do is still under way (art. 17.3.e, the claim);
- an **open complaint**: it must be answered (Directive 2021/2167 art. 10 and the complaints register);
- the **limitation period** of a debt still owed: the creditor may still claim it before a court (Código Civil 1964.2,
  five years, kept per case by legal.limitation as ``limitation_date``); a debt paid in full holds nothing;
- **the defence of claims about the collection**: a closed case's record is kept (blocked, in the words of LOPDGDD art.
  32) while the debtor or the authority may still bring a claim about how it was handled: three years after closing by
  default, the longest limitation of an infringement under LOPDGDD art. 72 (a setting: AGENCY_RETENTION_AFTER_CLOSE_YEARS);
- **accounting records**: the money the agency received from the debtor (and any it gave back) is its trust ledger,
  which the Código de Comercio (art. 30.1) keeps for **six years** from its last entry (a setting:
  AGENCY_RETENTION_ACCOUNTING_YEARS). The fees and remittances are the creditor's account and name no debtor.
Once every hold of every case of the debtor has ended, the data is anonymised: the person's name, identifiers and
contact details, and every free text about them, go; the money figures, the dates and the audit trail (who did what,
when) stay, so the books still add up."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from agency.i18n import lazy_gettext as _l

HOLD_TEXTS = {
    "open_case": _l("Case %(reference)s is still open."),
    "complaint": _l("A complaint on case %(reference)s is still open."),
    "limitation": _l("Case %(reference)s still has money owed that can be claimed until %(until)s (limitation period)."),
    "limitation_unknown": _l("Case %(reference)s still has money owed and no limitation date has been worked out."),
    "accounting": _l("The money movements of case %(reference)s must be kept until %(until)s (Código de Comercio art. 30)."),
    "closed_recently": _l("Case %(reference)s closed recently: its record is kept until %(until)s for any claim about how it was handled "
                          "(LOPDGDD arts. 32 and 72)."),
}

# What the timeline's free texts and the events' details may say of the person: blanked by anonymisation. The kinds whose
# summary is what somebody wrote (a contact, a dispute, a note); the payload keys that carry a person's data.
FREE_TEXT_KINDS = frozenset({"acknowledgement", "complaint", "contact", "expense", "invoice_disputed", "legal_withdrawn", "payment_reversed",
                             "settlement_answer", "evidence_added", "message", "debtor_rectified", "classified",
                             "vulnerable"})
PERSONAL_KEYS = frozenset({"contact", "body", "text", "note", "notes", "name", "email", "phone", "address", "address_line1", "city",
                           "postal_code", "tax_id", "iban", "debtor_iban", "account_holder", "counterparty_name", "counterparty_iban",
                           "before", "after", "user_agent", "ip", "address_from", "answer", "reason", "filename", "to", "concept"})
DEBTOR_FIELDS = ("name", "tax_id", "address_line1", "city", "postal_code", "email", "phone", "language")


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    reference: str
    open: bool
    outstanding_cents: int
    limitation_date: date | None
    last_money_on: date | None  # the day of the case's last ledger entry, None when no money ever moved
    open_complaint: bool = False
    closed_on: date | None = None


@dataclass(frozen=True)
class Hold:
    code: str  # open_case | complaint | closed_recently | limitation | limitation_unknown | accounting
    case_id: int
    reference: str
    until: date | None  # None: until something happens (the case closes, the complaint is answered)

    def text(self) -> str:
        return str(HOLD_TEXTS[self.code]) % {"reference": self.reference, "until": self.until.isoformat() if self.until else ""}


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def holds(cases: list[CaseFacts], today: date, accounting_years: int = 6, after_close_years: int = 3) -> list[Hold]:
    """Every legal hold on a debtor's data, per case. Worked examples (today 2026-12-07, six and three years):
    an open case -> open_case; closed on 2026-11-30 -> closed_recently until 2029-11-30; closed, 120.00 owed, limitation
    2029-03-01 -> limitation until 2029-03-01; closed, nothing owed, last payment 2024-05-10 -> accounting until
    2030-05-10; closed in 2020, nothing owed, last payment 2019-05-10 and no limitation -> no hold."""
    found: list[Hold] = []
    for c in cases:
        if c.open:
            found.append(Hold("open_case", c.case_id, c.reference, None))
        if c.open_complaint:
            found.append(Hold("complaint", c.case_id, c.reference, None))
        if not c.open and c.closed_on is not None and years_after(c.closed_on, after_close_years) > today:
            found.append(Hold("closed_recently", c.case_id, c.reference, years_after(c.closed_on, after_close_years)))
        if c.outstanding_cents > 0 and not c.open:
            if c.limitation_date is None:
                found.append(Hold("limitation_unknown", c.case_id, c.reference, None))
            elif c.limitation_date >= today:
                found.append(Hold("limitation", c.case_id, c.reference, c.limitation_date))
        if c.last_money_on is not None:
            until = years_after(c.last_money_on, accounting_years)
            if until > today:
                found.append(Hold("accounting", c.case_id, c.reference, until))
    return found


def scrub(payload: Any) -> Any:
    """An event's details without the person in them: every value under a personal key blanked, at any depth."""
    if isinstance(payload, dict):
        return {k: ("" if k in PERSONAL_KEYS and v not in (None, "") else scrub(v)) for k, v in payload.items()}
    if isinstance(payload, list):
        return [scrub(v) for v in payload]
    return payload


def anonymous_name(debtor_id: int) -> str:
    """What an anonymised debtor is called from then on: no name, only the number the books know it by."""
    return f"ANON-{debtor_id:06d}"
