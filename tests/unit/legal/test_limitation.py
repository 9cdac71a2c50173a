"""Limitation: 5 years (Código Civil 1964.2), interruptions that restart it (art. 1973), mediation
that suspends it (Ley 5/2012), and the warning before the date."""
from datetime import date

import pytest

from agency import i18n
from legal.rules.limitation import Interruption, Suspension, add_years, limitation

DUE = date(2021, 4, 1)  # payment could be demanded from 1 April 2021
TODAY = date(2026, 1, 15)


@pytest.fixture(autouse=True)
def english():
    i18n.set_language("en")
    yield
    i18n.set_language("es")


def test_plain_five_years():
    lim = limitation(DUE, "ES", [], [], TODAY)
    assert lim.date == date(2026, 4, 1) and lim.starts_on == DUE
    assert not lim.prescribed and not lim.suspended and lim.days_left == 76 and lim.warn
    assert str(lim.basis) == "5 years from 1 Apr 2021, when payment could be demanded."


def test_burofax_restarts_the_period():
    lim = limitation(DUE, "ES", [Interruption(date(2026, 3, 3), "certified_demand")], [], TODAY)
    assert lim.date == date(2031, 3, 3) and lim.starts_on == date(2026, 3, 3) and not lim.warn
    assert str(lim.basis) == "5 years from the certified demand of 3 Mar 2026."


def test_acknowledgement_restarts_and_the_last_interruption_counts():
    events = [Interruption(date(2024, 6, 10), "acknowledgement"), Interruption(date(2023, 1, 5), "certified_demand")]
    lim = limitation(DUE, "ES", events, [], TODAY)
    assert lim.date == date(2029, 6, 10) and "acknowledgement" in str(lim.basis)


def test_interruption_after_expiry_is_ignored():
    # the period ended on 1 April 2026; an acknowledgement on 2 April 2026 does not revive it
    lim = limitation(DUE, "ES", [Interruption(date(2026, 4, 2), "acknowledgement")], [], date(2026, 5, 1))
    assert lim.date == date(2026, 4, 1) and lim.prescribed and lim.warn and lim.days_left == -30
    assert "do not revive" in str(lim.basis)


def test_interruption_on_the_last_day_is_in_time():
    lim = limitation(DUE, "ES", [Interruption(date(2026, 4, 1), "court_claim")], [], date(2026, 5, 1))
    assert lim.date == date(2031, 4, 1) and not lim.prescribed


def test_mediation_extends_by_its_length():
    # mediation from 10 January to 9 February 2024: 30 days; 1 April 2026 + 30 days = 1 May 2026
    lim = limitation(DUE, "ES", [], [Suspension(date(2024, 1, 10), date(2024, 2, 9))], TODAY)
    assert lim.date == date(2026, 5, 1) and not lim.suspended
    assert "30 days" in str(lim.basis)


def test_open_mediation_stops_the_clock():
    lim = limitation(DUE, "ES", [], [Suspension(date(2025, 12, 1), None)], TODAY)
    assert lim.date is None and lim.suspended and lim.days_left is None and not lim.prescribed and not lim.warn
    assert "1 Dec 2025" in str(lim.basis)


def test_suspension_then_interruption():
    # the 30 days of mediation belonged to the old period; the demand of 3 March 2025 starts a fresh one
    lim = limitation(DUE, "ES", [Interruption(date(2025, 3, 3), "certified_demand")],
                     [Suspension(date(2024, 1, 10), date(2024, 2, 9))], TODAY)
    assert lim.date == date(2030, 3, 3)


def test_interruption_during_a_mediation_keeps_the_rest_of_it():
    # mediation 1 March to 31 March 2025, acknowledgement 11 March: 20 suspended days follow it
    lim = limitation(DUE, "ES", [Interruption(date(2025, 3, 11), "acknowledgement")],
                     [Suspension(date(2025, 3, 1), date(2025, 3, 31))], TODAY)
    assert lim.date == date(2030, 3, 31) and lim.starts_on == date(2025, 3, 11)


def test_mediation_after_expiry_does_not_suspend():
    lim = limitation(DUE, "ES", [], [Suspension(date(2026, 4, 2), None)], date(2026, 5, 1))
    assert lim.date == date(2026, 4, 1) and lim.prescribed and not lim.suspended


def test_a_demand_letter_does_not_interrupt_in_france():
    lim = limitation(DUE, "FR", [Interruption(date(2024, 5, 5), "certified_demand")], [], TODAY)
    assert lim.date == date(2026, 4, 1) and "does not interrupt" in str(lim.basis)
    assert limitation(DUE, "FR", [Interruption(date(2024, 5, 5), "acknowledgement")], [], TODAY).date == date(2029, 5, 5)


def test_29_february():
    assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert limitation(date(2024, 2, 29), "ES", [], [], TODAY).date == date(2029, 2, 28)


def test_warning_at_90_days():
    # date 1 April 2026: 90 days before is 1 January 2026
    assert limitation(DUE, "ES", [], [], date(2026, 1, 1)).warn
    assert not limitation(DUE, "ES", [], [], date(2025, 12, 31)).warn
    assert limitation(DUE, "ES", [], [], date(2026, 4, 1)).days_left == 0
    assert not limitation(DUE, "ES", [], [], date(2026, 4, 1)).prescribed
    assert limitation(DUE, "ES", [], [], date(2026, 4, 2)).prescribed


def test_bad_input():
    with pytest.raises(ValueError):
        limitation(DUE, "ES", [Interruption(date(2024, 1, 1), "phone_call")], [], TODAY)
    with pytest.raises(ValueError):
        limitation(DUE, "ES", [], [Suspension(date(2024, 2, 1), date(2024, 1, 1))], TODAY)


def test_a_french_consumer_debt_prescribes_in_two_years():
    """Code de la consommation L218-2: a professional's claim on a consumer, 2 years; between businesses 5
    (Code de commerce L110-4); Spain keeps 5 for both (Código Civil 1964.2)."""
    consumer = limitation(DUE, "FR", [], [], TODAY, consumer=True)
    assert consumer.date == date(2023, 4, 1) and consumer.prescribed
    assert "2 years" in str(consumer.basis) and "L218-2" in str(consumer.basis)
    assert limitation(DUE, "FR", [], [], TODAY).date == date(2026, 4, 1)
    assert limitation(DUE, "ES", [], [], TODAY, consumer=True).date == date(2026, 4, 1)
    # an acknowledgement restarts the shorter period too
    acknowledged = limitation(DUE, "FR", [Interruption(date(2022, 9, 1), "acknowledgement")], [], TODAY, consumer=True)
    assert acknowledged.date == date(2024, 9, 1)


def test_the_invoices_a_claim_review_warns_of():
    """Two invoices of a French consumer on 15 Jan 2026: the one due in April 2021 ran out in April 2023 (2 years), the one due
    in June 2025 has not; a company's April 2021 invoice still has until April 2026 (5 years)."""
    from legal.rules.limitation import time_barred

    invoices = [("F-1", DUE), ("F-2", date(2025, 6, 1))]
    assert time_barred(invoices, "FR", True, TODAY) == [("F-1", date(2023, 4, 1))]
    assert time_barred(invoices, "FR", False, TODAY) == []


# --- Portugal (LEGAL.md, rev. 6 December 2026): 20 years (Código Civil 309); 2 years for a merchant's claim on a
# non-merchant (art. 317 b), a presumption of payment rebutted only by the debtor's confession (art. 313).

def test_portuguese_business_claim_from_2019_is_alive():
    # Due 15 March 2019; 20 years date to date: 15 March 2039. On 6 December 2026 it is 4,482 days away
    # (2026-12-06 -> 2039-03-15: 12 years of 365 days + 3 leap days (2028, 2032, 2036) + 99 days).
    lim = limitation(date(2019, 3, 15), "PT", [], [], date(2026, 12, 6), consumer=False)
    assert lim.date == date(2039, 3, 15) and not lim.prescribed
    assert lim.days_left == (date(2039, 3, 15) - date(2026, 12, 6)).days == 12 * 365 + 3 + 99
    assert "20 years" in str(lim.basis) and "Código Civil art. 309" in str(lim.basis)


def test_portuguese_consumer_claim_is_presumed_paid_after_two_years():
    lim = limitation(date(2019, 3, 15), "PT", [], [], date(2026, 12, 6), consumer=True)
    assert lim.date == date(2021, 3, 15) and lim.prescribed
    assert "317 b)" in str(lim.basis)


def test_a_written_acknowledgement_rebuts_the_portuguese_presumption():
    # Due 1 June 2024, acknowledged in writing on 1 March 2025: the presumption of payment falls (art. 313), so
    # the ordinary 20 years run again from the acknowledgement: 1 March 2045.
    lim = limitation(date(2024, 6, 1), "PT", [Interruption(date(2025, 3, 1), "acknowledgement")], [], date(2026, 12, 6), consumer=True)
    assert lim.date == date(2045, 3, 1) and not lim.prescribed
    assert "art. 313" in str(lim.basis)


def test_spain_keeps_five_years_and_says_nothing_of_other_codes():
    lim = limitation(date(2019, 3, 15), "ES", [], [], date(2026, 12, 6))
    assert lim.date == date(2024, 3, 15) and lim.prescribed and "309" not in str(lim.basis)
