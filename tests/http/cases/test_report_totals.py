"""The report totals (cases.reports.totals) are what the rows say: after claims, an import-sized batch of payments, stage
moves, a negotiator taking and another being assigned a case, payments, a reversal, a disputed invoice, an expense and a
remittance, each kept total equals its recomputation from scratch, and the reports the totals serve agree with the rows."""
from decimal import Decimal

from agency import clock
from agency.auth import CurrentUser
from agency.roles import Role
from cases.billing.statements import create_remittance
from cases.negotiation.service import assign, take_next
from cases.payments.service import Incoming, book_payments
from cases.reports import totals
from cases.tables import Invoice, LedgerEntry
from tests.factories import api_token, create_org, create_user
from tests.http.cases.test_stages import _case

TODAY = clock.today()


def _user(u: dict, role: Role) -> CurrentUser:
    return CurrentUser(id=u["id"], email=u["email"], name="x", role=role, organisation_id=None, language="es")


async def _same() -> None:
    kept, fresh = await totals.kept(), await totals.from_scratch()
    for name in ("stage", "due", "ledger"):
        assert kept[name] == fresh[name], (name, kept[name] ^ fresh[name])


async def test_the_totals_follow_every_change(make_client):
    org, other = await create_org(), await create_org()
    client = await make_client()
    ch = await api_token(client, (await create_user("creditor", org))["email"])
    oh = await api_token(client, (await create_user("creditor", other))["email"])
    negotiator = await create_user("negotiator")
    nh = await api_token(client, negotiator["email"])
    second = await create_user("negotiator")
    admin = await create_user("admin")
    await _same()  # (whatever the earlier tests of this database left, the totals agree with it)

    cases = [await _case(client, ch) for _ in range(4)] + [await _case(client, oh)]
    await _same()
    for case in cases[:4]:
        assert (await client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "amicable"}, headers=nh)).status_code == 200
    await _same()  # (the flat fees booked on the way)
    taken = await take_next(_user(negotiator, Role.negotiator))
    assert taken is not None
    await assign(_user(admin, Role.admin), cases[1]["id"], second["id"])
    await _same()

    pay = await client.post(f"/api/v1/cases/{cases[0]['id']}/payments", json={"amount": "300.00", "received_on": TODAY.isoformat(),
                                                                              "method": "transfer"}, headers=nh)
    assert pay.status_code == 201, pay.text
    assert (await client.post(f"/api/v1/cases/{cases[1]['id']}/payments", json={
        "amount": "100.00", "received_on": TODAY.isoformat(), "method": "card"}, headers=nh)).status_code == 201
    await book_payments(_user(admin, Role.admin), [Incoming(c["id"], 5_00, TODAY, "transfer", "bank", f"pay:bank:t{c['id']}") for c in cases[:3]], TODAY)
    await _same()
    r = await client.post(f"/api/v1/cases/{cases[0]['id']}/payments/{pay.json()['id']}/reversal", json={"reason": "Devuelto"}, headers=nh)
    assert r.status_code == 201, r.text
    await _same()

    invoice = await Invoice.select(Invoice.id).where(Invoice.case == cases[2]["id"]).first()
    r = await client.post(f"/api/v1/cases/{cases[2]['id']}/invoices/{invoice['id']}/dispute", json={"reason": "No reconoce la factura"},
                          headers=nh)
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/v1/cases/{cases[3]['id']}/expenses", json={"kind": "burofax", "amount": "25.00", "spent_on": TODAY.isoformat()},
                          headers=nh)
    assert r.status_code == 201, r.text
    await _same()
    for to in ("mediation", "closed"):
        body = {"to": to, **({"outcome": "uncollectible", "reason": "Sin bienes"} if to == "closed" else {})}
        r = await client.post(f"/api/v1/cases/{cases[2]['id']}/transitions", json=body, headers=nh)
        assert r.status_code == 200, r.text
    await _same()
    assert (await client.post(f"/api/v1/cases/{cases[3]['id']}/payments", json={
        "amount": "1000.00", "received_on": TODAY.isoformat(), "method": "transfer"}, headers=nh)).status_code == 201
    await create_remittance(_user(admin, Role.admin), org, TODAY, TODAY)
    await _same()

    # What the creditor's report says is what its rows say.
    report = (await client.get("/api/v1/reports", headers=ch)).json()
    stages = {s["stage"]: (s["cases"], Decimal(s["collected"])) for s in report["stages"]}
    paid = sum(e["amount_cents"] for e in await LedgerEntry.select(LedgerEntry.amount_cents).where(
        LedgerEntry.case.is_in([c["id"] for c in cases[:4]]) & LedgerEntry.kind.is_in(["payment", "reversal"])))
    assert sum(n for n, _ in stages.values()) == 4 and sum(c for _, c in stages.values()) == Decimal(paid) / 100
    assert "closed" in stages and stages["closed"][0] == 1
    home = (await client.get("/api/v1/home", headers=oh)).json()["portfolio"]
    assert home["open_cases"] == 1 and sum(s["cases"] for s in home["cases_by_stage"]) == 1


async def test_the_migration_fills_the_totals_from_the_rows(make_client):
    """The migration's own SQL, run again over a database with cases, payments and stages in it, gives what the services
    kept (the totals emptied first: put back by the migration's fill, as an upgrade fills them)."""
    import importlib

    from agency.db import atomic, fetch_records

    migration = importlib.import_module("cases.piccolo_migrations.cases_2026_12_07t15_10_00_000000")
    org = await create_org()
    client = await make_client()
    ch = await api_token(client, (await create_user("creditor", org))["email"])
    nh = await api_token(client, (await create_user("negotiator"))["email"])
    case = await _case(client, ch)
    assert (await client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "amicable"}, headers=nh)).status_code == 200
    assert (await client.post(f"/api/v1/cases/{case['id']}/payments", json={"amount": "12.34", "received_on": TODAY.isoformat(),
                                                                            "method": "transfer"}, headers=nh)).status_code == 201
    kept = await totals.kept()
    assert kept == await totals.from_scratch()
    async with atomic():
        for target, select in migration.FILL.items():
            await fetch_records(f"DELETE FROM {target.split()[0]}")
            await fetch_records(f"INSERT INTO {target} {select}")
    assert await totals.kept() == kept
