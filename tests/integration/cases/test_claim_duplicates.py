"""The claims' duplicate check (an invoice already claimed in an open case of the same creditor and debtor) reads the
claim's invoices and their own cases, whatever the debtor's history: a debtor with hundreds of earlier cases costs a
claim no more. Checked on the query each database runs (its plan, and on PostgreSQL the rows it read), written where
PostgreSQL's statistics have not caught up with a table that grew, as after a busy day."""
import json
from datetime import date, datetime, timezone

from piccolo.querystring import QueryString

from agency.db import atomic, bulk_insert, engine
from cases.claims.rules import DebtorInput
from cases.claims.service import open_invoice_numbers
from cases.tables import Case, Debtor, Invoice
from tests.factories import create_org

HISTORY = 1100
TAX_ID = "B46123451"


async def _cases(org: int, debtor: int, count: int, invoices_each: int, prefix: str) -> list[int]:
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    async with atomic():
        await bulk_insert(Case, ["reference", "organisation", "debtor", "creditor_reference", "stage", "jurisdiction", "currency",
                                 "notes", "priority", "created_at", "updated_at"],
                          [(f"{prefix}{n:05d}", org, debtor, "", "amicable", "ES", "EUR", "", 0, at, at) for n in range(count)])
    cases = [r["id"] for r in await Case.select(Case.id).where(Case.debtor == debtor).order_by(Case.id)]
    async with atomic():
        await bulk_insert(Invoice, ["case", "number", "issue_date", "due_date", "amount_cents", "currency", "disputed", "created_at"],
                          [(c, f"H-{c}-{k}", date(2025, 1, 1), date(2025, 2, 1), 10_000, "EUR", False, at)
                           for c in cases for k in range(invoices_each)])
    return cases


async def _debtor(org: int, name: str, tax_id: str) -> int:
    return (await Debtor.insert(Debtor(organisation=org, kind="company", name=name, tax_id=tax_id, address_line1="C/ Sol 3",
                                       city="Bilbao", postal_code="48001")).returning(Debtor.id))[0]["id"]


async def _debtor_with_history(org: int) -> int:
    """The debtor's 1,100 open cases, in a database that holds other creditors' invoices too (30,000)."""
    other = await create_org()
    await _cases(other, await _debtor(other, "Otro S.A.", "A58818501"), 300, 100, f"EXP-1996-{org:03d}")
    return (await _cases(org, await _debtor(org, "Talleres Norte S.L.", TAX_ID), HISTORY, 2, f"EXP-1997-{org:03d}"))[-1]


def _rows_read(plan: dict, tables: set[str]) -> int:
    """Rows PostgreSQL read from these tables, over every node of an EXPLAIN ANALYZE (JSON) plan."""
    read = 0
    if plan.get("Relation Name") in tables:
        read += (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)) * plan.get("Actual Loops", 1)
    return read + sum(_rows_read(child, tables) for child in plan.get("Plans", []))


async def test_the_duplicate_check_reads_only_the_claims_invoices_and_their_cases(backend, monkeypatch):
    org = await create_org()
    last_case = await _debtor_with_history(org)
    last_number = (await Invoice.select(Invoice.number).where(Invoice.case == last_case).first())["number"]
    debtor = DebtorInput(kind="company", name="Talleres Norte S.L.", tax_id=TAX_ID, address_line1="C/ Sol 3", city="Bilbao",
                         postal_code="48001")
    ran = []
    db = engine()
    run = type(db).run_querystring

    async def kept(self, querystring, *args, **kwargs):
        ran.append(querystring)
        return await run(self, querystring, *args, **kwargs)

    monkeypatch.setattr(type(db), "run_querystring", kept)
    found = await open_invoice_numbers(org, debtor, [last_number, "NEW-1", "NEW-2"])
    monkeypatch.undo()
    reference = (await Case.select(Case.reference).where(Case.id == last_case).first())["reference"]
    assert found == {last_number: reference}  # still finds the one already claimed
    assert 1 <= len(ran) <= 2  # (the invoices by number, then their cases by id)
    if backend == "postgres":
        plans = []
        for querystring in ran:
            plan = (await db.run_querystring(QueryString("EXPLAIN (ANALYZE, FORMAT JSON) {}", querystring)))[0]["QUERY PLAN"]
            plans.append((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
        assert sum(_rows_read(p, {"collection_cases", "debtors"}) for p in plans) <= 2, json.dumps(plans, indent=1)
        assert sum(_rows_read(p, {"invoices"}) for p in plans) <= 3, json.dumps(plans, indent=1)
    else:
        steps = [r["detail"] for q in ran for r in await db.run_querystring(QueryString("EXPLAIN QUERY PLAN {}", q))]
        assert any("invoices_number_case" in s for s in steps), steps
        for step in steps:  # a case and its debtor only by primary key, never by the creditor or the debtor
            if "collection_cases" in step or "debtors" in step:
                assert "PRIMARY KEY" in step, steps
