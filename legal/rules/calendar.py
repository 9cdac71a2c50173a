"""Calendars (pure): national holidays per country, used for the debtor-contact window and for
procedural business days (legal/deadlines.py adds LEC 130.2's August and 24 December-6 January).

The dates come from the ``holidays`` library, asked without a subdivision and with
``observed=False``:

- Without a subdivision, ``holidays.country_holidays("ES")`` lists only the holidays common to every
  autonomous community (1 and 6 January, Good Friday, 1 May, 15 August, 12 October, 1 November,
  6 and 8 December, 25 December): no regional day (Jueves Santo, 19 March, a community's own day)
  and no local one. Regional and local holidays also close the courts (LEC 130.2) but are not known
  here: a lawyer checks the court's own calendar.
- With the library's default ``observed=True`` a Spanish national holiday that falls on a Sunday is
  left out altogether, because each community decides whether to move it to the Monday. With
  ``observed=False`` each holiday stays on its own date, and no Monday substitute is added (those
  are regional decisions).
- The library's Spanish data start in 2008; earlier years use the national list above (and Good
  Friday), computed here.

France and Portugal are the library's national lists (no Alsace-Moselle days, no Portuguese
municipal holidays). Any other country the library knows works the same; unknown ones have none."""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


def easter_sunday(year: int) -> date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return date(year, month, day)


# Spain's national holidays (fixed dates) plus Good Friday, for the years before the library's data.
_ES_FIXED = ((1, 1), (1, 6), (5, 1), (8, 15), (10, 12), (11, 1), (12, 6), (12, 8), (12, 25))


_SUPPORTED = frozenset(holidays.list_supported_countries())


@lru_cache(maxsize=256)
def national_holidays(year: int, country: str = "ES") -> frozenset[date]:
    country = country.upper()
    if country not in _SUPPORTED:  # a country the library does not know: no national holidays to skip
        return frozenset()
    calendar = holidays.country_holidays(country, years=year, observed=False)
    if country == "ES" and year < calendar.start_year:
        return frozenset({date(year, m, d) for m, d in _ES_FIXED} | {easter_sunday(year) - timedelta(days=2)})
    return frozenset(calendar)


def is_holiday(day: date, country: str = "ES") -> bool:
    return day in national_holidays(day.year, country)
