"""Login throttling (pure): how long a sign-in must wait after failed attempts.

Counted from the stored attempts, so it holds across app processes. Three limits:

- one address and one email: five failures within 15 minutes lock that email *from that address* for 15 minutes
  from the last failure; a success from that address clears its count. A stranger guessing from elsewhere cannot
  lock the owner out.
- one email, from any address: fifty failures within an hour (guessing spread over many addresses) hold that email
  until enough of them are an hour old; an address that signed in to it within that hour is not held by this limit
  (the owner, already in), only by its own.
- one address, any email: thirty failures within 15 minutes lock that address the same way as the first, successes
  not counting (a guard against trying many emails).

A failure is whatever the caller records as one: a wrong password, a wrong second-factor code."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
MAX_FAILURES_FROM_ONE_ADDRESS = 5  # per email and address, within WINDOW
EMAIL_WINDOW = timedelta(hours=1)
MAX_FAILURES_PER_EMAIL = 50  # per email from all addresses, within EMAIL_WINDOW
MAX_FAILURES_PER_IP = 30  # per address over all emails, within WINDOW


@dataclass(frozen=True)
class Attempt:
    at: datetime
    succeeded: bool
    ip: str = ""


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


def _wait_spread(attempts: list[Attempt], ip: str, now: datetime) -> timedelta | None:
    """The slower limit per email: until the failures of the last hour are fewer than the limit again."""
    recent = [a for a in attempts if now - a.at < EMAIL_WINDOW]
    if any(a.succeeded and a.ip == ip for a in recent):
        return None
    failures = sorted(a.at for a in recent if not a.succeeded)
    if len(failures) < MAX_FAILURES_PER_EMAIL:
        return None
    remaining = failures[len(failures) - MAX_FAILURES_PER_EMAIL] + EMAIL_WINDOW - now
    return remaining if remaining > timedelta(0) else None


def wait_before_login(by_email: list[Attempt], by_ip: list[Attempt], now: datetime, ip: str = "") -> timedelta | None:
    """None when a sign-in to an email may be tried now from address ``ip``, else how long to wait.

    ``by_email``: that email's attempts of the last EMAIL_WINDOW, each with its address; ``by_ip``: the failures of
    the last WINDOW from ``ip``, whatever the email."""
    waits = [w for w in (
        _wait([a for a in by_email if a.ip == ip], now, MAX_FAILURES_FROM_ONE_ADDRESS, reset_on_success=True),
        _wait_spread(by_email, ip, now),
        _wait(by_ip, now, MAX_FAILURES_PER_IP, reset_on_success=False),
    ) if w]
    return max(waits) if waits else None
