"""The procedure chooser (pure): from the amount, the parties' countries, the evidence and the
debtor's kind, propose a court procedure, say who must represent the creditor, estimate the Spanish
court fee, and explain each step. Every number comes from legal/jurisdictions.py.

How it decides
- The courts of the debtor's domicile decide the country (LEC 813 for the monitorio; Brussels I bis
  art. 4). The creditor's own courts may sometimes be competent (place of performance, art. 7.1):
  not proposed here.
- Creditor and debtor in different Member States that take part in the European procedures (every
  EU state but Denmark): European order for payment when there are documents (no upper limit), with
  the European small claims procedure as an alternative when the principal (without interest and
  costs) is within its limit; without documents, small claims first when the principal fits, else
  the debtor country's national procedure that needs no documents, else none. The debtor country's
  own procedure is always listed as an alternative when it fits (Reg. 1896/2006 art. 1.2).
- Spain: monitorio whenever there are documents, any amount; otherwise juicio verbal up to
  ES_VERBAL_MAX of claim amount, ordinario above. An opposed monitorio continues as verbal or
  ordinario by the same limit (LEC 818). No lawyer or procurador to file a monitorio nor a verbal up
  to ES_NO_REPRESENTATION_MAX; both above it (and for an opposed monitorio above it).
- France: injonction de payer, without a lawyer, when there are documents (CPC 1407); a lawyer is
  needed once opposed above FR_LAWYER_ABOVE (*unconfirmed*). Without documents: none.
- Portugal: injunção up to PT_INJUNCAO_MAX, or any amount for a commercial transaction (DL 62/2013;
  ``commercial`` is the caller's word that the debtor acts as a business, also for a self-employed
  person). Above it otherwise: none.
- Denmark, a country outside the EU, or a national court this product has no procedure for: none,
  with the reason.
- Court fee only for procedures in Spanish courts (including a European order for payment filed in
  Spain, which pays the monitorio fee; its exemption up to 2,000 EUR is not applied: *unconfirmed*).
  The European small claims fee in Spain is not estimated."""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from babel.support import LazyProxy

from agency.i18n import CountryName, format_money, format_number
from agency.i18n import lazy_gettext as _l
from legal.rules.jurisdictions import (
    DEADLINES,
    ES_COURT_FEE_EXEMPT_MAX,
    ES_COURT_FEE_EXEMPT_PROCEDURES,
    ES_COURT_FEE_FIXED,
    ES_COURT_FEE_ONLINE_DISCOUNT,
    ES_COURT_FEE_VARIABLE_BAND,
    ES_COURT_FEE_VARIABLE_CAP,
    ES_COURT_FEE_VARIABLE_RATE,
    ES_COURT_FEE_VARIABLE_RATE_ABOVE,
    ES_NO_REPRESENTATION_MAX,
    ES_VERBAL_MAX,
    EU_MEMBER_STATES,
    EU_PROCEDURES_EXCLUDED,
    EU_SMALL_CLAIMS_MAX,
    FR_LAWYER_ABOVE,
    PT_INJUNCAO_MAX,
    PT_LAWYER_ABOVE,
)

_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
DEBTOR_KINDS = ("company", "person")

PROCEDURES: dict[str, object] = {
    "monitorio": _l("Proceso monitorio (Spain)"),
    "verbal": _l("Juicio verbal (Spain)"),
    "ordinario": _l("Juicio ordinario (Spain)"),
    "injonction_de_payer": _l("Injonction de payer (France)"),
    "injuncao": _l("Injunção (Portugal)"),
    "european_order_for_payment": _l("European order for payment"),
    "european_small_claims": _l("European small claims procedure"),
}
_FEE_LABELS = {**PROCEDURES, "enforcement": _l("Enforcement of an extrajudicial title (Spain)")}


@dataclass(frozen=True)
class ProcedureFacts:
    principal: Decimal  # principal still owed (excluding interest and costs)
    claim_amount: Decimal  # what would be claimed: principal + interest + compensation + costs still owed
    creditor_country: str  # ISO alpha-2
    debtor_country: str
    debtor_kind: str  # "company" | "person"
    creditor_is_legal_person: bool = True  # who pays the Spanish court fee (Ley 10/2012 exempts natural persons)
    documentary_evidence: bool = True  # invoices/contract on file (monitorio, injonction, EOP need documents)
    commercial: bool = True  # a commercial transaction between businesses (Portugal DL 62/2013 lifts the injunção limit)
    online: bool = True  # filed electronically (10 per cent off the fixed part of the Spanish fee)
    debtor_city: str = ""  # the debtor's domicile: where the court is


@dataclass(frozen=True)
class CourtFee:
    total: Decimal
    fixed: Decimal
    variable: Decimal
    exempt: bool
    why: object  # lazy string


@dataclass(frozen=True)
class Proposal:
    procedure: str | None  # one of PROCEDURES keys, None when the product has no procedure for the case
    lawyer_required: bool  # to file
    procurador_required: bool
    lawyer_if_opposed: bool  # lawyer (and in Spain procurador) needed if the debtor opposes / at enforcement
    court_fee: CourtFee | None  # procedures in Spanish courts only
    reasons: tuple  # lazy strings, in order, each one sentence
    alternatives: tuple[str, ...] = ()  # other procedure keys that would also fit


def _money(amount: Decimal) -> LazyProxy:
    return LazyProxy(format_money, amount, enable_cache=False)


def _number(value: Decimal) -> LazyProxy:
    return LazyProxy(format_number, value, enable_cache=False)


def _join(parts: list) -> LazyProxy:
    return LazyProxy(lambda: " ".join(str(part) for part in parts), enable_cache=False)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def spanish_court_fee(procedure: str, amount: Decimal, payer_is_legal_person: bool, online: bool = True) -> CourtFee:
    """Ley 10/2012 (form 696): fixed part by procedure (less when filed online) plus a variable part
    on the amount, capped; natural persons and small monitorio/verbal claims are exempt."""
    if procedure not in ES_COURT_FEE_FIXED:
        raise ValueError(f"no Spanish court fee for {procedure!r}")
    amount = Decimal(amount)
    if not payer_is_legal_person:
        return CourtFee(_ZERO, _ZERO, _ZERO, True, _l("Natural persons do not pay the Spanish court fee (Ley 10/2012 art. 4.2)."))
    if procedure in ES_COURT_FEE_EXEMPT_PROCEDURES and amount <= ES_COURT_FEE_EXEMPT_MAX:
        return CourtFee(_ZERO, _ZERO, _ZERO, True, _l(
            "A %(procedure)s claim of up to %(limit)s pays no court fee (Ley 10/2012 art. 4.1).",
            procedure=_FEE_LABELS[procedure], limit=_money(ES_COURT_FEE_EXEMPT_MAX)))
    fixed = ES_COURT_FEE_FIXED[procedure]
    parts = []
    if online:
        fixed = _cents(fixed * (100 - ES_COURT_FEE_ONLINE_DISCOUNT) / 100)
        parts.append(_l("Fixed part for the %(procedure)s: %(fixed)s, that is %(discount)s per cent less because it is filed online (Ley 10/2012 art. 7 and 10).",
                        procedure=_FEE_LABELS[procedure], fixed=_money(fixed), discount=_number(ES_COURT_FEE_ONLINE_DISCOUNT)))
    else:
        parts.append(_l("Fixed part for the %(procedure)s: %(fixed)s (Ley 10/2012 art. 7).",
                        procedure=_FEE_LABELS[procedure], fixed=_money(fixed)))
    band = min(amount, ES_COURT_FEE_VARIABLE_BAND)
    above = max(amount - ES_COURT_FEE_VARIABLE_BAND, Decimal(0))
    variable = band * ES_COURT_FEE_VARIABLE_RATE / 100 + above * ES_COURT_FEE_VARIABLE_RATE_ABOVE / 100
    capped = variable > ES_COURT_FEE_VARIABLE_CAP
    variable = _cents(min(variable, ES_COURT_FEE_VARIABLE_CAP))
    parts.append(_l("Variable part: %(rate)s per cent of the amount up to %(band)s and %(rate_above)s per cent of the rest, at most %(cap)s: %(variable)s.",
                    rate=_number(ES_COURT_FEE_VARIABLE_RATE), band=_money(ES_COURT_FEE_VARIABLE_BAND),
                    rate_above=_number(ES_COURT_FEE_VARIABLE_RATE_ABOVE), cap=_money(ES_COURT_FEE_VARIABLE_CAP),
                    variable=_money(variable)))
    if capped:
        parts.append(_l("The variable part reached its cap."))
    total = fixed + variable
    parts.append(_l("Total court fee: %(total)s.", total=_money(total)))
    parts.append(_l("Catalonia adds its own court fee, not included here."))
    return CourtFee(total, fixed, variable, False, _join(parts))


@dataclass(frozen=True)
class FeeAfterMonitorio:
    ordinario: CourtFee  # the ordinario's fee on its own
    monitorio: CourtFee  # the fee the monitorio paid
    to_pay: Decimal  # the ordinario's less the monitorio's, never below zero


def ordinario_fee_after_monitorio(amount: Decimal, payer_is_legal_person: bool, online: bool = True) -> FeeAfterMonitorio:
    """The court fee of the ordinario claim filed after an opposed monitorio: the monitorio's fee is deducted from it
    (Ley 10/2012 art. 7.1; LEGAL.md)."""
    ordinario = spanish_court_fee("ordinario", amount, payer_is_legal_person, online)
    monitorio = spanish_court_fee("monitorio", amount, payer_is_legal_person, online)
    return FeeAfterMonitorio(ordinario, monitorio, max(ordinario.total - monitorio.total, _ZERO))


def _spain(f: ProcedureFacts, reasons: list) -> Proposal:
    amount = f.claim_amount
    declarative = "verbal" if amount <= ES_VERBAL_MAX else "ordinario"
    limits = {"amount": _money(amount), "limit": _money(ES_VERBAL_MAX)}
    represented = amount > ES_NO_REPRESENTATION_MAX
    small = {"limit": _money(ES_NO_REPRESENTATION_MAX)}
    if f.documentary_evidence:
        reasons += [
            _l("The debt is a fixed amount of money, due and payable and backed by documents, so the proceso monitorio fits whatever the amount (LEC 812)."),
            _l("The debtor has %(days)s business days to pay or oppose (LEC 815).", days=DEADLINES["monitorio_answer"][0]),
        ]
        if f.debtor_kind == "person":
            reasons.append(_l("The debtor is a consumer, so the court first checks the contract for unfair terms (LEC 815.4)."))
        reasons.append(
            _l("If the debtor opposes, the claim continues as a juicio verbal, since %(amount)s does not exceed %(limit)s (LEC 818 and 250.2).", **limits)
            if declarative == "verbal" else
            _l("If the debtor opposes, the claim continues as a juicio ordinario, since %(amount)s exceeds %(limit)s (LEC 818 and 249.2).", **limits))
        reasons.append(_l("No lawyer or procurador is needed to file a monitorio (LEC 23.2 and 31.2)."))
        reasons.append(_l("Above %(limit)s a lawyer and a procurador are needed if the debtor opposes and at enforcement (LEC 23 and 31).", **small)
                       if represented else
                       _l("Up to %(limit)s no lawyer or procurador is needed even if the debtor opposes (LEC 23.2 and 31.2).", **small))
        procedure, alternatives, to_file = "monitorio", (declarative,), False
    else:
        reasons.append(_l("Without documents the monitorio is not available (LEC 812), so a declaratory procedure is needed."))
        reasons.append(_l("The claim, %(amount)s, does not exceed %(limit)s, so the juicio verbal applies (LEC 250.2).", **limits)
                       if declarative == "verbal" else
                       _l("The claim, %(amount)s, exceeds %(limit)s, so the juicio ordinario applies (LEC 249.2).", **limits))
        reasons.append(_l("Above %(limit)s a lawyer and a procurador are needed (LEC 23 and 31).", **small) if represented
                       else _l("In a juicio verbal up to %(limit)s no lawyer or procurador is needed (LEC 23.2 and 31.2).", **small))
        procedure, alternatives, to_file = declarative, (), represented
    fee = spanish_court_fee(procedure, amount, f.creditor_is_legal_person, f.online)
    return Proposal(procedure, to_file, to_file, represented, fee, tuple(reasons), alternatives)


def _france(f: ProcedureFacts, reasons: list) -> Proposal:
    if not f.documentary_evidence:
        reasons.append(_l("The injonction de payer needs supporting documents (CPC 1407); without them an ordinary claim before the French court is needed, which this product does not prepare."))
        return Proposal(None, False, False, False, None, tuple(reasons))
    reasons.append(_l("The injonction de payer is filed without a lawyer at the tribunal de commerce, the debt being commercial (CPC 1406).")
                   if f.debtor_kind == "company" and f.commercial else
                   _l("The injonction de payer is filed without a lawyer at the tribunal judiciaire (CPC 1406)."))
    reasons.append(_l("The order must be served within %(months)s months or it lapses (CPC 1411); the debtor then has %(month)s month to oppose (CPC 1416).",
                      months=DEADLINES["injonction_service"][0], month=DEADLINES["injonction_opposition"][0]))
    opposed = f.claim_amount > FR_LAWYER_ABOVE
    reasons.append(_l("If the debtor opposes, a lawyer is needed for a claim above %(limit)s (CPC 761 and 853).", limit=_money(FR_LAWYER_ABOVE))
                   if opposed else
                   _l("Even if the debtor opposes, no lawyer is needed up to %(limit)s (CPC 761 and 853).", limit=_money(FR_LAWYER_ABOVE)))
    return Proposal("injonction_de_payer", False, False, opposed, None, tuple(reasons))


def _portugal(f: ProcedureFacts, reasons: list) -> Proposal:
    limits = {"amount": _money(f.claim_amount), "limit": _money(PT_INJUNCAO_MAX)}
    if f.claim_amount <= PT_INJUNCAO_MAX:
        reasons.append(_l("The claim, %(amount)s, does not exceed %(limit)s, so the injunção is available for a contractual money claim (DL 269/98).", **limits))
    elif f.commercial:
        reasons.append(_l("The claim, %(amount)s, exceeds %(limit)s, but a commercial transaction may use the injunção whatever the amount (DL 62/2013 art. 10).", **limits))
        if f.debtor_kind == "person":
            reasons.append(_l("This assumes the debtor acted as a business (self-employed); against a consumer the limit applies."))
        reasons.append(_l("If the debtor opposes, the claim continues as an ordinary action."))
    else:
        reasons.append(_l("The claim, %(amount)s, exceeds %(limit)s and is not a commercial transaction, so the injunção is not available; an ordinary action in the Portuguese courts is needed, which this product does not prepare.", **limits))
        return Proposal(None, False, False, False, None, tuple(reasons))
    reasons.append(_l("The application is filed without a lawyer at the Balcão Nacional de Injunções."))
    opposed = f.claim_amount > PT_LAWYER_ABOVE
    if opposed:
        reasons.append(_l("If the debtor opposes, a lawyer is needed for a claim above %(limit)s (CPC art. 40).", limit=_money(PT_LAWYER_ABOVE)))
    return Proposal("injuncao", False, False, opposed, None, tuple(reasons))


_NATIONAL = {"ES": _spain, "FR": _france, "PT": _portugal}


def _takes_part(country: str) -> bool:
    return country in EU_MEMBER_STATES and country not in EU_PROCEDURES_EXCLUDED


def _cross_border(f: ProcedureFacts, court: str, reasons: list) -> Proposal:
    reasons.append(_l("Creditor and debtor are domiciled in different Member States (%(creditor)s and %(debtor)s), so the case is cross-border (Reg. 1896/2006 art. 3).",
                      creditor=f.creditor_country.upper(), debtor=court))
    national = _NATIONAL[court](f, []) if court in _NATIONAL else None
    national_key = national.procedure if national is not None else None
    small = f.principal <= EU_SMALL_CLAIMS_MAX
    limits = {"principal": _money(f.principal), "limit": _money(EU_SMALL_CLAIMS_MAX)}
    if f.documentary_evidence:
        procedure = "european_order_for_payment"
        reasons.append(_l("The European order for payment has no upper limit and is applied for on Form A (Reg. 1896/2006 art. 7)."))
        reasons.append(_l("The debtor has %(days)s days from service to oppose; an opposed claim continues in the ordinary civil proceedings of the court's country (art. 16 and 17).",
                          days=DEADLINES["eop_opposition"][0]))
        if small:
            reasons.append(_l("The principal, %(principal)s, does not exceed %(limit)s without interest and costs, so the European small claims procedure is an alternative (Reg. 861/2007 art. 2).", **limits))
    elif small:
        procedure = "european_small_claims"
        reasons.append(_l("Without documents for an order for payment, the principal of %(principal)s does not exceed %(limit)s without interest and costs, so the European small claims procedure fits (Reg. 861/2007 art. 2).", **limits))
    else:
        reasons.append(_l("Without documents the European order for payment is not proposed, and the principal of %(principal)s exceeds the %(limit)s small-claims limit.", **limits))
        if national_key is None:
            reasons.append(_l("No procedure of this product fits; a lawyer in the debtor's country must bring an ordinary action."))
            return Proposal(None, False, False, False, None, tuple(reasons))
        reasons.append(_l("The debtor's national procedure applies instead."))
        return Proposal(national_key, national.lawyer_required, national.procurador_required, national.lawyer_if_opposed,
                        national.court_fee, tuple(reasons) + national.reasons, national.alternatives)
    if f.debtor_kind == "person":
        reasons.append(_l("The debtor is a consumer, so only the courts of the consumer's domicile may hear the claim (Reg. 1896/2006 art. 6.2)."))
    reasons.append(_l("No lawyer is needed to apply or to oppose (Reg. 1896/2006 art. 24, Reg. 861/2007 art. 10)."))
    alternatives = tuple(key for key in ("european_small_claims" if small else None, national_key) if key and key != procedure)
    fee = None
    if court == "ES" and procedure == "european_order_for_payment":
        fee = spanish_court_fee(procedure, f.claim_amount, f.creditor_is_legal_person, f.online)
    return Proposal(procedure, False, False, False, fee, tuple(reasons), alternatives)


# Spain, LO 1/2025 (in force in three phases through 31 December 2025): the Juzgados de Primera Instancia became
# the Tribunales de Instancia; civil claims go to its Sección Civil of the debtor's partido judicial. The product
# has no table of partidos judiciales (municipality -> seat): the debtor's city stands for it, and the reasons say
# so. A table can be added here as data: {municipality: seat}.
ES_PARTIDOS_JUDICIALES: dict[str, str] = {}


def court_name(procedure: str | None, country: str, city: str, debtor_kind: str) -> str:
    """The court of the debtor's domicile, as a petition is addressed (LEC 813 for the monitorio; the European
    procedures: the courts of the member state of the debtor's domicile)."""
    if not city:
        return ""
    if procedure == "injonction_de_payer":
        return f"Tribunal de commerce de {city}" if debtor_kind == "company" else f"Tribunal judiciaire de {city}"
    if procedure == "injuncao":
        return "Balcão Nacional de Injunções"
    if procedure in ("european_order_for_payment", "european_small_claims") and country.upper() != "ES":
        return f"Órgano jurisdiccional competente de {city} ({country.upper()})"
    return f"Tribunal de Instancia de {spanish_seat(city)}, Sección Civil"


def spanish_seat(city: str) -> str:
    """The seat of the partido judicial of ``city``: from ES_PARTIDOS_JUDICIALES, else the city itself."""
    return ES_PARTIDOS_JUDICIALES.get(city.strip().casefold(), city.strip())


def is_legal_person(country: str, tax_id: str) -> bool:
    """Spain: a NIF that starts with a digit (DNI) or X/Y/Z (NIE), or K/L/M, belongs to a natural
    person; a CIF (a letter such as B) to a company. Elsewhere the creditor is taken as a company."""
    if country != "ES" or not tax_id:
        return True
    return not (tax_id[0].isdigit() or tax_id[0].upper() in "XYZKLM")


def claim_amount(outstanding: Decimal, costs_outstanding: Decimal) -> Decimal:
    """What a court claim is for: principal, interest and compensation still owed. Costs the agency
    booked (burofax, court fees, procurador) are not part of it: the costs still owed come off (the
    ledger works out what payments paid of them: after principal unless the debtor agreed otherwise, each from the day
    it was booked)."""
    return max(outstanding - costs_outstanding, _ZERO)


def propose(facts: ProcedureFacts) -> Proposal:
    """The procedure to propose for ``facts``, who must represent the creditor, the Spanish court fee
    and the reasons, in the order a lawyer would give them."""
    if facts.debtor_kind not in DEBTOR_KINDS:
        raise ValueError(f"debtor_kind must be one of {DEBTOR_KINDS}")
    if facts.principal < 0 or facts.claim_amount < 0:
        raise ValueError("amounts cannot be negative")
    court, creditor = facts.debtor_country.upper(), facts.creditor_country.upper()
    reasons = [_l("The claim goes to the courts of the debtor's domicile, in %(country)s.", country=CountryName(court))]
    if court != creditor and _takes_part(court) and _takes_part(creditor):
        return _cross_border(facts, court, reasons)
    if court in _NATIONAL:
        proposal = _NATIONAL[court](facts, reasons)
        if court == "ES" and proposal.procedure and facts.debtor_city:
            seat = spanish_seat(facts.debtor_city)
            note = (_l("Addressed to the Tribunal de Instancia of %(seat)s, Sección Civil (LO 1/2025, which replaced the Juzgados de Primera Instancia).", seat=seat)
                    if facts.debtor_city.strip().casefold() in ES_PARTIDOS_JUDICIALES else
                    _l("Addressed to the Tribunal de Instancia of %(seat)s, Sección Civil (LO 1/2025): the product has no table of partidos judiciales, so the debtor's city is taken as the seat; check it before filing.", seat=seat))
            proposal = replace(proposal, reasons=(*proposal.reasons, note))
        return proposal
    if court in EU_PROCEDURES_EXCLUDED:
        reasons.append(_l("Denmark does not take part in the European order for payment nor in the European small claims procedure (Reg. 1896/2006 art. 2.3); a lawyer in Denmark must bring the claim."))
    elif court not in EU_MEMBER_STATES:
        reasons.append(_l("The debtor is outside the European Union, so no European procedure applies; a lawyer in that country must bring the claim."))
    else:
        if court != creditor:
            reasons.append(_l("The creditor is not domiciled in a Member State that takes part in the European procedures, so they are not available (Reg. 1896/2006 art. 3)."))
        reasons.append(_l("This product has no national procedure for the courts of %(country)s.", country=CountryName(court)))
    return Proposal(None, False, False, False, None, tuple(reasons))
