"""Months by name in the reader's language (agency.i18n.format_month): the creditor's home charts them."""
from datetime import date

from agency.i18n import format_month, set_language


def test_months_in_spanish_and_english():
    set_language("es")
    assert [format_month(f"2026-{m:02d}") for m in (1, 5, 9, 12)] == ["ene", "may", "sept", "dic"]
    assert format_month("2026-12", "wide") == "diciembre" and format_month(date(2025, 3, 31), with_year=True) == "mar 2025"
    set_language("en")
    assert [format_month(f"2026-{m:02d}") for m in (1, 5, 9, 12)] == ["Jan", "May", "Sept", "Dec"]
    assert format_month("2026-12", "wide", with_year=True) == "December 2026"
    set_language("es")
