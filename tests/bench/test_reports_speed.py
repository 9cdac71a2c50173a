"""Reports and statements at a million cases (issue 24): the reports page for an admin (the whole agency) and for a
creditor (their tenth of it), and the creditor's home, served by `agency serve` and loaded by wrk; and the statement of
the creditor's 100,000 cases streamed by the JSON API (time to first byte, total time, the server's peak memory) and as
an XLSX download. Targets: the reports page p99 under 500 ms; the statement under 30 s, its first byte long before its
last, its memory bounded. Baseline: the raw SQL of the same aggregates, run in the same minutes through the driver
(asyncpg, or sqlite3 in threads), with as many clients as wrk has connections. Both databases.

The data: ten creditors, each case with one invoice (due over the last two years, one in twenty disputed) and one
payment in the last fourteen months with the agency's fee on it (one payment in fifty reversed): two million ledger
rows beside the million cases."""
import asyncio
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx

from agency.db import atomic, bulk_insert, is_sqlite, keep_session
from agency.settings import get_settings
from cases.tables import Case, Debtor, Invoice, LedgerEntry
from tests.factories import PASSWORD, create_org, create_user

TOTAL = int(os.environ.get("AGENCY_BENCH_CASES", "1000000"))
WORKERS = int(os.environ.get("AGENCY_BENCH_WORKERS", str(os.cpu_count() or 1)))
SECONDS = int(os.environ.get("AGENCY_BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("AGENCY_BENCH_CONNECTIONS", "4"))  # a few admins and creditors at once, not a queue's crowd
ORGS = 10
CHUNK = 50_000
STAGES = ("intake", "amicable", "mediation", "credit_bureau", "court", "closed")
OPEN = "('intake', 'amicable', 'mediation', 'credit_bureau', 'court')"
TARGET_P99_MS = 500
TARGET_STATEMENT_S = 30


async def fill(orgs: list[int], negotiators: list[int], today: date) -> None:
    rnd = random.Random(24)
    at = datetime(2024, 1, 1, tzinfo=timezone.utc)
    debtors = {o: (await Debtor.insert(Debtor(organisation=o, kind="company", name=f"Deudor {o}", address_line1="x", city="x",
                                              postal_code="1")).returning(Debtor.id))[0]["id"] for o in orgs}
    for chunk in range(0, TOTAL, CHUNK):
        span = range(chunk, min(chunk + CHUNK, TOTAL))
        async with atomic():
            await bulk_insert(Case, ["reference", "organisation", "debtor", "creditor_reference", "stage", "jurisdiction", "currency", "notes",
                                     "priority", "negotiator", "created_at", "updated_at"],
                              [(f"EXP-1996-{n:07d}", orgs[n % ORGS], debtors[orgs[n % ORGS]], "", STAGES[n % 6], "ES", "EUR", "", 0,
                                negotiators[n % len(negotiators)] if n % 3 else None, at + timedelta(minutes=n), at) for n in span])
        first = (await Case.select(Case.id).where(Case.reference == f"EXP-1996-{chunk:07d}").first())["id"]  # ids follow the rows
        async with atomic():
            await bulk_insert(Invoice, ["case", "number", "issue_date", "due_date", "amount_cents", "currency", "disputed", "created_at"],
                              [(first + n - chunk, f"R-{n}", today - timedelta(days=760), today - timedelta(days=rnd.randint(0, 730)),
                                rnd.randint(50_00, 5_000_00), "EUR", n % 20 == 0, at) for n in span])
        ledger = []
        for n in span:
            case = first + n - chunk
            paid = rnd.randint(10_00, 500_00)
            day = today - timedelta(days=rnd.randint(0, 420))
            ledger.append((case, "payment", paid, day, "to_creditor" if n % 25 == 0 else "transfer", f"pay:{n}"))
            ledger.append((case, "fee", paid // 10, day, "", f"fee:{n}"))
        async with atomic():
            await bulk_insert(LedgerEntry, ["case", "kind", "amount_cents", "booked_on", "method", "idempotency_key"], ledger)
        # one payment in fifty reversed a little later (the reversal names the payment's id)
        pays = [p for p in await LedgerEntry.select(LedgerEntry.id, LedgerEntry.case, LedgerEntry.amount_cents, LedgerEntry.booked_on).where(
            (LedgerEntry.kind == "payment") & (LedgerEntry.case >= first) & (LedgerEntry.case < first + len(span))) if p["case"] % 50 == 0]
        async with atomic():
            await bulk_insert(LedgerEntry, ["case", "kind", "amount_cents", "booked_on", "method", "reverses", "idempotency_key"],
                              [(p["case"], "reversal", -p["amount_cents"], min(p["booked_on"] + timedelta(days=9), today), "", p["id"],
                                f"rev:{p['id']}") for p in pays])
    if is_sqlite():
        await Case.raw("ANALYZE")
    else:
        await Case.raw("VACUUM ANALYZE")
        await Case.raw("CHECKPOINT")


def report_sql(org: int | None, first_month: date) -> list[str]:
    """The reports page's aggregates (cases.reports.service.build), as plain SQL."""
    c_org = f"AND c.organisation = {org}" if org else ""
    sql = [
        f"SELECT c.stage, COUNT(*) FROM collection_cases c WHERE 1 = 1 {c_org} GROUP BY c.stage",
        f'SELECT c.stage, SUM(i.amount_cents) FROM invoices i JOIN collection_cases c ON c.id = i."case" WHERE i.disputed = false {c_org} '
        "GROUP BY c.stage",
        f'SELECT c.stage, SUM(l.amount_cents) FROM ledger_entries l JOIN collection_cases c ON c.id = l."case" '
        f"WHERE l.kind IN ('payment', 'reversal') {c_org} GROUP BY c.stage",
        f'SELECT i.due_date, COUNT(*), SUM(i.amount_cents) FROM invoices i JOIN collection_cases c ON c.id = i."case" '
        f"WHERE i.disputed = false AND c.stage IN {OPEN} {c_org} GROUP BY i.due_date",
        f'SELECT l.booked_on, l.kind, SUM(l.amount_cents) FROM ledger_entries l JOIN collection_cases c ON c.id = l."case" '
        f"WHERE l.booked_on >= '{first_month.isoformat()}' AND l.kind IN ('payment', 'reversal', 'fee') {c_org} GROUP BY l.booked_on, l.kind",
    ]
    if org is None:
        sql += [f"SELECT negotiator, COUNT(*) FROM collection_cases WHERE negotiator IS NOT NULL AND stage IN {OPEN} GROUP BY negotiator",
                'SELECT c.negotiator, SUM(l.amount_cents) FROM ledger_entries l JOIN collection_cases c ON c.id = l."case" '
                "WHERE l.kind IN ('payment', 'reversal') AND c.negotiator IS NOT NULL GROUP BY c.negotiator"]
    return sql


def home_sql(org: int, first_month: date, today: date) -> list[str]:
    """The creditor home's portfolio (cases.home.service.portfolio), as plain SQL."""
    return [
        f"SELECT stage, COUNT(*) FROM collection_cases WHERE organisation = {org} GROUP BY stage",
        f'SELECT SUM(i.amount_cents) FROM invoices i JOIN collection_cases c ON c.id = i."case" WHERE c.organisation = {org}',
        f'SELECT l.booked_on, SUM(l.amount_cents) FROM ledger_entries l JOIN collection_cases c ON c.id = l."case" '
        f"WHERE c.organisation = {org} AND l.kind IN ('payment', 'reversal') AND l.booked_on >= '{first_month.isoformat()}' "
        f"AND l.booked_on <= '{today.isoformat()}' GROUP BY l.booked_on",
        f'SELECT l.kind, l.method, SUM(l.amount_cents) FROM ledger_entries l JOIN collection_cases c ON c.id = l."case" '
        f"WHERE c.organisation = {org} AND l.kind IN ('payment', 'reversal', 'fee', 'expense', 'remittance') GROUP BY l.kind, l.method",
    ]


def totals_sql(org: int | None, first_month: date, home: bool = False) -> list[str]:
    """What the pages read now (cases.reports.totals' rows), as plain SQL: the floor of the same page."""
    where = f"organisation = {org}" if org else "1 = 1"
    sql = ["SELECT stage, SUM(cases), SUM(principal_cents), SUM(invoiced_cents), SUM(collected_cents) FROM report_stage_totals "
           f"WHERE {where} GROUP BY stage"]
    if home:
        return sql + [f"SELECT booked_on, SUM(cents) FROM report_ledger_totals WHERE {where} AND kind IN ('payment', 'reversal') "
                      f"AND booked_on >= '{first_month.isoformat()}' GROUP BY booked_on",
                      f"SELECT kind, method, SUM(cents) FROM report_ledger_totals WHERE {where} GROUP BY kind, method"]
    sql += [f"SELECT due_date, invoices, cents FROM report_due_totals WHERE {where}",
            f"SELECT booked_on, kind, cents FROM report_ledger_totals WHERE {where} AND booked_on >= '{first_month.isoformat()}' "
            "AND kind IN ('payment', 'reversal', 'fee')"]
    if org is None:
        sql += ["SELECT negotiator, stage, SUM(cases), SUM(collected_cents) FROM report_stage_totals WHERE negotiator <> 0 GROUP BY negotiator, stage",
                "SELECT id, name FROM users WHERE role = 'negotiator'"]
    return sql


def statement_sql(org: int, start: date, end: date) -> str:
    """The statement's per-case figures for the period, as plain SQL (one row per case, by reference)."""
    return (
        "SELECT c.id, c.reference, d.name, c.stage,"
        " SUM(CASE WHEN l.kind IN ('payment', 'reversal') AND l.method <> 'to_creditor' THEN l.amount_cents ELSE 0 END),"
        " SUM(CASE WHEN l.kind = 'payment' AND l.method = 'to_creditor' THEN l.amount_cents ELSE 0 END),"
        " SUM(CASE WHEN l.kind = 'fee' THEN l.amount_cents ELSE 0 END),"
        " SUM(CASE WHEN l.kind = 'expense' THEN l.amount_cents ELSE 0 END),"
        " SUM(CASE WHEN l.kind = 'remittance' THEN l.amount_cents ELSE 0 END)"
        ' FROM ledger_entries l JOIN collection_cases c ON c.id = l."case" JOIN debtors d ON d.id = c.debtor'
        f" WHERE c.organisation = {org} AND l.booked_on >= '{start.isoformat()}' AND l.booked_on <= '{end.isoformat()}'"
        " GROUP BY c.id, c.reference, d.name, c.stage ORDER BY c.reference")


class Raw:
    """The same SQL through the bare driver: an asyncpg pool, or one sqlite3 connection per client in threads."""

    def __init__(self, clients: int):
        self.clients = clients

    async def __aenter__(self):
        url = get_settings().database_url
        if url.startswith("sqlite"):
            path = url.split(":///", 1)[1]
            self.conns = [sqlite3.connect(path, check_same_thread=False) for _ in range(self.clients)]
            self.free = asyncio.Queue()
            for c in self.conns:
                self.free.put_nowait(c)
            self.pool = None
        else:
            import asyncpg

            self.pool = await asyncpg.create_pool(url, min_size=self.clients, max_size=self.clients, reset=keep_session)
        return self

    async def __aexit__(self, *exc):
        if self.pool:
            await self.pool.close()
        else:
            for c in self.conns:
                c.close()

    async def run(self, statements: list[str]) -> int:
        """All the statements, one after the other on one connection (as a request reads them); rows read."""
        if self.pool:
            async with self.pool.acquire() as conn:
                return sum([len(await conn.fetch(s)) for s in statements])
        conn = await self.free.get()
        try:
            return await asyncio.to_thread(lambda: sum(len(conn.execute(s).fetchall()) for s in statements))
        finally:
            self.free.put_nowait(conn)


async def raw_load(raw: Raw, statements: list[str], seconds: float) -> tuple[float, float]:
    """(requests/s, p99 ms) of the statements run by ``raw.clients`` clients for ``seconds``."""
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def client():
        while time.perf_counter() < stop:
            t = time.perf_counter()
            await raw.run(statements)
            latencies.append(time.perf_counter() - t)

    started = time.perf_counter()
    await asyncio.gather(*[client() for _ in range(raw.clients)])
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, quantile99(latencies) * 1000


def quantile99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] if len(samples) > 1 else samples[0]


def wrk(url: str, headers: dict[str, str], seconds: int) -> tuple[float, float]:
    """(requests/s, p99 ms) by wrk with CONNECTIONS connections (tests.bench.test_queue_speed.wrk, fewer clients)."""
    args = [shutil.which("wrk"), f"-c{CONNECTIONS}", f"-t{min(2, CONNECTIONS)}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    assert "Non-2xx" not in out and "Socket errors" not in out, out
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out).groups()
    return rps, float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def tree_peak_rss_mb(pid: int) -> float:
    """The largest peak resident memory (VmHWM) among the server's processes (the supervisor and its workers)."""
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    peak = 0
    for p in pids:
        try:
            m = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{p}/status").read_text())
        except OSError:
            continue
        peak = max(peak, int(m.group(1)) if m else 0)
    return peak / 1024


async def login(client: httpx.AsyncClient, user: dict) -> tuple[dict, dict]:
    """(bearer header, cookie header) for ``user``."""
    r = await client.post("/api/v1/auth/token", json={"email": user["email"], "password": PASSWORD})
    token = {"Authorization": f"Bearer {r.json()['token']}"}
    client.cookies.clear()
    await client.get("/login")
    r = await client.post("/login", data={"email": user["email"], "password": PASSWORD, "_csrf_token": client.cookies.get("agency_csrf")})
    assert r.status_code == 303, r.text
    cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())}
    client.cookies.clear()
    return token, cookie


async def test_reports_and_statement_at_a_million(database, backend):
    from agency import clock
    from cases.home.rules import first_day_needed
    from cases.reports.service import months_back

    today = clock.today()
    first_month = date.fromisoformat(months_back(today)[0] + "-01")
    orgs = [await create_org(f"Reports bench {n}") for n in range(ORGS)]
    negotiators = [(await create_user("negotiator"))["id"] for _ in range(8)]
    started = time.perf_counter()
    await fill(orgs, negotiators, today)
    filled = time.perf_counter() - started
    admin = await create_user("admin")
    creditor = await create_user("creditor", orgs[0])
    org = orgs[0]
    start, end = today - timedelta(days=365), today
    statement_cases = await Case.count().where(Case.organisation == org)

    port = 8769 if backend == "postgres" else 8770  # (both databases may be measured at once)
    log = open(Path(os.environ["AGENCY_VAR_DIR"]).parent / "reports-bench-server.log", "w")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("agency")), "serve", "--port", str(port), "--workers", str(WORKERS)],
                            env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=log)
    pages, raws, floors, statement = {}, {}, {}, {}
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            for _ in range(600):  # (a busy machine: up to two minutes to start)
                try:
                    await client.get("/health")
                    break
                except httpx.TransportError:
                    assert proc.poll() is None, Path(log.name).read_text()[-3000:]
                    await asyncio.sleep(0.2)
            admin_token, admin_cookie = await login(client, admin)
            creditor_token, creditor_cookie = await login(client, creditor)

            # The statement first, on a server that has done nothing else yet: its memory is the statement's.
            rss_before = tree_peak_rss_mb(proc.pid)
            params = {"organisation_id": org, "start": start.isoformat(), "end": end.isoformat()}

            async def streamed(path: str, headers: dict) -> tuple[float, float, int, float]:
                """(seconds to the first byte, seconds in all, bytes, the server's peak MB) of one streamed download."""
                t0, first_byte, size = time.perf_counter(), None, 0
                async with client.stream("GET", path, params=params, headers=headers) as r:
                    assert r.status_code == 200, await r.aread()
                    async for part in r.aiter_bytes():
                        if first_byte is None:
                            first_byte = time.perf_counter() - t0
                        size += len(part)
                return first_byte, time.perf_counter() - t0, size, tree_peak_rss_mb(proc.pid)

            statement["json"] = await streamed("/api/v1/statements", admin_token)
            statement["xlsx"] = await streamed("/statements.xlsx", admin_cookie)
            async with Raw(1) as raw:
                t0 = time.perf_counter()
                lines = await raw.run([statement_sql(org, start, end)])
                statement["raw"] = (None, time.perf_counter() - t0, lines, None)

            for name, url, headers in (("reports, admin", "/reports", admin_cookie), ("reports, creditor", "/reports", creditor_cookie),
                                       ("home, creditor", "/home", creditor_cookie)):
                r = await client.get(url, headers=headers)
                assert r.status_code == 200, r.text[:500]
                pages[name] = wrk(f"{base}{url}", headers, SECONDS)
            async with Raw(CONNECTIONS) as raw:
                for name, sql in (("reports, admin", report_sql(None, first_month)), ("reports, creditor", report_sql(org, first_month)),
                                  ("home, creditor", home_sql(org, first_day_needed(today), today))):
                    await raw.run(sql)
                    raws[name] = await raw_load(raw, sql, SECONDS)
                for name, sql in (("reports, admin", totals_sql(None, first_month)), ("reports, creditor", totals_sql(org, first_month)),
                                  ("home, creditor", totals_sql(org, first_day_needed(today), home=True))):
                    floors[name] = await raw_load(raw, sql, SECONDS)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()

    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"\n[bench] reports on {backend}, {TOTAL:,} cases ({ORGS} creditors), {CONNECTIONS} connections, {WORKERS} worker(s), load by wrk,"
          f" {SECONDS} s each; filled in {filled:.0f} s; load average {' '.join(load)}")
    print("[bench]   (raw: the same aggregates over the cases, invoices and ledger; totals: the report totals the pages read, raw)")
    for name, (rps, p99) in pages.items():
        raw_rps, raw_p99 = raws[name]
        floor_rps, floor_p99 = floors[name]
        print(f"[bench]   {name:18s} page {rps:7.1f} req/s p99 {p99:7.1f} ms{'' if p99 < TARGET_P99_MS else ' OVER'}   raw {raw_rps:7.1f} req/s p99 "
              f"{raw_p99:7.1f} ms ({100 * rps / raw_rps:.0f} % of raw)   totals raw {floor_rps:7.1f} req/s p99 {floor_p99:6.1f} ms"
              f" ({100 * rps / floor_rps:.0f} %)")
    ttfb, total, size, rss = statement["json"]
    print(f"[bench]   statement of {statement_cases:,} cases, {start} to {end}:")
    print(f"[bench]     JSON API  first byte {ttfb:6.2f} s  total {total:6.2f} s  {size / 1e6:6.1f} MB  server peak RSS {rss_before:.0f} -> {rss:.0f} MB")
    ttfb_x, total_x, size_x, rss_x = statement["xlsx"]
    print(f"[bench]     XLSX      first byte {ttfb_x:6.2f} s  total {total_x:6.2f} s  {size_x / 1e6:6.1f} MB  server peak RSS {rss_x:.0f} MB")
    print(f"[bench]     raw SQL of its per-case sums: {statement['raw'][1]:.2f} s ({statement['raw'][2]:,} rows)")
    for name, (rps, p99) in pages.items():
        assert p99 < TARGET_P99_MS, f"{name}: p99 {p99:.0f} ms (target {TARGET_P99_MS} ms)"
    assert total < TARGET_STATEMENT_S and total_x < TARGET_STATEMENT_S, (total, total_x)
    assert ttfb < total / 4, "the statement is not streamed: its first byte came with the rest"
