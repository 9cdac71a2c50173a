"""Tenancy: a creditor never sees another organisation's case, through any route. These tests try."""
import secrets

from cases.queries import search_key
from cases.tables import Case, Debtor
from tests.factories import api_token, by_hand, create_org, create_user, signed_in


async def make_case(org: int, debtor_name: str) -> int:
    # (by hand, as every writer of debtors writes them: with the name as searched)
    debtor = (await Debtor.insert(Debtor(organisation=org, kind="company", name=debtor_name, search_name=search_key(debtor_name), tax_id="",
                                         address_line1="C/ Dos 2", city="Madrid", postal_code="28002")).returning(Debtor.id))[0]["id"]
    ref = f"EXP-2026-{secrets.randbelow(10**6):06d}"
    case_id = (await Case.insert(Case(reference=ref, organisation=org, debtor=debtor, stage="amicable")).returning(Case.id))[0]["id"]
    await by_hand()  # (set up by hand: the report totals follow)
    return case_id


async def test_creditor_sees_only_their_cases(make_client):
    org_a, org_b = await create_org(), await create_org()
    case_a = await make_case(org_a, "Deudor de A")
    case_b = await make_case(org_b, "Deudor de B")
    user_a = await create_user("creditor", org_a)
    headers = await api_token(await make_client(), user_a["email"])
    client = await make_client()

    listing = (await client.get("/api/v1/cases", headers=headers)).json()
    ids = {c["id"] for c in listing["items"]}
    assert case_a in ids and case_b not in ids
    assert (await client.get(f"/api/v1/cases/{case_a}", headers=headers)).status_code == 200
    r = await client.get(f"/api/v1/cases/{case_b}", headers=headers)
    assert r.status_code == 404 and "Deudor de B" not in r.text
    # searching for the other creditor's debtor finds nothing
    r = await client.get("/api/v1/cases", params={"q": "Deudor de B"}, headers=headers)
    assert r.json()["total"] == 0

    page_client, _ = await signed_in(make_client, "creditor", org_a)
    assert (await page_client.get(f"/cases/{case_a}")).status_code == 200
    r = await page_client.get(f"/cases/{case_b}")
    assert r.status_code == 404 and "Deudor de B" not in r.text
    r = await page_client.get("/cases", params={"q": "Deudor"})
    assert "Deudor de A" in r.text and "Deudor de B" not in r.text


async def test_staff_see_every_organisation(make_client):
    org_a, org_b = await create_org(), await create_org()
    case_a, case_b = await make_case(org_a, "A"), await make_case(org_b, "B")
    client, _ = await signed_in(make_client, "negotiator")
    for case_id in (case_a, case_b):
        assert (await client.get(f"/api/v1/cases/{case_id}")).status_code == 200


async def test_creditor_without_organisation_sees_nothing(make_client):
    await make_case(await create_org(), "Cualquiera")
    client, _ = await signed_in(make_client, "creditor", None)
    assert (await client.get("/api/v1/cases")).json()["total"] == 0
