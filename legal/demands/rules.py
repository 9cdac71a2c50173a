"""What a delivery must be (pure): the day a demand reached the debtor, as its certificate says (a burofax's
acknowledgement of receipt, a registered letter's notice). It counts for limitation (Código Civil 1973), for a
consumer's default (art. 1100) and for the 30 days of the settlement attempt (LO 1/2025, from receipt)."""
from __future__ import annotations

from datetime import date

from agency.i18n import lazy_gettext as _l


def delivery_problem(sent_on: date, delivered_on: date, today: date):
    """Why ``delivered_on`` cannot be the delivery of something sent on ``sent_on`` (a lazy string), or None."""
    if delivered_on > today:
        return _l("The delivery date cannot be in the future.")
    if delivered_on < sent_on:
        return _l("The delivery date cannot be before the sending date (%(sent)s).", sent=sent_on.isoformat())
    return None
