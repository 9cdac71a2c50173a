"""The rates table: the Spanish late-payment rates shipped with the code and those admins added, and adding one."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from agency.auth import CurrentUser
from agency.db import as_date
from cases.tables import InterestRate
from legal.rules.jurisdictions import ES_LATE_PAYMENT_HALF_YEARS


async def spanish_rates() -> dict[date, dict]:
    """Every half-year with its rate and where it comes from (an added rate says its source)."""
    added = await InterestRate.select().where(InterestRate.country == "ES").order_by(InterestRate.starts_on, ascending=False)
    table: dict[date, dict] = {day: {"rate": rate, "source": ""} for day, rate in ES_LATE_PAYMENT_HALF_YEARS.items()}
    table.update({as_date(r["starts_on"]): {"rate": Decimal(r["rate_bp"]) / 100, "source": r["source"], "added": True} for r in added})
    return table


async def add_rate(user: CurrentUser, starts_on: date, rate: Decimal, source: str) -> None:
    await InterestRate.insert(InterestRate(country="ES", starts_on=starts_on, rate_bp=int(rate * 100), source=source.strip()[:200],
                                           created_by=user.id))
