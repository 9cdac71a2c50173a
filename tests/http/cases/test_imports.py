"""Import through the API and the pages; another creditor's import is a 404."""
import io
from datetime import timedelta

from openpyxl import load_workbook

from agency import clock
from tests.factories import api_token, create_org, create_user, post_form, signed_in

DUE = (clock.today() - timedelta(days=30)).isoformat()
CSV = ("debtor_name,debtor_tax_id,debtor_address,debtor_city,debtor_postal_code,invoice_number,issue_date,due_date,amount\n"
       f"Api Uno S.L.,B46123451,C/ A 1,Madrid,28001,I-1,2025-01-01,{DUE},10.50\n"
       f"Api Uno S.L.,B46123451,C/ A 1,Madrid,28001,I-2,2025-01-01,{DUE},20\n").encode()


async def test_api_preview_commit_and_tenancy(make_client):
    org = await create_org()
    user = await create_user("creditor", org)
    client = await make_client()
    h = await api_token(client, user["email"])
    r = await client.post("/api/v1/imports", headers=h, files={"file": ("f.csv", io.BytesIO(CSV), "text/csv")})
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["status"] == "previewed" and job["cases"] == 1 and job["total"] == "30.50" and job["errors"] == []
    other = await create_user("creditor", await create_org())
    oh = await api_token(client, other["email"])
    assert (await client.get(f"/api/v1/imports/{job['id']}", headers=oh)).status_code == 404
    assert (await client.post(f"/api/v1/imports/{job['id']}/commit", headers=oh)).status_code == 404
    r = await client.post(f"/api/v1/imports/{job['id']}/commit", headers=h)
    assert r.status_code == 200 and r.json()["cases"] == 1 and r.json()["invoices"] == 2
    assert (await client.get("/api/v1/cases", params={"q": "I-2"}, headers=h)).json()["total"] == 1


async def test_api_refused_file_lists_rows(make_client):
    user = await create_user("creditor", await create_org())
    client = await make_client()
    h = await api_token(client, user["email"])
    bad = CSV.replace(b",20\n", b",veinte\n")
    job = (await client.post("/api/v1/imports", headers=h, files={"file": ("f.csv", io.BytesIO(bad), "text/csv")})).json()
    assert job["status"] == "refused" and job["errors"][0]["row"] == 3 and job["errors"][0]["column"] == "amount"
    r = await client.post(f"/api/v1/imports/{job['id']}/commit", headers=h)
    assert r.status_code == 400


async def test_pages_upload_preview_commit_and_templates(make_client):
    org = await create_org()
    client, _ = await signed_in(make_client, "creditor", org)
    assert (await client.get("/imports/new")).status_code == 200
    t = await client.get("/imports/template.xlsx")
    wb = load_workbook(io.BytesIO(t.content))
    assert wb.active["A1"].value == "tipo_deudor"
    t = await client.get("/imports/template.csv")
    assert t.content.startswith(b"\xef\xbb\xbftipo_deudor;")
    r = await post_form(client, "/imports/", {}, files={"file": ("f.csv", CSV, "text/csv")})
    assert r.status_code == 303, r.text
    preview = await client.get(r.headers["location"])
    assert preview.status_code == 200 and "30,50" in preview.text
    job_id = r.headers["location"].rsplit("/", 1)[1]
    done = await post_form(client, f"/imports/{job_id}/commit", {}, headers={"hx-request": "true"})
    assert done.status_code == 200 and done.headers["hx-redirect"] == "/cases?stage=intake"


async def test_a_cell_over_the_csv_field_limit_or_with_a_nul_is_a_row_error_naming_row_and_column(make_client):
    """Python's CSV reader refuses a cell over 128 KB (an error that was a 500): the preview names the row and the
    column, the other rows are still read, and the import is refused (400) like any file with row errors."""
    user = await create_user("creditor", await create_org())
    client = await make_client()
    h = await api_token(client, user["email"])
    lines = CSV.decode().splitlines()
    lines[2] = lines[2].replace("Api Uno S.L.", "x" * 140_000, 1)
    lines.append(f"Api Dos S.L.,B46123451,C/ B\x002,Madrid,28001,I-9,2025-01-01,{DUE},5")
    lines.append(f"Api Tres S.L.,A58818501,C/ C 3,Madrid,28001,I-3,2025-01-01,{DUE},5")
    r = await client.post("/api/v1/imports", headers=h, files={"file": ("f.csv", io.BytesIO("\n".join(lines).encode()), "text/csv")})
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["status"] == "refused" and job["rows"] == 4
    errors = {(e["row"], e["column"]): e["message"] for e in job["errors"]}
    assert set(errors) == {(3, "debtor_name"), (4, "debtor_address")}, job["errors"]
    assert "131072" in errors[(3, "debtor_name")] and "NUL" in errors[(4, "debtor_address")]
    r = await client.post(f"/api/v1/imports/{job['id']}/commit", headers=h)
    assert r.status_code == 400
