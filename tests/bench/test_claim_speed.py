"""A claim against a debtor with a long history (`make bench`; issue 24: a debtor with 10,000 earlier cases, within 2x of
a new debtor): the claim's duplicate check reads the claim's invoices and their cases by key, so the debtor's earlier
cases should cost a claim little. Timed through the API (POST /api/v1/claims, the whole claim) and the check alone, for
a new debtor (the baseline) and for one with 10,000 open cases (AGENCY_BENCH_HISTORY), in a database holding another
creditor's 30,000 invoices; statistics as a busy day leaves them (not analysed since the tables grew). Both debtors are
measured in alternating rounds once all the rows are in, so both see the same database and the same minutes of this
shared machine."""
import os
import statistics
import time

from cases.claims.rules import DebtorInput
from cases.claims.service import open_invoice_numbers
from cases.tables import Debtor
from tests.factories import api_token, create_org, create_user
from tests.http.cases.test_claims import claim_body
from tests.integration.cases.test_claim_duplicates import TAX_ID, _cases, _debtor

HISTORY = int(os.environ.get("AGENCY_BENCH_HISTORY", "10000"))
ROUNDS = 5  # of each: a claim, three checks
PER_ROUND = 4


async def test_a_claim_costs_the_same_whatever_the_debtors_history(make_client, backend):
    org = await create_org()
    user = await create_user("creditor", org)
    client = await make_client()
    headers = await api_token(client, user["email"])

    def body(tax_id: str, name: str) -> dict:
        b = claim_body()
        b["debtor"].update(tax_id=tax_id, name=name, address={"line1": "C/ Sol 3", "city": "Bilbao", "postal_code": "48001", "country": "ES"})
        return b

    async def claims(tax_id: str, name: str) -> list[float]:
        samples = []
        for _ in range(PER_ROUND):
            started = time.perf_counter()
            r = await client.post("/api/v1/claims", json=body(tax_id, name), headers=headers)
            samples.append(time.perf_counter() - started)
            assert r.status_code == 201, r.text
        return samples

    async def checks(tax_id: str, name: str) -> list[float]:
        debtor = DebtorInput(kind="company", name=name, tax_id=tax_id, address_line1="C/ Sol 3", city="Bilbao", postal_code="48001")
        samples = []
        for n in range(PER_ROUND * 3):
            started = time.perf_counter()
            await open_invoice_numbers(org, debtor, [f"NEW-{n}-1", f"NEW-{n}-2"])
            samples.append(time.perf_counter() - started)
        return samples

    other = await create_org()
    await _cases(other, await _debtor(other, "Otro S.A.", "A58818501"), 300, 100, "EXP-1996-")
    await claims(TAX_ID, "Talleres Norte S.L.")  # the debtor record a claim reuses; its history is bulk-inserted under it
    debtor_id = (await Debtor.select(Debtor.id).where((Debtor.organisation == org) & (Debtor.tax_id == TAX_ID)).first())["id"]
    await _cases(org, debtor_id, HISTORY, 2, "EXP-1997-")
    await claims("B48123459", "Nueva S.L.")  # warm both paths
    fresh: dict[str, list[float]] = {"claim": [], "check": []}
    history: dict[str, list[float]] = {"claim": [], "check": []}
    for _ in range(ROUNDS):
        for kept, tax_id, name in ((fresh, "B48123459", "Nueva S.L."), (history, TAX_ID, "Talleres Norte S.L.")):
            kept["claim"] += await claims(tax_id, name)
            kept["check"] += await checks(tax_id, name)

    def ms(samples: list[float]) -> float:
        return statistics.median(samples) * 1000

    with open("/proc/loadavg") as f:
        loadavg = " ".join(f.read().split()[:3])
    ratio = ms(history["claim"]) / ms(fresh["claim"])
    print(f"\n[{backend}] a claim through the API, median of {ROUNDS * PER_ROUND}: {ms(fresh['claim']):.1f} ms for a new debtor, "
          f"{ms(history['claim']):.1f} ms for a debtor with {HISTORY:,} open cases ({ratio:.2f}x, target 2x); the duplicate check alone: "
          f"{ms(fresh['check']):.2f} ms, {ms(history['check']):.2f} ms; load average {loadavg}")
    assert ratio <= 2, f"a claim for a debtor with {HISTORY:,} earlier cases takes {ratio:.2f} times a new debtor's"
