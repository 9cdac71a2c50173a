"""Limitation (pure): the day a debt prescribes, from when payment could be demanded, its
interruptions and suspensions. Years from JURISDICTIONS[country].limitation_years, what interrupts
from LIMITATION_INTERRUPTED_BY, the warning lead time from LIMITATION_WARNING_DAYS.

Spain: Código Civil 1964.2 (5 years from when payment could be demanded); art. 1973: a court claim,
an out-of-court demand (a burofax: ``certified_demand``) or the debtor's acknowledgement interrupts,
and the whole period starts again from that day; Ley 5/2012 art. 4: a mediation request suspends the
period from the mediator's receipt until the agreement or the closing record.

How it is walked
- Years are counted date to date (Código Civil art. 5); from 29 February, to 28 February.
- The period ends at the end of its last day: an act on that day is still in time.
- Events are taken in date order. An event after the period has run out revives nothing: the debt
  is prescribed and later events are ignored (and said so).
- An interruption restarts the full period from its day. A court claim in fact keeps the period
  interrupted while the proceedings last; restarting at the filing is the earlier, cautious date.
- A suspension adds its length in days (end minus start) to the running period; only the part
  after the current period began counts, and overlapping suspensions count once. A suspension with
  no end stops the clock: no date until it ends.
- An interruption the country's law does not recognise (a demand letter in France or Portugal) is
  ignored, and said so."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from babel.support import LazyProxy

from agency.i18n import format_day
from agency.i18n import lazy_gettext as _l
from legal.rules.jurisdictions import JURISDICTIONS, LIMITATION_INTERRUPTED_BY, LIMITATION_WARNING_DAYS

INTERRUPTION_KINDS = ("certified_demand", "acknowledgement", "court_claim")
# The article by which the debtor's acknowledgement interrupts limitation, per country (printed in acknowledgements).
ACKNOWLEDGEMENT_ARTICLES = {"ES": "Código Civil, art. 1973", "FR": "Code civil, art. 2240", "PT": "Código Civil, art. 325.º"}
_KIND_LABELS = {
    "certified_demand": _l("certified demand"),
    "acknowledgement": _l("debtor's acknowledgement"),
    "court_claim": _l("court claim"),
}


@dataclass(frozen=True)
class Interruption:
    on: date
    kind: str  # "certified_demand" | "acknowledgement" | "court_claim"


@dataclass(frozen=True)
class Suspension:
    start: date
    end: date | None = None  # None: still running


@dataclass(frozen=True)
class Limitation:
    date: date | None  # the last day to act; None while a suspension is still running (the clock is stopped)
    starts_on: date  # when the current period began (demandable day or the last interruption)
    suspended: bool
    prescribed: bool  # the date has passed (as of `today`)
    warn: bool  # within LIMITATION_WARNING_DAYS of the date, or prescribed
    days_left: int | None  # negative once prescribed
    basis: object  # lazy string


def add_years(day: date, years: int) -> date:
    """Same day and month ``years`` later; 29 February becomes 28 February in a common year."""
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def _day(value: date) -> LazyProxy:
    return LazyProxy(format_day, value, enable_cache=False)


def _suspended_days(since: date, suspensions: list[Suspension]) -> int:
    """Days of the closed suspensions after ``since``, overlaps counted once."""
    spans = sorted((max(s.start, since), s.end) for s in suspensions if s.end is not None and s.end > since)
    total, reached = 0, since
    for start, end in spans:
        start = max(start, reached)
        if end > start:
            total += (end - start).days
            reached = end
    return total


def _end(start: date, years: int, suspensions: list[Suspension]) -> date | None:
    if any(s.end is None for s in suspensions):
        return None
    return add_years(start, years) + timedelta(days=_suspended_days(start, suspensions))


def limitation(demandable_on: date, country: str, interruptions: list[Interruption],
               suspensions: list[Suspension], today: date, consumer: bool = False) -> Limitation:
    """``consumer``: the debtor is a person (the self-employed are filed as companies); in France a
    professional's claim on a consumer prescribes in 2 years (Code de la consommation L218-2); in Portugal a
    merchant's claim on a non-merchant in 2 years (Código Civil 317 b), a presumption of payment that the
    debtor's written acknowledgement rebuts (art. 313), and every other claim in 20 (art. 309)."""
    country = country.upper()
    rules = JURISDICTIONS[country]
    shorter = consumer and rules.consumer_limitation_years is not None
    confessed = shorter and rules.consumer_limitation_presumptive and any(i.kind == "acknowledgement" for i in interruptions)
    if confessed:  # Portugal: the debtor's written confession rebuts the presumption of payment (Código Civil 313)
        shorter = False
    years = rules.consumer_limitation_years if shorter else rules.limitation_years
    interrupting = LIMITATION_INTERRUPTED_BY.get(country, frozenset(INTERRUPTION_KINDS))
    for i in interruptions:
        if i.kind not in INTERRUPTION_KINDS:
            raise ValueError(f"unknown interruption kind {i.kind!r}")
    for s in suspensions:
        if s.end is not None and s.end < s.start:
            raise ValueError("a suspension cannot end before it starts")

    events = sorted([(i.on, 0, i) for i in interruptions] + [(s.start, 1, s) for s in suspensions], key=lambda e: e[:2])
    start, cause = demandable_on, None
    accepted: list[Suspension] = []
    notes = [_l("A consumer debt: %(years)s years (%(source)s).", years=years, source=rules.consumer_limitation_source)] if shorter else []
    if confessed:
        notes.append(_l("The debtor acknowledged the debt in writing, which rebuts the presumption of payment of %(source)s "
                        "(Código Civil art. 313): the ordinary %(years)s years apply.", source=rules.consumer_limitation_source, years=years))
    elif rules.limitation_source and not shorter:
        notes.append(_l("The ordinary period: %(years)s years (%(source)s).", years=years, source=rules.limitation_source))
    for day, _, event in events:
        end = _end(start, years, accepted)
        if end is not None and day > end:
            notes.append(_l("Events from %(day)s on came after the period had run out and do not revive the debt.", day=_day(day)))
            break
        if isinstance(event, Suspension):
            accepted.append(event)
        elif event.kind not in interrupting:
            notes.append(_l("The %(event)s of %(day)s does not interrupt limitation under the law of %(country)s.",
                            event=_KIND_LABELS[event.kind], day=_day(day), country=country))
        elif day > start:
            start, cause = day, event

    ends_on = _end(start, years, accepted)
    parts = [_l("%(years)s years from %(day)s, when payment could be demanded.", years=years, day=_day(start)) if cause is None
             else _l("%(years)s years from the %(event)s of %(day)s.", years=years, event=_KIND_LABELS[cause.kind], day=_day(start))]
    if ends_on is None:
        running = max(s.start for s in accepted if s.end is None)
        parts.append(_l("A mediation requested on %(day)s suspends the period until the agreement or the closing record (Ley 5/2012 art. 4).", day=_day(running)))
        return Limitation(None, start, True, False, False, None, _join(parts + notes))
    extra = _suspended_days(start, accepted)
    if extra:
        parts.append(_l("Extended by %(days)s days of suspension by mediation (Ley 5/2012 art. 4).", days=extra))
    left = (ends_on - today).days
    suspended = any(s.start <= today < s.end for s in accepted)
    return Limitation(ends_on, start, suspended, left < 0, left <= LIMITATION_WARNING_DAYS, left, _join(parts + notes))


def _join(parts: list) -> LazyProxy:
    return LazyProxy(lambda: " ".join(str(part) for part in parts), enable_cache=False)


def time_barred(invoices: list[tuple[str, date]], country: str, consumer: bool, today: date) -> list[tuple[str, date]]:
    """The invoices (number, due date) whose period has run out by ``today`` counted from their due dates
    with nothing interrupting it (all a claim's review knows), each with the day it ran out."""
    found = []
    for number, due in invoices:
        reckoned = limitation(due, country, [], [], today, consumer)
        if reckoned.prescribed:
            found.append((number, reckoned.date))
    return found
