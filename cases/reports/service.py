"""Reports (admins see the agency, creditors their own portfolio, through the tenancy scope):
portfolio by stage, ageing of what is owed, collections and fees per month, recovery rate by
stage, and per negotiator. Each is read from the report totals (cases.reports.totals: a few rows per
creditor, kept by the services that change cases, invoices and the ledger), never one row per case;
the pure functions below bucket the days into ages and months."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from piccolo.query.functions.aggregate import Sum

from agency.auth import CurrentUser
from agency.db import as_date, read_together
from agency.i18n import gettext as _
from agency.roles import Role
from agency.tables import User
from agency.tenancy import scoped
from cases.money import from_cents
from cases.tables import DueTotal, LedgerTotal, StageTotal

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
    """Every figure from the report totals (cases.reports.totals: a few rows per creditor, kept by the services), never
    from the cases, invoices and ledger themselves: at a million cases those aggregates took seconds."""
    months = months_back(today)
    first = date.fromisoformat(months[0] + "-01")
    # Summed in the database over the creditors in scope (one row per stage, due date, day and kind), read together
    # (side by side on PostgreSQL).
    rows, due, days, by_negotiator = await read_together(
        scoped(StageTotal.select(StageTotal.stage, Sum(StageTotal.cases, alias="n"), Sum(StageTotal.principal_cents, alias="principal"),
                                 Sum(StageTotal.collected_cents, alias="collected")), user, StageTotal.organisation).group_by(StageTotal.stage),
        scoped(DueTotal.select(DueTotal.due_date, Sum(DueTotal.invoices, alias="invoices"), Sum(DueTotal.cents, alias="cents")), user,
               DueTotal.organisation).group_by(DueTotal.due_date),
        scoped(LedgerTotal.select(LedgerTotal.booked_on, LedgerTotal.kind, Sum(LedgerTotal.cents, alias="cents")).where(
            (LedgerTotal.booked_on >= first) & LedgerTotal.kind.is_in(["payment", "reversal", "fee"])), user, LedgerTotal.organisation).group_by(
            LedgerTotal.booked_on, LedgerTotal.kind),
        negotiator_totals(user),
    )
    # Portfolio by stage: cases and principal (open and closed), and what was collected on them.
    order = (*OPEN_STAGES, "closed")
    stages = []
    for r in sorted((r for r in rows if int(r["n"] or 0) > 0), key=lambda r: order.index(r["stage"]) if r["stage"] in order else 99):
        principal, collected = int(r["principal"] or 0), int(r["collected"] or 0)
        stages.append({"stage": r["stage"], "cases": int(r["n"]), "principal": from_cents(principal), "collected": from_cents(collected),
                       "recovery_percent": rate(collected, principal)})

    # Ageing of open cases' undisputed invoices by due date.
    buckets: dict[str, list[int]] = {label: [0, 0] for _, label in AGEING}
    for r in due:
        label = ageing_bucket(max((today - as_date(r["due_date"])).days, 0))
        buckets[label][0] += int(r["invoices"] or 0)
        buckets[label][1] += int(r["cents"] or 0)
    ageing = [{"bucket": label, "invoices": n, "amount": from_cents(cents)} for label, (n, cents) in buckets.items()]

    # Collected and fees per month, the last twelve.
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"collected": 0, "fees": 0})
    for r in days:
        month = as_date(r["booked_on"]).isoformat()[:7]
        per[month]["fees" if r["kind"] == "fee" else "collected"] += int(r["cents"] or 0)
    monthly = [{"month": m, "collected": from_cents(per[m]["collected"]), "fees": from_cents(per[m]["fees"])} for m in months]

    # Per negotiator (staff only): cases in hand and what was collected on them.
    negotiators: list[dict] = []
    if user.role != Role.creditor:
        held_by: dict[int, int] = defaultdict(int)
        got_by: dict[int, int] = defaultdict(int)
        for r in by_negotiator:
            if r["stage"] in OPEN_STAGES and int(r["n"] or 0):
                held_by[r["negotiator"]] += int(r["n"])
            if int(r["cents"] or 0):
                got_by[r["negotiator"]] += int(r["cents"])
        names = {u["id"]: u["name"] for u in await User.select(User.id, User.name).where(User.role == Role.negotiator.value)}
        for uid in sorted(set(held_by) | set(got_by), key=lambda u: -got_by.get(u, 0)):
            negotiators.append({"negotiator": names.get(uid, _("user %(id)s") % {"id": uid}), "open_cases": held_by.get(uid, 0),
                                "collected": from_cents(got_by.get(uid, 0))})
    return Report(stages=stages, ageing=ageing, monthly=monthly, negotiators=negotiators)


async def negotiator_totals(user: CurrentUser) -> list[dict]:
    """Cases and collections per negotiator and stage (staff only: a creditor reads none)."""
    if user.role == Role.creditor:
        return []
    return await StageTotal.select(StageTotal.negotiator, StageTotal.stage, Sum(StageTotal.cases, alias="n"),
                                   Sum(StageTotal.collected_cents, alias="cents")).where(StageTotal.negotiator != 0).group_by(
        StageTotal.negotiator, StageTotal.stage)


def bars(rows: list[dict], label: str, value: str) -> list[dict]:
    """Rows for the SVG bar chart: each bar's share of the largest (0..1)."""
    top = max((abs(Decimal(r[value])) for r in rows), default=Decimal(0))
    return [{"label": r[label], "value": r[value], "share": float(abs(Decimal(r[value])) / top) if top else 0.0} for r in rows]
