"""Pure rules of the workspace: throttling, identifiers, passwords, languages, file names."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from agency import i18n
from agency.http_utils import content_disposition, sanitise_filename
from agency.identifiers import InvalidIdentifier, normalise_iban, normalise_tax_id
from agency.security import hash_password, password_problem, token_hash, verify_password
from agency.throttle import (
    EMAIL_WINDOW,
    MAX_FAILURES_FROM_ONE_ADDRESS,
    MAX_FAILURES_PER_EMAIL,
    MAX_FAILURES_PER_IP,
    WINDOW,
    Attempt,
    wait_before_login,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def fails(n, start=NOW - timedelta(minutes=5), step=timedelta(seconds=10)):
    return [Attempt(at=start + i * step, succeeded=False) for i in range(n)]


HERE, THERE = "203.0.113.9", "198.51.100.7"


def fails_from(ip, n, start=NOW - timedelta(minutes=5), step=timedelta(seconds=10)):
    return [Attempt(at=start + i * step, succeeded=False, ip=ip) for i in range(n)]


class TestThrottle:
    def test_four_failures_still_allowed(self):
        assert wait_before_login(fails_from(HERE, MAX_FAILURES_FROM_ONE_ADDRESS - 1), [], NOW, HERE) is None

    def test_fifth_failure_locks_that_address_for_fifteen_minutes_from_the_last(self):
        attempts = fails_from(HERE, MAX_FAILURES_FROM_ONE_ADDRESS)
        wait = wait_before_login(attempts, [], NOW, HERE)
        assert wait == attempts[-1].at + WINDOW - NOW

    def test_a_stranger_locks_out_only_their_own_address(self):
        attempts = fails_from(THERE, MAX_FAILURES_FROM_ONE_ADDRESS * 3)
        assert wait_before_login(attempts, [], NOW, THERE) is not None
        assert wait_before_login(attempts, [], NOW, HERE) is None  # the owner signs in from theirs

    def test_lock_ends_when_the_window_has_passed(self):
        attempts = fails_from(HERE, MAX_FAILURES_FROM_ONE_ADDRESS, start=NOW - WINDOW - timedelta(minutes=1))
        assert wait_before_login(attempts, [], NOW, HERE) is None

    def test_success_clears_the_count_of_that_address(self):
        attempts = (fails_from(HERE, 4) + [Attempt(NOW - timedelta(minutes=1), True, HERE)]
                    + fails_from(HERE, 1, start=NOW - timedelta(seconds=30)))
        assert wait_before_login(attempts, [], NOW, HERE) is None

    def test_guessing_spread_over_many_addresses_is_held_at_the_slower_limit(self):
        spread = [a for n in range(MAX_FAILURES_PER_EMAIL // 2) for a in
                  fails_from(f"192.0.2.{n}", 2, start=NOW - timedelta(minutes=50) + n * timedelta(seconds=30))]
        assert len(spread) == MAX_FAILURES_PER_EMAIL
        wait = wait_before_login(spread, [], NOW, "192.0.2.200")  # a new address, under its own limit
        oldest = min(a.at for a in spread)
        assert wait == oldest + EMAIL_WINDOW - NOW  # until the oldest failure is an hour old
        assert wait_before_login(spread[1:], [], NOW, "192.0.2.200") is None  # one fewer: still allowed
        assert wait_before_login(spread, [], NOW, HERE) is not None  # the owner too, unless signed in within the hour
        signed_in = [*spread, Attempt(NOW - timedelta(minutes=55), True, HERE)]
        assert wait_before_login(signed_in, [], NOW, HERE) is None
        assert wait_before_login(signed_in, [], NOW, "192.0.2.200") is not None

    def test_address_lock_ignores_successes(self):
        by_ip = fails(MAX_FAILURES_PER_IP, step=timedelta(seconds=1)) + [Attempt(NOW - timedelta(seconds=1), True)]
        assert wait_before_login([], by_ip, NOW) is not None


class TestIdentifiers:
    @pytest.mark.parametrize(
        "country,raw,expected",
        [("ES", "b-4612345 1", "B46123451"), ("ES", "ESB46123451", "B46123451"), ("ES", "12345678z", "12345678Z"),
         ("ES", "X1234567L", "X1234567L"), ("FR", "732 829 320", "732829320"), ("FR", "73282932000074", "73282932000074"),
         ("FR", "FR 40 303 265 045", "303265045"), ("FR", "fr40303265045", "303265045"), ("PT", "501 442 600", "501442600"),
         ("PT", "PT501442600", "501442600")],
    )
    def test_valid_tax_ids_are_normalised(self, country, raw, expected):
        assert normalise_tax_id(country, raw) == expected

    @pytest.mark.parametrize("country,raw", [("ES", "B46123452"), ("ES", ""), ("FR", "732829321"), ("FR", "FR41303265045"), ("PT", "501442601"), ("DE", "123")])
    def test_invalid_tax_ids_are_refused_with_a_message(self, country, raw):
        with pytest.raises(InvalidIdentifier) as exc:
            normalise_tax_id(country, raw)
        assert str(exc.value)

    def test_iban(self):
        assert normalise_iban("es91 2100 0418 4502 0005 1332") == "ES9121000418450200051332"
        with pytest.raises(InvalidIdentifier):
            normalise_iban("ES9121000418450200051333")


class TestPasswords:
    def test_hash_and_verify(self):
        h = hash_password("a long enough secret")
        assert h.startswith("$argon2id$")
        assert verify_password(h, "a long enough secret")
        assert not verify_password(h, "a long enough secreT")
        assert not verify_password(None, "anything")

    def test_rules(self):
        assert password_problem("short") is not None
        assert password_problem("me@example.test", "me@example.test") is not None
        assert password_problem("correct-horse-battery") is None

    def test_token_hash_is_stable_sha256(self):
        assert token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


class TestLanguage:
    def test_pick_language_order(self):
        assert i18n.pick_language("en", "es", "es-ES") == "en"
        assert i18n.pick_language(None, "en", "es") == "en"
        assert i18n.pick_language(None, None, "en-GB,en;q=0.9") == "en"
        assert i18n.pick_language(None, "de", "de-DE") == "es"

    def test_money_and_dates_follow_the_reader(self):
        from datetime import date

        i18n.set_language("es")
        assert i18n.format_money(Decimal("1234.56")) == "1.234,56\xa0€"
        assert i18n.format_day(date(2026, 11, 23)) == "23/11/2026"
        i18n.set_language("en")
        assert i18n.format_money(Decimal("1234.56")) == "€1,234.56"
        assert i18n.format_day(date(2026, 11, 23)) == "23 Nov 2026"
        i18n.set_language("es")

    def test_moments_kept_as_text_in_event_data_are_shown_in_the_readers_format(self):
        # a hearing's time is kept with its offset; one without is Madrid's (the courts' clock)
        i18n.set_language("es")
        assert i18n.format_moment("2026-03-29T10:30:00+02:00") == "29/03/2026 10:30"
        assert i18n.format_moment("2026-03-29T08:30:00+00:00") == "29/03/2026 10:30"
        assert i18n.format_moment("2026-01-15T09:00") == "15/01/2026 09:00"
        assert i18n.format_moment("not a time") == "not a time"
        assert i18n.format_moment("") == ""
        i18n.set_language("en")
        assert i18n.format_moment("2026-01-15T09:00:00+01:00") == "15 Jan 2026 09:00"
        i18n.set_language("es")

    def test_spanish_catalog_is_compiled_and_used(self):
        i18n.set_language("es")
        assert i18n.gettext("Sign in") == "Iniciar sesión"
        i18n.set_language("en")
        assert i18n.gettext("Sign in") == "Sign in"
        i18n.set_language("es")


class TestFileNames:
    @pytest.mark.parametrize(
        "raw,expected",
        [("../../etc/passwd", "passwd"), ("C:\\Users\\x\\factura 1.pdf", "factura 1.pdf"), ("a\x00b\nc.pdf", "abc.pdf"),
         ("", "file"), ("...", "file")],
    )
    def test_sanitise(self, raw, expected):
        assert sanitise_filename(raw) == expected

    def test_content_disposition_has_ascii_fallback_and_utf8_name(self):
        header = content_disposition('Factura "Año" 2026.pdf')
        assert header.startswith('attachment; filename="Factura Ano 2026.pdf"')
        assert "filename*=UTF-8''Factura%20%22A%C3%B1o%22%202026.pdf" in header
