"""Reports (admins see the agency, creditors their own portfolio, through the tenancy scope):
portfolio by stage, ageing of what is owed, collections and fees per month, recovery rate by
stage, and per negotiator. Each query aggregates in the database (GROUP BY stage, day or person,
never one row per case), then the pure functions below bucket the days into ages and months."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from piccolo.query.functions.aggregate import Count, Sum

from agency.auth import CurrentUser
from agency.db import as_date
from agency.i18n import gettext as _
from agency.roles import Role
from agency.tables import User
from agency.tenancy import scoped
from cases.money import from_cents
from cases.tables import Case, Invoice, LedgerEntry

AGEING = ((30, "0-30"), (90, "31-90"), (180, "91-180"), (365, "181-365"), (None, "> 365"))
OPEN_STAGES = ("intake", "amicable", "mediation", "credit_bureau", "court")


def ageing_bucket(days_overdue: int) -> str:
    for limit, label in AGEING:
        if limit is None or days_overdue <= limit:
            return label
    raise AssertionError("unreachable")


def months_back(today: date, n: int = 12) -> list[str]:
    """The last ``n`` months as YYYY-MM, oldest first, this month included."""
    year, month = today.year, today.month
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out[::-1]


def rate(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")) if whole else Decimal("0.0")


@dataclass
class Report:
    stages: list[dict]
    ageing: list[dict]
    monthly: list[dict]
    negotiators: list[dict]

    def table(self, name: str) -> list[dict]:
        return getattr(self, name)


async def build(user: CurrentUser, today: date) -> Report:
    # Portfolio by stage: cases and principal (open and closed), and what was collected on them.
    counts = await scoped(Case.select(Case.stage, Count(Case.id, alias="n")), user, Case.organisation).group_by(Case.stage)
    principal = await scoped(Invoice.select(Invoice.case.stage.as_alias("stage"), Sum(Invoice.amount_cents, alias="cents")).where(
        Invoice.disputed == False), user, Invoice.case.organisation).group_by(Invoice.case.stage)  # noqa: E712
    collected = await scoped(LedgerEntry.select(LedgerEntry.case.stage.as_alias("stage"), Sum(LedgerEntry.amount_cents, alias="cents")).where(
        LedgerEntry.kind.is_in(["payment", "reversal"])), user, LedgerEntry.case.organisation).group_by(LedgerEntry.case.stage)
    p_by = {r["stage"]: int(r["cents"] or 0) for r in principal}
    c_by = {r["stage"]: int(r["cents"] or 0) for r in collected}
    stages = [{"stage": r["stage"], "cases": r["n"], "principal": from_cents(p_by.get(r["stage"], 0)),
               "collected": from_cents(c_by.get(r["stage"], 0)), "recovery_percent": rate(c_by.get(r["stage"], 0), p_by.get(r["stage"], 0))}
              for r in sorted(counts, key=lambda r: (*OPEN_STAGES, "closed").index(r["stage"]) if r["stage"] in (*OPEN_STAGES, "closed") else 99)]

    # Ageing of open cases' invoices by due date (one row per distinct due date).
    due = await scoped(Invoice.select(Invoice.due_date, Count(Invoice.id, alias="n"), Sum(Invoice.amount_cents, alias="cents")).where(
        (Invoice.disputed == False) & Invoice.case.stage.is_in(list(OPEN_STAGES))), user, Invoice.case.organisation).group_by(  # noqa: E712
        Invoice.due_date)
    buckets: dict[str, list[int]] = {label: [0, 0] for _, label in AGEING}
    for r in due:
        label = ageing_bucket(max((today - as_date(r["due_date"])).days, 0))
        buckets[label][0] += r["n"]
        buckets[label][1] += int(r["cents"] or 0)
    ageing = [{"bucket": label, "invoices": n, "amount": from_cents(cents)} for label, (n, cents) in buckets.items()]

    # Collected and fees per month, the last twelve (one row per day and kind).
    months = months_back(today)
    first = date.fromisoformat(months[0] + "-01")
    days = await scoped(LedgerEntry.select(LedgerEntry.booked_on, LedgerEntry.kind, Sum(LedgerEntry.amount_cents, alias="cents")).where(
        (LedgerEntry.booked_on >= first) & LedgerEntry.kind.is_in(["payment", "reversal", "fee"])), user,
        LedgerEntry.case.organisation).group_by(LedgerEntry.booked_on, LedgerEntry.kind)
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"collected": 0, "fees": 0})
    for r in days:
        month = as_date(r["booked_on"]).isoformat()[:7]
        per[month]["fees" if r["kind"] == "fee" else "collected"] += int(r["cents"] or 0)
    monthly = [{"month": m, "collected": from_cents(per[m]["collected"]), "fees": from_cents(per[m]["fees"])} for m in months]

    # Per negotiator (staff only): cases in hand and what was collected on them.
    negotiators: list[dict] = []
    if user.role != Role.creditor:
        held = await Case.select(Case.negotiator, Count(Case.id, alias="n")).where(
            Case.negotiator.is_not_null() & Case.stage.is_in(list(OPEN_STAGES))).group_by(Case.negotiator)
        got = await LedgerEntry.select(LedgerEntry.case.negotiator.as_alias("negotiator"), Sum(LedgerEntry.amount_cents, alias="cents")).where(
            LedgerEntry.kind.is_in(["payment", "reversal"]) & LedgerEntry.case.negotiator.is_not_null()).group_by(LedgerEntry.case.negotiator)
        names = {u["id"]: u["name"] for u in await User.select(User.id, User.name).where(User.role == Role.negotiator.value)}
        held_by = {r["negotiator"]: r["n"] for r in held}
        got_by = {r["negotiator"]: int(r["cents"] or 0) for r in got}
        for uid in sorted(set(held_by) | set(got_by), key=lambda u: -got_by.get(u, 0)):
            negotiators.append({"negotiator": names.get(uid, _("user %(id)s") % {"id": uid}), "open_cases": held_by.get(uid, 0),
                                "collected": from_cents(got_by.get(uid, 0))})
    return Report(stages=stages, ageing=ageing, monthly=monthly, negotiators=negotiators)


def bars(rows: list[dict], label: str, value: str) -> list[dict]:
    """Rows for the SVG bar chart: each bar's share of the largest (0..1)."""
    top = max((abs(Decimal(r[value])) for r in rows), default=Decimal(0))
    return [{"label": r[label], "value": r[value], "share": float(abs(Decimal(r[value])) / top) if top else 0.0} for r in rows]
