"""Statutory rates as admin data for every jurisdiction (LEGAL.md rev.): Spain's late-payment and legal rates,
France's legal rate per half-year, Portugal's, the ECB's decisions. One page and one API; a rate entered twice, a
negative or absurd one, a day that starts no period: 400, nothing written; figures stop being provisional."""
from datetime import date, timedelta

from agency import clock
from cases.billing.balances import published_rates
from cases.tables import InterestRate
from legal.rules import jurisdictions
from tests.factories import api_token, create_org, create_user, post_form, signed_in

TODAY = clock.today()


async def test_every_series_can_be_added_through_the_api(make_client):
    c = await make_client()
    ah = await api_token(c, (await create_user("admin"))["email"])
    listed = (await c.get("/api/v1/rates/", headers=ah)).json()
    assert [s["key"] for s in listed["series"]] == ["es_late", "es_legal", "fr_legal", "pt_legal", "ecb"]
    fr = next(s for s in listed["series"] if s["key"] == "fr_legal")
    assert {"starts_on": "2026-01-01", "rate": "2.62", "source": "", "added": False} in fr["rates"]

    next_half = jurisdictions.half_year_start(jurisdictions.half_year_start(TODAY) + timedelta(days=190))
    count = await InterestRate.count()
    bad = [
        {"series": "fr_legal", "starts_on": next_half.replace(month=3).isoformat(), "rate": "3.00"},  # not a half-year's first day
        {"series": "fr_legal", "starts_on": next_half.isoformat(), "rate": "-1"},
        {"series": "fr_legal", "starts_on": next_half.isoformat(), "rate": "50.01"},
        {"series": "fr_legal", "starts_on": next_half.isoformat(), "rate": "1e400"},
        {"series": "fr_legal", "starts_on": "2026-01-01", "rate": "2.62"},  # the shipped table has it: entered twice
        {"series": "es_legal", "starts_on": f"{TODAY.year + 3}-01-01", "rate": "3.25"},  # beyond next year
        {"series": "nope", "starts_on": "2026-01-01", "rate": "1"},
    ]
    for body in bad:
        r = await c.post("/api/v1/rates/", json=body, headers=ah)
        assert r.status_code == 400, (body, r.text)
    assert await InterestRate.count() == count

    # France's legal rate for the next half-year, once (a second time is refused)
    r = await c.post("/api/v1/rates/", json={"series": "fr_legal", "starts_on": next_half.isoformat(), "rate": "2.50", "source": "JO test"},
                     headers=ah)
    assert r.status_code == 201, r.text
    assert jurisdictions.legal_interest_rate("FR", next_half, await published_rates()) == jurisdictions.Decimal("2.50")
    assert not jurisdictions.legal_rate_is_provisional("FR", next_half, await published_rates())
    again = await c.post("/api/v1/rates/", json={"series": "fr_legal", "starts_on": next_half.isoformat(), "rate": "2.40"}, headers=ah)
    assert again.status_code == 400

    # an ECB decision, and the rate confirmed still in force on the reference day (30 June: no later decision),
    # end the provisional French and Portuguese late-payment rates of the second half-year
    h2 = date(2026, 7, 1)
    if jurisdictions.rate_is_provisional("PT", h2, await published_rates()):
        for day in ("2026-06-11", "2026-06-30"):
            r = await c.post("/api/v1/rates/", json={"series": "ecb", "starts_on": day, "rate": "2.40", "source": "ECB test"}, headers=ah)
            assert r.status_code == 201, r.text
    added = await published_rates()
    assert not jurisdictions.rate_is_provisional("PT", h2, added)
    assert jurisdictions.late_payment_rate("PT", h2, added) == jurisdictions.Decimal("10.40")


async def test_only_admins_read_and_add_rates(make_client):
    c = await make_client()
    ch = await api_token(c, (await create_user("creditor", await create_org()))["email"])
    nh = await api_token(c, (await create_user("negotiator"))["email"])
    for h in (ch, nh):
        assert (await c.get("/api/v1/rates/", headers=h)).status_code == 403
        assert (await c.post("/api/v1/rates/", json={"series": "ecb", "starts_on": "2026-06-11", "rate": "2.40"}, headers=h)).status_code == 403


async def test_the_rates_page_adds_any_series(make_client):
    admin_client, _admin = await signed_in(make_client, "admin")
    page = await admin_client.get("/admin/rates")
    assert page.status_code == 200 and 'id="rates-fr_legal"' in page.text and 'id="rates-ecb"' in page.text
    r = await post_form(admin_client, "/admin/rates", {"series": "es_legal", "starts_on": f"{TODAY.year}-07-01", "rate": "3.25"})
    assert r.status_code == 400 and "1 de enero" in r.text


async def test_two_series_may_start_on_the_same_day(make_client):
    """Spain's late-payment and legal rates both start on 1 January: one rate per series and period, not per day."""
    c = await make_client()
    ah = await api_token(c, (await create_user("admin"))["email"])
    day = f"{TODAY.year + 1}-01-01"
    for series in ("es_late", "es_legal"):
        r = await c.post("/api/v1/rates/", json={"series": series, "starts_on": day, "rate": "3.50" if series == "es_legal" else "10.40"},
                         headers=ah)
        assert r.status_code in {201, 400}, r.text  # 400 only if an earlier run of this test on the same database added it
        if r.status_code == 400:
            assert "ya tiene" in r.json()["detail"] or "already" in r.json()["detail"]


def test_a_portuguese_rate_an_admin_adds_stays_in_force_and_a_skipped_period_is_provisional():
    from types import MappingProxyType

    pt = MappingProxyType({("PT:legal", date(2027, 1, 1)): jurisdictions.Decimal("5.00")})
    assert jurisdictions.legal_interest_rate("PT", date(2028, 1, 1), pt) == jurisdictions.Decimal("5.00")  # until another is added
    assert jurisdictions.legal_interest_rate("PT", date(2026, 1, 1), pt) == jurisdictions.Decimal("4.00")
    es = MappingProxyType({("ES:legal", date(2028, 1, 1)): jurisdictions.Decimal("3.50")})
    assert jurisdictions.legal_rate_is_provisional("ES", date(2027, 6, 1), es)  # 2027 was skipped: 2026's rate stands in
    assert not jurisdictions.legal_rate_is_provisional("ES", date(2028, 6, 1), es)
