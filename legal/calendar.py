"""Calendars (pure): national holidays per country, used for the debtor-contact window now and for
procedural business days later (LEC 130.2 takes August out as well, in legal/deadlines.py)."""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


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


_FIXED = {
    # Spain: the national holidays common to every region (regional and local ones vary).
    "ES": [(1, 1), (1, 6), (5, 1), (8, 15), (10, 12), (11, 1), (12, 6), (12, 8), (12, 25)],
    "FR": [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)],
    "PT": [(1, 1), (4, 25), (5, 1), (6, 10), (8, 15), (10, 5), (11, 1), (12, 1), (12, 8), (12, 25)],
}


@lru_cache(maxsize=64)
def national_holidays(year: int, country: str = "ES") -> frozenset[date]:
    days = {date(year, m, d) for m, d in _FIXED.get(country, [])}
    easter = easter_sunday(year)
    if country == "ES":
        days.add(easter - timedelta(days=2))  # Viernes Santo
    elif country == "FR":
        days |= {easter + timedelta(days=1), easter + timedelta(days=39), easter + timedelta(days=50)}
    elif country == "PT":
        days |= {easter - timedelta(days=2), easter, easter + timedelta(days=60)}
    return frozenset(days)


def is_holiday(day: date, country: str = "ES") -> bool:
    return day in national_holidays(day.year, country)
