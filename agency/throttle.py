"""Login throttling (pure): how long an email or an address must wait after failed attempts.

Counted from the stored attempts, so it holds across app processes. Five failures for one email
within 15 minutes lock that email for 15 minutes from the last failure; a success clears the count.
Thirty failures from one address within 15 minutes lock that address the same way, successes
not counting (a guard against trying many emails)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 30


@dataclass(frozen=True)
class Attempt:
    at: datetime
    succeeded: bool


def _wait(attempts: list[Attempt], now: datetime, limit: int, reset_on_success: bool) -> timedelta | None:
    recent = sorted((a for a in attempts if now - a.at < WINDOW), key=lambda a: a.at)
    failures: list[datetime] = []
    for attempt in recent:
        if attempt.succeeded:
            if reset_on_success:
                failures.clear()
        else:
            failures.append(attempt.at)
    if len(failures) < limit:
        return None
    remaining = failures[-1] + WINDOW - now
    return remaining if remaining > timedelta(0) else None


def wait_before_login(by_email: list[Attempt], by_ip: list[Attempt], now: datetime) -> timedelta | None:
    """None when a login may be tried now, else how long to wait."""
    waits = [w for w in (
        _wait(by_email, now, MAX_FAILURES_PER_EMAIL, reset_on_success=True),
        _wait(by_ip, now, MAX_FAILURES_PER_IP, reset_on_success=False),
    ) if w]
    return max(waits) if waits else None
