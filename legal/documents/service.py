"""Generated legal documents: the shipped templates (legal/documents/templates/*.docx, version 1) and the versions
admins upload, the one context a case gives every template, rendering (docxtpl, autoescaped, off the
event loop), and storing each document with its SHA-256, its template version and the date its
figures were computed to. A template that needs data the case lacks is refused with what is missing."""
from __future__ import annotations

import asyncio
import hashlib
import io
import json
import re
import secrets
import shutil
import subprocess
import tempfile
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache, partial
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from litestar.exceptions import ClientException, HTTPException, NotFoundException

from agency import clock, i18n
from agency.auth import CurrentUser
from agency.db import as_date, atomic, is_unique_violation, read_together, utcnow
from agency.i18n import gettext as _
from agency.i18n import lazy_gettext as _l
from agency.settings import get_settings
from agency.storage import storage
from agency.tables import Organisation, User
from agency.tenancy import get_visible, scoped
from cases import events
from cases.billing.balances import BALANCE_COLUMNS, balances_from, plan_terms, published_rates
from cases.billing.fees import creditor_figures
from cases.insolvency.service import insolvency_of_case
from cases.money import to_cents
from cases.portal.rules import qr_png
from cases.portal.service import create_link
from cases.stages.rules import STAGE_LABELS, settlement_attempt_done
from cases.tables import Bureau, Case, CaseEvent, Evidence, Instalment, Invoice, LedgerEntry, PaymentPlan
from legal.documents.sample import sample_context
from legal.enforcement import service as enforcement
from legal.enforcement.rules import ASSET_LABELS_ES, COST_LABELS_ES
from legal.handoff.service import facts_from
from legal.injunctions.rules import Claim, OwedInvoice, Party, injonction_request
from legal.rules.insolvency import SOURCES, ClaimLine, claim_by_class, interest_cutoff
from legal.rules.jurisdictions import JURISDICTIONS, SETTLEMENT_ANSWER_DAYS
from legal.rules.privacy import privacy_notice
from legal.rules.procedures import PROCEDURES, claim_amount, court_name, ordinario_fee_after_monitorio, propose
from legal.tables import ERASED_FILENAME, Document, DocumentTemplate, FilingStep, Mediation, MediationSession

SHIPPED = Path(__file__).parent / "templates"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class TemplateInfo:
    key: str
    name: object  # lazy
    stage: str  # where it belongs in the case's life ("any": every stage)
    for_creditor: bool  # the creditor sees documents made from it
    jurisdictions: tuple[str, ...] = ()  # the case jurisdictions it is made for (empty: every one)


TEMPLATES = {t.key: t for t in (
    TemplateInfo("payment_demand", _l("Payment demand"), "amicable", True),
    TemplateInfo("reminder_letter", _l("Reminder letter"), "amicable", False),
    TemplateInfo("debt_acknowledgement", _l("Debt acknowledgement with instalment plan"), "amicable", True),
    TemplateInfo("settlement_offer", _l("Settlement offer"), "amicable", True),
    TemplateInfo("mediation_request", _l("Mediation request"), "mediation", True),
    TemplateInfo("mediation_agreement", _l("Mediation agreement"), "mediation", True),
    TemplateInfo("bureau_notice", _l("Credit-bureau prior notice"), "credit_bureau", False),
    TemplateInfo("monitorio_petition", _l("Monitorio petition"), "court", True, ("ES",)),  # Spanish procedures (LEC)
    TemplateInfo("verbal_claim", _l("Verbal claim"), "court", True, ("ES",)),
    TemplateInfo("ordinario_claim", _l("Ordinario claim after an opposed monitorio"), "court", True, ("ES",)),
    TemplateInfo("european_order_for_payment", _l("European order for payment application (Form A)"), "court", True),
    TemplateInfo("enforcement_request", _l("Enforcement request (LEC 549)"), "court", True, ("ES",)),
    TemplateInfo("costs_claim", _l("Costs claim (tasación de costas)"), "court", True, ("ES",)),
    TemplateInfo("creditor_statement", _l("Creditor statement"), "any", True),
    TemplateInfo("lettre_recouvrement_amiable", _l("Amicable-recovery letter (France, in French: CPCE R124-4)"), "amicable", True, ("FR",)),
    TemplateInfo("insolvency_claim", _l("Claim communication to the insolvency administrator (concurso: TRLC art. 255)"), "any", True,
                 ("ES",)),
    TemplateInfo("carta_cobranca_amigavel", _l("Amicable-recovery letter (Portugal, in Portuguese, signed by the lawyer: Lei 49/2004)"),
                 "amicable", True, ("PT",)),
    TemplateInfo("injonction_de_payer_request", _l("Injonction de payer request (France, in French: the Cerfa's data)"), "court", True, ("FR",)),
)}
# The templates that print a settlement offer (its amount and discount: ``offer``), for which the discount asked when
# generating means something (tests/unit/legal/test_offer_templates.py holds this to the shipped files).
OFFER_TEMPLATES = frozenset({"payment_demand", "settlement_offer"})

# Values a template may use when present, and leave out (inside an {% if %}) when empty.
OPTIONAL = {"case.creditor_reference", "debtor.tax_id", "debtor.email", "debtor.phone", "lawyer.bar_number", "lawyer.email",
            "agency.website", "bureau.files", "creditor.iban", "mediation.agreement", "procedure.reasons",
            "masc.on_record", "masc.complied", "masc.offered", "masc.channel", "masc.sent_on", "masc.delivered_on", "masc.certificate", "masc.answer",
            "signatory.name", "signatory.id_document", "signatory.capacity", "plan.interest_runs", "plan.costs_first",
            "injonction.debtor.identifier", "enforcement.court_case_number", "enforcement.assets",
            "costs_claim.title", "costs_claim.court", "insolvency.administrator", "insolvency.declared_on",
            "interest_breakdown", "portal.url", "portal.qr"} | {
            f"privacy.{k}" for k in ("controller", "processor", "purpose", "legal_basis", "source", "recipients", "retention", "rights",
                                     "contact")} | {f"{lang}.{k}" for lang in ("fr", "pt") for k in ("compensation", "costs")}
# Values optional for most templates that a template cannot go without: in Portugal negotiating a debt is reserved to
# lawyers and solicitadores (Lei 49/2004), so the letter is signed by the lawyer with their professional number.
NEEDS = {"carta_cobranca_amigavel": ("lawyer.bar_number",)}
# The templates made of a plan or a mediation: without one, there is nothing to write.
REQUIRES = {"debt_acknowledgement": ("plan",), "mediation_request": ("mediation",), "mediation_agreement": ("mediation",),
            "injonction_de_payer_request": ("injonction",),
            "ordinario_claim": ("opposition",),  # the ordinario that follows an opposed monitorio (LEC 818.2)
            "enforcement_request": ("enforcement",),
            "insolvency_claim": ("insolvency",)}
# The context's values that are None when the case has none (a plan, a mediation, an injonction, an opposed monitorio,
# a decree or judgment to enforce, a concurso).
NULLABLE = ("plan", "mediation", "injonction", "opposition", "enforcement", "insolvency")
# What a person reads when a value is missing.
MISSING_LABELS = {
    "debtor.address": _l("the debtor's postal address"), "debtor.postal_code": _l("the debtor's postal code"),
    "debtor.city": _l("the debtor's town"), "debtor.name": _l("the debtor's name"), "debtor.tax_id": _l("the debtor's tax id"),
    "creditor.tax_id": _l("the creditor's tax id"), "creditor.address": _l("the creditor's address"),
    "invoices": _l("an outstanding invoice"), "evidence": _l("evidence files"), "lawyer.name": _l("an assigned lawyer"),
    "plan": _l("an active instalment plan"), "mediation": _l("a mediation"), "opposition": _l("a monitorio opposed by the debtor (record the opposition on the filing)"), "mediation.sessions": _l("a mediation session"),
    "insolvency": _l("the debtor's insolvency proceedings (mark the debtor as in concurso first)"),
    "procedure.name": _l("a court procedure for this case"), "court.name": _l("the competent court"),
    "lawyer.bar_number": _l("the assigned lawyer's professional number (set on the lawyer's account page)"),
    "injonction": _l("the injonction de payer as the case's procedure (a French debtor, and the invoices or contract among the evidence)"),
    "enforcement": _l("a decree or judgment recorded on the case's filing"),
    "costs_claim.lines": _l("court costs booked on the case (lawyer, procurador or court fee)"),
    "costs_claim.by_kind": _l("court costs booked on the case (lawyer, procurador or court fee)"),
}


class DocumentDataMissing(ClientException):
    status_code = 422


class TemplateRefused(ClientException):
    status_code = 400


class TemplateNotForCase(ClientException):
    """A template written for another jurisdiction's cases (the Portuguese letter for a Spanish case)."""
    status_code = 422


@contextmanager
def in_spanish():
    """Documents are written in Spanish whatever the language of the person generating them."""
    previous = i18n.get_language()
    i18n.set_language("es")
    try:
        yield
    finally:
        i18n.set_language(previous)


def file_stem(key: str) -> str:
    """A document's file name part, from its Spanish title: "requerimiento-de-pago"."""

    with in_spanish():
        title = str(TEMPLATES[key].name)
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60] or key


# --- the context ---------------------------------------------------------------------------------------

# The languages letters are written in beside Spanish: the context's block of each ("fr", "pt"), and its locale.
LETTER_LOCALES = {"fr": "fr_FR", "pt": "pt_PT"}


def day_in(locale: str, value: date | None) -> str:
    """A date as a letter in ``locale`` writes it: "6 de dezembro de 2026", "6 décembre 2026"."""
    return format_date(value, format="long", locale=locale) if value else ""


def money_in(locale: str, value: Decimal, currency: str = "EUR") -> str:
    """An amount as a letter in ``locale`` writes it (CLDR): "1 234,56 €" (pt_PT and fr_FR, a space between thousands
    as the Portuguese and French standards write them)."""
    return format_currency(value, currency, locale=locale)


def _day(value: date | None) -> str:
    return day_in("es_ES", value)


def _money(value: Decimal | int | None, currency: str = "EUR") -> str:
    with in_spanish():
        return i18n.format_money(value, currency)


def _percent(rate: Decimal) -> str:
    """A rate as a Spanish document writes it: "11,15 %"."""
    return f"{rate.normalize():f}".replace(".", ",") + "\u00a0%"


def _country(code: str) -> str:
    with in_spanish():
        return str(i18n.CountryName(code or ""))


EVIDENCE_LABELS = {"invoice": "factura", "contract": "contrato", "delivery_note": "albarán", "correspondence": "correspondencia",
                   "acknowledgement": "reconocimiento de deuda", "other": "otro documento"}
FREQUENCIES = {"weekly": "semanal", "fortnightly": "quincenal", "monthly": "mensual"}


def interest_basis(business: bool, country: str, balance=None) -> str:
    """How the interest printed was computed, in one paragraph: the rule, from when, the day count, and whether a
    rate is still provisional (LEGAL.md: letters and petitions state the convention)."""
    convention = " Los días se cuentan naturales sobre 365, por factura, y el resultado se redondea al céntimo."
    provisional = (" Cifra provisional: el tipo del periodo en curso aún no se ha publicado y se aplica el último conocido."
                   if balance is not None and balance.provisional else "")
    if not business:
        rate = {"FR": "el tipo de interés legal francés (Code monétaire et financier L313-2), por semestre",
                "PT": "el tipo de los juros civis (Portaria 291/2003)"}.get(country, "el interés legal del dinero fijado cada año por la Ley de Presupuestos")
        if not JURISDICTIONS.get(country, JURISDICTIONS["ES"]).consumer_interest_from_demand:
            return f"Intereses a {rate}, desde el día siguiente al vencimiento de cada factura (deudor consumidor).{convention}{provisional}"
        article = "el artículo 1231-6 del Code civil" if country == "FR" else "el artículo 1100 del Código Civil"
        if balance is None or balance.interest_from is None:
            return (f"El deudor, consumidor, solo incurre en mora desde que se le reclama el pago ({article}): hasta que un requerimiento "
                    "le llegue no se le reclaman intereses.")
        return (f"Intereses a {rate}, desde el día siguiente a la recepción del requerimiento de pago por el deudor, el "
                f"{_day(balance.interest_from)} ({article}; deudor consumidor).{convention}{provisional}")
    margin = {"ES": "8", "FR": "10", "PT": "8"}.get(country, "8")
    law = {"ES": "la Ley 3/2004, de 29 de diciembre", "FR": "el artículo L441-10 del Code de commerce",
           "PT": "el Decreto-Lei 62/2013"}.get(country, "la Directiva 2011/7/UE")
    return (f"Interés de demora de {law}: tipo de referencia del BCE más {margin} puntos, fijo por semestre, desde el día "
            f"siguiente al vencimiento de cada factura, más 40 € de compensación por costes de cobro por factura.{convention}{provisional}")


def pt_interest_basis(business: bool, balance=None) -> str:
    """The interest of a Portuguese letter, in Portuguese, as the ledger computed it: commercial late interest (ECB
    reference + the DL 62/2013 margin, per half-year) and the fixed compensation per invoice for a business; the
    legal civil rate for a consumer; the day count; and whether a rate is still provisional (LEGAL.md)."""
    rules = JURISDICTIONS["PT"]
    margin = f"{rules.ecb_margin:f}".replace(".", ",")
    convention = " Contam-se os dias de calendário, sobre uma base de 365 dias, fatura a fatura, e o resultado é arredondado ao cêntimo."
    provisional = (" Valor provisório: a taxa do semestre em curso ainda não foi publicada e aplica-se a última conhecida."
                   if balance is not None and balance.provisional else "")
    if business:
        return ("Juros de mora comerciais (Decreto-Lei n.º 62/2013, de 10 de maio, e artigo 102.º, § 3.º, do Código Comercial): "
                f"taxa de referência do BCE acrescida de {margin} pontos percentuais, fixada por semestre, desde o dia seguinte "
                "ao vencimento de cada fatura, e indemnização de "
                f"{money_in('pt_PT', rules.compensation_per_invoice)} por fatura pelos custos de cobrança (artigo 7.º do mesmo "
                f"decreto-lei).{convention}{provisional}")
    if balance is not None and balance.awaiting_demand:
        return "Sem juros de mora até que a interpelação para pagamento lhe seja entregue (artigo 805.º do Código Civil)."
    rate = "à taxa legal dos juros civis fixada por portaria (artigos 559.º e 806.º do Código Civil)"
    if balance is not None and balance.interest_from is not None:
        return (f"Juros de mora {rate}, desde o dia seguinte à receção da interpelação para pagamento, em "
                f"{day_in('pt_PT', balance.interest_from)}.{convention}{provisional}")
    return f"Juros de mora {rate}, desde o dia seguinte ao vencimento de cada fatura.{convention}{provisional}"


def letter_figures(locale: str, today: date, balance, invoices: list[dict], currency: str) -> dict:
    """The figures of a letter written in another language than Spanish (the context's ``fr`` and ``pt`` blocks), in
    that language's formats: the amount split into principal, interest, the fixed compensation and the costs ("" when
    none: the letters leave the line out), the other sums together, the payments, what is owed, and the invoices
    still owed (``invoices``: number, issue_date, due_date as dates, outstanding in cents)."""
    day, money = partial(day_in, locale), partial(money_in, locale, currency=currency)
    return {"today": day(today), "principal": money(balance.principal), "interest": money(balance.all_interest),
            "compensation": money(balance.compensation) if balance.compensation else "",
            "costs": money(balance.costs) if balance.costs else "",
            "other": money(balance.compensation + balance.costs), "paid": money(balance.paid), "outstanding": money(balance.outstanding),
            "invoices": [{"number": i["number"], "issue_date": day(i["issue_date"]), "due_date": day(i["due_date"]),
                          "outstanding": money(Decimal(i["outstanding_cents"]) / 100)} for i in invoices]}


def injonction_figures(request: dict, currency: str) -> dict:
    """The injonction de payer request (legal.injunctions.rules.injonction_request) as the French document prints it:
    amounts and dates in French formats, the parties' kinds and countries in French."""
    day, money = partial(day_in, "fr_FR"), partial(money_in, "fr_FR", currency=currency)
    amounts = request["amounts"]

    def party(p: dict) -> dict:
        return {"name": p["name"], "kind": "personne morale" if p["kind"] == "personne_morale" else "personne physique",
                "identifier": p["identifier"], "address": p["address"], "postal_code": p["postal_code"], "city": p["city"],
                "country": Locale.parse("fr_FR").territories.get(p["country"], p["country"])}

    return {"form": request["form"], "title": request["title"], "court": request["court"]["name"],
            "creditor": party(request["creditor"]), "debtor": party(request["debtor"]),
            **{k: money(amounts[k]) for k in ("principal", "interest", "compensation", "costs", "total")},
            "interest_basis": amounts["interest_basis"], "costs_note": amounts["costs_note"], "cause": request["cause"],
            "invoices": [{"number": i["number"], "issue_date": day(i["issue_date"]), "due_date": day(i["due_date"]),
                          "outstanding": money(i["outstanding"])} for i in request["invoices"]],
            "documents": list(request["documents"])}


CONTEXT_CASE_COLUMNS = (Case.id, Case.reference, Case.creditor_reference, Case.stage, Case.jurisdiction, Case.currency, Case.organisation,
                        Case.created_at, Case.lawyer, Case.demanded_on, Case.settlement_answer_on, *Case.debtor.all_columns(exclude=["id"]))


MASC_OFFERED = {"payment_demand": "un requerimiento de pago con una propuesta de acuerdo extrajudicial",
                "settlement_offer": "una propuesta de acuerdo extrajudicial"}
MASC_CHANNELS = {"burofax": "burofax con certificación de contenido y acuse de recibo", "letter": "carta", "email": "correo electrónico",
                 "hand": "entrega en mano"}


async def settlement_attempt(case_id: int, evidence_ids: list[int], answered_on: date | None, today: date) -> dict:
    """The settlement attempt LO 1/2025 requires before suing, as a petition states it: what was offered, how, when
    it was sent and received (with the certificate's number among the documents attached), and the answer or the
    silence (no answer in 30 days from receipt counts as a refusal)."""
    rows = await CaseEvent.select(CaseEvent.kind, CaseEvent.payload).where(
        (CaseEvent.case == case_id) & CaseEvent.kind.is_in(["document_sent", "delivered", "settlement_answer"])).order_by(CaseEvent.id)
    parsed = [(r["kind"], json.loads(r["payload"] or "{}") if isinstance(r["payload"], str) else (r["payload"] or {})) for r in rows]
    sends = [p for k, p in parsed if k == "document_sent" and p.get("template") in MASC_OFFERED]
    if not sends:
        return {"on_record": False, "complied": False, "offered": "", "channel": "", "sent_on": "", "delivered_on": "", "certificate": "", "answer": ""}
    delivered = {tuple(p.get("of") or ()): p for k, p in parsed if k == "delivered"}
    # the first offer that reached the debtor, else the first sent
    with_delivery = [(snd, delivered.get(("document", snd.get("document"), snd.get("sent_on")))) for snd in sends]
    snd, dlv = next(((a, b) for a, b in with_delivery if b), with_delivery[0])
    certificate = ""
    if dlv and dlv.get("certificate") in evidence_ids:
        certificate = f"documento n.º {evidence_ids.index(dlv['certificate']) + 1}"
    received = date.fromisoformat(dlv["delivered_on"]) if dlv else None
    answers = [p for k, p in parsed if k == "settlement_answer"]
    if answered_on and answers:
        answer = (f"El deudor rechazó la propuesta el {_day(answered_on)}." if not answers[-1].get("accepted")
                  else f"El deudor contestó a la propuesta el {_day(answered_on)}, sin que se haya cumplido el acuerdo.")
    elif received and settlement_attempt_done(received, None, today):  # the stage guard's rule, counted from receipt
        answer = (f"El deudor no respondió en los {SETTLEMENT_ANSWER_DAYS} días naturales siguientes a su recepción, que vencieron el "
                  f"{_day(received + timedelta(days=SETTLEMENT_ANSWER_DAYS))}, lo que equivale a su rechazo.")
    else:
        answer = "El deudor no ha respondido a la propuesta."
    complied = bool(answered_on and answers) or bool(received and settlement_attempt_done(received, None, today))
    return {"on_record": True, "complied": complied, "offered": MASC_OFFERED[snd["template"]], "channel": MASC_CHANNELS.get(snd.get("channel"), snd.get("channel", "")),
            "sent_on": _day(date.fromisoformat(snd["sent_on"])), "delivered_on": _day(received) if received else "",
            "certificate": certificate, "answer": answer}


async def build_context(case_id: int, today: date, offer_discount_percent: Decimal | None = None, payment_days: int = 10,
                        signatory: dict | None = None,
                        case: dict | None = None) -> dict:
    """Everything a template may print about a case, as formatted Spanish text, and the figures of the French and
    Portuguese letters in their own formats (``fr``, ``pt``; legal/documents/templates/README.md names each key). The
    figures are the ledger's, computed to ``today``."""

    settings = get_settings()
    if case is None:  # (the caller may have read it already, with CONTEXT_CASE_COLUMNS)
        case = await Case.select(*CONTEXT_CASE_COLUMNS).where(Case.id == case_id).first()
    deb = {k.removeprefix("debtor."): v for k, v in case.items() if k.startswith("debtor.")}
    cur = case["currency"]

    async def nothing():
        return None

    # Independent reads together (agency.db.read_together: side by side on PostgreSQL, one connection on SQLite).
    org, added, invoices, evidence, lawyer, plan, med, bureaus, entries, terms, title, assets, costs = await read_together(
        Organisation.select().where(Organisation.id == case["organisation"]).first(),
        published_rates(),
        Invoice.select(Invoice.id, Invoice.number, Invoice.issue_date, Invoice.due_date, Invoice.amount_cents).where(
            (Invoice.case == case_id) & (Invoice.disputed == False)).order_by(Invoice.due_date).order_by(Invoice.number),  # noqa: E712
        Evidence.select(Evidence.id, Evidence.original_name, Evidence.kind, Evidence.sha256, Evidence.size).where(Evidence.case == case_id).order_by(
            Evidence.id),
        User.select(User.name, User.email, User.bar_number).where(User.id == case["lawyer"]).first() if case["lawyer"] else nothing(),
        PaymentPlan.select().where((PaymentPlan.case == case_id) & (PaymentPlan.status == "active")).order_by(
            PaymentPlan.id, ascending=False).first(),
        Mediation.select().where(Mediation.case == case_id).order_by(Mediation.id, ascending=False).first(),
        Bureau.select(Bureau.name).where(Bureau.active == True).order_by(Bureau.name),  # noqa: E712
        LedgerEntry.select(*BALANCE_COLUMNS).where(LedgerEntry.case == case_id),
        plan_terms(case_id),
        enforcement.title_of(case_id),
        enforcement.assets_of(case_id),
        enforcement.court_costs(case_id),
    )
    # the ledger's figures, from these rows (LEC 576 interest from a Spanish case's decree or judgment)
    balance = balances_from(case["jurisdiction"], deb["kind"], invoices, entries, today, added, as_date(case.get("demanded_on")), terms,
                            title["on"] if title and case["jurisdiction"] == "ES" else None)
    claimed = claim_amount(balance.outstanding, balance.costs_outstanding)
    masc = await settlement_attempt(case_id, [e["id"] for e in evidence], as_date(case.get("settlement_answer_on")), today)
    inst, sessions = await read_together(
        Instalment.select().where(Instalment.plan == plan["id"]).order_by(Instalment.number) if plan else nothing(),
        MediationSession.select().where(MediationSession.mediation == med["id"]).order_by(MediationSession.held_on) if med else nothing(),
    )
    rows, owed, breakdown = [], [], []
    ledger = {i.number: i for i in balance.invoices}  # what the ledger left of each invoice, as it applied the payments
    for inv in invoices:
        left = ledger[inv["number"]]
        breakdown += [{"invoice": inv["number"], "first": _day(s.first), "last": _day(s.last), "days": s.days, "rate": _percent(s.rate),
                       "base": _money(s.principal, cur), "amount": _money(s.amount.quantize(Decimal("0.01"), ROUND_HALF_UP), cur)}
                      for s in left.slices]
        unpaid = to_cents(left.principal_outstanding)
        if unpaid <= 0:
            continue
        due = as_date(inv["due_date"])
        rows.append({"number": inv["number"], "issue_date": _day(as_date(inv["issue_date"])), "due_date": _day(due),
                     "amount": _money(Decimal(inv["amount_cents"]) / 100, cur), "outstanding": _money(Decimal(unpaid) / 100, cur),
                     "days_late": max((today - due).days, 0)})
        owed.append({"number": inv["number"], "issue_date": as_date(inv["issue_date"]), "due_date": due, "outstanding_cents": unpaid})
    facts = facts_from(org, deb["country"] or case["jurisdiction"], deb["kind"], balance, len(evidence), deb["city"])
    proposal = propose(facts)
    opposition_ctx = None  # the opposed monitorio the ordinario claim follows (LEC 818.2), with the fee less the monitorio's
    opposed = await FilingStep.select(FilingStep.on, FilingStep.filing.court.as_alias("court"),
                                      FilingStep.filing.court_case_number.as_alias("number")).where(
        (FilingStep.case == case_id) & (FilingStep.step == "opposed") & (FilingStep.filing.procedure == "monitorio")).order_by(
        FilingStep.id, ascending=False).first()
    if opposed:
        after = ordinario_fee_after_monitorio(claim_amount(balance.outstanding, balance.costs_outstanding), facts.creditor_is_legal_person)
        opposition_ctx = {"notified_on": _day(as_date(opposed["on"])), "court": opposed["court"], "number": opposed["number"] or "—",
                          "court_fee": "exenta" if after.ordinario.exempt else _money(after.ordinario.total, cur),
                          "monitorio_fee": "exenta" if after.monitorio.exempt else _money(after.monitorio.total, cur),
                          "court_fee_to_pay": _money(after.to_pay, cur)}
    plan_ctx = None
    if plan:
        plan_ctx = {"count": plan["instalment_count"], "frequency_label": FREQUENCIES.get(plan["frequency"], plan["frequency"]),
                    "interest_runs": bool(plan.get("interest_runs")), "costs_first": bool(plan.get("costs_first")),
                    "total": _money(Decimal(plan["total_cents"]) / 100, cur),
                    "instalments": [{"number": i["number"], "due_on": _day(as_date(i["due_on"])),
                                     "amount": _money(Decimal(i["amount_cents"]) / 100, cur)} for i in inst]}
    med_ctx = None
    if med:
        med_ctx = {"mediator": med["mediator"], "requested_on": _day(as_date(med["requested_on"])),
                   "sessions": [{"on": _day(as_date(s["held_on"])), "mediator": s["mediator"] or med["mediator"], "notes": s["notes"]}
                                for s in sessions],
                   "agreement": med["agreement"],
                   "outcome_label": {"running": "en curso", "agreed": "acuerdo", "failed": "sin acuerdo"}.get(med["status"], med["status"])}
    names = [b["name"] for b in bureaus]
    # A settlement offer: the principal and the costs, the interest and the compensation waived, unless a discount is given.
    if offer_discount_percent is None:
        offer_amount = balance.principal_outstanding + balance.costs_outstanding
    else:
        offer_amount = (balance.outstanding * (100 - offer_discount_percent) / 100).quantize(Decimal("0.01"))
    discount = Decimal(0) if not balance.outstanding else ((balance.outstanding - offer_amount) * 100 / balance.outstanding)
    figures = creditor_figures(entries, to_cents(balance.agency_costs_paid))
    fee = proposal.court_fee
    letters = {lang: letter_figures(locale, today, balance, owed, cur) for lang, locale in LETTER_LOCALES.items()}
    letters["pt"]["interest_basis"] = pt_interest_basis(deb["kind"] == "company", balance)  # (the letter is for Portuguese cases only)
    injonction = None
    if proposal.procedure == "injonction_de_payer":  # the French request: the ledger's figures still owed, no cost (L111-8)
        business = deb["kind"] == "company"
        claim = Claim(balance.principal_outstanding, sum((i.interest_outstanding for i in balance.invoices), Decimal(0)),
                      sum((i.compensation_outstanding for i in balance.invoices), Decimal(0)), business)
        injonction = injonction_figures(injonction_request(
            Party(org["legal_name"], org["tax_id"] or "", org["address_line1"] or "", org["postal_code"] or "", org["city"] or "",
                  (org["country"] or "ES").upper()),
            Party(deb["name"] or "", deb["tax_id"] or "", deb["address_line1"] or "", deb["postal_code"] or "", deb["city"] or "",
                  (deb["country"] or case["jurisdiction"]).upper(), deb["kind"]),
            claim, [OwedInvoice(i["number"], i["issue_date"], i["due_date"], Decimal(i["outstanding_cents"]) / 100) for i in owed],
            [e["original_name"] for e in evidence], deb["city"] or ""), cur)
    return {
        "today": _day(today), "data_date": _day(today), "place": settings.agency_identity["city"],
        "masc": masc,
        # the French and Portuguese letters' values in their own formats (the others are for the Spanish documents)
        **letters,
        "injonction": injonction,
        "privacy": privacy_notice({"name": org["legal_name"], "tax_id": org["tax_id"], "address": org["address_line1"], "city": org["city"]},
                                  {**settings.agency_identity, "name": settings.agency_name},
                                  " y ".join(", ".join(names[:-1]) and [", ".join(names[:-1]), names[-1]] or names)),
        # who signs for the debtor (a person signs for themself with their own id; a company's signatory is named
        # when the document is made, or left blank to be filled in by hand)
        "signatory": {"name": (signatory or {}).get("name", "") or (deb["name"] if deb["kind"] == "person" else ""),
                      "id_document": (signatory or {}).get("id_document", "") or (deb["tax_id"] if deb["kind"] == "person" else "") or "",
                      "capacity": (signatory or {}).get("capacity", "")},
        "agency": {"name": settings.agency_name, "iban": _iban(settings.agency_iban), **settings.agency_identity},
        "creditor": {"name": org["legal_name"], "tax_id": org["tax_id"], "address": org["address_line1"], "postal_code": org["postal_code"],
                     "city": org["city"], "country_name": _country(org["country"]), "iban": _iban(org["iban"])},
        "debtor": {"name": deb["name"], "kind": deb["kind"], "kind_label": "sociedad" if deb["kind"] == "company" else "persona física",
                   "tax_id": deb["tax_id"], "address": deb["address_line1"], "postal_code": deb["postal_code"], "city": deb["city"],
                   "country_name": _country(deb["country"]), "email": deb["email"], "phone": deb["phone"]},
        "case": {"reference": case["reference"], "creditor_reference": case["creditor_reference"], "jurisdiction": case["jurisdiction"],
                 "stage_label": str(_stage_label(case["stage"]))},
        "invoices": rows,
        # the per-invoice interest breakdown letters and petitions give (LEGAL.md): each slice's days, rate, base and
        # amount (shown rounded; each invoice's slices are summed unrounded and rounded once)
        "interest_breakdown": breakdown,
        "amounts": {"principal": _money(balance.principal, cur), "interest": _money(balance.all_interest, cur),
                    "compensation": _money(balance.compensation, cur), "costs": _money(balance.costs, cur),
                    "paid": _money(balance.paid, cur), "outstanding": _money(balance.outstanding, cur),
                    # what a court is asked for: one figure with the chooser, thresholds and fee (claim_amount)
                    "claimed": _money(claimed, cur), "principal_outstanding": _money(balance.principal_outstanding, cur),
                    "principal_paid": _money(balance.principal - balance.principal_outstanding, cur),
                    "accessories_outstanding": _money(claimed - balance.principal_outstanding, cur),
                    "interest_basis": interest_basis(deb["kind"] == "company", case["jurisdiction"], balance)},
        "evidence": [{"name": e["original_name"], "kind_label": EVIDENCE_LABELS.get(e["kind"], e["kind"]), "sha256": e["sha256"],
                      "size": _size(e["size"])} for e in evidence],
        "procedure": {"key": proposal.procedure or "", "name": str(PROCEDURES[proposal.procedure]) if proposal.procedure else "",
                      "court_fee": ("exenta" if fee.exempt else _money(fee.total, cur)) if fee else "no aplicable",
                      "lawyer_required": proposal.lawyer_required, "procurador_required": proposal.procurador_required,
                      "lawyer_if_opposed": proposal.lawyer_if_opposed, "reasons": [str(r) for r in proposal.reasons]},
        "court": {"name": court_name(proposal.procedure, deb["country"], deb["city"], deb["kind"]), "city": deb["city"]},
        "lawyer": {"name": lawyer["name"] if lawyer else "", "email": lawyer["email"] if lawyer else "",
                   "bar_number": lawyer["bar_number"] if lawyer else ""},
        "offer": {"amount": _money(offer_amount, cur), "discount_percent": f"{discount:.0f}",
                  "deadline": _day(date.fromordinal(today.toordinal() + SETTLEMENT_ANSWER_DAYS)), "days": SETTLEMENT_ANSWER_DAYS},
        "plan": plan_ctx,
        "bureau": {"files": " y ".join(", ".join(names[:-1]) and [", ".join(names[:-1]), names[-1]] or names), "wait_days": 30},
        "mediation": med_ctx,
        "opposition": opposition_ctx,
        "statement": {"period_from": _day(clock.day_of(case["created_at"])), "period_to": _day(today),
                      "collected": _money(Decimal(figures["collected"]) / 100, cur), "fees": _money(Decimal(figures["fees"]) / 100, cur),
                      "expenses": _money(Decimal(figures["expenses"]) / 100, cur), "net": _money(Decimal(figures["collected"] - figures["fees"] - figures["expenses"]) / 100, cur)},
        "payment_days": payment_days,
        # the debtor's page: filled in by generate_document for a template that prints it (each document its own link)
        "portal": {"url": "", "qr": b""},
        "enforcement": enforcement_context(title, assets, balance, cur),
        "costs_claim": costs_claim_context(title, costs, claimed, cur),
        # the debtor's concurso and the claim by class on the day interest stops (None: the debtor is not in one)
        "insolvency": insolvency_context(await insolvency_of_case(case_id), case["jurisdiction"], deb["kind"], invoices, entries, added,
                                         as_date(case.get("demanded_on")), terms, cur),
    }


TITLE_NAMES = {"decree": "decreto", "judgment": "sentencia"}


def _title_text(title: dict) -> str:
    """ "el decreto de 20 de febrero de 2026 dictado en el procedimiento monitorio n.º 123/2026" """
    number = f" n.º {title['court_case_number']}" if title.get("court_case_number") else ""
    with in_spanish():
        procedure = str(PROCEDURES[title["procedure"]]).lower() if title.get("procedure") in PROCEDURES else ""
    where = f" dictado en el {procedure}{number}" if procedure else (f" dictado en los autos{number}" if number else "")
    article = "el" if title["step"] == "decree" else "la"
    made = where.replace("dictado", "dictada") if title["step"] == "judgment" else where
    return f"{article} {TITLE_NAMES.get(title['step'], title['step'])} de {_day(title['on'])}{made}"


def enforcement_context(title: dict | None, assets: list[dict], balance, cur: str) -> dict | None:
    """What the enforcement request prints (LEC 549.1): the title, the sums (LEC 575, 576) and the assets designated;
    None without a decree or judgment to enforce."""
    if title is None:
        return None
    figures = enforcement.figures_of(balance)
    rates = sorted({(s.first.year, s.rate) for i in balance.invoices for s in i.judgment_slices})
    basis = ("Intereses del artículo 576 de la Ley de Enjuiciamiento Civil: el interés legal del dinero incrementado en dos "
             f"puntos ({' y '.join(f'{_percent(r)} en {y}' for y, r in rates) or 'sin días devengados aún'}), desde el día "
             f"siguiente a {_title_text(title)} hasta la fecha de este escrito, sobre la cantidad que ordena pagar y queda "
             "pendiente; días naturales sobre 365, redondeo al céntimo.")
    return {"title": _title_text(title), "title_kind": TITLE_NAMES.get(title["step"], title["step"]), "title_on": _day(title["on"]),
            "court": title.get("court") or "", "court_case_number": title.get("court_case_number") or "",
            "principal": _money(figures.principal, cur), "accrued": _money(figures.accrued, cur),
            "judgment_interest": _money(figures.judgment_interest, cur), "claimed": _money(figures.claimed, cur),
            "provisional": _money(figures.provisional, cur), "total": _money(figures.total, cur), "basis": basis,
            "representation_required": figures.representation_required,
            "assets": [{"kind_label": ASSET_LABELS_ES.get(a["kind"], a["kind"]), "description": a["description"],
                        "identifier": a["identifier"] or "—", "found_on": _day(a["found_on"]) if a["found_on"] else "—"} for a in assets]}


def costs_claim_context(title: dict | None, costs: list[dict], proceedings: Decimal, cur: str) -> dict:
    """The costs claim (tasación de costas): each court cost booked on the case, the total of each kind and of all, and
    the LEC 394.3 cap on the lawyer's fees (a third of the amount of the proceedings: here what the claim asks)."""
    claim = enforcement.claim_of(costs, proceedings)
    court_costs = [c for c in costs if c["kind"] in COST_LABELS_ES]
    return {"title": _title_text(title) if title else "", "court": (title or {}).get("court") or "",
            "lines": [{"label": COST_LABELS_ES[c["kind"]], "on": _day(c["on"]), "description": c["description"], "amount": _money(c["amount"], cur)}
                      for c in sorted(court_costs, key=lambda c: list(COST_LABELS_ES).index(c["kind"]))],
            "by_kind": [{"label": COST_LABELS_ES[k], "amount": _money(a, cur)} for k, a in claim.by_kind],
            "total": _money(claim.total, cur), "proceedings": _money(proceedings, cur), "lawyer_cap": _money(claim.lawyer_cap, cur),
            "lawyer_over_cap": claim.lawyer_over_cap}


def insolvency_context(found: dict | None, jurisdiction: str, debtor_kind: str, invoices: list, entries: list, added, demanded_on,
                       terms, cur: str) -> dict | None:
    """The concurso and the claim as the administrator is told it (legal.rules.insolvency): each invoice's principal, interest
    and compensation left on the day interest stops (TRLC art. 152: the declaration's, else the publication's), by class."""
    if found is None:
        return None
    cutoff = interest_cutoff(found["declared_on"], found["published_on"])
    balance = balances_from(jurisdiction, debtor_kind, invoices, entries, cutoff, added, demanded_on, terms)
    claim = claim_by_class(ClaimLine(i.number, i.due_date, i.principal_outstanding, i.interest_outstanding, i.compensation_outstanding)
                           for i in balance.invoices)
    return {"court": found["court"], "published_on": _day(found["published_on"]), "declared_on": _day(found["declared_on"]),
            "administrator": found["administrator"], "claim_deadline": _day(found["claim_deadline"]), "cutoff": _day(cutoff),
            "cutoff_is_declaration": found["declared_on"] is not None,
            "lines": [{"invoice": c.invoice, "due_date": _day(c.due_date), "principal": _money(c.principal, cur), "interest": _money(c.interest, cur),
                       "compensation": _money(c.compensation, cur), "total": _money(c.total, cur)} for c in claim.lines],
            **{k: _money(getattr(claim, k), cur) for k in ("principal", "interest", "compensation", "ordinary", "subordinated", "total")},
            "sources": dict(SOURCES)}


def _stage_label(stage: str):
    with in_spanish():
        return str(STAGE_LABELS.get(stage, stage))


def _iban(value: str) -> str:
    compact = (value or "").replace(" ", "")
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def _size(size: int) -> str:
    return f"{size / 1024:.1f} KB".replace(".", ",") if size < 1024 * 1024 else f"{size / 1048576:.1f} MB".replace(".", ",")


# --- templates: what they use, and rendering ----------------------------------------------------------------

class _CompiledOnce(ImmutableSandboxedEnvironment):
    """Sandboxed, since admins upload templates: a tag can read the values it is given, never reach
    Python's internals (``''.__class__...``) or call methods that change anything.

    docxtpl compiles a template's XML with from_string on every render, which is half the time of a
    render. The XML is the same for every render of a template version: compile it once."""

    _compiled: dict = {}

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 - Jinja's signature
        if globals or template_class:
            return super().from_string(source, globals, template_class)
        key = (source, bool(self.autoescape))
        template = self._compiled.get(key)
        if template is None:
            template = super().from_string(source)
            if len(self._compiled) > 512:  # new template versions come rarely; never grow without bound
                self._compiled.clear()
            self._compiled[key] = template
        return template


JINJA = _CompiledOnce(undefined=StrictUndefined, autoescape=False)  # docxtpl escapes values itself (render(autoescape=True))


def template_source(data: bytes) -> str:
    """The Jinja source docxtpl renders (body, headers and footers), read as docxtpl's own
    get_undeclared_template_variables reads it."""
    from docx import Document as WordDocument  # lazy: python-docx only when a document is read back
    from docx.oxml import parse_xml  # lazy: python-docx only when a document is read back

    tpl = DocxTemplate(io.BytesIO(data))
    word = WordDocument(io.BytesIO(data))
    parts = [tpl.patch_xml(tpl.xml_to_string(word._element.body))]
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for rel in word._part.rels.values():
            if rel.reltype == uri and rel.target_part.blob:
                parts.append(tpl.patch_xml(tpl.xml_to_string(parse_xml(rel.target_part.blob))))
    return "".join(parts)


def used_paths(source: str) -> set[str]:
    """Dotted paths of context values a template prints or tests: {"debtor.name", "invoices", ...}
    (loop variables are followed to the list they come from)."""
    tree = JINJA.parse(source)
    paths: set[str] = set()
    loops: dict[str, str] = {}
    for loop in tree.find_all(nodes.For):
        target = loop.target.name if isinstance(loop.target, nodes.Name) else None
        src = _dotted(loop.iter)
        if target and src:
            loops[target] = src
            paths.add(src)

    def walk(node: nodes.Node) -> None:
        dotted = _dotted(node)
        if dotted:
            head = dotted.split(".")[0]
            if head not in loops and head not in ("loop",):
                paths.add(dotted)
            return
        for child in node.iter_child_nodes():
            walk(child)

    walk(tree)
    return paths


def _dotted(node: nodes.Node) -> str | None:
    parts = []
    while isinstance(node, nodes.Getattr):
        parts.append(node.attr)
        node = node.node
    if isinstance(node, nodes.Name) and node.ctx == "load":
        return ".".join([node.name, *reversed(parts)])
    return None


def missing_data(paths: set[str], context: dict, key: str = "") -> list[str]:
    """The paths a template uses that the case has no value for (in the order a person fixes them).
    A plan or a mediation the case does not have is missing only for the templates made of it
    (REQUIRES); the others print those parts inside an {% if %}."""
    missing = []
    needed = NEEDS.get(key, ())
    for path in sorted(paths | set(needed)):
        head = path.split(".")[0]
        if head in NULLABLE and context.get(head) is None:
            if head in REQUIRES.get(key, ()) and head not in missing:
                missing.append(head)
            continue
        if path in OPTIONAL and path not in needed:
            continue
        value: object = context
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None or value == "" or value == []:
            missing.append(path)
    return missing


def describe_missing(paths: list[str]) -> str:
    labels = []
    for p in paths:
        label = str(MISSING_LABELS.get(p, p))
        if label not in labels:
            labels.append(label)
    return _("This document needs data the case does not have: %(missing)s.") % {"missing": ", ".join(labels)}


def render(data: bytes, context: dict) -> bytes:
    """Blocking: render a .docx template with the values escaped for XML (the QR code of the debtor's page, given
    as PNG bytes, becomes an image in the document)."""
    tpl = DocxTemplate(io.BytesIO(data))
    portal = context.get("portal") or {}
    if isinstance(portal.get("qr"), bytes) and portal["qr"]:
        context = {**context, "portal": {**portal, "qr": InlineImage(tpl, io.BytesIO(portal["qr"]), width=Mm(28))}}
    tpl.render(context, jinja_env=JINJA, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


@lru_cache(maxsize=64)
def _shipped_bytes(key: str) -> bytes:
    return (SHIPPED / f"{key}.docx").read_bytes()


@lru_cache(maxsize=64)
def _analysis(data: bytes) -> frozenset[str]:
    """The values a template version uses (read once per version: the bytes are the key)."""
    return frozenset(used_paths(template_source(data)))


_uploaded_cache: dict[str, bytes] = {}


async def active_template(key: str) -> tuple[int, bytes]:
    """(version, bytes) of the template in use: the latest activated upload, else the shipped file (version 1)."""
    if key not in TEMPLATES:
        raise ClientException(detail=_("Unknown template: %(key)s.") % {"key": key[:40]})
    row = await DocumentTemplate.select(DocumentTemplate.version, DocumentTemplate.storage_key).where(
        (DocumentTemplate.key == key) & (DocumentTemplate.active == True)).order_by(DocumentTemplate.version, ascending=False).first()  # noqa: E712
    if row is None:
        return 1, _shipped_bytes(key)
    data = _uploaded_cache.get(row["storage_key"])
    if data is None:
        data = await storage().read(row["storage_key"])
        _uploaded_cache[row["storage_key"]] = data
    return row["version"], data


def made_for(key: str, jurisdiction: str) -> bool:
    """Whether the template is made for cases of ``jurisdiction`` (the Portuguese letter only for Portuguese ones)."""
    allowed = TEMPLATES[key].jurisdictions
    return not allowed or (jurisdiction or "").upper() in allowed


async def template_list(jurisdiction: str | None = None) -> list[dict]:
    """The templates and their active versions; with ``jurisdiction``, only those made for its cases."""
    rows = await DocumentTemplate.select(DocumentTemplate.key, DocumentTemplate.version).where(DocumentTemplate.active == True)  # noqa: E712
    active = {}
    for r in rows:
        active[r["key"]] = max(active.get(r["key"], 1), r["version"])
    return [{"key": t.key, "name": str(t.name), "stage": t.stage, "version": active.get(t.key, 1), "for_creditor": t.for_creditor,
             "jurisdictions": list(t.jurisdictions), "offer": t.key in OFFER_TEMPLATES}
            for t in TEMPLATES.values() if jurisdiction is None or made_for(t.key, jurisdiction)]


# --- generating ----------------------------------------------------------------------------------------------

async def generate_document(user: CurrentUser, case_id: int, key: str, today: date, *,
                            offer_discount_percent: Decimal | None = None, signatory: dict | None = None) -> dict:
    """Render the template for the case, store the file, record it (a new version each time)."""
    case = await get_visible(Case.select(*CONTEXT_CASE_COLUMNS).where(Case.id == case_id), user, Case.organisation)
    if key in TEMPLATES and not made_for(key, case["jurisdiction"]):
        raise TemplateNotForCase(detail=_("This document is made for cases under the law of %(countries)s only.") % {
            "countries": ", ".join(str(i18n.CountryName(c)) for c in TEMPLATES[key].jurisdictions)})
    (version, data), context = await asyncio.gather(active_template(key), build_context(case_id, today, offer_discount_percent, case=case,
                                                                                                  signatory=signatory))
    used = _analysis(data)
    missing = missing_data(set(used), context, key)
    if missing:
        raise DocumentDataMissing(detail=describe_missing(missing), extra={"missing": missing})
    if used & {"portal.url", "portal.qr"}:  # a letter that prints the link to the debtor's page: a new link, and its QR code
        url, _expires = await create_link(case_id, user, today)
        context["portal"] = {"url": url, "qr": qr_png(url)}
    try:
        rendered = await asyncio.to_thread(render, data, context)
    except TemplateError as exc:
        raise DocumentDataMissing(detail=_("The template could not be filled in: %(error)s.") % {"error": str(exc)[:200]}) from None
    sha = hashlib.sha256(rendered).hexdigest()
    storage_key = f"documents/{case['organisation']}/{case_id}/{secrets.token_hex(16)}.docx"
    await storage().put_bytes(storage_key, rendered, DOCX)
    info = TEMPLATES[key]
    try:
        row = await _insert_document(case, key, version, storage_key, sha, len(rendered), today, info.for_creditor, user)
        number = row["version"]
        filename = f"{case['reference']}-{file_stem(key)}-v{number}.docx"
    except BaseException:
        await storage().delete(storage_key)
        raise
    return {"id": row["id"], "template": key, "template_version": version, "version": number, "sha256": sha, "size": len(rendered),
            "filename": filename, "data_date": today.isoformat(), "download_url": f"/api/v1/documents/{row['id']}/download"}


async def _insert_document(case: dict, key: str, version: int, storage_key: str, sha: str, size: int, today: date, for_creditor: bool,
                           user: CurrentUser) -> dict:
    """The row and its event; the version number is taken in the INSERT, and a race for the same number
    (PostgreSQL: two requests at once) is tried again once with the next one."""

    try:
        return await _insert_document_once(case, key, version, storage_key, sha, size, today, for_creditor, user)
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
    return await _insert_document_once(case, key, version, storage_key, sha, size, today, for_creditor, user)


async def _insert_document_once(case: dict, key: str, version: int, storage_key: str, sha: str, size: int, today: date,
                                for_creditor: bool, user: CurrentUser) -> dict:
    case_id = case["id"]
    info = TEMPLATES[key]
    async with atomic():
        # The next version number and the row in one statement (a unique index catches a race on PostgreSQL).
        row = (await Document.raw(
            'INSERT INTO documents ("case", template, template_version, version, storage_key, filename, sha256, size, data_date, '
            "visible_to_creditor, created_by, created_at) SELECT {}, {}, {}, COALESCE(MAX(version), 0) + 1, {}, {} || "
            "(COALESCE(MAX(version), 0) + 1) || '.docx', {}, {}, {}, {}, {}, {} FROM documents WHERE \"case\" = {} AND template = {} "
            "RETURNING id, version",
            case_id, key, version, storage_key, f"{case['reference']}-{file_stem(key)}-v", sha, size, today, for_creditor,
            user.id, utcnow(), case_id, key))[0]
        await events.record(case_id, "document", user, _("Document generated: %(name)s (version %(version)s).") % {
            "name": str(info.name), "version": row["version"]},
            {"document": row["id"], "template": key, "template_version": version, "version": row["version"], "sha256": sha,
             "data_date": today.isoformat()}, visible_to_creditor=for_creditor)
    return row


def visible_documents_query(user: CurrentUser, case_id: int):
    query = Document.select(*Document.all_columns(), Document.created_by.name.as_alias("author")).where(Document.case == case_id)
    if user.is_creditor:
        query = query.where(Document.visible_to_creditor == True)  # noqa: E712
    return scoped(query, user, Document.case.organisation).order_by(Document.id, ascending=False)


async def visible_document(user: CurrentUser, document_id: int) -> dict:
    query = Document.select(*Document.all_columns(), Document.case.reference.as_alias("reference")).where(Document.id == document_id)
    if user.is_creditor:
        query = query.where(Document.visible_to_creditor == True)  # noqa: E712
    doc = await get_visible(query, user, Document.case.organisation)
    if doc["filename"] == ERASED_FILENAME:
        raise HTTPException(status_code=410, detail=_("This document was deleted with the debtor's data."))
    return doc


# --- PDF copies ------------------------------------------------------------------------------------------------

def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(data: bytes) -> bytes:
    """Blocking: LibreOffice converts the .docx (its own profile dir, so parallel runs do not collide)."""
    binary = soffice()
    if binary is None:
        raise HTTPException(status_code=503, detail=_("PDF copies need LibreOffice (soffice) on the server; download the Word file instead."))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "document.docx"
        src.write_bytes(data)
        try:
            subprocess.run([binary, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", "pdf", "--outdir", tmp,
                            str(src)], check=True, capture_output=True, timeout=120)
            return (Path(tmp) / "document.pdf").read_bytes()
        except (subprocess.SubprocessError, OSError):
            raise HTTPException(status_code=503, detail=_("LibreOffice could not make the PDF copy just now; try again, or download the Word file.")) from None


# LibreOffice is heavy: at most two conversions at once per process (the rest wait their turn).
_conversions = asyncio.Semaphore(2)


async def pdf_copy(user: CurrentUser, document_id: int) -> tuple[dict, str]:
    doc = await visible_document(user, document_id)
    return doc, await pdf_of(doc)


async def pdf_of(doc: dict) -> str:
    """The storage key of the document's PDF copy, made by LibreOffice the first time it is asked for."""
    if doc["pdf_storage_key"]:
        return doc["pdf_storage_key"]
    data = await storage().read(doc["storage_key"])
    async with _conversions:
        pdf = await asyncio.to_thread(to_pdf, data)
    key = doc["storage_key"].removesuffix(".docx") + ".pdf"
    await storage().put_bytes(key, pdf, "application/pdf")
    await Document.update({Document.pdf_storage_key: key}).where(Document.id == doc["id"])
    return key


# --- admins' template versions ---------------------------------------------------------------------------------

def check_template(data: bytes, sample: dict) -> None:
    """A new version is accepted only if it is a .docx, uses only known values, and renders against the sample case."""
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateRefused(detail=_("The template is larger than %(mb)s MB.") % {"mb": MAX_TEMPLATE_BYTES // (1024 * 1024)})
    try:
        source = template_source(data)
    except Exception:  # noqa: BLE001 - python-docx raises many kinds for a file that is not a document
        raise TemplateRefused(detail=_("This file is not a Word document (.docx).")) from None
    try:
        paths = used_paths(source)
    except TemplateError as exc:
        raise TemplateRefused(detail=_("The template has a tag error: %(error)s. Type each {{ }} or {%% %%} tag in one go.")
                              % {"error": str(exc)[:200]}) from None
    # docxtpl's own reading of the top-level names (body, headers, footers), then every dotted path.
    undeclared = DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables(jinja_env=JINJA)
    unknown = sorted({name for name in undeclared if name not in sample} | {p for p in paths if not _known(p, sample)})
    if unknown:
        raise TemplateRefused(detail=_("The template uses values that do not exist: %(names)s.") % {"names": ", ".join(unknown)})
    try:
        render(data, sample)
    except Exception as exc:  # noqa: BLE001 - any failure to render refuses the version
        raise TemplateRefused(detail=_("The template does not render against the sample case: %(error)s.") % {"error": str(exc)[:200]}) from None


def _known(path: str, sample: dict) -> bool:
    value: object = sample
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and value and isinstance(value[0], dict) and part in value[0]:
            value = value[0][part]
        else:
            return False
    return True


async def upload_template(user: CurrentUser, key: str, data: bytes, filename: str) -> dict:
    if key not in TEMPLATES:
        raise NotFoundException(detail=_("Unknown template: %(key)s.") % {"key": key[:40]})
    await asyncio.to_thread(check_template, data, sample_context())
    sha = hashlib.sha256(data).hexdigest()
    storage_key = f"templates/{key}/{secrets.token_hex(16)}.docx"
    await storage().put_bytes(storage_key, data, DOCX)

    try:
        async with atomic():
            last = await DocumentTemplate.select(DocumentTemplate.version).where(DocumentTemplate.key == key).order_by(
                DocumentTemplate.version, ascending=False).first()
            version = (last["version"] if last else 1) + 1
            await DocumentTemplate.update({DocumentTemplate.active: False}).where(DocumentTemplate.key == key)
            await DocumentTemplate.insert(DocumentTemplate(key=key, version=version, storage_key=storage_key, sha256=sha, size=len(data),
                                                           original_name=filename[:200], active=True, uploaded_by=user.id))
    except BaseException as exc:
        await storage().delete(storage_key)
        if isinstance(exc, Exception) and is_unique_violation(exc):
            raise HTTPException(status_code=409, detail=_("Another version was uploaded at the same moment: reload and try again.")) from None
        raise
    return {"key": key, "version": version, "sha256": sha}


async def template_versions(key: str) -> list[dict]:
    return await DocumentTemplate.select(*DocumentTemplate.all_columns(), DocumentTemplate.uploaded_by.name.as_alias("author")).where(
        DocumentTemplate.key == key).order_by(DocumentTemplate.version, ascending=False)

