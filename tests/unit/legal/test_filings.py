"""The checks that keep a court filing consistent: dates in order, no number before filing."""
from datetime import date

import pytest

from legal.court.rules import FilingError, check_filing

TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def english():
    from agency import i18n

    previous = i18n.get_language()
    i18n.set_language("en")
    yield
    i18n.set_language(previous)


@pytest.mark.parametrize("args, fragment", [
    (("appealed", None, "", None), "status"),
    (("filed", date(2026, 12, 2), "", None), "future"),
    (("filed", None, "", None), "filing date"),
    (("served", date(2026, 11, 20), "1/2026", None), "served"),
    (("prepared", None, "512/2026", None), "number"),
    (("served", date(2026, 11, 20), "1/2026", date(2026, 11, 19)), "after the filing"),
    (("served", date(2026, 11, 20), "1/2026", date(2026, 12, 2)), "future"),
])
def test_refusals_say_what_to_fix(args, fragment):
    with pytest.raises(FilingError, match=fragment):
        check_filing(*args, TODAY)


def test_a_consistent_filing_passes():
    check_filing("prepared", None, "", None, TODAY)
    check_filing("filed", date(2026, 11, 20), "512/2026", None, TODAY)
    check_filing("served", date(2026, 11, 20), "512/2026", date(2026, 11, 25), TODAY)
    check_filing("judgment", date(2026, 11, 20), "", date(2026, 11, 25), TODAY)
