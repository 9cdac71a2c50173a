"""Webhooks' pure rules: the signature (a known vector), the retry schedule, the addresses refused, what each case event
tells a creditor's system."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

from cases.webhooks import rules

BODY = b'{"id":"evt_1","type":"payment.received"}'
SECRET = "whsec_test_secret"
T = 1700000000
# HMAC-SHA256(key="whsec_test_secret", "1700000000." + BODY), worked out apart from the code (openssl dgst -sha256 -hmac)
VECTOR = "417e48e27c09ddb9d862ae67e91ccaab53e8e595db594f91e2c403f1a6fe1cce"


def test_the_signature_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body():
    assert hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest() == VECTOR
    assert rules.signature(SECRET, T, BODY) == VECTOR
    assert rules.signature_header(SECRET, T, BODY) == f"t=1700000000,v1={VECTOR}"


def test_a_receiver_verifies_the_header_within_its_tolerance():
    header = rules.signature_header(SECRET, T, BODY)
    assert rules.verify(SECRET, header, BODY, now=T + 10)
    assert not rules.verify(SECRET, header, BODY + b" ", now=T)  # another body
    assert not rules.verify("whsec_other", header, BODY, now=T)  # another secret
    assert not rules.verify(SECRET, header, BODY, now=T + rules.SIGNATURE_TOLERANCE + 1)  # too old: a replayed request
    assert not rules.verify(SECRET, "t=abc,v1=00", BODY, now=T)
    # a second v1 (a rotated secret, as Stripe's header may carry) is accepted when one of them is right
    assert rules.verify(SECRET, f"t={T},v1=00,v1={VECTOR}", BODY, now=T)


def test_secrets_are_long_random_and_recognisable():
    a, b = rules.new_secret(), rules.new_secret()
    assert a != b and a.startswith("whsec_") and len(a) > 40


def test_retries_back_off_to_an_hour_and_stop_a_day_after_the_first_attempt():
    assert [rules.delay_after(n) for n in range(1, 9)] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60)]
    first = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
    assert rules.next_attempt(first, 1, first) == first + timedelta(minutes=1)
    assert rules.next_attempt(first, 3, first + timedelta(minutes=3)) == first + timedelta(minutes=7)
    late = first + timedelta(hours=23, minutes=30)
    assert rules.next_attempt(first, 20, late) is None  # an hour more would be past the day
    assert rules.next_attempt(first, 20, first + timedelta(hours=22)) == first + timedelta(hours=23)
    # the whole day: how many attempts at most
    at, failures = first, 0
    while True:
        failures += 1
        following = rules.next_attempt(first, failures, at)
        if following is None:
            break
        at = following
    assert 25 <= failures <= 35 and at <= first + rules.RETRY_WINDOW


def test_only_http_and_https_addresses_without_credentials():
    assert rules.url_shape_problem("https://hooks.example.com/agency") is None
    assert rules.url_shape_problem("http://hooks.example.com:8080/x?y=1") is None
    for bad in ("", "ftp://example.com/x", "javascript:alert(1)", "file:///etc/passwd", "https://", "https://user:pw@example.com/",
                "https://exa mple.com/", "https://example.com:99999/", "example.com/hook", "https://example.com/" + "a" * 2000):
        assert rules.url_shape_problem(bad), bad


def test_private_loopback_and_link_local_addresses_are_refused_unless_allowed():
    for private in ("127.0.0.1", "10.1.2.3", "192.168.1.1", "172.16.0.5", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1%eth0",
                    "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1"):
        assert not rules.is_public(private), private
        assert rules.address_problem([private], allow_private=False)
        assert rules.address_problem([private], allow_private=True) is None
    for public in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"):
        assert rules.is_public(public), public
    assert rules.address_problem(["93.184.216.34"], allow_private=False) is None
    # one private address among public ones is enough to refuse: which one is used is the resolver's choice
    assert rules.address_problem(["93.184.216.34", "10.0.0.1"], allow_private=False)
    assert rules.address_problem([], allow_private=True)  # a name that resolves to nothing
    assert "127.0.0.1" in rules.address_problem(["127.0.0.1"], allow_private=False)


def test_event_types_are_checked():
    assert rules.event_types(["payment.received", "case.opened", "case.opened"]) == (["case.opened", "payment.received"], None)
    assert rules.event_types("case.opened, decision.needed") == (["case.opened", "decision.needed"], None)
    for bad in ([], "", None, ["payment.sent"], [1], {"a": 1}):
        types, problem = rules.event_types(bad)
        assert types == [] and problem, bad


def test_what_each_case_event_tells_and_nothing_of_the_debtor():
    assert rules.webhook_event("note", {"text": "llamó"}) is None
    assert rules.webhook_event("claim_opened", {"invoices": ["F-1", "F-2"], "total": "1300.00", "evidence": 0}) == (
        "case.opened", {"invoices": 2, "total": "1300.00", "currency": "EUR", "via": "claim"})
    assert rules.webhook_event("claim_opened", {"import": "f.csv", "invoices": 3, "total": "10.00"})[1]["via"] == "import"
    assert rules.webhook_event("stage_changed", {"from": "intake", "to": "amicable", "outcome": "", "reason": "El deudor dijo..."}) == (
        "case.stage_changed", {"from": "intake", "to": "amicable", "outcome": None})  # staff's reason stays in the agency
    assert rules.webhook_event("payment", {"entry_id": 5, "amount": "100.00", "received_on": "2026-12-01", "method": "transfer"}, "EUR") == (
        "payment.received", {"amount": "100.00", "currency": "EUR", "received_on": "2026-12-01", "method": "transfer"})
    kind, data = rules.webhook_event("legal_proposed", {"action": 3, "estimate": {"procedure": "monitorio", "claim_amount": "5000.00"},
                                                        "note": "nota interna"})
    assert kind == "decision.needed" and data["decision"] == "legal_action" and data["procedure"] == "monitorio" and "note" not in data
    assert rules.webhook_event("bureau_notice", {"delivered_on": "2026-12-01", "channel": "burofax"})[1] == {
        "decision": "bureau_authorisation", "notice_delivered_on": "2026-12-01"}
    assert rules.webhook_event("bureau_notice", {"delivered_on": "2026-12-01"}, bureau_authorised=True) is None


def test_the_envelope_is_the_contracts():
    at = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
    body = rules.envelope("evt_9", "payment.received", at, rules.case_block(4, "EXP-2026-000004", "", "amicable"), {"amount": "1.00"})
    assert body == {"id": "evt_9", "type": "payment.received", "created_at": "2026-12-07T09:00:00Z",
                    "data": {"case": {"id": 4, "reference": "EXP-2026-000004", "creditor_reference": None, "stage": "amicable"}, "amount": "1.00"}}


def test_the_connection_goes_to_the_address_checked_with_the_hosts_own_name():
    assert rules.pinned("https://hooks.example.com/in?x=1#frag", "93.184.216.34") == (
        "https://93.184.216.34/in?x=1", "hooks.example.com", "hooks.example.com")
    assert rules.pinned("http://hooks.example.com:8080", "2606:2800:220:1::1") == (
        "http://[2606:2800:220:1::1]:8080/", "hooks.example.com:8080", "hooks.example.com")
    assert rules.pinned("http://[::1]:81/x", "::1") == ("http://[::1]:81/x", "[::1]:81", "::1")
