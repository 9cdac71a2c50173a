"""The procedure chooser and the Spanish court fee: thresholds on both sides, cross-border cases, and
worked fee examples with their arithmetic."""
from dataclasses import replace
from decimal import Decimal

import pytest

from agency import i18n
from legal.rules.procedures import PROCEDURES, ProcedureFacts, propose, spanish_court_fee

D = Decimal
ES_CASE = ProcedureFacts(principal=D("10000.00"), claim_amount=D("10000.00"), creditor_country="ES", debtor_country="ES",
                         debtor_kind="company")


@pytest.fixture(autouse=True)
def english():
    i18n.set_language("en")
    yield
    i18n.set_language("es")


def texts(proposal):
    return [str(r) for r in proposal.reasons]


def amounts(value):
    return replace(ES_CASE, principal=D(value), claim_amount=D(value))


def test_procedure_keys():
    assert set(PROCEDURES) == {"monitorio", "verbal", "ordinario", "injonction_de_payer", "injuncao",
                               "european_order_for_payment", "european_small_claims"}


class TestSpain:
    def test_monitorio_with_documents_any_amount(self):
        for value in ("100.00", "15000.01", "2500000.00"):
            assert propose(amounts(value)).procedure == "monitorio"

    def test_monitorio_continues_as_verbal_or_ordinario_on_opposition(self):
        at = propose(amounts("15000.00"))
        assert at.alternatives == ("verbal",) and any("juicio verbal" in t and "LEC 818" in t for t in texts(at))
        above = propose(amounts("15000.01"))
        assert above.alternatives == ("ordinario",) and any("juicio ordinario" in t and "LEC 818" in t for t in texts(above))

    def test_verbal_and_ordinario_without_documents_at_15000(self):
        assert propose(replace(amounts("15000.00"), documentary_evidence=False)).procedure == "verbal"
        assert propose(replace(amounts("15000.01"), documentary_evidence=False)).procedure == "ordinario"

    def test_the_claim_amount_decides_not_the_principal(self):
        facts = replace(ES_CASE, principal=D("14000.00"), claim_amount=D("15000.01"), documentary_evidence=False)
        assert propose(facts).procedure == "ordinario"

    def test_monitorio_needs_no_representation_to_file_but_above_2000_if_opposed(self):
        at = propose(amounts("2000.00"))
        assert (at.lawyer_required, at.procurador_required, at.lawyer_if_opposed) == (False, False, False)
        above = propose(amounts("2000.01"))
        assert (above.lawyer_required, above.procurador_required, above.lawyer_if_opposed) == (False, False, True)

    def test_verbal_needs_lawyer_and_procurador_above_2000(self):
        at = propose(replace(amounts("2000.00"), documentary_evidence=False))
        assert at.procedure == "verbal" and not at.lawyer_required and not at.procurador_required
        above = propose(replace(amounts("2000.01"), documentary_evidence=False))
        assert above.procedure == "verbal" and above.lawyer_required and above.procurador_required and above.lawyer_if_opposed

    def test_ordinario_always_needs_both(self):
        p = propose(replace(amounts("20000.00"), documentary_evidence=False))
        assert p.procedure == "ordinario" and p.lawyer_required and p.procurador_required

    def test_consumer_debtor_gets_the_unfair_terms_check(self):
        assert any("LEC 815.4" in t for t in texts(propose(replace(ES_CASE, debtor_kind="person"))))
        assert not any("LEC 815.4" in t for t in texts(propose(ES_CASE)))

    def test_the_court_fee_comes_with_the_proposal(self):
        p = propose(ES_CASE)
        assert p.court_fee.total == D("140.00")
        assert propose(replace(ES_CASE, creditor_is_legal_person=False)).court_fee.exempt

    def test_bad_debtor_kind(self):
        with pytest.raises(ValueError):
            propose(replace(ES_CASE, debtor_kind="robot"))


class TestCourtFee:
    def test_monitorio_10000_company_online(self):
        # fixed 100 - 10 per cent = 90.00; variable 10,000.00 x 0.5 per cent = 50.00; total 140.00
        fee = spanish_court_fee("monitorio", D("10000.00"), True, online=True)
        assert (fee.fixed, fee.variable, fee.total, fee.exempt) == (D("90.00"), D("50.00"), D("140.00"), False)
        why = str(fee.why)
        assert "Ley 10/2012" in why and "Catalonia" in why and "€140.00" in why

    def test_on_paper_no_discount(self):
        # fixed 100.00; variable 10,000.00 x 0.5 per cent = 50.00; total 150.00
        assert spanish_court_fee("monitorio", D("10000.00"), True, online=False).total == D("150.00")

    def test_monitorio_and_verbal_exempt_up_to_2000(self):
        for procedure in ("monitorio", "verbal"):
            at = spanish_court_fee(procedure, D("2000.00"), True)
            assert at.exempt and at.total == D("0.00")
        # verbal 2,000.01 online: fixed 150 - 15 = 135.00; variable 2,000.01 x 0.5 per cent = 10.00005 -> 10.00; total 145.00
        above = spanish_court_fee("verbal", D("2000.01"), True)
        assert not above.exempt and (above.fixed, above.variable, above.total) == (D("135.00"), D("10.00"), D("145.00"))

    def test_half_up_rounding_of_the_variable_part(self):
        # 2,001.00 x 0.5 per cent = 10.005 -> 10.01 (half up); monitorio online 90.00 + 10.01 = 100.01
        assert spanish_court_fee("monitorio", D("2001.00"), True).total == D("100.01")

    def test_natural_person_exempt(self):
        fee = spanish_court_fee("ordinario", D("50000.00"), payer_is_legal_person=False)
        assert fee.exempt and fee.total == D("0.00") and "Natural persons" in str(fee.why)

    def test_ordinario_and_enforcement(self):
        # ordinario 20,000.00 online: fixed 300 - 30 = 270.00; variable 100.00; total 370.00
        assert spanish_court_fee("ordinario", D("20000.00"), True).total == D("370.00")
        # enforcement 20,000.00 on paper: fixed 200.00; variable 100.00; total 300.00
        assert spanish_court_fee("enforcement", D("20000.00"), True, online=False).total == D("300.00")

    def test_above_one_million(self):
        # 1,500,000.00: 1,000,000 x 0.5 per cent = 5,000.00 + 500,000 x 0.25 per cent = 1,250.00 -> 6,250.00
        # ordinario online fixed 270.00; total 6,520.00
        fee = spanish_court_fee("ordinario", D("1500000.00"), True)
        assert (fee.variable, fee.total) == (D("6250.00"), D("6520.00"))

    def test_the_cap(self):
        # 3,000,000.00: 5,000.00 + 2,000,000 x 0.25 per cent = 5,000.00 -> exactly the 10,000.00 cap
        assert spanish_court_fee("ordinario", D("3000000.00"), True).variable == D("10000.00")
        # 5,000,000.00: 5,000.00 + 10,000.00 = 15,000.00 -> capped at 10,000.00; total 270.00 + 10,000.00
        fee = spanish_court_fee("ordinario", D("5000000.00"), True)
        assert (fee.variable, fee.total) == (D("10000.00"), D("10270.00")) and "cap" in str(fee.why)

    def test_unknown_procedure(self):
        with pytest.raises(ValueError):
            spanish_court_fee("injuncao", D("100.00"), True)


class TestCrossBorder:
    def case(self, debtor_country, principal="10000.00", **kw):
        return replace(ES_CASE, debtor_country=debtor_country, principal=D(principal), claim_amount=D(principal) + D("500.00"), **kw)

    def test_french_debtor_european_order_with_injonction_as_alternative(self):
        p = propose(self.case("FR"))
        assert p.procedure == "european_order_for_payment" and p.alternatives == ("injonction_de_payer",)
        assert not p.lawyer_required and not p.procurador_required and p.court_fee is None

    def test_small_claims_alternative_at_5000_not_one_cent_above(self):
        assert propose(self.case("DE", "5000.00")).alternatives == ("european_small_claims",)
        assert propose(self.case("DE", "5000.01")).alternatives == ()

    def test_small_claims_limit_excludes_interest_and_costs(self):
        facts = replace(self.case("DE", "5000.00"), claim_amount=D("6200.00"))
        assert "european_small_claims" in propose(facts).alternatives

    def test_without_documents_small_claims_first(self):
        p = propose(self.case("DE", "5000.00", documentary_evidence=False))
        assert p.procedure == "european_small_claims" and p.alternatives == ()

    def test_without_documents_above_5000(self):
        assert propose(self.case("DE", "5000.01", documentary_evidence=False)).procedure is None
        # a Portuguese debtor: the injunção needs no documents
        p = propose(self.case("PT", "5000.01", documentary_evidence=False))
        assert p.procedure == "injuncao"

    def test_portuguese_debtor(self):
        p = propose(self.case("PT", "4000.00"))
        assert p.procedure == "european_order_for_payment" and p.alternatives == ("european_small_claims", "injuncao")

    def test_spanish_debtor_of_a_french_creditor_pays_the_spanish_fee(self):
        p = propose(replace(ES_CASE, creditor_country="FR"))
        # monitorio fee for the European order in Spain: 90.00 + 50.00
        assert p.procedure == "european_order_for_payment" and "monitorio" in p.alternatives
        assert p.court_fee.total == D("140.00")

    def test_consumer_debtor(self):
        assert any("art. 6.2" in t for t in texts(propose(self.case("FR", debtor_kind="person"))))
        assert not any("art. 6.2" in t for t in texts(propose(self.case("FR"))))

    def test_denmark(self):
        p = propose(self.case("DK"))
        assert p.procedure is None and any("Denmark" in t for t in texts(p))

    def test_outside_the_eu(self):
        p = propose(self.case("US"))
        assert p.procedure is None and p.alternatives == () and any("outside the European Union" in t for t in texts(p))

    def test_non_eu_creditor_against_a_spanish_debtor_uses_the_monitorio(self):
        assert propose(replace(ES_CASE, creditor_country="CH")).procedure == "monitorio"


class TestFranceAndPortugal:
    def test_injonction_without_lawyer(self):
        p = propose(replace(ES_CASE, creditor_country="FR", debtor_country="FR"))
        assert p.procedure == "injonction_de_payer" and not p.lawyer_required and p.court_fee is None
        assert any("tribunal de commerce" in t for t in texts(p))
        person = propose(replace(ES_CASE, creditor_country="FR", debtor_country="FR", debtor_kind="person"))
        assert any("tribunal judiciaire" in t for t in texts(person))

    def test_injonction_needs_documents(self):
        assert propose(replace(ES_CASE, creditor_country="FR", debtor_country="FR", documentary_evidence=False)).procedure is None

    def test_injuncao_limit_and_commercial_transactions(self):
        pt = replace(ES_CASE, creditor_country="PT", debtor_country="PT", commercial=False)
        assert propose(replace(pt, claim_amount=D("15000.00"))).procedure == "injuncao"
        assert propose(replace(pt, claim_amount=D("15000.01"))).procedure is None
        assert propose(replace(pt, claim_amount=D("15000.01"), commercial=True)).procedure == "injuncao"


def test_reasons_are_lazy_and_translatable_sentences():
    for reason in propose(ES_CASE).reasons:
        text = str(reason)
        assert text.endswith(".") and "%(" not in text


def test_the_amount_claimed_leaves_out_the_costs_still_owed():
    from legal.rules.procedures import claim_amount

    # 10,000 principal + 300 interest + 40 compensation + 140 court fee and 60 burofax booked, nothing paid: 10,340.00
    assert claim_amount(Decimal("10540.00"), Decimal("200.00")) == Decimal("10340.00")
    # 150 paid: it paid the costs first (CC 1173), 50 of them are still owed and left out
    assert claim_amount(Decimal("10390.00"), Decimal("50.00")) == Decimal("10340.00")
    # everything paid
    assert claim_amount(Decimal("0.00"), Decimal("0.00")) == Decimal("0.00")


def test_a_cost_booked_after_a_payment_is_left_out_of_the_claim_whole():
    """A payment in April cannot have paid a court fee booked in June: the whole fee stays out of the claim."""
    from datetime import date

    from cases.billing.ledger import Cost, OwedInvoice, Paid, balances
    from legal.rules.procedures import claim_amount

    b = balances([OwedInvoice("F-1", date(2025, 3, 31), Decimal("1000.00"))], [Paid(date(2025, 4, 1), Decimal("500.00"))],
                 date(2025, 9, 30), business=True, costs=[Cost(date(2025, 6, 2), Decimal("300.00"))])
    assert b.costs_outstanding == Decimal("300.00")
    assert claim_amount(b.outstanding, b.costs_outstanding) == b.outstanding - Decimal("300.00")


def test_spanish_petitions_go_to_the_tribunal_de_instancia():
    """LO 1/2025: the Juzgados de Primera Instancia became Tribunales de Instancia (Sección Civil). Without a table
    of partidos judiciales the debtor's city stands for the seat, and the reasons say so."""
    from legal.rules.procedures import court_name

    assert court_name("monitorio", "ES", "Bilbao", "company") == "Tribunal de Instancia de Bilbao, Sección Civil"
    assert court_name("verbal", "ES", "Sevilla", "person") == "Tribunal de Instancia de Sevilla, Sección Civil"
    assert court_name("injonction_de_payer", "FR", "Lyon", "company") == "Tribunal de commerce de Lyon"
    assert court_name("injuncao", "PT", "Porto", "company") == "Balcão Nacional de Injunções"
    assert court_name("monitorio", "ES", "", "company") == ""
    reasons = texts(propose(replace(ES_CASE, debtor_city="Getxo")))
    assert reasons[-1].startswith("Addressed to the Tribunal de Instancia of Getxo, Sección Civil (LO 1/2025)")
    assert "check it before filing" in reasons[-1]
    assert not any("Tribunal de Instancia" in r for r in texts(propose(ES_CASE)))  # no city, no claim about the court
