"""Finding a case by the debtor's name as a negotiator types it: without accents, case or punctuation,
for claims, imports and the debtors that were there before the searched name existed."""
import io
import re
from datetime import timedelta

from agency import clock
from cases.tables import Case, Debtor
from tests.factories import api_token, create_org, create_user, signed_in
from tests.http.cases.test_claims import claim_body

DUE = (clock.today() - timedelta(days=30)).isoformat()


async def _found(client, headers, q) -> int:
    r = await client.get("/api/v1/cases", params={"q": q}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["total"]


async def _creditor_with_a_claim_against(make_client, debtor_name: str):
    """A new creditor organisation, its API client and token, and one claim against ``debtor_name``."""
    org = await create_org()
    user = await create_user("creditor", org)
    c = await make_client()
    h = await api_token(c, user["email"])
    body = claim_body()
    body["debtor"] = {**body["debtor"], "name": debtor_name}
    assert (await c.post("/api/v1/claims", json=body, headers=h)).status_code == 201
    return org, c, h


async def test_a_debtor_is_found_without_accents(make_client):
    org, c, h = await _creditor_with_a_claim_against(make_client, "Muñoz-García Ibáñez, S.L.")
    reference = (await Case.select(Case.reference).where(Case.organisation == org).first())["reference"]
    for q in (reference, reference.lower(), reference[4:]):  # whole (either case), or in part
        assert await _found(c, h, q) == 1, q
    csv = ("debtor_name,debtor_tax_id,debtor_address,debtor_city,debtor_postal_code,invoice_number,issue_date,due_date,amount\n"
           f"João Conceição Lda.,B46123451,Rua A 1,Porto,4000,S-1,2025-01-01,{DUE},10.50\n").encode()
    job = (await c.post("/api/v1/imports", headers=h, files={"file": ("f.csv", io.BytesIO(csv), "text/csv")})).json()
    assert (await c.post(f"/api/v1/imports/{job['id']}/commit", headers=h)).status_code == 200

    for q in ("munoz garcia", "MUNOZ-GARCIA", "Muñoz", "ibanez s l", "ibanez sl", "joao conceicao", "Conceição"):
        assert await _found(c, h, q) == 1, q
    assert await _found(c, h, "garcia munoz") == 0  # the words in their order
    # another creditor searching the same name finds nothing (tenancy holds for the new column too)
    other = await api_token(c, (await create_user("creditor", await create_org()))["email"])
    assert await _found(c, other, "munoz garcia") == 0
    # the creditor's list counts what it finds in the total claimed (1,210.50 + 89.50)
    totals = re.search(r'<p class="muted small totals">(.*?)</p>', (await c.get("/cases", params={"q": "munoz garcia"}, headers=h)).text, re.S)
    assert "1.300,00" in totals.group(1)
    # a name that grows as it is folded ("ß" is "ss") still fits its column (PostgreSQL refuses what is too long)
    body = claim_body()
    body["debtor"] = {**body["debtor"], "name": "Straße " + "ß" * 150}
    assert (await c.post("/api/v1/claims", json=body, headers=h)).status_code == 201
    assert await _found(c, h, "strasse ssss") == 1
    # staff find it on the cases page
    page, _ = await signed_in(make_client, "negotiator")
    assert "Muñoz-García Ibáñez, S.L." in (await page.get("/cases", params={"q": "munoz"})).text


async def test_the_migration_fills_the_searched_name_of_existing_debtors(make_client):
    import importlib

    org, c, h = await _creditor_with_a_claim_against(make_client, "Peñalver Dueñas")
    await Debtor.update({Debtor.search_name: ""}).where(Debtor.organisation == org)  # as debtors were before the column
    assert await _found(c, h, "penalver") == 0
    migration = importlib.import_module("cases.piccolo_migrations.cases_2026_12_01t18_30_01_000000")
    for fill in (await migration.forwards()).raw:
        await fill()
    assert await _found(c, h, "penalver duenas") == 1
