"""What a rate an admin adds must be (pure): a half-year's first day after the shipped table and up to the next
half-year, a yearly rate from 0 to 50 % with at most two decimals, and one rate per half-year (rates are never
edited, so that past figures stay explainable)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from agency.i18n import gettext as _
from legal.rules.jurisdictions import half_year_start


def new_rate_problems(raw_starts_on: str, raw_rate: str, today: date, known: Mapping[date, Decimal]) -> tuple[dict[str, str], date | None, Decimal | None]:
    """(errors by field, the half-year, the rate). ``known``: every half-year that has a rate already (shipped or added)."""
    errors: dict[str, str] = {}
    starts_on = rate = None
    try:
        starts_on = date.fromisoformat(str(raw_starts_on or "").strip())
        if (starts_on.month, starts_on.day) not in {(1, 1), (7, 1)}:
            errors["starts_on"] = _("A half-year starts on 1 January or 1 July.")
    except ValueError:
        errors["starts_on"] = _("A date like 2027-01-01.")
    try:
        rate = Decimal(str(raw_rate or "").strip().replace(",", "."))
        if not rate.is_finite() or not Decimal("0") <= rate <= Decimal("50") or rate != rate.quantize(Decimal("0.01")):
            errors["rate"] = _("A yearly rate from 0 to 50 per cent, at most two decimals (10.15).")
    except InvalidOperation:
        errors["rate"] = _("A yearly rate in per cent, like 10.15.")
    if not errors and starts_on in known:
        errors["starts_on"] = _("That half-year already has a rate: rates are not edited, so that past figures stay explainable.")
    elif not errors and not (min(known) < starts_on <= half_year_start(today) + timedelta(days=190)):
        errors["starts_on"] = _("Add the half-years after the shipped table, up to the next one.")
    return errors, starts_on, rate
