"""Bulk import: CSV in two encodings, XLSX, row errors named, all or nothing, the CLI."""
import io
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from agency import clock
from agency.auth import CurrentUser
from agency.roles import Role
from cases.imports import service as import_service
from cases.imports.rules import ImportRefused, plan_import
from cases.tables import Case, Debtor, ImportJob, Invoice
from tests.factories import create_org, create_user

TODAY = clock.today()
DUE = (TODAY - timedelta(days=40)).strftime("%d/%m/%Y")
HEADER = "nombre_deudor;nif_deudor;direccion_deudor;ciudad_deudor;cp_deudor;numero_factura;fecha_emision;fecha_vencimiento;importe\n"


def csv_bytes(rows: list[str], encoding="utf-8", bom=False) -> bytes:
    data = (HEADER + "".join(r + "\n" for r in rows)).encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def row(name="Ferretería Núñez S.L.", nif="B46123451", number="F-1", amount="100,00", due=DUE):
    return f"{name};{nif};Calle Mayor 1;Logroño;26001;{number};01/01/2025;{due};{amount}"


@pytest.mark.parametrize("encoding,bom", [("utf-8", True), ("utf-8", False), ("latin-1", False)])
def test_csv_encodings_and_grouping(encoding, bom):
    data = csv_bytes([row(number="F-1"), row(number="F-2", amount="1.234,56"), row(name="Otro S.A.", nif="A28123453", number="F-1")],
                     encoding, bom)
    plan = plan_import(io.BytesIO(data), "f.csv", TODAY)
    assert plan.ok and plan.row_count == 3 and len(plan.groups) == 2
    assert plan.groups[0].debtor.name == "Ferretería Núñez S.L."
    assert str(plan.total) == "1434.56"


def test_one_bad_row_among_thousands_is_named():
    rows = [row(number=f"F-{n}") for n in range(3000)]
    rows[1776] = row(number="F-1776", amount="-3")
    plan = plan_import(io.BytesIO(csv_bytes(rows)), "f.csv", TODAY)
    assert not plan.ok
    assert [(e.row, e.column) for e in plan.errors] == [(1778, "importe")]


def test_missing_columns_refuse_the_file():
    with pytest.raises(ImportRefused):
        plan_import(io.BytesIO(b"foo;bar\n1;2\n"), "f.csv", TODAY)


def test_xlsx_with_real_dates_and_numbers():
    wb = Workbook()
    ws = wb.active
    ws.append(["debtor_name", "debtor_tax_id", "debtor_address", "debtor_city", "debtor_postal_code", "invoice_number", "issue_date",
               "due_date", "amount"])
    ws.append(["Bodegas Sur S.L.", "B46123451", "C/ Vino 1", "Jerez", "11401", "V-7", date(2025, 1, 1), TODAY - timedelta(days=10), 1500.5])
    buf = io.BytesIO()
    wb.save(buf)
    plan = plan_import(io.BytesIO(buf.getvalue()), "f.xlsx", TODAY)
    assert plan.ok and str(plan.total) == "1500.5"


def test_a_debtor_written_alike_is_checked_once_and_grouped_as_written():
    # the same debtor with spaces around the tax id on one row: one case; a row whose tax id is bad: its own error each time
    rows = [row(number="G-1"), row(nif=" B46123451 ", number="G-2"), row(nif="B46123452", number="G-3"), row(nif="B46123452", number="G-4")]
    plan = plan_import(io.BytesIO(csv_bytes(rows)), "f.csv", TODAY)
    assert [(e.row, e.column) for e in plan.errors] == [(4, "nif_deudor"), (5, "nif_deudor")]
    assert [[i.number for i in g.invoices] for g in plan.groups] == [["G-1", "G-2"]]


async def _creditor():
    org = await create_org()
    user = await create_user("creditor", org)
    return org, CurrentUser(id=user["id"], email=user["email"], name="C", role=Role.creditor, organisation_id=org, language="es")


async def test_preview_then_commit_all_or_nothing(database):
    org, user = await _creditor()
    data = csv_bytes([row(number="A-1"), row(number="A-2"), row(name="Dos S.L.", nif="A28123453", number="A-1")])
    job_id = await import_service.preview_import(user, org, io.BytesIO(data), "facturas.csv", TODAY)
    assert await Case.count().where(Case.organisation == org) == 0  # a preview writes no case
    result = await import_service.commit_import(user, job_id, TODAY)
    assert result.case_count == 2 and result.invoice_count == 3
    assert await Case.count().where(Case.organisation == org) == 2
    assert await Debtor.count().where(Debtor.organisation == org) == 2
    job = await ImportJob.select().where(ImportJob.id == job_id).first()
    assert job["status"] == "committed"
    with pytest.raises(Exception):
        await import_service.commit_import(user, job_id, TODAY)  # never twice
    # the same invoices again: refused, row by row, nothing written
    again = await import_service.preview_import(user, org, io.BytesIO(data), "otra-vez.csv", TODAY)
    job = await import_service.get_import(user, again)
    assert job["status"] == "refused" and {e["row"] for e in job["errors"]} == {2, 3, 4}
    assert await Invoice.count().where(Invoice.case.organisation == org) == 3


def test_cli_import_refuses_with_row_errors_and_imports_a_good_file(tmp_path: Path):
    agency = str(Path(sys.executable).with_name("agency"))
    bad = tmp_path / "malo.csv"
    bad.write_bytes(csv_bytes([row(number="C-1"), row(number="C-2", amount="abc")]))
    good = tmp_path / "bueno.csv"
    good.write_bytes(csv_bytes([row(name="Cli Uno S.L.", nif="A28123453", number="C-1"), row(name="Cli Uno S.L.", nif="A28123453", number="C-2")]))
    env = dict(os.environ)
    subprocess.run([agency, "demo"], env=env, check=True, capture_output=True)
    r = subprocess.run([agency, "import", str(bad), "--creditor", "B46123451"], env=env, capture_output=True, text=True)
    assert r.returncode == 1 and "3" in r.stderr and "importe" in r.stderr
    r = subprocess.run([agency, "import", str(good), "--creditor", "B46123451"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "1" in r.stdout and "EXP-" in r.stdout


async def test_a_commit_refused_by_a_later_claim_says_why_in_the_preview(database):
    from cases.claims.rules import ClaimInput, DebtorInput, InvoiceInput
    from cases.claims.service import open_claim

    org, user = await _creditor()
    data = csv_bytes([row(number="Z-1"), row(number="Z-2")])
    job_id = await import_service.preview_import(user, org, io.BytesIO(data), "z.csv", TODAY)
    # meanwhile the same invoice arrives as a claim
    await open_claim(user, org, ClaimInput(
        debtor=DebtorInput(kind="company", name="Ferretería Núñez S.L.", tax_id="B46123451", address_line1="Calle Mayor 1",
                           city="Logroño", postal_code="26001"),
        invoices=(InvoiceInput(number="Z-2", issue_date="2025-01-01", due_date=(TODAY - timedelta(days=40)).isoformat(), amount="100"),),
    ), [], TODAY)
    with pytest.raises(Exception):
        await import_service.commit_import(user, job_id, TODAY)
    job = await import_service.get_import(user, job_id)
    assert job["status"] == "refused" and [e["row"] for e in job["errors"]] == [3]
