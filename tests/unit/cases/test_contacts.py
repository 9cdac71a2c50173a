from datetime import date

import pytest

from cases.contacts.rules import ActivityErrors, ActivityInput, normalise_phone, validate_activity

TODAY = date(2026, 11, 23)


def test_a_call_with_a_promise():
    a = validate_activity(ActivityInput(kind="call", outcome="promise_to_pay", contact="600 123 456", body="Paga el viernes",
                                        next_action_on="2026-11-27"), TODAY)
    assert a.contact == "+34600123456" and a.next_action_on == date(2026, 11, 27) and not a.certified


def test_an_email_contact_and_a_next_action_within_two_years():
    a = validate_activity(ActivityInput(kind="email", outcome="sent", contact="pagos@peris.es", body="x", next_action_on="2028-11-23"), TODAY)
    assert a.contact == "pagos@peris.es" and a.next_action_on == date(2028, 11, 23)


def test_burofax_is_certified():
    assert validate_activity(ActivityInput(kind="burofax", outcome="sent", body="Requerimiento de pago"), TODAY).certified


@pytest.mark.parametrize("inp,field", [
    (ActivityInput(kind="pigeon", body="x"), "kind"),
    (ActivityInput(kind="call", contact="12", outcome="reached"), "contact"),
    (ActivityInput(kind="call", body=""), "body"),
    (ActivityInput(kind="note", body=""), "body"),
    (ActivityInput(kind="call", outcome="reached", next_action_on="2026-11-22"), "next_action_on"),
    (ActivityInput(kind="call", outcome="teleported"), "outcome"),
    (ActivityInput(kind="email", outcome="sent", contact="no-es-un-correo", body="x"), "contact"),
    (ActivityInput(kind="call", outcome="reached", next_action_on="9999-12-31"), "next_action_on"),
    (ActivityInput(kind="call", outcome="reached", next_action_on="2028-11-24"), "next_action_on"),
])
def test_refusals(inp, field):
    with pytest.raises(ActivityErrors) as exc:
        validate_activity(inp, TODAY)
    assert field in exc.value.errors


def test_phones_of_the_three_countries():
    assert normalise_phone("+33 1 42 68 53 00") == "+33142685300"
    assert normalise_phone("912 345 678", "PT") == "+351912345678"
    with pytest.raises(ValueError):
        normalise_phone("call me")


def test_a_promise_goes_with_its_outcome_and_both_its_fields():
    from cases.contacts.rules import promise_fields_problem

    assert promise_fields_problem("reached", "2026-12-15", "100", False)[0] == "outcome"
    assert promise_fields_problem("promise_to_pay", "", "100", False)[0] == "promised_on"
    assert promise_fields_problem("promise_to_pay", "2026-12-15", "", False)[0] == "promise_amount"
    assert promise_fields_problem("promise_to_pay", "", "", False) is None  # the API: the promise may come through /promises
    assert promise_fields_problem("promise_to_pay", "", "", True)[0] == "promised_on"  # the case page asks for it
    assert promise_fields_problem(" PROMISE_TO_PAY", "2026-12-15", "100", True) is None
    assert promise_fields_problem("reached", "", "", True) is None
