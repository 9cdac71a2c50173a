"""The jurisdiction table (pure data): every legal number the product applies, with where it comes
from, in ONE place (LEGAL.md). Items marked unconfirmed are data an admin can correct, not truths
baked into logic. Rules in any package may read this module; it reads nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# ECB main refinancing operations rate, by the date each change took effect (derived from the ECB's
# published decisions; check against the BOE/JO resolutions before calling a figure confirmed).
ECB_MAIN_REFINANCING = {
    date(2016, 3, 16): Decimal("0.00"),
    date(2022, 7, 27): Decimal("0.50"),
    date(2022, 9, 14): Decimal("1.25"),
    date(2022, 11, 2): Decimal("2.00"),
    date(2022, 12, 21): Decimal("2.50"),
    date(2023, 2, 8): Decimal("3.00"),
    date(2023, 3, 22): Decimal("3.50"),
    date(2023, 5, 10): Decimal("3.75"),
    date(2023, 6, 21): Decimal("4.00"),
    date(2023, 8, 2): Decimal("4.25"),
    date(2023, 9, 20): Decimal("4.50"),
    date(2024, 6, 12): Decimal("4.25"),
    date(2024, 9, 18): Decimal("3.65"),
    date(2024, 10, 23): Decimal("3.40"),
    date(2024, 12, 18): Decimal("3.15"),
    date(2025, 2, 5): Decimal("2.90"),
    date(2025, 3, 12): Decimal("2.65"),
    date(2025, 4, 23): Decimal("2.40"),
    date(2025, 6, 11): Decimal("2.15"),
}

# Spain, Ley 3/2004 art. 7 (as amended by Ley 11/2013): ECB rate + 8 points, fixed per half-year and
# published by the Treasury in the BOE. LEGAL.md's figures, derived from the ECB rate.
ES_LATE_PAYMENT_HALF_YEARS = {
    # ECB rate 0.00 from 16 March 2016 to 27 July 2022: 8.00 for every half-year in between.
    **{date(year, month, 1): Decimal("8.00") for year in range(2016, 2023) for month in (1, 7) if date(2016, 7, 1) <= date(year, month, 1) <= date(2022, 1, 1)},
    date(2022, 7, 1): Decimal("8.00"),
    date(2023, 1, 1): Decimal("10.50"),
    date(2023, 7, 1): Decimal("12.00"),
    date(2024, 1, 1): Decimal("12.50"),
    date(2024, 7, 1): Decimal("12.25"),
    date(2025, 1, 1): Decimal("11.15"),
    date(2025, 7, 1): Decimal("10.15"),
    date(2026, 1, 1): Decimal("10.15"),
}

# Spain, interés legal del dinero (budget law, per year). 2016-2020 from a secondary source; 2023-2025 unconfirmed.
ES_LEGAL_INTEREST = {
    2016: Decimal("3.00"), 2017: Decimal("3.00"), 2018: Decimal("3.00"), 2019: Decimal("3.00"), 2020: Decimal("3.00"),
    2021: Decimal("3.00"), 2022: Decimal("3.00"), 2023: Decimal("3.25"), 2024: Decimal("3.25"), 2025: Decimal("3.25"),
    2026: Decimal("3.25"),
}


@dataclass(frozen=True)
class Jurisdiction:
    country: str
    ecb_margin: Decimal  # points over the ECB rate for late payment between businesses
    compensation_per_invoice: Decimal  # fixed recovery costs per late invoice, business debtors
    limitation_years: int
    max_payment_term_days: int


JURISDICTIONS = {
    # Ley 3/2004 (+8 points, 40 EUR art. 8 unconfirmed), Código Civil 1964.2 (5 years), 60 days between businesses.
    "ES": Jurisdiction("ES", Decimal("8"), Decimal("40.00"), 5, 60),
    # Code de commerce L441-10 (+10 points), D441-5 (40 EUR), L110-4 (5 years), 60 days.
    "FR": Jurisdiction("FR", Decimal("10"), Decimal("40.00"), 5, 60),
    # DL 62/2013 (+8 points, at least 40 EUR), 60 days; limitation taken as 5 years (unconfirmed).
    "PT": Jurisdiction("PT", Decimal("8"), Decimal("40.00"), 5, 60),
}

# Credit-bureau files (LOPDGDD art. 20 and additional provision 6).
BUREAU_MIN_PRINCIPAL = Decimal("50.00")
BUREAU_MAX_YEARS = 5


def half_year_start(day: date) -> date:
    return date(day.year, 1, 1) if day.month < 7 else date(day.year, 7, 1)


def ecb_rate_on(day: date) -> Decimal:
    rate = None
    for since, value in sorted(ECB_MAIN_REFINANCING.items()):
        if since <= day:
            rate = value
    if rate is None:
        raise LookupError(f"no ECB rate known for {day}")
    return rate


# Rates admins entered (legal.tables.InterestRate), laid over the shipped table by cases.ledger_service
# before each computation: {(country, half-year start): rate}.
_ADDED: dict[tuple[str, date], Decimal] = {}


def use_added_rates(rates: dict[tuple[str, date], Decimal]) -> None:
    global _ADDED
    _ADDED = dict(rates)


def _es_table() -> dict[date, Decimal]:
    return {**ES_LATE_PAYMENT_HALF_YEARS, **{day: rate for (country, day), rate in _ADDED.items() if country == "ES"}}


class MissingRate(LookupError):
    """A half-year before the table's first entry: never a silent zero."""


def late_payment_rate(country: str, half_year: date) -> Decimal:
    """The yearly rate (in %) for the half-year starting on ``half_year``. Spain: the BOE table (and
    the rates admins add); a half-year after its last entry takes the latest known rate and is
    provisional (rate_is_provisional). France: the ECB rate on 1 January or 1 July, + 10;
    Portugal: the same reference + 8."""
    if country == "ES":
        table = _es_table()
        if half_year in table:
            return table[half_year]
        if half_year < min(table):
            raise MissingRate(f"No Spanish late-payment rate for the half-year starting {half_year.isoformat()}: "
                              "an admin must add it to the rates table.")
        return table[max(day for day in table if day < half_year)]
    # The rate in force before the half-year starts (a decision effective on 1 July would not count).
    reference = ecb_rate_on(date.fromordinal(half_year.toordinal() - 1))
    return reference + JURISDICTIONS[country].ecb_margin


def rate_is_provisional(country: str, half_year: date) -> bool:
    """True when the half-year's rate is not in the table yet (the latest known one stands in)."""
    return country == "ES" and half_year not in _es_table() and half_year > min(_es_table())


def legal_interest_rate(country: str, year: int) -> Decimal:
    if country != "ES" or year not in ES_LEGAL_INTEREST:
        raise LookupError(f"no legal interest rate for {country} {year}")
    return ES_LEGAL_INTEREST[year]
