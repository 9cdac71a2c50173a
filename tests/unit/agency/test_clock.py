"""agency.clock: business dates are the agency's calendar days (Madrid), not the server's UTC ones."""
from datetime import date, datetime, timedelta, timezone

from agency import clock


def test_a_stored_moment_falls_on_the_agencys_day():
    assert clock.day_of(datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc)) == date(2026, 12, 2)  # 00:30 in Madrid
    assert clock.day_of(datetime(2026, 7, 1, 22, 30, tzinfo=timezone.utc)) == date(2026, 7, 2)  # summer: 00:30 too
    assert clock.day_of(datetime(2026, 12, 1, 22, 59, tzinfo=timezone.utc)) == date(2026, 12, 1)
    assert clock.day_of(date(2026, 12, 1)) == date(2026, 12, 1) and clock.day_of("2026-12-01 23:30:00") == date(2026, 12, 1)


def test_today_is_madrids_day():
    now = datetime.now(timezone.utc)
    assert clock.today() in {clock.day_of(now), clock.day_of(now + timedelta(seconds=5))}
    assert clock.today() - now.date() in (timedelta(0), timedelta(days=1))  # never behind the UTC day
