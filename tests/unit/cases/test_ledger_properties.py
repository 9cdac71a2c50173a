"""Properties of the money rules (hypothesis): allocation never creates or loses a cent, balances are
the sums of their entries, and the agency's side adds up whatever the order of events."""
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from cases.billing.fees import creditor_figures
from cases.billing.ledger import Cost, OwedInvoice, Paid, balances

cents = st.integers(min_value=1, max_value=5_000_000)
START = date(2024, 1, 1)


@st.composite
def debts(draw):
    invoices = [OwedInvoice(f"F-{n}", START + timedelta(days=draw(st.integers(0, 400))), Decimal(draw(cents)) / 100)
                for n in range(draw(st.integers(1, 5)))]
    names = [i.number for i in invoices] + ["F-elsewhere"]  # a name that is not among them is ignored
    payments = [Paid(START + timedelta(days=draw(st.integers(0, 700))), Decimal(draw(cents)) / 100,
                     tuple(draw(st.lists(st.sampled_from(names), max_size=2, unique=True))), n) for n in range(draw(st.integers(0, 6)))]
    costs = [Cost(START + timedelta(days=draw(st.integers(0, 800))), Decimal(draw(cents)) / 100, agency=True)
             for _ in range(draw(st.integers(0, 3)))]
    return invoices, payments, draw(st.booleans()), draw(st.sampled_from(["ES", "FR", "PT"])), costs


@settings(max_examples=200, deadline=None)
@given(debts())
def test_allocation_neither_creates_nor_loses_a_cent(case):
    invoices, payments, business, country, costs = case
    as_of = START + timedelta(days=720)
    b = balances(invoices, payments, as_of, business=business, country=country, costs=costs)
    assert b.costs == sum((c.amount for c in costs if c.booked_on <= as_of), Decimal("0"))  # a cost booked later is not owed yet
    assert 0 <= b.costs_outstanding <= b.costs
    assert b.agency_costs_paid == b.costs - b.costs_outstanding  # all the agency's here
    # every payment's application adds up to it, and the invoices add up to the totals
    for a in b.allocations:
        assert sum((amount for _w, _i, amount in a.parts), Decimal("0")) == a.amount and all(amount > 0 for _w, _i, amount in a.parts)
    assert sum((i.principal_outstanding for i in b.invoices), Decimal("0")) == b.principal_outstanding
    assert sum((i.interest for i in b.invoices), Decimal("0")) == b.interest
    assert sum((i.outstanding for i in b.invoices), Decimal("0")) + b.costs_outstanding == b.outstanding
    assert b.paid == sum((p.amount for p in payments), Decimal("0"))
    assert b.principal == sum((i.principal for i in invoices), Decimal("0"))
    # everything owed = what is still owed + what payments covered (the excess is returned, not kept)
    assert b.principal + b.interest + b.compensation + b.costs == b.outstanding + b.paid - b.overpaid
    assert b.outstanding >= 0 and b.overpaid >= 0 and 0 <= b.principal_outstanding <= b.principal
    for value in (b.interest, b.outstanding, b.overpaid):
        assert value == value.quantize(Decimal("0.01"))


entries = st.lists(st.tuples(st.sampled_from(["payment", "fee", "remittance"]), st.integers(-100_000, 1_000_000),
                             st.sampled_from(["transfer", "to_creditor"])), max_size=25)


@given(entries, st.data())
def test_the_agency_side_is_the_sum_of_its_entries(rows, data):
    ledger = [{"id": n, "kind": k, "amount_cents": a, "method": m, "reverses": None, "booked_on": START} for n, (k, a, m) in enumerate(rows)]
    payment_ids = [e["id"] for e in ledger if e["kind"] == "payment"]
    undone = data.draw(st.lists(st.sampled_from(payment_ids), unique=True)) if payment_ids else []
    for n, pid in enumerate(undone):
        ledger.append({"id": 1000 + n, "kind": "reversal", "amount_cents": -ledger[pid]["amount_cents"], "method": "", "reverses": pid,
                       "booked_on": START})
    f = creditor_figures(ledger)
    live = [e for e in ledger if e["kind"] == "payment" and e["id"] not in set(undone)]
    assert f["collected"] + f["paid_to_creditor"] == sum(e["amount_cents"] for e in live)
    assert f["fees"] == sum(e["amount_cents"] for e in ledger if e["kind"] == "fee")
    assert f["net_to_creditor"] == f["collected"] - f["fees"] - f["remitted"]
