"""Amounts as the reader's language writes them: the fast path of agency.i18n.format_money must
write exactly what babel writes, for every amount in whole cents, in both languages."""
from decimal import Decimal

from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from agency.i18n import _FORMAT_LOCALE, LANGUAGES, format_money, set_language

cents = st.integers(min_value=-10**13, max_value=10**13)


@given(cents=cents, language=st.sampled_from(sorted(LANGUAGES)), currency=st.sampled_from(["EUR", "GBP", "USD", "CHF"]))
def test_fast_path_writes_what_babel_writes(cents, language, currency):
    set_language(language)
    amount = Decimal(cents) / 100
    assert format_money(amount, currency) == format_currency(amount, currency, locale=_FORMAT_LOCALE[language])


def test_examples_from_the_interface_guide():
    set_language("es")
    assert format_money(Decimal("1234.56")) == "1.234,56\xa0€"
    assert format_money(Decimal("-0.05")) == "-0,05\xa0€"
    set_language("en")
    assert format_money(Decimal("1234.56")) == "€1,234.56"
    assert format_money(Decimal("-1234.56")) == "-€1,234.56"


def test_other_amounts_still_go_through_babel():
    set_language("en")
    assert format_money(Decimal("1.005")) == format_currency(Decimal("1.005"), "EUR", locale="en_IE")
    assert format_money(Decimal("1500"), "JPY") == format_currency(Decimal("1500"), "JPY", locale="en_IE")


def test_the_fast_path_is_taken_for_the_usual_currencies():
    from agency.i18n import _money_shape

    for language in LANGUAGES:
        for currency in ("EUR", "GBP", "USD"):
            assert _money_shape(language, currency) is not None, (language, currency)
