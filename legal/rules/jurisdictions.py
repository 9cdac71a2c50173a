"""The jurisdiction table (pure data): every legal number the product applies, with where it comes
from, in ONE place (LEGAL.md). Items marked unconfirmed are data an admin can correct, not truths
baked into logic. Rules in any package may read this module; it reads nothing."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

# ECB main refinancing operations rate, by the date each change took effect (derived from the ECB's
# published decisions; check against the BOE/JO resolutions before calling a figure confirmed).
ECB_MAIN_REFINANCING = {
    date(2016, 3, 16): Decimal("0.00"),
    date(2022, 7, 27): Decimal("0.50"),
    date(2022, 9, 14): Decimal("1.25"),
    date(2022, 11, 2): Decimal("2.00"),
    date(2022, 12, 21): Decimal("2.50"),
    date(2023, 2, 8): Decimal("3.00"),
    date(2023, 3, 22): Decimal("3.50"),
    date(2023, 5, 10): Decimal("3.75"),
    date(2023, 6, 21): Decimal("4.00"),
    date(2023, 8, 2): Decimal("4.25"),
    date(2023, 9, 20): Decimal("4.50"),
    date(2024, 6, 12): Decimal("4.25"),
    date(2024, 9, 18): Decimal("3.65"),
    date(2024, 10, 23): Decimal("3.40"),
    date(2024, 12, 18): Decimal("3.15"),
    date(2025, 2, 5): Decimal("2.90"),
    date(2025, 3, 12): Decimal("2.65"),
    date(2025, 4, 23): Decimal("2.40"),
    date(2025, 6, 11): Decimal("2.15"),
}
# The table above is known to be complete up to this day (the Spanish 1H2026 rate, 10.15 %, confirms no change
# through 31 December 2025). A late-payment rate derived from a later ECB reference (France and Portugal
# from 2H2026; a rise to 2.40 % in June 2026 is reported but unconfirmed) is provisional until an admin adds
# the ECB decision or confirms there was none (the rates page).
ECB_CONFIRMED_THROUGH = date(2025, 12, 31)

# Spain, Ley 3/2004 art. 7 (as amended by Ley 11/2013): ECB rate + 8 points, fixed per half-year and
# published by the Treasury in the BOE. LEGAL.md's figures, derived from the ECB rate.
ES_LATE_PAYMENT_HALF_YEARS = {
    # ECB rate 0.00 from 16 March 2016 to 27 July 2022: 8.00 for every half-year in between.
    **{date(year, month, 1): Decimal("8.00") for year in range(2016, 2023) for month in (1, 7) if date(2016, 7, 1) <= date(year, month, 1) <= date(2022, 1, 1)},
    date(2022, 7, 1): Decimal("8.00"),
    date(2023, 1, 1): Decimal("10.50"),
    date(2023, 7, 1): Decimal("12.00"),
    date(2024, 1, 1): Decimal("12.50"),
    date(2024, 7, 1): Decimal("12.25"),
    date(2025, 1, 1): Decimal("11.15"),
    date(2025, 7, 1): Decimal("10.15"),
    date(2026, 1, 1): Decimal("10.15"),
}

# Spain, interés legal del dinero (budget law, per year). 2016-2020 from a secondary source; 2023-2025 unconfirmed.
ES_LEGAL_INTEREST = {
    2016: Decimal("3.00"), 2017: Decimal("3.00"), 2018: Decimal("3.00"), 2019: Decimal("3.00"), 2020: Decimal("3.00"),
    2021: Decimal("3.00"), 2022: Decimal("3.00"), 2023: Decimal("3.25"), 2024: Decimal("3.25"), 2025: Decimal("3.25"),
    2026: Decimal("3.25"),
}

# France, taux de l'intérêt légal (Code monétaire et financier L313-2), fixed per half-year by arrêté: the
# rate for "all other cases" (the creditor is not a private person; the agency's creditors are companies).
# *Unconfirmed*: the published arrêtés as recalled, to be checked and kept here like the Spanish tables.
FR_LEGAL_INTEREST_HALF_YEARS = {
    date(2020, 1, 1): Decimal("0.87"), date(2020, 7, 1): Decimal("0.84"),
    date(2021, 1, 1): Decimal("0.79"), date(2021, 7, 1): Decimal("0.76"),
    date(2022, 1, 1): Decimal("0.76"), date(2022, 7, 1): Decimal("0.77"),
    date(2023, 1, 1): Decimal("2.06"), date(2023, 7, 1): Decimal("4.22"),
    date(2024, 1, 1): Decimal("5.07"), date(2024, 7, 1): Decimal("4.92"),
    date(2025, 1, 1): Decimal("3.71"), date(2025, 7, 1): Decimal("2.76"),
    date(2026, 1, 1): Decimal("2.62"),  # arrêté of 15 December 2025 (LEGAL.md, rev. 6 December 2026)
}

# Portugal, juros civis (Código Civil art. 559, Portaria 291/2003): 4 % a year since 1 May 2003.
PT_LEGAL_INTEREST = Decimal("4.00")
PT_LEGAL_INTEREST_FIRST_YEAR = 2004  # the first whole year at 4 %


@dataclass(frozen=True)
class Jurisdiction:
    country: str
    ecb_margin: Decimal  # points over the ECB rate for late payment between businesses
    compensation_per_invoice: Decimal  # fixed recovery costs per late invoice, business debtors
    limitation_years: int
    max_payment_term_days: int
    consumer_limitation_years: int | None = None  # where a professional's claim on a consumer prescribes sooner
    consumer_limitation_source: str = ""  # the article, as cited in the reckoning shown on the case
    # Portugal's 2 years are a presumption of payment (Código Civil 312, 317 b), rebutted only by the debtor's
    # confession (art. 313): once the debtor acknowledged the debt in writing, the ordinary period applies.
    consumer_limitation_presumptive: bool = False
    limitation_source: str = ""
    # A consumer is in default only from a demand for payment (Spain, Código Civil 1100; France, Code civil
    # 1231-6): their interest runs from the day after a delivered demand or the court claim, not the due date.
    consumer_interest_from_demand: bool = False
    # Portugal, Lei 49/2004 art. 1: negotiating the collection of a debt is an act reserved to lawyers and
    # solicitadores: the agency's lawyers work Portuguese cases, not its negotiators.
    negotiation_by_lawyers_only: bool = False
    # France, CPCE L111-8: the costs of amicable recovery stay with the creditor; none is charged to the debtor
    # before a court title (a debtor-borne cost only once the case is in court).
    amicable_costs_on_debtor: bool = True


JURISDICTIONS = {
    # Ley 3/2004 (+8 points, 40 EUR art. 8 unconfirmed), Código Civil 1964.2 (5 years), 60 days between businesses.
    "ES": Jurisdiction("ES", Decimal("8"), Decimal("40.00"), 5, 60, consumer_interest_from_demand=True),
    # Code de commerce L441-10 (+10 points), D441-5 (40 EUR), L110-4 (5 years), 60 days; a professional's
    # action for goods or services supplied to a consumer prescribes in 2 years (Code de la consommation L218-2).
    "FR": Jurisdiction("FR", Decimal("10"), Decimal("40.00"), 5, 60, consumer_limitation_years=2,
                       consumer_limitation_source="Code de la consommation L218-2", consumer_interest_from_demand=True,
                       amicable_costs_on_debtor=False),
    # DL 62/2013 (+8 points, at least 40 EUR), 60 days; limitation: the ordinary 20 years (Código Civil 309);
    # a merchant's claim for goods or services supplied to a non-merchant, 2 years (art. 317 b), a presumption
    # of payment rebutted only by the debtor's confession (art. 313).
    "PT": Jurisdiction("PT", Decimal("8"), Decimal("40.00"), 20, 60, consumer_limitation_years=2,
                       consumer_limitation_source="Código Civil art. 317 b)", consumer_limitation_presumptive=True,
                       limitation_source="Código Civil art. 309", negotiation_by_lawyers_only=True),
}

# Credit-bureau files (LOPDGDD art. 20 and additional provision 6).
BUREAU_MIN_PRINCIPAL = Decimal("50.00")
BUREAU_MAX_YEARS = 5


def half_year_start(day: date) -> date:
    return date(day.year, 1, 1) if day.month < 7 else date(day.year, 7, 1)


ECB_KEY = "EU"  # how an ECB decision an admin adds is keyed among the added rates (the country column is two letters)


def ecb_rate_on(day: date, added: Mapping[tuple[str, date], Decimal] = MappingProxyType({})) -> Decimal:
    """The ECB main refinancing rate in force on ``day``: the shipped decisions and those an admin added."""
    rate = None
    table = {**ECB_MAIN_REFINANCING, **{since: value for (c, since), value in added.items() if c == ECB_KEY}}
    for since, value in sorted(table.items()):
        if since <= day:
            rate = value
    if rate is None:
        raise LookupError(f"no ECB rate known for {day}")
    return rate


# Rates admins entered (the interest_rates table), laid over the shipped table: the services read them
# (cases.billing.balances.published_rates) and pass them in, so a computation depends on its arguments only.
AddedRates = Mapping[tuple[str, date], Decimal]  # (series, first day of the period) -> yearly %
NO_ADDED_RATES: AddedRates = MappingProxyType({})
# The series an added rate belongs to: Spain's late-payment rate is "ES"; an ECB decision "EU" (ECB_KEY);
# a legal interest rate "<country>:legal".
LEGAL_SERIES = "{}:legal"


def added_series(kind: str, country: str) -> str:
    """The key of an admin-added rate of ``kind`` ("late_payment", "legal", "ecb") for ``country``."""
    return {"late_payment": country, "legal": LEGAL_SERIES.format(country), "ecb": "EU"}[kind]


def _es_table(added: AddedRates) -> dict[date, Decimal]:
    return {**ES_LATE_PAYMENT_HALF_YEARS, **{day: rate for (country, day), rate in added.items() if country == "ES"}}


class MissingRate(LookupError):
    """A half-year before the table's first entry: never a silent zero."""


def late_payment_rate(country: str, half_year: date, added: AddedRates = NO_ADDED_RATES) -> Decimal:
    """The yearly rate (in %) for the half-year starting on ``half_year``. Spain: the BOE table (and
    the rates admins add); a half-year after its last entry takes the latest known rate and is
    provisional (rate_is_provisional). France: the ECB rate on 1 January or 1 July, + 10;
    Portugal: the same reference + 8."""
    if country == "ES":
        table = _es_table(added)
        if half_year in table:
            return table[half_year]
        if half_year < min(table):
            raise MissingRate(f"No Spanish late-payment rate for the half-year starting {half_year.isoformat()}: "
                              "an admin must add it to the rates table.")
        return table[max(day for day in table if day < half_year)]
    # The rate in force before the half-year starts (a decision effective on 1 July would not count).
    reference = ecb_rate_on(date.fromordinal(half_year.toordinal() - 1), added)
    return reference + JURISDICTIONS[country].ecb_margin


def rate_is_provisional(country: str, half_year: date, added: AddedRates = NO_ADDED_RATES) -> bool:
    """True when the half-year's rate is not known yet and the latest one stands in: Spain's when the BOE table
    lacks it; France's and Portugal's when the ECB reference day (the day before the half-year) is after the
    days the ECB table is known to cover (ECB_CONFIRMED_THROUGH, or a later ECB decision an admin added)."""
    if country == "ES":
        return half_year not in _es_table(added) and half_year > min(_es_table(added))
    known_through = max([ECB_CONFIRMED_THROUGH, *(day for (c, day) in added if c == ECB_KEY)])
    return half_year - timedelta(days=1) > known_through


def legal_interest_by_half_year(country: str) -> bool:
    """France fixes its legal rate per half-year; Spain and Portugal per year."""
    return country == "FR"


def _legal_table(country: str, added: AddedRates) -> dict[date, Decimal]:
    """The legal rate's periods (first day -> %) for ``country``: the shipped table and those admins added."""
    series = LEGAL_SERIES.format(country)
    extra = {day: rate for (c, day), rate in added.items() if c == series}
    if country == "FR":
        return {**FR_LEGAL_INTEREST_HALF_YEARS, **extra}
    if country == "PT":
        return {date(PT_LEGAL_INTEREST_FIRST_YEAR, 1, 1): PT_LEGAL_INTEREST, **extra}  # in force until an admin adds another
    return {**{date(year, 1, 1): rate for year, rate in ES_LEGAL_INTEREST.items()}, **extra}


def legal_interest_rate(country: str, period_start: date, added: AddedRates = NO_ADDED_RATES) -> Decimal:
    """The legal interest rate (consumers; in %) for the year, or in France the half-year, starting on
    ``period_start``. A period after the table's last takes the latest known rate and is provisional
    (legal_rate_is_provisional); one before its first is a MissingRate naming it, never a silent zero.
    Portugal: 4 % a year since 2004 (Portaria 291/2003) unless an admin added another."""
    if country == "PT" and period_start.year < PT_LEGAL_INTEREST_FIRST_YEAR:
        raise MissingRate(f"No Portuguese legal interest rate before {PT_LEGAL_INTEREST_FIRST_YEAR}.")
    table = _legal_table(country, added)
    key = half_year_start(period_start) if country == "FR" else date(period_start.year, 1, 1)
    name = "half-year starting" if country == "FR" else "year"
    if key in table:
        return table[key]
    if key < min(table):
        raise MissingRate(f"No legal interest rate for {country} in the {name} {key.isoformat()}: it must be added to the table.")
    return table[max(day for day in table if day < key)]


# Spain, LEC 576.1: from the first-instance judgment (or the monitorio's decree, LEC 816.2) that orders a sum paid, that sum
# bears the legal interest rate of each year plus this many points, until it is paid.
ES_POST_JUDGMENT_POINTS = Decimal("2.00")
# LEC 575.1: the enforcement is ordered for the sum claimed plus, provisionally, interest and costs up to this per cent of it.
ES_ENFORCEMENT_PROVISIONAL_PERCENT = Decimal("30")


def legal_rate_is_provisional(country: str, on: date, added: AddedRates = NO_ADDED_RATES) -> bool:
    """True when the legal rate for the period of ``on`` is not in the table yet (the latest known one stands in)."""
    if country == "PT":
        return False
    key = half_year_start(on) if country == "FR" else date(on.year, 1, 1)
    table = _legal_table(country, added)
    return key not in table and key > min(table)  # a skipped period too (a later one was added, this one not)


# --- Courts and procedures (legal/procedures.py; LEGAL.md "Courts" and "European cross-border procedures") ---

# Spain. LEC 23.2.1 (procurador) and 31.2.1 (lawyer): not needed for the monitorio petition nor in a
# juicio verbal up to this amount; needed above it, and in a monitorio above it once the debtor
# opposes or at enforcement (LEC 818).
ES_NO_REPRESENTATION_MAX = Decimal("2000.00")
# LEC 250.2 as amended by RDL 6/2023 (since 20 March 2024): juicio verbal up to this amount, ordinario above.
ES_VERBAL_MAX = Decimal("15000.00")

# Spanish court fee, Ley 10/2012 (form 696). Natural persons are exempt (art. 4.2.a, as amended by RDL
# 1/2015); monitorio and verbal claims up to ES_COURT_FEE_EXEMPT_MAX are exempt (art. 4.1.b).
ES_COURT_FEE_EXEMPT_MAX = Decimal("2000.00")
ES_COURT_FEE_EXEMPT_PROCEDURES = frozenset({"monitorio", "verbal"})
# Fixed part by procedure (art. 7.1). "enforcement" is the enforcement of extrajudicial titles; the
# European order for payment filed in Spain pays the monitorio amount (art. 7.1 lists "monitorio y
# monitorio europeo" together).
ES_COURT_FEE_FIXED = {
    "monitorio": Decimal("100.00"),
    "european_order_for_payment": Decimal("100.00"),
    "verbal": Decimal("150.00"),
    "ordinario": Decimal("300.00"),
    "enforcement": Decimal("200.00"),
}
# Per cent off the fixed part when filed electronically (art. 10, as read in a secondary source: unconfirmed paragraph).
ES_COURT_FEE_ONLINE_DISCOUNT = Decimal("10")
# Variable part (art. 7.2): per cent of the claim up to the band limit, then the next rate on the excess; capped.
ES_COURT_FEE_VARIABLE_BAND = Decimal("1000000.00")
ES_COURT_FEE_VARIABLE_RATE = Decimal("0.5")
ES_COURT_FEE_VARIABLE_RATE_ABOVE = Decimal("0.25")
ES_COURT_FEE_VARIABLE_CAP = Decimal("10000.00")

# The European Union's member states (ISO 3166 alpha-2; Greece also as "EL", the EU's own code).
EU_MEMBER_STATES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
# Reg. 1896/2006 art. 2.3 and Reg. 861/2007 art. 2.3: "Member State" excludes Denmark.
EU_PROCEDURES_EXCLUDED = frozenset({"DK"})
# Reg. 861/2007 art. 2.1 as amended by Reg. 2015/2421: European small claims up to this value,
# excluding interest, expenses and disbursements. The European order for payment has no limit.
EU_SMALL_CLAIMS_MAX = Decimal("5000.00")

# Portugal, DL 269/98 (annex, art. 1): injunção for contractual money claims up to this amount;
# DL 62/2013 art. 10: any amount for commercial transactions.
PT_INJUNCAO_MAX = Decimal("15000.00")
# Portugal, Regulamento das Custas Processuais, Tabela II: the taxa de justiça of an injunção, paid before it is
# filed, by the claim's value: up to 5,000 EUR 0.5 UC, up to 15,000 EUR 1 UC, above (commercial transactions) 1.5 UC;
# the unidade de conta (UC) 102 EUR. *Unconfirmed*: checked against no official copy of the table.
PT_UNIDADE_DE_CONTA = Decimal("102.00")
PT_INJUNCAO_FEE_BANDS = ((Decimal("5000.00"), Decimal("0.5")), (Decimal("15000.00"), Decimal("1")), (None, Decimal("1.5")))
# Portugal, CPC art. 40 with the first-instance "alçada" (Lei 62/2013 art. 44): a lawyer is needed in
# the action that follows an opposed injunção above this value. *Unconfirmed*.
PT_LAWYER_ABOVE = Decimal("5000.00")
# France, CPC 761 (tribunal judiciaire) and 853 (tribunal de commerce): representation by a lawyer is
# needed above this amount once an injonction de payer is opposed. *Unconfirmed*.
FR_LAWYER_ABOVE = Decimal("10000.00")


# --- Procedural deadlines (legal/deadlines.py) ---

# Spain, LEC 130.2 and LOPJ 182-183 as amended by LO 14/2022 (in force 23 December 2022): besides
# weekends and holidays, these days are not business days for civil procedure: every day from 24 December
# to 6 January inclusive, and the whole of August. (Before LO 14/2022 only 24 and 31 December were.)
ES_PROCEDURAL_CLOSED_FROM = (12, 24)  # through the end of the year
ES_PROCEDURAL_CLOSED_UNTIL = (1, 6)  # from the start of the year
ES_PROCEDURAL_MONTHS_OFF = (8,)

# LO 1/2025 (mandatory settlement attempt, since 3 April 2025): an offer left unanswered this many days
# counts as rejected (counted from its receipt in the law: *unconfirmed*; cases.stages.rules counts from sending).
SETTLEMENT_ANSWER_DAYS = 30

# key: (number, unit, source). Units: "business" (procedural business days, from the day after the
# event, LEC 133.1-2), "calendar" (calendar days from the day after the event), "months" (date to date,
# LEC 133.3 / CPC 641). A calendar or month deadline ending on a day that is not a business day moves
# to the next business day (LOPJ 185.2; France CPC 642; for the European order for payment, Reg.
# 1182/71 art. 3.4 applied through recital 28 of Reg. 1896/2006: *unconfirmed*).
DEADLINES = {
    "monitorio_answer": (20, "business", "LEC 815.1"),
    "verbal_answer": (10, "business", "LEC 438.1"),
    "ordinario_answer": (20, "business", "LEC 404.1"),
    "eop_opposition": (30, "calendar", "Reg. 1896/2006 art. 16.2"),
    "settlement_answer": (SETTLEMENT_ANSWER_DAYS, "calendar", "LO 1/2025"),
    "injonction_opposition": (1, "months", "CPC 1416"),
    "injonction_service": (6, "months", "CPC 1411"),
    # An opposed monitorio above ES_VERBAL_MAX: the claimant files the ordinario claim within one month of being notified
    # of the opposition, or the case is dismissed with costs (LEC 818.2).
    "ordinario_claim_after_opposition": (1, "months", "LEC 818.2"),
    # An opposed monitorio up to ES_VERBAL_MAX goes on as a verbal: the claimant may answer the opposition in writing within
    # ten days of receiving it (LEC 818.2 as amended by Ley 42/2015; the verbal's steps: *unconfirmed*, kept as data).
    "verbal_opposition_reply": (10, "business", "LEC 818.2 (unconfirmed)"),
    # A decree or judgment to enforce: enforcement may be asked (LEC 816.1, 548); the right to ask lapses five years after
    # the title became final (LEC 518).
    "enforcement_expiry": (60, "months", "LEC 518"),
    # Concurso: the creditors communicate their claims to the administrador concursal within one month from the day after
    # the declaration's publication in the BOE (TRLC, RDLeg 1/2020, art. 255.1 with art. 28.1.4º). Counted date to date
    # from the publication day, and NOT moved past a weekend, a holiday or August (legal/rules/insolvency.py says why).
    "insolvency_claim": (1, "months", "TRLC (RDLeg 1/2020) art. 255.1 and 28.1.4º"),
}
# A deadline is shown as "soon" this many calendar days before it ends.
DEADLINE_WARNING_DAYS = 5


# --- Limitation (legal/limitation.py; years in JURISDICTIONS) ---

# What interrupts the limitation period (it starts again). Spain, Código Civil 1973: a court claim, an
# out-of-court demand, the debtor's acknowledgement. France, Code civil 2240-2241: the debtor's
# acknowledgement and a court claim; a demand letter does not interrupt (*unconfirmed*). Portugal,
# Código Civil 323 and 325: a court claim served on the debtor and the acknowledgement (*unconfirmed*).
LIMITATION_INTERRUPTED_BY = {
    "ES": frozenset({"court_claim", "certified_demand", "acknowledgement"}),
    "FR": frozenset({"court_claim", "acknowledgement"}),
    "PT": frozenset({"court_claim", "acknowledgement"}),
}
# The case warns this many days before its limitation date.
LIMITATION_WARNING_DAYS = 90


def negotiation_by_lawyers_only(country: str) -> bool:
    """Whether only a lawyer may negotiate a case of ``country`` (Portugal, Lei 49/2004)."""
    rules = JURISDICTIONS.get((country or "").upper())
    return bool(rules and rules.negotiation_by_lawyers_only)


def amicable_costs_on_debtor(country: str) -> bool:
    """Whether a cost of the amicable phase may be passed to the debtor (not in France, CPCE L111-8)."""
    rules = JURISDICTIONS.get((country or "").upper())
    return rules.amicable_costs_on_debtor if rules else True
