"""The concurso (legal.rules.insolvency): the month to communicate a claim to the administrator, counted on the safer,
earlier reading (date to date from the BOE publication, never moved), and a trade claim split by class (TRLC art. 281.1.3º)."""
from datetime import date
from decimal import Decimal

from cases.billing.ledger import OwedInvoice, Paid, balances
from cases.insolvency.rules import mark_problems
from legal.rules.deadlines import DEADLINE_RULES, deadline_for
from legal.rules.insolvency import CLASS_OF, ClaimLine, claim_by_class, claim_deadline, interest_cutoff
from legal.rules.jurisdictions import DEADLINES


def test_one_month_date_to_date_from_the_publication():
    # published Tuesday 10 March 2026: the month runs from 11 March and its last day is Friday 10 April
    assert claim_deadline(date(2026, 3, 10)) == date(2026, 4, 10)
    assert DEADLINES["insolvency_claim"] == (1, "months", "TRLC (RDLeg 1/2020) art. 255.1 and 28.1.4º")
    assert deadline_for("insolvency_claim", date(2026, 3, 10)) == claim_deadline(date(2026, 3, 10))


def test_an_end_on_a_weekend_is_not_moved():
    # published Saturday 7 February 2026 (the BOE appears on Saturdays): the last day is Saturday 7 March, not Monday 9 March
    assert date(2026, 3, 7).weekday() == 5
    assert claim_deadline(date(2026, 2, 7)) == date(2026, 3, 7)
    # a month that has no such day ends on its last day: 31 January -> 28 February (a Saturday in 2026), kept
    assert claim_deadline(date(2026, 1, 31)) == date(2026, 2, 28)


def test_august_and_christmas_count():
    # a court deadline would leave August and 24 Dec - 6 Jan aside; this one is counted through them (safer, earlier)
    assert claim_deadline(date(2026, 7, 15)) == date(2026, 8, 15)  # a Saturday and a holiday in August: kept
    assert claim_deadline(date(2026, 11, 24)) == date(2026, 12, 24)
    rule = DEADLINE_RULES["insolvency_claim"]
    assert (rule.unit, rule.court, rule.moves, rule.country) == ("months", False, False, "ES")


def test_interest_stops_on_the_declaration_else_the_publication():
    assert interest_cutoff(date(2026, 2, 24), date(2026, 3, 2)) == date(2026, 2, 24)
    assert interest_cutoff(None, date(2026, 3, 2)) == date(2026, 3, 2)


def test_classes_by_hand():
    """LEGAL.md's worked example and a second invoice, to a declaration on 30 September 2025:
    F-1: 10,000.00 due 31 March 2025: 91 days at 11.15 % + 92 days at 10.15 % = 533.82 interest, 40.00 compensation;
    F-2: 2,000.00 due 30 June 2025: 92 days at 10.15 % = 2,000 x 0.1015 x 92 / 365 = 51.167... -> 51.17, 40.00 compensation.
    Ordinary: 10,000 + 40 + 2,000 + 40 = 12,080.00; subordinated: 533.82 + 51.17 = 584.99."""
    invoices = [OwedInvoice("F-1", date(2025, 3, 31), Decimal("10000.00")), OwedInvoice("F-2", date(2025, 6, 30), Decimal("2000.00"))]
    b = balances(invoices, [], date(2025, 9, 30), business=True)
    claim = claim_by_class(ClaimLine(i.number, i.due_date, i.principal_outstanding, i.interest_outstanding, i.compensation_outstanding)
                           for i in b.invoices)
    assert [(c.invoice, c.interest) for c in claim.lines] == [("F-1", Decimal("533.82")), ("F-2", Decimal("51.17"))]
    assert (claim.principal, claim.interest, claim.compensation) == (Decimal("12000.00"), Decimal("584.99"), Decimal("80.00"))
    assert (claim.ordinary, claim.subordinated, claim.total) == (Decimal("12080.00"), Decimal("584.99"), Decimal("12664.99"))
    assert CLASS_OF == {"principal": "ordinary", "interest": "subordinated", "compensation": "ordinary"}


def test_a_paid_invoice_is_left_out_and_a_part_payment_counts():
    # F-1 paid in full (with its interest and compensation) before the declaration; F-2 paid 500 on its due day, 30 June,
    # when nothing accessory is owed yet: all of it principal. Declared 31 July: 1,500 x 10.15 % x 31 / 365 = 12.93 interest
    invoices = [OwedInvoice("F-1", date(2025, 3, 31), Decimal("100.00")), OwedInvoice("F-2", date(2025, 6, 30), Decimal("2000.00"))]
    b = balances(invoices, [Paid(date(2025, 4, 1), Decimal("140.03"), ("F-1",)), Paid(date(2025, 6, 30), Decimal("500.00"), ("F-2",))],
                 date(2025, 7, 31), business=True)
    claim = claim_by_class(ClaimLine(i.number, i.due_date, i.principal_outstanding, i.interest_outstanding, i.compensation_outstanding)
                           for i in b.invoices)
    assert [c.invoice for c in claim.lines] == ["F-2"]
    assert (claim.principal, claim.compensation, claim.interest) == (Decimal("1500.00"), Decimal("40.00"), Decimal("12.93"))
    assert (claim.ordinary, claim.subordinated) == (Decimal("1540.00"), Decimal("12.93"))


def test_what_a_mark_must_hold():
    today = date(2026, 12, 7)
    assert mark_problems("Juzgado de lo Mercantil n.º 1 de Sevilla", date(2026, 12, 1), date(2026, 11, 27), "", today) == {}
    assert set(mark_problems("", date(2026, 12, 1), None, "", today)) == {"court"}
    assert set(mark_problems("Juzgado Mercantil 1 Sevilla", date(2026, 12, 8), None, "", today)) == {"published_on"}
    assert set(mark_problems("Juzgado Mercantil 1 Sevilla", None, None, "", today)) == {"published_on"}
    assert set(mark_problems("Juzgado Mercantil 1 Sevilla", date(2026, 12, 1), date(2026, 12, 2), "", today)) == {"declared_on"}
    assert set(mark_problems("Juzgado Mercantil 1 Sevilla", date(2026, 12, 1), None, "x" * 301, today)) == {"administrator"}
