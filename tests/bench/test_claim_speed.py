"""A claim against a debtor with a long history (`make bench`): the claim's duplicate check reads the claim's invoices
and their cases by key, so 1,100 earlier cases of the same debtor cost a claim no more than none. Timed through the API
(POST /api/v1/claims, the whole claim) and the check alone, for a debtor without history (the baseline) and then for
one with 1,100 open cases, in a database holding another creditor's 30,000 invoices; statistics as a busy day leaves
them (not analysed since the tables grew)."""
import statistics
import time

from cases.claims.rules import DebtorInput
from cases.claims.service import open_invoice_numbers
from cases.tables import Debtor
from tests.factories import api_token, create_org, create_user
from tests.http.cases.test_claims import claim_body
from tests.integration.cases.test_claim_duplicates import HISTORY, TAX_ID, _cases, _debtor

ROUNDS = 15


async def test_a_claim_costs_the_same_whatever_the_debtors_history(make_client, backend):
    org = await create_org()
    user = await create_user("creditor", org)
    client = await make_client()
    headers = await api_token(client, user["email"])

    def body(tax_id: str, name: str) -> dict:
        b = claim_body()
        b["debtor"].update(tax_id=tax_id, name=name, address={"line1": "C/ Sol 3", "city": "Bilbao", "postal_code": "48001", "country": "ES"})
        return b

    async def claims(tax_id: str, name: str) -> float:
        samples = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            r = await client.post("/api/v1/claims", json=body(tax_id, name), headers=headers)
            samples.append(time.perf_counter() - started)
            assert r.status_code == 201, r.text
        return statistics.median(samples) * 1000

    async def checks(tax_id: str, name: str) -> float:
        debtor = DebtorInput(kind="company", name=name, tax_id=tax_id, address_line1="C/ Sol 3", city="Bilbao", postal_code="48001")
        samples = []
        for n in range(ROUNDS * 3):
            started = time.perf_counter()
            await open_invoice_numbers(org, debtor, [f"NEW-{n}-1", f"NEW-{n}-2"])
            samples.append(time.perf_counter() - started)
        return statistics.median(samples) * 1000

    other = await create_org()
    await _cases(other, await _debtor(other, "Otro S.A.", "A58818501"), 300, 100, "EXP-1996-")
    fresh = (await claims("B48123459", "Nueva S.L."), await checks("B48123459", "Nueva S.L."))
    # The claims above made the debtor record a claim reuses; its history is bulk-inserted under the same record.
    debtor_id = await _debtor(org, "Talleres Norte S.L.", TAX_ID)
    await Debtor.update({Debtor.email: "pagos@norte.test"}).where(Debtor.id == debtor_id)
    await _cases(org, debtor_id, HISTORY, 2, "EXP-1997-")
    history = (await claims(TAX_ID, "Talleres Norte S.L."), await checks(TAX_ID, "Talleres Norte S.L."))
    print(f"\n[{backend}] a claim through the API, median of {ROUNDS}: {fresh[0]:.1f} ms for a new debtor, "
          f"{history[0]:.1f} ms for a debtor with {HISTORY} open cases; the duplicate check alone: {fresh[1]:.2f} ms, {history[1]:.2f} ms")
