"""Court filings (pure): the statuses a claim goes through, the deadline its service starts, and the
checks that keep a filing's dates and number consistent (legal.court.service records them)."""
from __future__ import annotations

from datetime import date

from agency.i18n import gettext as _
from agency.i18n import lazy_gettext as _l


class FilingError(ValueError):
    """What to fix in a filing, in the reader's language."""


STATUSES = ("prepared", "filed", "admitted", "served", "opposed", "decree", "hearing_set", "judgment", "enforcement", "closed",
            "no_answer", "paid")  # the last two only through a step (legal.court.steps)
STATUS_LABELS = {
    "prepared": _l("prepared"), "filed": _l("filed"), "admitted": _l("admitted"), "served": _l("served on the debtor"),
    "opposed": _l("opposed"), "decree": _l("decree"), "hearing_set": _l("hearing set"), "judgment": _l("judgment"),
    "enforcement": _l("enforcement"), "closed": _l("closed"), "no_answer": _l("no answer from the debtor"), "paid": _l("paid"),
}
# The deadline that service on the debtor starts, per procedure (legal.rules.deadlines has the days and sources).
ON_SERVICE = {"monitorio": "monitorio_answer", "european_order_for_payment": "eop_opposition", "verbal": "verbal_answer",
              "ordinario": "ordinario_answer", "injonction_de_payer": "injonction_opposition"}


def check_filing(status: str, filed_on: date | None, court_case_number: str, served_on: date | None, today: date) -> None:
    """The filing's facts hang together; FilingError says what to fix."""
    if status not in STATUSES:
        raise FilingError(_("The status is one of: %(values)s.", values=", ".join(STATUSES)))
    if filed_on and filed_on > today:
        raise FilingError(_("The filing date cannot be in the future."))
    if status != "prepared" and filed_on is None:
        raise FilingError(_("Give the filing date: a filing past “prepared” has been filed."))
    if status == "served" and served_on is None:
        raise FilingError(_("Give the date the claim was served on the debtor: their time to answer runs from it."))
    if court_case_number and filed_on is None:
        raise FilingError(_("A court case number belongs to a filing already filed: give the filing date first."))
    if served_on and (filed_on is None or served_on < filed_on):
        raise FilingError(_("Service on the debtor comes after the filing date."))
    if served_on and served_on > today:
        raise FilingError(_("The service date cannot be in the future."))
