"""Listing cases at a million: the first page of a creditor's list, a stage filter, the staff list and
searches, timed at 10,000 cases (the baseline) and again at 1,000,000 in the same run. With the
indexes of the cases migration the ratio stays near 1; without them it grows with the table."""
import os
import statistics
import time
from datetime import datetime, timedelta, timezone

from agency.auth import CurrentUser
from agency.db import atomic, bulk_insert
from agency.roles import Role
from cases.queries import CaseFilter, list_cases
from cases.tables import Case, Debtor
from tests.factories import create_org

TOTAL = int(os.environ.get("AGENCY_BENCH_CASES", "1000000"))
BASELINE = 10_000
ORGS = 200
STAGES = ("intake", "amicable", "mediation", "credit_bureau", "court", "closed")


async def fill(orgs: list[int], debtors: dict[int, int], start: int, stop: int) -> None:
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for chunk in range(start, stop, 50_000):
        rows = []
        for n in range(chunk, min(chunk + 50_000, stop)):
            org = orgs[n % len(orgs)]
            rows.append((f"EXP-1999-{n:07d}", org, debtors[org], "", STAGES[n % 6], "ES", "EUR", "", 0,
                         base + timedelta(minutes=n), base + timedelta(minutes=n)))
        async with atomic():
            await bulk_insert(Case, ["reference", "organisation", "debtor", "creditor_reference", "stage", "jurisdiction", "currency",
                                     "notes", "priority", "created_at", "updated_at"], rows)


async def timed(user: CurrentUser, f: CaseFilter, repeat: int = 7) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await list_cases(user, f)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def test_case_lists_at_a_million(database, backend):
    orgs = [await create_org(f"Bench {n}") for n in range(ORGS)]
    debtors = {}
    for org in orgs:
        debtors[org] = (await Debtor.insert(Debtor(organisation=org, kind="company", name="Bench", address_line1="x", city="x",
                                                   postal_code="1")).returning(Debtor.id))[0]["id"]
    creditor = CurrentUser(id=0, email="", name="", role=Role.creditor, organisation_id=orgs[7], language="es")
    staff = CurrentUser(id=0, email="", name="", role=Role.negotiator, organisation_id=None, language="es")
    queries = {
        "creditor, first page": (creditor, CaseFilter()),
        "creditor, stage filter": (creditor, CaseFilter(stage="court")),
        "creditor, page 40": (creditor, CaseFilter(page=40)),
        # the sortable columns (cases.queries.SORTS), both ways
        "creditor, by reference": (creditor, CaseFilter(sort="reference", descending=False)),
        "creditor, oldest first": (creditor, CaseFilter(sort="opened", descending=False)),
        "staff, stage by reference": (staff, CaseFilter(stage="amicable", sort="reference", descending=True)),
        "staff, stage filter": (staff, CaseFilter(stage="amicable")),
        # search: on PostgreSQL indexed parts (trigrams) read by key; on SQLite through the FTS5 trigram tables (reported, not held
        # to the ratio: the baseline is a few milliseconds either way)
        "staff, search reference": (staff, CaseFilter(q="EXP-1999-0000042")),
        "staff, search in part": (staff, CaseFilter(q="1999-000004")),
        "staff, search no match": (staff, CaseFilter(q="zzz nada")),
    }
    await fill(orgs, debtors, 0, BASELINE)
    if backend == "postgres":
        await Case.raw("ANALYZE collection_cases")
    before = {name: await timed(u, f) for name, (u, f) in queries.items()}
    await fill(orgs, debtors, BASELINE, TOTAL)
    if backend == "postgres":
        await Case.raw("ANALYZE collection_cases")
    else:
        await Case.raw("ANALYZE")
    print(f"\n[bench] case lists on {backend}, {BASELINE:,} -> {TOTAL:,} cases ({ORGS} creditors):")
    worst = 0.0
    for name, (u, f) in queries.items():
        after = await timed(u, f)
        ratio = after / before[name]
        worst = max(worst, ratio if not name.startswith("staff") else 0)
        print(f"[bench]   {name:24s} {before[name] * 1000:7.1f} ms -> {after * 1000:7.1f} ms  ratio {ratio:.1f}x")
    assert worst < 10, "a creditor's case list grew with the table: an index is missing"
