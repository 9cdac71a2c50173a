"""The stage machine: every guard on both sides, and who may move what."""
from dataclasses import replace
from datetime import date

import pytest

from agency.roles import Role
from cases.stages.rules import CaseFacts, MoveRequest, decide, hold_refusal, moves_from, recall_refusal

TODAY = date(2026, 11, 23)
READY = CaseFacts(
    stage="intake", debtor_named=True, debtor_has_address=True, debtor_identified_by_tax_id=True, debtor_is_person=False,
    outstanding_invoices=2, disputed_invoices=0, evidence_count=1, outstanding_cents=130000, principal_cents=130000,
    oldest_due_date=date(2026, 6, 1),
)


def codes(facts, to, role=Role.negotiator, **kw):
    d = decide(facts, MoveRequest(to=to, **kw), role, TODAY)
    return {r.code for r in d.refusals} if not d.allowed else set()


class TestAccepting:
    def test_ready_claim_is_accepted(self):
        assert codes(READY, "amicable") == set()

    def test_needs_an_identified_debtor(self):
        assert "debtor_not_identified" in codes(replace(READY, debtor_has_address=False), "amicable")
        assert "debtor_not_identified" in codes(replace(READY, debtor_identified_by_tax_id=False), "amicable")
        assert codes(replace(READY, debtor_identified_by_tax_id=False, debtor_is_person=True), "amicable") == set()

    def test_needs_an_outstanding_invoice_and_evidence(self):
        assert codes(replace(READY, outstanding_invoices=0, evidence_count=0), "amicable") == {"nothing_outstanding", "no_evidence"}

    def test_lawyers_and_creditors_do_not_accept(self):
        assert codes(READY, "amicable", Role.lawyer) == {"not_your_move"}
        assert codes(READY, "amicable", Role.creditor) == {"not_your_move"}
        assert codes(READY, "amicable", Role.admin) == set()


class TestClosing:
    def test_rejecting_needs_a_reason(self):
        assert codes(READY, "closed", outcome="rejected") == {"reason_required"}
        assert codes(READY, "closed", outcome="rejected", reason="Factura ya pagada") == set()

    def test_an_intake_case_cannot_close_as_paid(self):
        assert "outcome_required" in codes(READY, "closed", outcome="paid", reason="pagado")

    def test_paid_needs_a_zero_balance(self):
        amicable = replace(READY, stage="amicable")
        assert codes(amicable, "closed", outcome="paid") == {"balance_not_zero"}
        assert codes(replace(amicable, outstanding_cents=0), "closed", outcome="paid") == set()
        assert codes(replace(amicable, outstanding_cents=1), "closed", outcome="paid") == {"balance_not_zero"}

    def test_closed_is_final(self):
        assert codes(replace(READY, stage="closed"), "amicable") == {"no_such_move"}

    def test_a_move_that_does_not_exist_is_refused_in_words(self):
        from agency import i18n

        i18n.set_language("es")
        refused = decide(replace(READY, stage="mediation"), MoveRequest(to="intake"), Role.admin, TODAY)
        assert refused.reason == "Un expediente no puede pasar de Mediación a Recepción."


class TestBureau:
    AMICABLE = replace(READY, stage="amicable", bureau_notice_on=date(2026, 10, 1), bureau_authorised=True)

    def test_all_preconditions_hold(self):
        assert codes(self.AMICABLE, "credit_bureau") == set()

    def test_minimum_principal_on_both_sides(self):
        assert codes(replace(self.AMICABLE, principal_cents=4999), "credit_bureau") == {"bureau_minimum"}
        assert codes(replace(self.AMICABLE, principal_cents=5000), "credit_bureau") == set()

    def test_five_years_on_both_sides(self):
        assert codes(replace(self.AMICABLE, oldest_due_date=date(2021, 11, 24)), "credit_bureau") == set()
        assert codes(replace(self.AMICABLE, oldest_due_date=date(2021, 11, 23)), "credit_bureau") == {"bureau_too_old"}

    def test_disputed_and_no_notice(self):
        assert "bureau_disputed" in codes(replace(self.AMICABLE, disputed_invoices=1), "credit_bureau")
        assert codes(replace(self.AMICABLE, bureau_notice_on=None), "credit_bureau") == {"bureau_no_notice", "bureau_waiting"}

    def test_waiting_period_and_authorisation(self):
        assert codes(replace(self.AMICABLE, bureau_notice_on=date(2026, 10, 24)), "credit_bureau") == set()  # 30 days to the day
        assert codes(replace(self.AMICABLE, bureau_notice_on=date(2026, 10, 25)), "credit_bureau") == {"bureau_waiting"}
        assert codes(replace(self.AMICABLE, bureau_authorised=False), "credit_bureau") == {"bureau_not_authorised"}
        assert codes(replace(self.AMICABLE, principal_outstanding_cents=4999), "credit_bureau") == {"bureau_minimum"}


class TestCourt:
    AMICABLE = replace(READY, stage="amicable")

    def test_every_missing_precondition_is_named(self):
        assert codes(self.AMICABLE, "court", Role.lawyer) == {"court_not_authorised", "court_no_lawyer", "court_no_settlement_attempt"}

    def test_all_hold(self):
        ok = replace(self.AMICABLE, creditor_authorised_court=True, lawyer_assigned=True, settlement_attempt_on_record=True)
        assert codes(ok, "court", Role.lawyer) == set()
        assert codes(ok, "court", Role.negotiator) == {"not_your_move"}


@pytest.mark.parametrize("stage,role,expected", [
    ("intake", Role.negotiator, ["amicable", "closed"]),
    ("amicable", Role.lawyer, ["court"]),
    ("court", Role.negotiator, []),
])
def test_moves_offered(stage, role, expected):
    assert moves_from(stage, role) == expected


def test_refusals_read_as_sentences():
    d = decide(replace(READY, evidence_count=0), MoveRequest(to="amicable"), Role.negotiator, TODAY)
    assert not d.allowed and d.reason.endswith(".")


def test_settlement_attempt_counts_once_answered_or_after_thirty_days():
    from datetime import date

    from cases.stages.rules import settlement_attempt_done

    sent = date(2026, 3, 2)
    assert not settlement_attempt_done(None, None, date(2026, 12, 1))
    assert not settlement_attempt_done(sent, None, date(2026, 3, 31))  # 29 days: the debtor may still answer
    # The 30 days run from the day after receipt (3 March) to 1 April inclusive: on 1 April the debtor may still
    # answer; from 2 April their silence counts as a rejection (LO 1/2025). (This said 1 April until a review found
    # the day counted twice.)
    assert not settlement_attempt_done(sent, None, date(2026, 4, 1))
    assert settlement_attempt_done(sent, None, date(2026, 4, 2))
    assert settlement_attempt_done(sent, date(2026, 3, 10), date(2026, 3, 10))


def test_a_failed_mediation_goes_back_to_amicable():
    from datetime import date

    from agency.roles import Role
    from cases.stages.rules import MoveRequest, decide, moves_from

    assert "amicable" in moves_from("mediation", Role.negotiator)
    assert "amicable" not in moves_from("mediation", Role.creditor)
    facts = CaseFacts(stage="mediation", debtor_named=True, debtor_has_address=True, debtor_identified_by_tax_id=True,
                      debtor_is_person=False, outstanding_invoices=1, disputed_invoices=0, evidence_count=1, outstanding_cents=1000,
                      principal_cents=1000, oldest_due_date=date(2026, 1, 1))
    assert decide(facts, MoveRequest("amicable"), Role.negotiator, date(2026, 12, 1)).allowed


def test_in_portugal_the_negotiating_moves_are_a_lawyers():
    """Lei 49/2004: negotiating the collection of a debt is reserved to lawyers and solicitadores."""
    pt = replace(READY, jurisdiction="PT")
    refused = decide(pt, MoveRequest("amicable"), Role.negotiator, TODAY)
    assert not refused.allowed and [r.code for r in refused.refusals] == ["lawyers_only"]
    assert decide(pt, MoveRequest("amicable"), Role.lawyer, TODAY).allowed
    assert decide(pt, MoveRequest("amicable"), Role.admin, TODAY).allowed
    assert decide(READY, MoveRequest("amicable"), Role.negotiator, TODAY).allowed  # Spain: as before
    assert not decide(READY, MoveRequest("amicable"), Role.lawyer, TODAY).allowed
    assert moves_from("intake", Role.negotiator, "PT") == [] and moves_from("intake", Role.lawyer, "PT") == ["amicable", "closed"]


class TestHoldAndRecall:
    def test_a_creditor_closes_only_as_withdrawn(self):
        amicable = replace(READY, stage="amicable")
        assert codes(amicable, "closed", Role.creditor, outcome="withdrawn", reason="Lo cobramos nosotros") == set()
        assert codes(replace(READY, stage="court"), "closed", Role.creditor, outcome="withdrawn") == set()
        assert codes(amicable, "closed", Role.creditor, outcome="settled") == {"not_your_move"}
        assert codes(amicable, "mediation", Role.creditor) == {"not_your_move"}
        assert codes(READY, "closed", Role.creditor, outcome="withdrawn", reason="") == {"reason_required"}
        assert codes(replace(READY, stage="amicable", jurisdiction="PT"), "closed", Role.creditor, outcome="withdrawn") == set()

    def test_only_an_open_case_is_held_once_and_only_a_held_one_resumed(self):
        assert hold_refusal("amicable", held=False, holding=True) is None
        assert hold_refusal("amicable", held=True, holding=False) is None
        assert hold_refusal("amicable", held=True, holding=True).code == "already_held"
        assert hold_refusal("amicable", held=False, holding=False).code == "not_held"
        assert hold_refusal("closed", held=False, holding=True).code == "case_closed"
        assert recall_refusal("closed").code == "case_closed" and recall_refusal("court") is None
