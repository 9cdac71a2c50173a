"""The creditor's home over HTTP (issue 22, item 1): the decisions waiting for the creditor (their organisation's only),
most urgent first, each with a path to the form that takes it; the portfolio's figures, computed here by hand from a
small dataset; the monthly chart's month names in Spanish and English; the case list's "your decision"; the landing
after signing in; the JSON twin."""
from __future__ import annotations

import json
import re
import secrets
from datetime import date, timedelta

from agency import clock
from agency.db import utcnow
from agency.i18n import format_month, set_language
from cases.home.rules import months_back
from cases.reports import totals
from cases.tables import Case, Debtor, Invoice, LedgerEntry, Remittance, RemittanceExport
from legal.tables import LegalAction
from tests.factories import api_token, create_org, create_user, login


async def _case(org: int, stage: str, principal_cents: int, **extra) -> tuple[int, str]:
    tag = secrets.token_hex(3).upper()
    debtor = (await Debtor.insert(Debtor(organisation=org, kind="company", name=f"Deudor {tag} S.L.", address_line1="Calle 1",
                                         city="Madrid", postal_code="28001")).returning(Debtor.id))[0]["id"]
    reference = f"HOM-2026-{secrets.randbelow(10**6):06d}{secrets.randbelow(10)}"
    if stage == "closed":
        extra.setdefault("closed_at", utcnow())
    case = (await Case.insert(Case(reference=reference, organisation=org, debtor=debtor, stage=stage, **extra)).returning(Case.id))[0]["id"]
    today = clock.today()
    await Invoice.insert(Invoice(case=case, number=f"F-{tag}", issue_date=today - timedelta(days=120), due_date=today - timedelta(days=90),
                                 amount_cents=principal_cents))
    await totals.enter([case])  # (rows written here by hand: the report totals told, as the services tell them)
    return case, reference


async def _entry(case: int, kind: str, cents: int, on: date, **extra) -> int:
    entry = (await LedgerEntry.insert(LedgerEntry(case=case, kind=kind, amount_cents=cents, booked_on=on, **extra)).returning(LedgerEntry.id))[0]["id"]
    await totals.ledger_added([(case, kind, extra.get("method", ""), on, cents)])
    return entry


async def _propose(case: int, claim: str) -> None:
    estimate = {"procedure": "monitorio", "procedure_name": "Proceso monitorio", "claim_amount": claim, "court_fee": "0.00", "legal_fee": "150.00"}
    await LegalAction.insert(LegalAction(case=case, status="proposed", procedure="monitorio", estimate=json.dumps(estimate)))


async def _book(org: int) -> dict:
    """A creditor's small book, with the figures worked by hand below."""
    today = clock.today()
    jan1 = date(today.year, 1, 1)
    last_year = today - timedelta(days=400)
    c1, r1 = await _case(org, "amicable", 1_000_00)
    await _entry(c1, "payment", 400_00, today, method="transfer")
    await _entry(c1, "payment", 50_00, today, method="to_creditor")  # paid to the creditor directly: recovered, nothing to remit
    await _entry(c1, "fee", 60_00, today)
    c2, r2 = await _case(org, "court", 2_000_00)
    await _entry(c2, "payment", 1_000_00, last_year, method="transfer")
    remittance = (await Remittance.insert(Remittance(organisation=org, period_end=today - timedelta(days=1), amount_cents=500_00,
                                                     iban="ES9121000418450200051332")).returning(Remittance.id))[0]["id"]
    await RemittanceExport.insert(RemittanceExport(remittance=remittance, execution_date=today + timedelta(days=2), file_sha256="0" * 64))
    await _entry(c2, "remittance", 500_00, today, remittance=remittance)
    c3, r3 = await _case(org, "closed", 500_00, outcome="paid")
    await _entry(c3, "payment", 250_00, jan1, method="transfer")
    bounced = await _entry(c3, "payment", 100_00, jan1, method="transfer")
    await _entry(c3, "reversal", -100_00, today, reverses=bounced)
    c4, r4 = await _case(org, "amicable", 300_00, bureau_notice_on=today - timedelta(days=40))
    c5, r5 = await _case(org, "mediation", 700_00, limitation_date=today + timedelta(days=30))
    await _propose(c5, "712.34")
    return {"bureau": (c4, r4), "legal": (c5, r5), "refs": [r1, r2, r3, r4, r5], "remittance": remittance}


async def test_the_creditors_home_its_decisions_and_figures(make_client):
    today = clock.today()
    org, other = await create_org(), await create_org()
    mine, theirs = await _book(org), await _book(other)
    es_user = await create_user("creditor", org, language="es")
    en_user = await create_user("creditor", org, language="en")
    c = await make_client()

    # the JSON twin: only this organisation's decisions, the most urgent (limitation in 30 days) first
    h = await api_token(c, en_user["email"])
    r = await c.get("/api/v1/home", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    decisions = body["decisions"]
    assert [(d["kind"], d["reference"]) for d in decisions] == [("legal_action", mine["legal"][1]), ("bureau_authorisation", mine["bureau"][1])]
    legal, bureau = decisions
    assert legal["amount"] == "712.34" and legal["urgent"] and legal["url"] == f"/cases/{mine['legal'][0]}/legal/#legal-estimate"
    assert legal["limitation_date"] == (today + timedelta(days=30)).isoformat() and "Proceso monitorio" in legal["asked"]
    assert bureau["amount"] == "300.00" and not bureau["urgent"] and bureau["url"] == f"/cases/{mine['bureau'][0]}#bureau"
    assert bureau["since"] == (today - timedelta(days=40)).isoformat()
    assert not {d["reference"] for d in decisions} & set(theirs["refs"])

    p = body["portfolio"]
    # this month: 400.00 + 50.00 - 100.00 reversed (+ the 350.00 of 1 January when this month is January)
    month = 400_00 + 50_00 - 100_00 + (350_00 if today.month == 1 else 0)
    assert p["recovered_this_month"] == f"{month / 100:.2f}"
    assert p["recovered_this_year"] == "700.00"  # 400 + 50 + 250 + 100 - 100; the 1,000.00 of last year is not this year's
    assert p["recovered_total"] == "1700.00" and p["assigned"] == "4500.00"
    assert p["recovery_rate"] == "37.8"  # 1,700 / 4,500 = 37.78 %
    assert p["cases_by_stage"] == [{"stage": "intake", "cases": 0}, {"stage": "amicable", "cases": 2}, {"stage": "mediation", "cases": 1},
                                   {"stage": "credit_bureau", "cases": 0}, {"stage": "court", "cases": 1}, {"stage": "closed", "cases": 1}]
    assert p["open_cases"] == 4
    # collected by the agency 400 + 1,000 + 250 + 100 - 100 = 1,650.00, less 60.00 fees and 500.00 remitted
    assert p["on_its_way"]["to_remit"] == "1090.00"
    assert p["on_its_way"]["next_remittance"] == {"id": mine["remittance"], "amount": "500.00", "period_end": (today - timedelta(days=1)).isoformat(),
                                                  "execution_date": (today + timedelta(days=2)).isoformat()}
    assert p["on_its_way"]["last_remittance"] is None
    months = [m["month"] for m in p["collected_per_month"]]
    assert months == months_back(today) and p["collected_per_month"][-1]["amount"] == f"{month / 100:.2f}"

    # the case list's API says the same, case by case
    items = {i["reference"]: i["your_decisions"] for i in (await c.get("/api/v1/cases", headers=h)).json()["items"]}
    assert items[mine["legal"][1]] == ["legal_action"] and items[mine["bureau"][1]] == ["bureau_authorisation"]
    assert sum(1 for kinds in items.values() if kinds) == 2

    # the other organisation's creditor sees theirs, never these
    r = await c.get("/api/v1/home", headers=await api_token(c, (await create_user("creditor", other))["email"]))
    assert {d["reference"] for d in r.json()["decisions"]} == {theirs["legal"][1], theirs["bureau"][1]}
    # staff have no home of a creditor
    assert (await c.get("/api/v1/home", headers=await api_token(c, (await create_user("negotiator"))["email"]))).status_code == 403

    # the page, in English and in Spanish: the decisions first, the chart's months named in the reader's language
    for user, language, title in ((en_user, "en", "2 decisions wait for you"), (es_user, "es", "2 decisiones esperan su respuesta")):
        page_client = await make_client()
        r = await login(page_client, user["email"])
        assert r.status_code == 303 and r.headers["location"] == "/home", "the creditor lands on their home"
        r = await page_client.get("/home")
        assert r.status_code == 200, r.text
        html = r.text
        assert title in html
        assert html.index(mine["legal"][1]) < html.index(mine["bureau"][1]) < html.index('id="money-title"')
        assert f'href="/cases/{mine["legal"][0]}/legal/#legal-estimate"' in html and f'href="/cases/{mine["bureau"][0]}#bureau"' in html
        assert not any(ref in html for ref in theirs["refs"])
        set_language(language)
        svg = re.search(r'<section class="card" id="chart-months">.*?</svg>', html, re.S).group(0)
        for m in months_back(today):
            assert f">{format_month(m, with_year=True)}</text>" in svg, (language, m)
        assert 'width="360"' in svg
        assert ("dic" if language == "es" else "Dec") in format_month("2026-12")
        stages = re.search(r'<section class="card" id="chart-stages">.*?</svg>', html, re.S).group(0)
        assert re.search(r'data-key="amicable">.*?>2</text>', stages, re.S)

        # the case list says whose the next action is
        r = await page_client.get("/cases")
        decision = "Your decision" if language == "en" else "Su decisión"
        assert r.text.count(decision) == 2
        assert f'<a class="your-decision" href="/cases/{mine["legal"][0]}/legal/#legal-estimate" data-decision="legal_action">' in r.text
    set_language("es")


async def test_an_answered_decision_leaves_the_home(make_client):
    org = await create_org()
    c5, _ref = await _case(org, "amicable", 900_00)
    await _propose(c5, "900.00")
    c4, _ref4 = await _case(org, "amicable", 300_00, bureau_notice_on=clock.today())
    user = await create_user("creditor", org)
    c = await make_client()
    h = await api_token(c, user["email"])
    assert len((await c.get("/api/v1/home", headers=h)).json()["decisions"]) == 2
    assert (await c.post(f"/api/v1/cases/{c4}/bureau/authorisation", headers=h)).status_code == 201
    await LegalAction.update({LegalAction.status: "declined"}).where(LegalAction.case == c5)
    body = (await c.get("/api/v1/home", headers=h)).json()
    assert body["decisions"] == [] and body["portfolio"]["recovered_this_month"] == "0.00" and body["portfolio"]["recovery_rate"] == "0.0"
