"""The statutory rates an admin adds as they are published (pure): which series there are, what period each rate
covers, and what a new rate must be: the first day of its period (a half-year, a year, or the day an ECB decision
takes effect), after the shipped table starts and not beyond the next period, a yearly rate from 0 to 50 % with at
most two decimals, and one rate per period (rates are never edited, so that past figures stay explainable)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from agency.i18n import format_day
from agency.i18n import gettext as _
from agency.i18n import lazy_gettext as _l
from legal.rules.jurisdictions import (
    ECB_MAIN_REFINANCING,
    ES_LATE_PAYMENT_HALF_YEARS,
    ES_LEGAL_INTEREST,
    FR_LEGAL_INTEREST_HALF_YEARS,
    PT_LEGAL_INTEREST,
    PT_LEGAL_INTEREST_FIRST_YEAR,
    half_year_start,
)

MAX_RATE = Decimal("50")


@dataclass(frozen=True)
class Series:
    key: str  # the form's value
    kind: str  # late_payment | legal | ecb (the table's kind)
    country: str  # "EU" for the ECB
    period: str  # half_year | year | decision
    label: object  # lazy string
    source_hint: object
    shipped: Mapping[date, Decimal]


SERIES = {s.key: s for s in (
    Series("es_late", "late_payment", "ES", "half_year", _l("Spain: late payment between businesses (Ley 3/2004, per half-year)"),
           _l("the BOE resolution"), ES_LATE_PAYMENT_HALF_YEARS),
    Series("es_legal", "legal", "ES", "year", _l("Spain: legal interest (consumers; budget law, per year)"), _l("the budget law"),
           {date(year, 1, 1): rate for year, rate in ES_LEGAL_INTEREST.items()}),
    Series("fr_legal", "legal", "FR", "half_year", _l("France: taux de l'intérêt légal (per half-year)"), _l("the arrêté in the JO"),
           FR_LEGAL_INTEREST_HALF_YEARS),
    Series("pt_legal", "legal", "PT", "year", _l("Portugal: juros civis (per year)"), _l("the portaria"),
           {date(PT_LEGAL_INTEREST_FIRST_YEAR, 1, 1): PT_LEGAL_INTEREST}),
    Series("ecb", "ecb", "EU", "decision", _l("ECB main refinancing rate (France +10 and Portugal +8 points; Spain's BOE rate)"),
           _l("the ECB's press release"), ECB_MAIN_REFINANCING),
)}


def next_period_start(series: Series, today: date) -> date:
    """The latest first day a rate may be added for now: the next period (published ahead) or, for the ECB, a
    decision announced up to two months before it takes effect."""
    if series.period == "half_year":
        return half_year_start(half_year_start(today) + timedelta(days=190))
    if series.period == "year":
        return date(today.year + 1, 1, 1)
    return today + timedelta(days=60)


def new_rate_problems(series_key: str, raw_starts_on: str, raw_rate: str, today: date,
                      known: Mapping[date, Decimal]) -> tuple[dict[str, str], date | None, Decimal | None]:
    """(errors by field, the first day, the rate). ``known``: every first day the series has a rate for already
    (shipped or added)."""
    errors: dict[str, str] = {}
    series = SERIES.get(series_key)
    if series is None:
        return {"series": _("Choose which rate it is.")}, None, None
    starts_on = rate = None
    try:
        starts_on = date.fromisoformat(str(raw_starts_on or "").strip())
        if series.period == "half_year" and (starts_on.month, starts_on.day) not in {(1, 1), (7, 1)}:
            errors["starts_on"] = _("A half-year starts on 1 January or 1 July.")
        elif series.period == "year" and (starts_on.month, starts_on.day) != (1, 1):
            errors["starts_on"] = _("A year's rate starts on 1 January.")
    except ValueError:
        errors["starts_on"] = _("A date like 2027-01-01.")
    try:
        rate = Decimal(str(raw_rate or "").strip().replace(",", "."))
        if not rate.is_finite() or not Decimal("0") <= rate <= MAX_RATE or rate != rate.quantize(Decimal("0.01")):
            errors["rate"] = _("A yearly rate from 0 to 50 per cent, at most two decimals (10.15).")
    except InvalidOperation:
        errors["rate"] = _("A yearly rate in per cent, like 10.15.")
    if not errors and starts_on in known:
        errors["starts_on"] = _("That period already has a rate: rates are not edited, so that past figures stay explainable.")
    elif not errors and not (min(known) < starts_on <= next_period_start(series, today)):
        errors["starts_on"] = _("Add the periods after the shipped table, up to the next one: from %(first)s to %(last)s.") % {
            "first": format_day(min(known)), "last": format_day(next_period_start(series, today))}
    return errors, starts_on, rate
