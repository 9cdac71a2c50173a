"""Credit-bureau rules on both sides of each boundary (LOPDGDD art. 20, additional provision 6)."""
from dataclasses import replace
from datetime import date, timedelta

from cases.bureau.rules import FIELDS, BatchRow, BureauFacts, checks, eligible, limit_date, render_csv, render_fixed, withdrawal_reason

TODAY = date(2026, 11, 23)
READY = BureauFacts(principal_outstanding_cents=120_00, oldest_due_date=date(2026, 3, 1), disputed_invoices=0,
                    notice_delivered_on=TODAY - timedelta(days=30), authorised=True)


def failing(f, today=TODAY):
    return {c.name for c in checks(f, today) if not c.ok}


def test_every_condition_holds():
    assert failing(READY) == set() and eligible(READY, TODAY)


def test_fifty_euros_on_both_sides():
    assert failing(replace(READY, principal_outstanding_cents=49_99)) == {"minimum"}
    assert failing(replace(READY, principal_outstanding_cents=50_00)) == set()


def test_five_years_on_both_sides():
    assert failing(replace(READY, oldest_due_date=date(2021, 11, 24))) == set()  # five years minus one day
    assert failing(replace(READY, oldest_due_date=date(2021, 11, 23))) == {"not_too_old"}  # five years to the day
    assert limit_date(date(2024, 2, 29)) == date(2029, 2, 28)


def test_notice_and_its_waiting_period():
    assert failing(replace(READY, notice_delivered_on=None)) == {"notice", "waiting_period"}
    assert failing(replace(READY, notice_delivered_on=TODAY - timedelta(days=29))) == {"waiting_period"}
    assert failing(replace(READY, notice_delivered_on=TODAY - timedelta(days=30))) == set()


def test_disputed_unauthorised_and_not_yet_due():
    assert failing(replace(READY, disputed_invoices=1)) == {"not_disputed"}
    assert failing(replace(READY, authorised=False)) == {"authorised"}
    assert failing(replace(READY, oldest_due_date=TODAY)) == {"due"}
    assert not eligible(replace(READY, closed=True), TODAY)


def test_when_a_reported_debt_leaves_the_file():
    assert withdrawal_reason(READY, TODAY) is None
    assert withdrawal_reason(replace(READY, principal_outstanding_cents=0), TODAY) == "paid"
    assert withdrawal_reason(replace(READY, principal_outstanding_cents=49_99), TODAY) == "under_minimum"
    assert withdrawal_reason(replace(READY, disputed_invoices=1), TODAY) == "disputed"
    assert withdrawal_reason(replace(READY, closed=True), TODAY) == "closed"
    assert withdrawal_reason(replace(READY, oldest_due_date=date(2021, 11, 22)), TODAY) == "too_old"


def test_the_two_layouts_carry_the_same_row():
    row = BatchRow("include", "EXP-2026-000001", "B96123450", "Construcciones Turia S.L.", "Calle Mayor 10", "46010", "Valencia",
                   "ES", 6030_00, "EUR", date(2026, 8, 20))
    csv = render_csv(7, "AG0001", TODAY, [row]).decode()
    header, line = csv.strip().split("\r\n")
    assert header.startswith("sequence;operation;entity;reference;tax_id")
    assert line.split(";")[:5] == ["7", "A", "AG0001", "EXP-2026-000001", "B96123450"] and "603000" in line
    fixed = render_fixed(7, "AG0001", TODAY, [row]).decode("latin-1").rstrip("\r\n")
    assert len(fixed) == sum(width for _, width in FIELDS) == 273 and fixed.startswith("000007AAG0001      EXP-2026-000001") and "0000000603000EUR20260820" in fixed


def test_only_money_past_due_and_still_owed_counts():
    from cases.bureau.rules import due_and_owed

    assert due_and_owed([(date(2026, 1, 10), 100_00), (date(2026, 12, 31), 900_00)], TODAY) == (100_00, date(2026, 1, 10))  # one not due
    assert due_and_owed([(date(2026, 1, 10), 0), (date(2026, 12, 31), 900_00)], TODAY) == (0, date(2026, 12, 31))  # the old one paid
    assert due_and_owed([(date(2026, 1, 10), 40_00), (date(2026, 12, 31), 900_00)], TODAY) == (40_00, date(2026, 1, 10))
    assert due_and_owed([], TODAY) == (0, None)


def test_bureau_text_is_one_clean_line():
    from cases.bureau.rules import clean_text

    assert clean_text("Łukasz\r\nKowalski  S.L.") == "Lukasz Kowalski S.L."
    assert clean_text("Peña Ñúñez") == "Peña Ñúñez"  # Latin-1 keeps Spanish letters as they are
