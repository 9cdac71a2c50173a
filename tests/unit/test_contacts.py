from datetime import date

import pytest

from cases.contacts import ActivityErrors, ActivityInput, normalise_phone, validate_activity

TODAY = date(2026, 11, 23)


def test_a_call_with_a_promise():
    a = validate_activity(ActivityInput(kind="call", outcome="promise_to_pay", contact="600 123 456", body="Paga el viernes",
                                        next_action_on="2026-11-27"), TODAY)
    assert a.contact == "+34600123456" and a.next_action_on == date(2026, 11, 27) and not a.certified


def test_burofax_is_certified():
    assert validate_activity(ActivityInput(kind="burofax", outcome="sent", body="Requerimiento de pago"), TODAY).certified


@pytest.mark.parametrize("inp,field", [
    (ActivityInput(kind="pigeon", body="x"), "kind"),
    (ActivityInput(kind="call", contact="12", outcome="reached"), "contact"),
    (ActivityInput(kind="call", body=""), "body"),
    (ActivityInput(kind="note", body=""), "body"),
    (ActivityInput(kind="call", outcome="reached", next_action_on="2026-11-22"), "next_action_on"),
    (ActivityInput(kind="call", outcome="teleported"), "outcome"),
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
