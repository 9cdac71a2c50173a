"""Credit-bureau reporting rules (pure): the legal preconditions of LOPDGDD art. 20 and additional
provision 6 (LEGAL.md), when a reported debt must leave the file, and the batch file layouts.

A debt may be reported only while every check holds; the ``credit_bureau`` stage is entered only
then (cases.stages.rules uses these checks), and a reported debt is withdrawn in the next batch as soon as
one of the withdrawal reasons appears."""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from agency.i18n import lazy_gettext as _l
from legal.rules.jurisdictions import BUREAU_MAX_YEARS, BUREAU_MIN_PRINCIPAL

BUREAU_MIN_PRINCIPAL_CENTS = int(BUREAU_MIN_PRINCIPAL * 100)
NOTICE_WAIT_DAYS = 30  # days between the delivered prior notice and the first report (the agency's practice; a setting)
CERTIFIED_CHANNELS = ("burofax", "certified_email", "registered_letter", "payment_demand")


@dataclass(frozen=True)
class BureauFacts:
    principal_outstanding_cents: int  # undisputed principal past its due date and still owed (money not yet due never counts)
    oldest_due_date: date | None  # of the undisputed invoices still owed
    disputed_invoices: int
    notice_delivered_on: date | None  # the prior notice naming the files, delivered by a certified channel
    authorised: bool  # the creditor authorised reporting this case
    closed: bool = False
    in_bureau_stage: bool = True  # a queued report is sent only while the case is in the credit-bureau stage


def due_and_owed(invoices: list[tuple[date, int]], today: date) -> tuple[int, date | None]:
    """(cents of principal past due and still owed, the oldest due date still owed) from the undisputed invoices as
    (due date, cents of their principal still owed), as the ledger applied the payments (cases.billing.ledger)."""
    owed = [(due, cents) for due, cents in invoices if cents > 0]
    return sum(cents for due, cents in owed if due < today), min((due for due, _c in owed), default=None)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    why: object  # translated when shown

    def as_dict(self) -> dict:
        return {"name": self.name, "ok": self.ok, "why": str(self.why)}


def limit_date(oldest_due: date) -> date:
    """The last day a debt may stay in a file: five years after its due date, less one day."""
    try:
        return oldest_due.replace(year=oldest_due.year + BUREAU_MAX_YEARS) - timedelta(days=1)
    except ValueError:  # 29 February
        return date(oldest_due.year + BUREAU_MAX_YEARS, 2, 28)


def checks(f: BureauFacts, today: date, wait_days: int = NOTICE_WAIT_DAYS) -> list[Check]:
    """Every legal condition with its verdict and the reason, in the order a person reads them."""
    due = f.oldest_due_date is not None and f.oldest_due_date < today and f.principal_outstanding_cents > 0
    out = [
        Check("due", due, _l("The debt is certain, due and payable.") if due
              else _l("There is no undisputed invoice past its due date with money still owed.")),
        Check("not_disputed", f.disputed_invoices == 0, _l("No invoice is disputed.") if f.disputed_invoices == 0
              else _l("An invoice is disputed: a disputed debt cannot be reported.")),
        Check("minimum", f.principal_outstanding_cents >= BUREAU_MIN_PRINCIPAL_CENTS,
              _l("At least 50 EUR of principal is owed.") if f.principal_outstanding_cents >= BUREAU_MIN_PRINCIPAL_CENTS
              else _l("Less than 50 EUR of principal is owed (LOPDGDD additional provision 6).")),
    ]
    fresh = f.oldest_due_date is not None and today <= limit_date(f.oldest_due_date)
    out.append(Check("not_too_old", fresh, _l("Less than five years since the due date.") if fresh
                     else _l("Five years have passed since the due date: the debt cannot be reported.")))
    if f.notice_delivered_on is None:
        out.append(Check("notice", False, _l("The debtor has not been told beforehand, by a certified channel, that the debt may be reported, naming the files.")))
        out.append(Check("waiting_period", False, _l("The waiting period starts when the prior notice is delivered.")))
    else:
        ready = f.notice_delivered_on + timedelta(days=wait_days)
        out.append(Check("notice", True, _l("Prior notice delivered on %(day)s.", day=f.notice_delivered_on.isoformat())))
        out.append(Check("waiting_period", today >= ready, _l("%(days)s days have passed since the notice.", days=wait_days)
                         if today >= ready else _l("The waiting period ends on %(day)s.", day=ready.isoformat())))
    out.append(Check("authorised", f.authorised, _l("The creditor authorised reporting this case.") if f.authorised
                     else _l("The creditor has not authorised reporting this case.")))
    return out


def eligible(f: BureauFacts, today: date, wait_days: int = NOTICE_WAIT_DAYS) -> bool:
    return not f.closed and all(c.ok for c in checks(f, today, wait_days))


def clean_text(value: str) -> str:
    """Text for a bureau file: one line (no control characters), composed (NFC), and what Latin-1
    cannot hold spelt without its accents (Ł → L) rather than turned into '?'."""

    value = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in unicodedata.normalize("NFC", value or ""))
    out = []
    for ch in value:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d"}.get(ch, "?")
            out.append(plain)
    return " ".join("".join(out).split())


def eligible_from(f: BureauFacts, wait_days: int = NOTICE_WAIT_DAYS) -> date | None:
    return f.notice_delivered_on + timedelta(days=wait_days) if f.notice_delivered_on else None


def withdrawal_reason(f: BureauFacts, today: date) -> str | None:
    """Why a reported debt must leave the file now (None: it stays)."""
    if f.closed:
        return "closed"
    if f.disputed_invoices:
        return "disputed"
    if f.principal_outstanding_cents < BUREAU_MIN_PRINCIPAL_CENTS:
        return "paid" if f.principal_outstanding_cents <= 0 else "under_minimum"
    if f.oldest_due_date is None or today > limit_date(f.oldest_due_date):
        return "too_old"
    return None


# --- batch files ---------------------------------------------------------------------------------------

OPERATIONS = {"include": "A", "update": "M", "withdraw": "B"}  # alta, modificación, baja
# The layout, one row per operation. Fixed width: each field padded with spaces (text, left) or
# zeros (numbers, right) to its width; amounts in cents; dates as YYYYMMDD.
FIELDS = (
    ("sequence", 6), ("operation", 1), ("entity", 12), ("reference", 20), ("tax_id", 15), ("name", 60), ("address", 60),
    ("postal_code", 10), ("city", 40), ("country", 2), ("amount_cents", 13), ("currency", 3), ("due_date", 8), ("reported_on", 8),
    ("reason", 15),
)


@dataclass(frozen=True)
class BatchRow:
    operation: str  # include | update | withdraw
    reference: str
    tax_id: str
    name: str
    address: str
    postal_code: str
    city: str
    country: str
    amount_cents: int
    currency: str
    due_date: date
    reason: str = ""


def _values(sequence: int, entity: str, day: date, row: BatchRow) -> dict[str, str]:
    return {"sequence": str(sequence), "operation": OPERATIONS[row.operation], "entity": entity, "reference": clean_text(row.reference),
            "tax_id": clean_text(row.tax_id), "name": clean_text(row.name), "address": clean_text(row.address),
            "postal_code": clean_text(row.postal_code), "city": clean_text(row.city), "country": clean_text(row.country), "amount_cents": str(max(row.amount_cents, 0)), "currency": row.currency,
            "due_date": row.due_date.strftime("%Y%m%d"), "reported_on": day.strftime("%Y%m%d"), "reason": row.reason}


def render_csv(sequence: int, entity: str, day: date, rows: list[BatchRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([name for name, _ in FIELDS])
    for row in rows:
        values = _values(sequence, entity, day, row)
        writer.writerow([values[name] for name, _ in FIELDS])
    return out.getvalue().encode("utf-8")


def render_fixed(sequence: int, entity: str, day: date, rows: list[BatchRow]) -> bytes:
    """Fixed width, one record per line in Latin-1 (what bureau intake systems commonly read);
    characters outside it become '?', and over-long text is cut to its field."""
    numeric = {"sequence", "amount_cents"}
    lines = []
    for row in rows:
        values = _values(sequence, entity, day, row)
        lines.append("".join(values[name][:width].rjust(width, "0") if name in numeric else values[name][:width].ljust(width)
                             for name, width in FIELDS))
    return ("\r\n".join(lines) + ("\r\n" if lines else "")).encode("latin-1", errors="replace")


def amount(cents: int) -> Decimal:
    return Decimal(cents) / 100
