"""The case list's file and bulk requests as plain values (cases.lists.rules)."""
from datetime import date, datetime, timezone
from decimal import Decimal

from cases.lists.rules import BULK_MAX, as_text, bulk_problems, cell_safe, export_row, headings, unique


def test_a_formula_stays_text_and_a_number_a_number():
    assert cell_safe("=SUM(A1)") == "'=SUM(A1)" and cell_safe("@cmd") == "'@cmd" and cell_safe("+34 600") == "'+34 600"
    assert cell_safe("Talleres") == "Talleres" and cell_safe(Decimal("-12.00")) == Decimal("-12.00")
    assert as_text(cell_safe(Decimal("-12.5"))) == "-12.50" and as_text(None) == "" and as_text(date(2026, 1, 2)) == "2026-01-02"


def test_a_case_as_its_row():
    case = {"reference": "EXP-2026-000001", "creditor_reference": None, "debtor_name": "Norte", "debtor_tax_id": "B1",
            "creditor_name": "Acreedor", "stage": "closed", "outcome": "paid", "currency": "EUR", "negotiator_name": None,
            "next_action_at": "2026-03-01 09:00:00+00:00", "created_at": datetime(2026, 1, 1, 10, tzinfo=timezone.utc),
            "closed_at": None, "limitation_date": date(2031, 1, 1)}
    row = export_row(case, 130050)
    assert len(row) == len(headings())
    assert row[:5] == ["EXP-2026-000001", "", "Norte", "B1", "Acreedor"] and row[7] == Decimal("1300.50")
    assert row[9] == date(2026, 3, 1) and row[11] == date(2026, 1, 1) and row[12] is None


def test_a_bulk_request_is_checked_as_a_whole():
    assert bulk_problems([1, 2], "move", "amicable", "", "") == {}
    assert set(bulk_problems([], "move", "amicable", "", "")) == {"ids"}
    assert set(bulk_problems(list(range(1, BULK_MAX + 2)), "note", "", "x", "")) == {"ids"}
    assert set(bulk_problems([True], "note", "", "x", "")) == {"ids"}
    assert set(bulk_problems([2**31], "note", "", "x", "")) == {"ids"}
    assert set(bulk_problems([1], "move", "limbo", "", "")) == {"to"}
    assert set(bulk_problems([1], "note", "", " ", "")) == {"text"}
    assert set(bulk_problems([1], "message", "", "", "")) == {"template"}
    assert set(bulk_problems([1], "erase", "", "", "")) == {"action"}
    assert unique([3, 1, 3, 2, 1]) == (3, 1, 2)


def test_an_exported_lists_file_is_named_in_the_readers_language():
    from datetime import date

    from agency import i18n
    from cases.lists.service import export_name
    from cases.queries import CaseFilter

    previous = i18n.get_language()
    try:
        i18n.set_language("en")
        assert export_name(CaseFilter(), "csv", date(2026, 12, 7)) == "cases-all-2026-12-07.csv"
        assert export_name(CaseFilter(stage="court"), "xlsx", date(2026, 12, 7)) == "cases-court-2026-12-07.xlsx"
        i18n.set_language("es")
        assert export_name(CaseFilter(), "csv", date(2026, 12, 7)) == "casos-todos-2026-12-07.csv"
    finally:
        i18n.set_language(previous)
