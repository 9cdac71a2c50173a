"""The agency's calendar day. Business dates (a payment received today, a promise from today on, interest
and deadlines counted to today) are days where the agency works, Madrid time as the pages show
times, not the server's UTC day: that is still yesterday from midnight to 1 a.m. in Madrid (2 a.m.
in summer), when a payment could not be dated today and a fee was booked the day before."""
from __future__ import annotations

from datetime import date, datetime, timezone

from agency.i18n import DISPLAY_TZ


def today() -> date:
    return datetime.now(timezone.utc).astimezone(DISPLAY_TZ).date()


def day_of(moment: datetime | date | str) -> date:
    """The agency's calendar day of a stored moment (a timestamp is kept in UTC: 23:30 UTC on 1 December
    is 2 December in Madrid). A date, or an ISO text as SQLite may hand back, is taken as it is."""
    if isinstance(moment, datetime):
        return moment.astimezone(DISPLAY_TZ).date() if moment.tzinfo else moment.date()
    if isinstance(moment, date):
        return moment
    return date.fromisoformat(str(moment)[:10])
