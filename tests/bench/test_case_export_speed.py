"""Exporting a case list at a million cases (cases.lists): the CSV streamed a thousand cases at a time by key, and
the XLSX in openpyxl's write-only mode: staff's export of one stage (past the cap at a million: it stops at 100,000
cases) and a creditor's whole book (100,000 cases of their own) by reference. Reported: the time, the file's size, and
the peak of what the CSV holds while it streams (tracemalloc)."""
import os
import time
import tracemalloc
from datetime import datetime, timedelta, timezone

from agency.auth import CurrentUser
from agency.db import atomic, bulk_insert
from agency.roles import Role
from cases.lists import service as lists
from cases.lists.rules import EXPORT_CAP
from cases.queries import CaseFilter
from cases.tables import Case, Debtor
from tests.factories import create_org

TOTAL = int(os.environ.get("AGENCY_BENCH_CASES", "1000000"))
ORGS = 10
STAGES = ("intake", "amicable", "mediation", "credit_bureau", "court", "closed")


async def fill(orgs: list[int], debtors: dict[int, int], total: int) -> None:
    """As the case list's benchmark fills (its own references: both may run in one session)."""
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for chunk in range(0, total, 50_000):
        rows = []
        for n in range(chunk, min(chunk + 50_000, total)):
            org = orgs[n % len(orgs)]
            rows.append((f"EXP-1998-{n:07d}", org, debtors[org], f"CR-{n}", STAGES[n % 6], "ES", "EUR", "", 0,
                         base + timedelta(minutes=n), base + timedelta(minutes=n)))
        async with atomic():
            await bulk_insert(Case, ["reference", "organisation", "debtor", "creditor_reference", "stage", "jurisdiction", "currency",
                                     "notes", "priority", "created_at", "updated_at"], rows)


async def test_export_of_the_cap_at_a_million(database, backend):
    orgs = [await create_org(f"Export bench {n}") for n in range(ORGS)]
    debtors = {}
    for org in orgs:
        debtors[org] = (await Debtor.insert(Debtor(organisation=org, kind="company", name="Bench", address_line1="x", city="x",
                                                   postal_code="1")).returning(Debtor.id))[0]["id"]
    await fill(orgs, debtors, TOTAL)
    await Case.raw("ANALYZE collection_cases" if backend == "postgres" else "ANALYZE")
    staff = CurrentUser(id=0, email="", name="", role=Role.negotiator, organisation_id=None, language="es")
    creditor = CurrentUser(id=0, email="", name="", role=Role.creditor, organisation_id=orgs[3], language="es")
    print(f"\n[bench] case list export on {backend}, {TOTAL:,} cases:")
    for name, user, f in (("staff, a stage, newest first", staff, CaseFilter(stage="amicable")),
                          ("creditor, by reference", creditor, CaseFilter(sort="reference", descending=False))):
        started = time.perf_counter()
        size = rows = 0
        async for chunk in lists.csv_lines(user, f):
            size += len(chunk)
            rows += chunk.count(b"\n")
        csv_seconds = time.perf_counter() - started
        started = time.perf_counter()
        book = await lists.xlsx_file(user, f)
        xlsx_seconds = time.perf_counter() - started
        tracemalloc.start()  # (again, for what the CSV holds at its peak: slower under tracemalloc, so timed without)
        async for _chunk in lists.csv_lines(user, f):
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"[bench]   {name:30s} {rows - 1:7,} cases: CSV {csv_seconds:5.1f} s ({size / 1e6:5.1f} MB, peak held {peak / 1e6:5.1f} MB); "
              f"XLSX {xlsx_seconds:5.1f} s ({len(book) / 1e6:5.1f} MB)")
        assert rows - 1 <= EXPORT_CAP
