"""The debtor's door (pure): Redsys's HMAC_SHA256_V1 signature against the vectors of Redsys's published PHP
example, the notification check, proof of identity, the throttle and what a debtor may pay online."""
from __future__ import annotations

import base64
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from cases.portal import redsys
from cases.portal.rules import (
    AmountError,
    RequestError,
    callback_day,
    locked_for,
    online_amount,
    order_number,
    verifier_matches,
    verifier_on_file,
)

# Redsys's test key and the request of its PHP example (order "1"): the 3DES-derived key and the signature it
# publishes for them.
KEY = "Mk9m98IfEblmPfrpsawt7BmxObt98Jev"
PARAMS = ("eyJEU19NRVJDSEFOVF9BTU9VTlQiOiIxNDUiLCJEU19NRVJDSEFOVF9PUkRFUiI6IjEiLCJEU19NRVJDSEFOVF9NRVJDSEFOVENPREUiOiI5OTkwMDg4ODEiLCJE"
          "U19NRVJDSEFOVF9DVVJSRU5DWSI6Ijk3OCIsIkRTX01FUkNIQU5UX1RSQU5TQUNUSU9OVFlQRSI6IjAiLCJEU19NRVJDSEFOVF9URVJNSU5BTCI6Ijg3MSIsIkRT"
          "X01FUkNIQU5UX01FUkNIQU5UVVJMIjoiIiwiRFNfTUVSQ0hBTlRfVVJMT0siOiIiLCJEU19NRVJDSEFOVF9VUkxLTyI6IiJ9")


def test_the_signature_matches_redsys_published_example():
    assert base64.b64encode(redsys.order_key(KEY, "1")) == b"Lr6bLJYWKrk="
    assert base64.b64encode(redsys.sign(KEY, "1", PARAMS)) == b"3TEI5WyvHf1D/whByt1ENgFH/HPIP9UFuB6LkCYgj+E="
    assert redsys.decode_parameters(PARAMS)["DS_MERCHANT_AMOUNT"] == "145"
    # the other published test key ("sq7Hj..."), a 12-digit order: 16 bytes of derived key (two 3DES blocks)
    assert redsys.order_key("sq7HjrUOBfKmC576ILgskD5srU870gJ7", "000000000001") == b"/\x17\\6\n\x1aY\xf3\xd7\xa5\x97\xb9\xb6\xe0\x8dH"


def test_a_notification_is_accepted_only_with_redsys_signature_for_its_own_order():
    fields = redsys.notification_fields(KEY, {"Ds_Order": "0000000042AB", "Ds_Amount": "10000", "Ds_Currency": "978", "Ds_Response": "0000",
                                              "Ds_AuthorisationCode": "123456", "Ds_MerchantCode": "999008881"})
    note = redsys.verify_notification(KEY, fields["Ds_SignatureVersion"], fields["Ds_MerchantParameters"], fields["Ds_Signature"])
    assert (note.order, note.amount_cents, note.approved, note.authorisation) == ("0000000042AB", 10000, True, "123456")
    for response, approved in (("0099", True), ("0100", False), ("0190", False), ("9915", False)):
        f = redsys.notification_fields(KEY, {"Ds_Order": "0000000042AB", "Ds_Amount": "1", "Ds_Response": response})
        assert redsys.verify_notification(KEY, f["Ds_SignatureVersion"], f["Ds_MerchantParameters"], f["Ds_Signature"]).approved is approved
    with pytest.raises(redsys.SignatureError):  # signed with another key
        redsys.verify_notification("sq7HjrUOBfKmC576ILgskD5srU870gJ7", fields["Ds_SignatureVersion"], fields["Ds_MerchantParameters"],
                                   fields["Ds_Signature"])
    other = redsys.encode_parameters({"Ds_Order": "0000000042AB", "Ds_Amount": "1", "Ds_Response": "0000"})
    with pytest.raises(redsys.SignatureError):  # the parameters changed under the signature
        redsys.verify_notification(KEY, fields["Ds_SignatureVersion"], other, fields["Ds_Signature"])
    with pytest.raises(redsys.SignatureError):
        redsys.verify_notification(KEY, "HMAC_SHA512_V2", fields["Ds_MerchantParameters"], fields["Ds_Signature"])
    with pytest.raises(redsys.SignatureError):
        redsys.verify_notification(KEY, "HMAC_SHA256_V1", "not base64 json!", "x")


def test_the_request_carries_amount_order_and_method():
    r = redsys.payment_request(url="https://pay.test", secret_b64=KEY, merchant_code="999008881", terminal="1", order="0000000007ZZ",
                               amount_cents=2550, method="bizum", notification_url="https://a.test/n", ok_url="https://a.test/ok",
                               ko_url="https://a.test/ko", language="fr")
    sent = redsys.decode_parameters(r.fields["Ds_MerchantParameters"])
    assert (sent["DS_MERCHANT_AMOUNT"], sent["DS_MERCHANT_PAYMETHODS"], sent["DS_MERCHANT_CONSUMERLANGUAGE"]) == ("2550", "z", "004")
    assert base64.b64decode(r.fields["Ds_Signature"]) == redsys.sign(KEY, "0000000007ZZ", r.fields["Ds_MerchantParameters"])


def test_proof_of_identity():
    assert verifier_on_file("B46123451", "48001") == ("tax_id", "B46123451")
    assert verifier_on_file("", "48 001") == ("postal_code", "48001")  # a person without a tax id: the postal code
    assert verifier_on_file("", "") == ("", "")
    assert verifier_matches(" b-46.123.451 ", "B46123451") and verifier_matches("ESB46123451", "B46123451")
    assert not verifier_matches("B46123452", "B46123451") and not verifier_matches("", "") and not verifier_matches("x", "")


def test_five_wrong_answers_in_fifteen_minutes_lock_until_the_oldest_of_them_is_fifteen_minutes_old():
    now = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
    four = [now - timedelta(minutes=m) for m in (1, 2, 3, 4)]
    assert locked_for(four, now) is None
    assert locked_for([*four, now - timedelta(minutes=10)], now) == timedelta(minutes=5)  # 10 minutes ago + 15
    assert locked_for([*four, now - timedelta(minutes=16)], now) is None  # one is too old to count
    # fifteen in a day lock the case until the oldest of them is a day old
    day = [now - timedelta(hours=h) for h in range(1, 16)]
    assert locked_for(day, now, 15, timedelta(days=1)) == timedelta(hours=9)


def test_what_a_debtor_may_pay_online():
    owed = Decimal("1380.50")
    assert online_amount("100", owed) == Decimal("100") and online_amount("25,5", owed) == Decimal("25.5")
    assert online_amount("1380.50", owed) == owed
    for raw, reason in (("0", "minimum"), ("0.99", "minimum"), ("1380.51", "maximum"), ("-5", "format"), ("1e400", "format"),
                        ("1.005", "format"), ("", "format"), (None, "format"), ("NaN", "format"), ("1 000", "format")):
        with pytest.raises(AmountError, match=reason):
            online_amount(raw, owed)
    assert order_number(42, "ab12") == "00000042AB12" and len(order_number(10**12, "ab12")) == 12


def test_a_creditors_brackets_are_checked():
    from cases.portal.rules import Bracket, RequestError, check_brackets

    rules = [{"up_to": "300", "max_instalments": 1}, {"up_to": "3000.50", "max_instalments": 6, "min_first_percent": 20},
             {"up_to": None, "max_instalments": 24, "min_first_percent": 10}]
    assert check_brackets(rules, 45) == ((Bracket(300_00, 1), Bracket(3000_50, 6, 20), Bracket(None, 24, 10)), 45)
    for bad, field in ((rules[::-1], "order"), ([{"up_to": None, "max_instalments": 2}, {"up_to": "10", "max_instalments": 1}], "order"),
                       ([{"up_to": "x", "max_instalments": 2}], "amount"), ([{"up_to": None, "max_instalments": 61}], "instalments"),
                       ([{"up_to": None, "max_instalments": True}], "instalments"), ([{"up_to": None, "max_instalments": 2, "min_first_percent": 101}], "percent"),
                       ([], "list"), ("nope", "list")):
        with pytest.raises(RequestError, match=field):
            check_brackets(bad, 30)
    with pytest.raises(RequestError, match="range"):
        check_brackets(rules, 120)


def test_the_acknowledgement_says_what_the_law_of_the_case_says():
    from datetime import date

    from agency import i18n
    from cases.portal.rules import acknowledgement_text

    previous = i18n.get_language()
    i18n.set_language("en")
    parts = [(1, date(2027, 1, 5), 16666), (2, date(2027, 2, 5), 16667), (3, date(2027, 3, 5), 16667)]
    common = dict(debtor="Ana Pérez", creditor="Turia S.L.", creditor_tax_id="B46123451", agency="Recobros", reference="EXP-2026-000001",
                  invoices=["F-1"], outstanding=Decimal("500.00"), instalments=parts, method="transfer", day=date(2026, 12, 6))
    try:
        spain = acknowledgement_text(consumer=True, jurisdiction="ES", **common)
        france = acknowledgement_text(consumer=False, jurisdiction="FR", **common)
    finally:
        i18n.set_language(previous)
    assert "Código Civil, art. 1973" in spain and "Code civil, art. 2240" in france
    assert "consumer" in spain and "consumer" not in france  # no waiver of a consumer's rights (TRLGDCU art. 86)
    assert "3 monthly instalments" in spain and "EXP-2026-000001" in spain  # 166.66 + 166.67 + 166.67 = 500.00


def test_a_call_back_is_on_a_working_day_within_30_days():
    monday = date(2026, 12, 7)
    assert callback_day("2026-12-07", monday) == monday
    for raw, reason in (("2026-12-13", "closed"),  # a Sunday
                        ("2026-12-08", "closed"),  # la Inmaculada Concepción, a national holiday in Spain
                        ("2026-12-25", "closed"), ("2026-12-06", "range"), ("2027-01-07", "range"), ("7/12/2026", "format")):
        with pytest.raises(RequestError) as refused:
            callback_day(raw, monday)
        assert str(refused.value) == reason, raw
    assert callback_day("2026-12-12", monday) == date(2026, 12, 12)  # a Saturday morning is a working day for the agency
