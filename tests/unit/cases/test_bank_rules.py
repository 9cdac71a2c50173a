"""The direct debits' rules (cases.bank.rules), worked by hand: what is left of each instalment, what follows a
return, the sequence and the scheme, the end-to-end id."""
from datetime import date

from cases.bank.rules import MAX_ATTEMPTS, after_return, end_to_end_id, file_part_paid, instrument_for, left_of_instalments, sequence_type

JAN, FEB, MAR = date(2026, 1, 5), date(2026, 2, 5), date(2026, 3, 5)


def test_what_is_left_of_each_instalment_is_set_against_the_first_ones_first():
    plan = [(1, JAN, 100_00), (2, FEB, 100_00), (3, MAR, 100_00)]
    assert left_of_instalments(plan, 0) == plan
    # 150.00 paid: the first whole, half of the second
    assert left_of_instalments(plan, 150_00) == [(2, FEB, 50_00), (3, MAR, 100_00)]
    assert left_of_instalments(plan, 300_00) == []
    assert left_of_instalments(plan, 350_00) == []  # (more than the plan: nothing left, nothing negative)


def test_a_return_for_want_of_funds_is_presented_once_more_the_rest_stop():
    assert after_return("AM04", 1) == "retry" and after_return("MS03", 1) == "retry"
    assert after_return("AM04", MAX_ATTEMPTS) == "stop"  # the second want of funds: the negotiator's
    for code in ("MD01", "MS02", "AC04", "MD06", "NARR", "ZZ99"):  # no mandate, refused, closed, refund, no reason, unknown
        assert after_return(code, 1) == "stop", code


def test_the_first_collection_of_a_mandate_and_the_scheme_of_the_debtor():
    assert sequence_type(False) == "FRST" and sequence_type(True) == "RCUR"
    assert instrument_for("person") == "CORE" and instrument_for("company") == "B2B"


def test_the_end_to_end_id_names_the_case_the_instalment_and_the_try_in_35_characters():
    assert end_to_end_id("EXP-2026-000123", 45, 2) == "EXP-2026-000123-I45-A2"
    assert len(end_to_end_id("EXP-2026-000123", 10**20, 2)) == 35  # (a longer one is cut to the field's 35)


def test_a_credit_pays_a_whole_file_or_the_one_block_of_a_file_with_its_total():
    # file 7: 120.00 of first collections of consumers and 80.50 of recurring ones (200.50 in all); file 8: 200.50 of B2B
    parts = [(7, "", 200_50), (7, "CORE/FRST", 120_00), (7, "CORE/RCUR", 80_50), (8, "", 99_00), (8, "B2B/RCUR", 99_00)]
    assert file_part_paid(200_50, parts) == (7, "")  # the bank credited file 7 at once
    assert file_part_paid(80_50, parts) == (7, "CORE/RCUR")  # or each block apart
    assert file_part_paid(99_00, parts) == (8, "")  # a file of one block: the whole file
    assert file_part_paid(120_01, parts) is None
    # two files of the same total, or two blocks: nobody can tell which; a person decides
    assert file_part_paid(99_00, parts + [(9, "", 99_00)]) is None
    assert file_part_paid(80_50, parts + [(9, "B2B/FRST", 80_50)]) is None
