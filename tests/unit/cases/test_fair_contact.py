"""Fair contact (pure): the weekly cap, the third party who must not hear of the debt, the senior negotiator a vulnerable
debtor's cases go to, and the templates meant for third parties."""
from datetime import date

import pytest

from agency import i18n
from cases.contacts.rules import (
    ActivityErrors,
    ActivityInput,
    DebtFacts,
    DebtRevealed,
    cap_allows,
    cap_warning,
    choose_senior,
    counts_towards_cap,
    reveals_debt,
    validate_activity,
    vulnerable_problems,
)
from cases.messages.rules import TemplateProblem, check_template
from cases.messages.seeds import TEMPLATES, THIRD_PARTY_TEMPLATES

TODAY = date(2026, 11, 23)
FACTS = DebtFacts(reference="EXP-2026-000123", creditor_reference="PED-99812", creditor_name="Distribuciones Norte S.L.",
                  amounts_cents=(123456, 150000, 45000))


# --- the weekly cap ---------------------------------------------------------------------------------------------------

def test_automatic_messages_wait_once_the_week_holds_the_cap():
    assert cap_allows(0, 3) and cap_allows(2, 3)
    assert not cap_allows(3, 3) and not cap_allows(7, 3)


def test_a_contact_logged_by_hand_over_the_cap_is_warned_not_refused():
    assert cap_warning(3, 3) is None
    warning = str(cap_warning(4, 3))
    assert "4" in warning and "3" in warning


@pytest.mark.parametrize("kind,payload,counts", [
    ("contact", {"channel": "call", "direction": "outbound"}, True),
    ("contact", {"channel": "visit"}, True),
    ("contact", {"channel": "call", "direction": "outbound", "party": "employer"}, True),  # a call to the employer weighs on the debtor too
    ("contact", {"channel": "call", "direction": "inbound"}, False),  # the debtor called
    ("contact", {"channel": "note", "direction": "outbound"}, False),  # an internal note reaches nobody
    ("message", {"channel": "email"}, True),
    ("message", {"channel": "letter"}, True),
    ("message", {"channel": "script"}, False),  # a phone script written out is no contact
    ("promise", {}, False),
])
def test_what_counts_towards_the_cap(kind, payload, counts):
    assert counts_towards_cap(kind, payload) is counts


# --- the third party --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,told", [
    ("Le dije que debe 1.234,56 €", ["amount"]),
    ("unos 1234,56 euros", ["amount"]),
    ("owes 1,234.56", ["amount"]),
    ("debe 1.500 en total", ["amount"]),  # the principal, a whole number
    ("unos 1234 euros", ["amount"]),  # the euros of an amount of 100 or more
    ("debe 450 euros de una factura", ["amount"]),  # an invoice
    ("llamamos por el exp-2026-000123", ["reference"]),
    ("su pedido PED 99812", ["reference"]),
    ("de parte de distribuciones norte", ["creditor"]),
    ("De parte de DISTRIBUCIONES NORTE, S.L.", ["creditor"]),
    ("EXP-2026-000123 de Distribuciones Norte: 1.234,56 €", ["amount", "reference", "creditor"]),
    ("Pedí que nos devuelva la llamada antes de las 17:00 al 910 000 000", []),
    ("Su madre dice que vuelve el día 3", []),
    ("", []),
])
def test_what_a_text_tells_a_third_party_of_the_debt(text, told):
    assert reveals_debt(text, FACTS) == told


def test_a_third_party_contact_that_reveals_the_debt_is_refused_naming_the_body():
    with pytest.raises(DebtRevealed) as refused:
        validate_activity(ActivityInput(kind="call", party="relative", outcome="reached", body="Le expliqué que su hijo debe 1.234,56 €"),
                          TODAY, facts=FACTS)
    assert set(refused.value.errors) == {"body"}
    i18n.set_language("en")  # the reason is read in the reader's language (whatever an earlier test left set)
    try:
        assert "the amount owed" in str(refused.value.errors["body"])
    finally:
        i18n.set_language(None)


def test_a_third_party_contact_that_asks_for_a_call_back_is_recorded_as_such():
    a = validate_activity(ActivityInput(kind="call", party="employer", outcome="reached", body="Pedí que nos llame."), TODAY, facts=FACTS)
    assert a.party == "employer"
    # with the debtor, the debt is what the call is about
    assert validate_activity(ActivityInput(kind="call", outcome="reached", body="Debe 1.234,56 €"), TODAY, facts=FACTS).party == "debtor"


def test_an_unknown_party_is_refused():
    with pytest.raises(ActivityErrors) as refused:
        validate_activity(ActivityInput(kind="call", party="neighbour's dog", outcome="reached"), TODAY)
    assert "party" in refused.value.errors


# --- the vulnerable debtor --------------------------------------------------------------------------------------------

def test_a_vulnerable_debtors_cases_go_to_one_senior_negotiator():
    assert choose_senior({7: 12, 9: 4}, set()) == 9  # the fewest open cases
    assert choose_senior({7: 12, 9: 4}, {7}) == 7  # one already working the debtor's other case
    assert choose_senior({7: 4, 5: 4}, set()) == 5  # a tie: the lowest id
    assert choose_senior({}, set()) is None  # none: the cases keep their negotiator


def test_the_vulnerable_flag_says_why():
    assert "reason" in vulnerable_problems("")
    assert "reason" in vulnerable_problems("x" * 501)
    assert vulnerable_problems("Enfermedad grave, lo dijo su hermana") == {}


# --- templates for third parties --------------------------------------------------------------------------------------

def test_a_template_for_a_third_party_may_not_name_the_debt():
    check_template("", "Llame a {{ agency_name }} al {{ agency_phone }}, {{ debtor_name }}.", third_party=True)
    for field in ("outstanding", "creditor_name", "reference", "invoices_table", "portal_url", "payment_iban"):
        with pytest.raises(TemplateProblem) as refused:
            check_template("", f"Hola {{{{ debtor_name }}}}: {{{{ {field} }}}}", third_party=True)
        assert field in str(refused.value.message)
    check_template("", "Debe {{ outstanding }} a {{ creditor_name }}")  # for the debtor, it may


def test_the_seeded_callback_request_names_no_debt_in_the_four_languages():
    assert "callback_request" in THIRD_PARTY_TEMPLATES
    for key in THIRD_PARTY_TEMPLATES:
        channel, _name, texts = TEMPLATES[key]
        assert set(texts) == {"es", "en", "fr", "pt"}
        for subject, body in texts.values():
            check_template(subject, body, third_party=True)
