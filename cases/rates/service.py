"""The rates tables: what ships with the code (legal.rules.jurisdictions) and what admins added, per series, and
adding one (an ``InterestRate`` row, never edited). The ledger reads the added ones (cases.billing.balances)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from litestar.exceptions import ClientException

from agency import clock
from agency.auth import CurrentUser
from agency.db import as_date, is_unique_violation
from agency.i18n import gettext as _
from cases.billing.balances import published_rates
from cases.rates.rules import SERIES, Series
from cases.tables import InterestRate
from legal.rules.jurisdictions import half_year_start, legal_rate_is_provisional, rate_is_provisional


async def series_table(series: Series) -> dict[date, dict]:
    """Every period of a series with its rate and where it comes from (an added rate says its source)."""
    added = await InterestRate.select().where((InterestRate.kind == series.kind) & (InterestRate.country == series.country)).order_by(
        InterestRate.starts_on, ascending=False)
    table: dict[date, dict] = {day: {"rate": rate, "source": "", "added": False} for day, rate in series.shipped.items()}
    table.update({as_date(r["starts_on"]): {"rate": Decimal(r["rate_bp"]) / 100, "source": r["source"], "added": True} for r in added})
    return table


async def all_tables() -> dict[str, dict[date, dict]]:
    return {key: await series_table(series) for key, series in SERIES.items()}


async def add_rate(user: CurrentUser, series: Series, starts_on: date, rate: Decimal, source: str) -> None:
    """One rate per series and period (a unique index): two admins adding the same one at once get a 400, not a 500."""
    try:
        await InterestRate.insert(InterestRate(kind=series.kind, country=series.country, starts_on=starts_on, rate_bp=int(rate * 100),
                                               source=source.strip()[:200], created_by=user.id))
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        raise ClientException(detail=_("That period already has a rate: rates are not edited, so that past figures stay explainable.")) from None


async def provisional_now() -> list[str]:
    """The series whose rate for today's period is not published yet (figures using it say "provisional")."""
    today, added = clock.today(), await published_rates()
    found = []
    if rate_is_provisional("ES", half_year_start(today), added):
        found.append("es_late")
    if rate_is_provisional("FR", half_year_start(today), added):
        found.append("ecb")
    for key, country in (("es_legal", "ES"), ("fr_legal", "FR")):
        if legal_rate_is_provisional(country, today, added):
            found.append(key)
    return found
