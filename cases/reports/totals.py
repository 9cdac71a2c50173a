"""The report totals: what the reports page and the creditor's home would otherwise sum over a million cases, kept as a few
rows per creditor by the services that change what they sum, in the same transaction (no trigger: the code that writes a
case, an invoice or a ledger entry says so here).

- ``report_stage_totals`` per creditor, stage and negotiator (0: none): the cases there now, their invoices (undisputed, and
  all) and what was collected on them (payments net of reversals). A case moving (stage, negotiator) or an invoice disputed:
  ``leave(case_ids)`` before the change and ``enter(case_ids)`` after it, which take the cases' own figures out of their
  old row and put them into the new one. A new case: ``enter`` once its invoices are written.
- ``report_due_totals`` per creditor and due date: the undisputed invoices of open cases (the ageing), kept by the same two.
- ``report_ledger_totals`` per creditor, day, kind and method: every ledger entry (``ledger_added`` after writing them),
  which also adds payments and reversals to the case's stage row.

Exact integers on both databases. The migration that created the tables filled them from the data already there, with
the SQL of ``from_scratch`` below (a test compares the two after a run of operations)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from agency.db import as_date, fetch_records

OPEN_STAGES = ("intake", "amicable", "mediation", "credit_bureau", "court")
CHUNK = 2000  # cases read at a time (SQLite takes at most 32,766 values in one statement)

STAGE_UPSERT = (
    "INSERT INTO report_stage_totals (organisation, stage, negotiator, cases, principal_cents, invoiced_cents, collected_cents) "
    "VALUES ({}, {}, {}, {}, {}, {}, {}) ON CONFLICT (organisation, stage, negotiator) DO UPDATE SET "
    "cases = report_stage_totals.cases + excluded.cases, principal_cents = report_stage_totals.principal_cents + excluded.principal_cents, "
    "invoiced_cents = report_stage_totals.invoiced_cents + excluded.invoiced_cents, "
    "collected_cents = report_stage_totals.collected_cents + excluded.collected_cents")
DUE_UPSERT = (
    "INSERT INTO report_due_totals (organisation, due_date, invoices, cents) VALUES ({}, {}, {}, {}) "
    "ON CONFLICT (organisation, due_date) DO UPDATE SET invoices = report_due_totals.invoices + excluded.invoices, "
    "cents = report_due_totals.cents + excluded.cents")
LEDGER_UPSERT = (
    "INSERT INTO report_ledger_totals (organisation, booked_on, kind, method, entries, cents) VALUES ({}, {}, {}, {}, {}, {}) "
    "ON CONFLICT (organisation, booked_on, kind, method) DO UPDATE SET entries = report_ledger_totals.entries + excluded.entries, "
    "cents = report_ledger_totals.cents + excluded.cents")

# The totals from the rows themselves (the migration's SQL, and the test's reference).
STAGE_SQL = (
    "SELECT c.organisation, c.stage, COALESCE(c.negotiator, 0) AS negotiator, COUNT(*) AS cases, "
    "COALESCE(SUM(i.principal), 0) AS principal_cents, COALESCE(SUM(i.invoiced), 0) AS invoiced_cents, "
    "COALESCE(SUM(l.collected), 0) AS collected_cents FROM collection_cases c "
    'LEFT JOIN (SELECT "case", SUM(CASE WHEN disputed THEN 0 ELSE amount_cents END) AS principal, SUM(amount_cents) AS invoiced '
    'FROM invoices GROUP BY "case") i ON i."case" = c.id '
    "LEFT JOIN (SELECT \"case\", SUM(amount_cents) AS collected FROM ledger_entries WHERE kind IN ('payment', 'reversal') "
    'GROUP BY "case") l ON l."case" = c.id '
    "GROUP BY c.organisation, c.stage, COALESCE(c.negotiator, 0)")
DUE_SQL = (
    'SELECT c.organisation, i.due_date, COUNT(*) AS invoices, SUM(i.amount_cents) AS cents FROM invoices i JOIN collection_cases c '
    "ON c.id = i.\"case\" WHERE NOT i.disputed AND c.stage IN ('intake', 'amicable', 'mediation', 'credit_bureau', 'court') "
    "GROUP BY c.organisation, i.due_date")
LEDGER_SQL = (
    'SELECT c.organisation, l.booked_on, l.kind, l.method, COUNT(*) AS entries, SUM(l.amount_cents) AS cents FROM ledger_entries l '
    'JOIN collection_cases c ON c.id = l."case" GROUP BY c.organisation, l.booked_on, l.kind, l.method')


def _marks(values: list) -> str:
    return ", ".join("{}" for _ in values)


async def _cases(case_ids: list[int]) -> dict[int, tuple[int, str, int]]:
    """Each case's (organisation, stage, negotiator or 0)."""
    out = {}
    for n in range(0, len(case_ids), CHUNK):
        ids = case_ids[n:n + CHUNK]
        for r in await fetch_records(f"SELECT id, organisation, stage, negotiator FROM collection_cases WHERE id IN ({_marks(ids)})", *ids):
            out[r["id"]] = (r["organisation"], r["stage"], r["negotiator"] or 0)
    return out


async def _move(case_ids: Iterable[int], sign: int) -> None:
    ids = sorted(set(case_ids))
    if not ids:
        return
    where = await _cases(ids)
    stages: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    dues: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for key in where.values():
        stages[key][0] += 1
    for n in range(0, len(ids), CHUNK):
        part = ids[n:n + CHUNK]
        for r in await fetch_records(
                f'SELECT "case", due_date, disputed, COUNT(*) AS n, SUM(amount_cents) AS cents FROM invoices WHERE "case" IN ({_marks(part)}) '
                'GROUP BY "case", due_date, disputed', *part):
            org, stage, negotiator = where[r["case"]]
            cents = int(r["cents"] or 0)
            stages[(org, stage, negotiator)][2] += cents
            if not r["disputed"]:
                stages[(org, stage, negotiator)][1] += cents
                if stage in OPEN_STAGES:
                    due = dues[(org, as_date(r["due_date"]))]
                    due[0] += r["n"]
                    due[1] += cents
        for r in await fetch_records(
                f"SELECT \"case\", SUM(amount_cents) AS cents FROM ledger_entries WHERE kind IN ('payment', 'reversal') "
                f'AND "case" IN ({_marks(part)}) GROUP BY "case"', *part):
            stages[where[r["case"]]][3] += int(r["cents"] or 0)
    for (org, stage, negotiator), (cases, principal, invoiced, collected) in sorted(stages.items()):
        await fetch_records(STAGE_UPSERT, org, stage, negotiator, sign * cases, sign * principal, sign * invoiced, sign * collected)
    for (org, due_date), (invoices, cents) in sorted(dues.items()):
        await fetch_records(DUE_UPSERT, org, due_date, sign * invoices, sign * cents)


async def leave(case_ids: Iterable[int]) -> None:
    """Inside the transaction, before changing these cases' stage, negotiator or invoices: their figures out of the totals."""
    await _move(case_ids, -1)


async def enter(case_ids: Iterable[int]) -> None:
    """Inside the transaction, after creating these cases (with their invoices) or changing them: their figures in."""
    await _move(case_ids, +1)


async def ledger_added(entries: Iterable[tuple[int, str, str, date, int]]) -> None:
    """Inside the transaction that wrote them: ledger entries as (case, kind, method, booked_on, cents)."""
    entries = list(entries)
    if not entries:
        return
    where = await _cases(sorted({e[0] for e in entries}))
    ledger: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    collected: dict[tuple, int] = defaultdict(int)
    for case_id, kind, method, booked_on, cents in entries:
        org, stage, negotiator = where[case_id]
        row = ledger[(org, as_date(booked_on), kind, method or "")]
        row[0] += 1
        row[1] += int(cents)
        if kind in ("payment", "reversal"):
            collected[(org, stage, negotiator)] += int(cents)
    for (org, stage, negotiator), cents in sorted(collected.items()):
        await fetch_records(STAGE_UPSERT, org, stage, negotiator, 0, 0, 0, cents)
    for (org, booked_on, kind, method), (n, cents) in sorted(ledger.items()):
        await fetch_records(LEDGER_UPSERT, org, booked_on, kind, method, n, cents)


async def from_scratch() -> dict[str, set[tuple]]:
    """The three totals computed from the rows themselves, as sets of tuples without the zero rows (for the test)."""
    stage = {(r["organisation"], r["stage"], r["negotiator"], int(r["cases"]), int(r["principal_cents"]), int(r["invoiced_cents"]),
              int(r["collected_cents"])) for r in await fetch_records(STAGE_SQL)}
    due = {(r["organisation"], as_date(r["due_date"]), int(r["invoices"]), int(r["cents"])) for r in await fetch_records(DUE_SQL)}
    ledger = {(r["organisation"], as_date(r["booked_on"]), r["kind"], r["method"], int(r["entries"]), int(r["cents"]))
              for r in await fetch_records(LEDGER_SQL)}
    return {"stage": stage, "due": due, "ledger": ledger}


async def kept() -> dict[str, set[tuple]]:
    """The three totals as kept, in the same shape as ``from_scratch`` (rows summing to nothing left out)."""
    stage = {(r["organisation"], r["stage"], r["negotiator"], r["cases"], int(r["principal_cents"]), int(r["invoiced_cents"]),
              int(r["collected_cents"])) for r in await fetch_records(
        "SELECT organisation, stage, negotiator, cases, principal_cents, invoiced_cents, collected_cents FROM report_stage_totals")
        if (r["cases"], r["principal_cents"], r["invoiced_cents"], r["collected_cents"]) != (0, 0, 0, 0)}
    due = {(r["organisation"], as_date(r["due_date"]), r["invoices"], int(r["cents"])) for r in await fetch_records(
        "SELECT organisation, due_date, invoices, cents FROM report_due_totals") if (r["invoices"], r["cents"]) != (0, 0)}
    ledger = {(r["organisation"], as_date(r["booked_on"]), r["kind"], r["method"], r["entries"], int(r["cents"])) for r in await fetch_records(
        "SELECT organisation, booked_on, kind, method, entries, cents FROM report_ledger_totals") if (r["entries"], r["cents"]) != (0, 0)}
    return {"stage": stage, "due": due, "ledger": ledger}


async def cases_opened(organisation_id: int, invoices: list[list[tuple[date, int]]]) -> None:
    """Inside the transaction that wrote them: new cases of one creditor, in intake with no negotiator, each given by its
    invoices as (due date, cents), none disputed (a claim, an import): added without reading them back."""
    if not invoices:
        return
    dues: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    total = 0
    for case_invoices in invoices:
        for due_date, cents in case_invoices:
            dues[due_date][0] += 1
            dues[due_date][1] += int(cents)
            total += int(cents)
    await fetch_records(STAGE_UPSERT, organisation_id, "intake", 0, len(invoices), total, total, 0)
    for due_date, (n, cents) in sorted(dues.items()):
        await fetch_records(DUE_UPSERT, organisation_id, due_date, n, cents)
