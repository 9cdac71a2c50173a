"""Import speed and memory: 100,000 invoices through `agency import` against a raw bulk insert of
the same rows, measured in the same run on the same database. Run by `make bench`.

Targets (issue: bulk import): under 20 s and under 300 MB on PostgreSQL."""
import csv
import os
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from stdnum.es import cif

from agency import clock
from agency.db import is_sqlite
from agency.settings import get_settings

ROWS = int(os.environ.get("AGENCY_BENCH_ROWS", "100000"))
PER_DEBTOR = 10


def make_file(path: Path) -> list[tuple]:
    due = (clock.today() - timedelta(days=45)).isoformat()
    rows = []
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["nombre_deudor", "nif_deudor", "direccion_deudor", "ciudad_deudor", "cp_deudor", "numero_factura",
                    "fecha_emision", "fecha_vencimiento", "importe"])
        for n in range(ROWS):
            d = n // PER_DEBTOR
            body = f"B{d:07d}"
            nif = body + cif.calc_check_digits(body)[0]
            amount = f"{(n % 9000) + 100}.{n % 100:02d}"
            w.writerow([f"Deudor {d} S.L.", nif, f"Calle {d} 1", "Madrid", "28001", f"F-{n}", "2025-01-01", due, amount])
            rows.append((f"F-{n}", date(2025, 1, 1), clock.today() - timedelta(days=45), int(amount.replace(".", ""))))
    return rows


async def raw_insert(rows: list[tuple]) -> float:
    """The floor: the same invoice rows written with the driver's own bulk path, no checks."""
    started = time.perf_counter()
    if is_sqlite():
        import sqlite3

        conn = sqlite3.connect(get_settings().database_url.removeprefix("sqlite:///"))
        conn.execute("CREATE TEMP TABLE bench_invoices (number TEXT, issue_date TEXT, due_date TEXT, amount_cents INTEGER)")
        conn.executemany("INSERT INTO bench_invoices VALUES (?, ?, ?, ?)", [(a, b.isoformat(), c.isoformat(), d) for a, b, c, d in rows])
        conn.commit()
        conn.close()
    else:
        import asyncpg

        conn = await asyncpg.connect(get_settings().database_url)
        await conn.execute("CREATE TEMP TABLE bench_invoices (number varchar(64), issue_date date, due_date date, amount_cents bigint)")
        await conn.copy_records_to_table("bench_invoices", records=rows)
        await conn.close()
    return time.perf_counter() - started


async def test_import_100k(tmp_path, backend):
    path = tmp_path / "facturas.csv"
    rows = make_file(path)
    baseline = await raw_insert(rows)
    agency = str(Path(sys.executable).with_name("agency"))
    subprocess.run([agency, "demo"], check=True, capture_output=True, env=dict(os.environ))
    started = time.perf_counter()
    result = subprocess.run([agency, "import", str(path), "--creditor", "A28123453"], capture_output=True, text=True, env=dict(os.environ))
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert result.returncode == 0, result.stderr[-2000:]
    print(
        f"\n[bench] import {ROWS:,} invoices ({ROWS // PER_DEBTOR:,} cases) on {backend}: {elapsed:.1f} s, "
        f"{ROWS / elapsed:,.0f} rows/s, peak RSS {peak_mb:.0f} MB; raw bulk insert of the same rows {baseline:.2f} s "
        f"-> ratio {elapsed / baseline:.1f}x"
    )
    if backend == "postgres" and ROWS >= 100_000:
        assert elapsed < 20, f"{elapsed:.1f} s is over the 20 s target"
    assert peak_mb < 300, f"peak {peak_mb:.0f} MB is over the 300 MB target"
