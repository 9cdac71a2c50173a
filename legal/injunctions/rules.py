"""The French injonction de payer request and the Portuguese injunção batch file (pure: plain values in, plain values
or bytes out).

France: the request (requête en injonction de payer, CPC 1405-1407)
----------------------------------------------------------------------
CPC 1407 says what the request holds: the parties (for a company its form, name and seat), the precise amount
claimed with the breakdown of its elements, the basis of the claim, and the supporting documents. The creditor
files it on a Cerfa form: n° 12946*02 at the tribunal de commerce (a commercial debt between professionals) and
n° 12948*06 at the tribunal judiciaire (a civil debt: a consumer, or a non-trader); n° 16040*01 (rent, consumer
credit) concerns debts this product does not collect. The numbers and the order of the sections below (court,
applicant, debtor, the sums, the basis, the documents) come from CPC 1407 and from published descriptions of the
forms (service-public.fr's pages as reported by secondary sources); they were NOT checked box by box against the
official PDFs: *unconfirmed*. ``injonction_request`` gives the sections in that order.

French rules applied (LEGAL.md): no cost of amicable recovery is claimed from a French debtor before a court
title (CPCE L111-8), so the costs line is always zero; between professionals the late interest is the ECB rate
+ 10 points and 40 EUR per invoice (C. com. L441-10, D441-5), for a consumer the legal rate from the formal
notice: the figures are the ledger's, computed by jurisdiction; this module says which basis they rest on.

Portugal: the injunção batch file (Portaria 220-A/2008 art. 6)
----------------------------------------------------------------
Many requerimentos de injunção may be delivered in one electronic file in the format the Ministry of Justice
publishes (tribunais.org.pt, "Formato do ficheiro de injunção", maintained by the IGFEJ). That technical
specification could NOT be read when this was written (it is a linked document not held in any source available
here). So this file is NOT the published format: it is a documented, versioned layout of this product's own
(``BNI_LAYOUT``), marked *unconfirmed*, carrying what a requerimento must contain under DL 269/98 (annex, art.
10.2): the court office it goes to; the parties' names, addresses and tax numbers; the facts, briefly; the claim,
split into capital, interest due and other sums; the taxa de justiça; whether it is a commercial transaction (DL
62/2013); and who signs (the lawyer). Replace ``bni_file`` with the published format when it is at hand; the
service and the batches do not change.

Layout ``agency-bni/1`` (XML 1.0, UTF-8, namespace ``BNI_NS``; amounts in euros with a dot and two decimals, dates
YYYY-MM-DD; every element present, an unknown value an empty element)::

    LoteInjuncoes  @versao=agency-bni/1 @confirmado=nao @referencia @data @requerimentos (count) @valorTotal (sum of Total)
      Requerimento  @numero (1..n) @referencia (the case's reference)
        Secretaria           "Balcão Nacional de Injunções"
        Requerente / Requerido  @tipo=coletiva|singular
          Nome NIF Morada CodigoPostal Localidade Pais (ISO alpha-2)
        LocalNotificacao     the debtor's address, one line
        Factos               the facts, briefly (Portuguese)
        Faturas
          Fatura  @numero @emissao @vencimento @emDivida
        Pedido
          Capital JurosVencidos OutrasQuantias Total   (Total = Capital + JurosVencidos + OutrasQuantias)
          JurosVencidos @fundamento=comerciais|civis
        TaxaJustica          the taxa paid (Regulamento das Custas Processuais, Tabela II: *unconfirmed*)
        TransacaoComercial   sim|nao
        Mandatario  @cedula (the lawyer's professional number)  the lawyer's name
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from agency.i18n import lazy_gettext as _l
from agency.identifiers import InvalidIdentifier, normalise_tax_id
from legal.rules.jurisdictions import PT_INJUNCAO_FEE_BANDS, PT_INJUNCAO_MAX, PT_UNIDADE_DE_CONTA

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# --- shared values ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    name: str
    tax_id: str
    address: str
    postal_code: str
    city: str
    country: str  # ISO alpha-2
    kind: str = "company"  # company | person


@dataclass(frozen=True)
class OwedInvoice:
    number: str
    issue_date: date
    due_date: date
    outstanding: Decimal  # principal still owed of it


@dataclass(frozen=True)
class Claim:
    """What is claimed, still owed today (the ledger's figures): principal, interest and the fixed compensation per
    invoice. Costs are never part of it (a court claim's amount: legal.rules.procedures.claim_amount)."""
    principal: Decimal
    interest: Decimal
    compensation: Decimal
    business: bool  # the debtor is a business: commercial late interest and the compensation per invoice

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.compensation


def _cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- France: the injonction de payer request ------------------------------------------------------------------

CERFA = {
    "tribunal_de_commerce": ("12946*02", "Requête en injonction de payer devant le tribunal de commerce"),
    "tribunal_judiciaire": ("12948*06", "Requête en injonction de payer devant le tribunal judiciaire"),
}


def court_kind(debtor_kind: str, business: bool) -> str:
    """A commercial debt between professionals goes to the tribunal de commerce, any other to the tribunal judiciaire
    (CPC 1406; the same split as legal.rules.procedures.court_name)."""
    return "tribunal_de_commerce" if debtor_kind == "company" and business else "tribunal_judiciaire"


def fr_interest_basis(business: bool) -> str:
    if business:
        return ("Intérêts de retard au taux de refinancement de la Banque centrale européenne majoré de 10 points (article "
                "L441-10 du Code de commerce), du lendemain de l'échéance de chaque facture, et indemnité forfaitaire de 40 € "
                "pour frais de recouvrement par facture (article D441-5).")
    return ("Intérêts au taux de l'intérêt légal (article L313-2 du Code monétaire et financier), à compter de la mise en "
            "demeure (article 1231-6 du Code civil).")


NO_COSTS = ("Aucun frais de recouvrement amiable n'est réclamé : ils restent à la charge du créancier tant qu'il n'a pas de "
            "titre exécutoire (article L111-8 du Code des procédures civiles d'exécution).")


def fr_cause(invoices: list[OwedInvoice]) -> str:
    """The basis of the claim (CPC 1407), in French: the unpaid invoices, by number."""
    numbers = [i.number for i in invoices]
    listed = ", ".join(numbers[:-1]) + " et " + numbers[-1] if len(numbers) > 1 else "".join(numbers)
    plural = "des factures" if len(numbers) > 1 else "de la facture"
    s = "s" if len(numbers) > 1 else ""
    return (f"Créance contractuelle née de la fourniture de biens ou de services, au titre {plural} {listed}, échue{s} et "
            f"demeurée{s} impayée{s} malgré les relances du créancier : une créance certaine, liquide et exigible (article 1405 du "
            "Code de procédure civile).")


def injonction_request(creditor: Party, debtor: Party, claim: Claim, invoices: list[OwedInvoice], documents: list[str],
                       court_city: str) -> dict:
    """The Cerfa's data, section by section in the form's order, as plain values (Decimal, date, str). The costs line
    is zero: a French debtor bears no amicable-recovery cost before a title (CPCE L111-8)."""
    kind = court_kind(debtor.kind, claim.business)
    form, title = CERFA[kind]
    court = ("Tribunal de commerce de " if kind == "tribunal_de_commerce" else "Tribunal judiciaire de ") + court_city if court_city else ""

    def party(p: Party) -> dict:
        return {"kind": "personne_morale" if p.kind == "company" else "personne_physique", "name": p.name, "identifier": p.tax_id,
                "address": p.address, "postal_code": p.postal_code, "city": p.city, "country": p.country}

    return {
        "form": form, "title": title,
        "court": {"kind": kind, "name": court, "city": court_city},
        "creditor": party(creditor),
        "debtor": party(debtor),
        "amounts": {"principal": _cents(claim.principal), "interest": _cents(claim.interest),
                    "compensation": _cents(claim.compensation) if claim.business else ZERO, "costs": ZERO,
                    "total": _cents(claim.principal) + _cents(claim.interest) + (_cents(claim.compensation) if claim.business else ZERO),
                    "interest_basis": fr_interest_basis(claim.business), "costs_note": NO_COSTS},
        "cause": fr_cause(invoices) if invoices else "",
        "invoices": [{"number": i.number, "issue_date": i.issue_date, "due_date": i.due_date, "outstanding": _cents(i.outstanding)}
                     for i in invoices],
        "documents": list(documents),
    }


# --- Portugal: the injunção batch file --------------------------------------------------------------------------

BNI_LAYOUT = "agency-bni/1"
BNI_NS = "urn:agency:injuncao-lote:1"
BNI_OFFICE = "Balcão Nacional de Injunções"


@dataclass(frozen=True)
class Requerimento:
    reference: str  # the case's reference
    creditor: Party
    debtor: Party
    claim: Claim
    invoices: tuple[OwedInvoice, ...]
    lawyer_name: str = ""
    lawyer_number: str = ""  # cédula profissional


def taxa_de_justica(value: Decimal) -> Decimal:
    """The taxa de justiça of an injunção of ``value`` (Regulamento das Custas Processuais, Tabela II: *unconfirmed*)."""
    for upper, units in PT_INJUNCAO_FEE_BANDS:
        if upper is None or value <= upper:
            return _cents(PT_UNIDADE_DE_CONTA * units)
    raise AssertionError("the last band has no upper limit")


def _nif(country: str, value: str) -> str | None:
    try:
        return normalise_tax_id(country, value)
    except InvalidIdentifier:
        return None


def problems(r: Requerimento) -> list:
    """What stops this requerimento from going into a file, each a sentence saying what to fix (lazy strings); empty
    when it may go. The amount: up to PT_INJUNCAO_MAX, or any amount for a commercial transaction (DL 62/2013 art. 10)."""
    found = []
    if not r.debtor.tax_id.strip():
        found.append(_l("the debtor has no NIF: enter it on the debtor's details"))
    elif r.debtor.country == "PT" and _nif("PT", r.debtor.tax_id) is None:
        found.append(_l("the debtor's NIF %(nif)s is not a valid Portuguese NIF: correct it on the debtor's details", nif=r.debtor.tax_id))
    if not r.creditor.tax_id.strip():
        found.append(_l("the creditor has no tax number: enter it on the creditor's organisation"))
    elif r.creditor.country == "PT" and _nif("PT", r.creditor.tax_id) is None:
        found.append(_l("the creditor's NIF %(nif)s is not a valid Portuguese NIF: correct it on the creditor's organisation",
                        nif=r.creditor.tax_id))
    if not (r.debtor.address.strip() and r.debtor.postal_code.strip() and r.debtor.city.strip()):
        found.append(_l("the debtor's address is incomplete (street, postal code and town): complete it"))
    if r.claim.principal <= 0:
        found.append(_l("no principal is owed: there is nothing to claim"))
    if r.claim.total > PT_INJUNCAO_MAX and not r.claim.business:
        found.append(_l("the claim, %(amount)s EUR, exceeds the injunção limit of %(limit)s EUR and is not a commercial transaction "
                        "(DL 269/98 art. 1; DL 62/2013 art. 10): it needs an ordinary action", amount=str(_cents(r.claim.total)),
                        limit=str(PT_INJUNCAO_MAX)))
    return found


def _amount(value: Decimal) -> str:
    return f"{_cents(value):f}"


def pt_facts(r: Requerimento) -> str:
    """The facts, briefly, in Portuguese (DL 269/98 annex, art. 10.2 d)."""
    numbers = [i.number for i in r.invoices]
    listed = ", ".join(numbers[:-1]) + " e " + numbers[-1] if len(numbers) > 1 else "".join(numbers)
    which = f"das faturas {listed}" if len(numbers) > 1 else f"da fatura {listed}"
    activity = "no exercício da sua atividade comercial, " if r.claim.business else ""
    return (f"O requerente forneceu ao requerido, {activity}bens ou serviços, titulados {which}, cujo valor se venceu e não foi "
            "pago, apesar de interpelado para o efeito. São devidos o capital em dívida, os juros de mora vencidos"
            + (" e a indemnização pelos custos de cobrança (Decreto-Lei n.º 62/2013, artigo 7.º)." if r.claim.business else "."))


def bni_file(requerimentos: list[Requerimento], batch_reference: str, created_on: date) -> bytes:
    """The batch file in layout ``BNI_LAYOUT`` (this module's docstring), one Requerimento per case, in the order
    given. Raises ValueError when a requerimento has problems (the service checks them first and says what to fix)."""
    if not requerimentos:
        raise ValueError("a batch file holds at least one requerimento")
    for r in requerimentos:
        if problems(r):
            raise ValueError(f"{r.reference}: " + "; ".join(str(p) for p in problems(r)))
    total = sum((_cents(r.claim.principal) + _cents(r.claim.interest) + _cents(r.claim.compensation) for r in requerimentos), ZERO)
    ET.register_namespace("", BNI_NS)

    def q(tag: str) -> str:
        return f"{{{BNI_NS}}}{tag}"

    def text(parent, tag: str, value: str, **attrs) -> ET.Element:
        element = ET.SubElement(parent, q(tag), {k: str(v) for k, v in attrs.items()})
        element.text = value
        return element

    root = ET.Element(q("LoteInjuncoes"), {"versao": BNI_LAYOUT, "confirmado": "nao", "referencia": batch_reference,
                                           "data": created_on.isoformat(), "requerimentos": str(len(requerimentos)),
                                           "valorTotal": _amount(total)})
    for number, r in enumerate(requerimentos, start=1):
        req = ET.SubElement(root, q("Requerimento"), {"numero": str(number), "referencia": r.reference})
        text(req, "Secretaria", BNI_OFFICE)
        for tag, p in (("Requerente", r.creditor), ("Requerido", r.debtor)):
            party = ET.SubElement(req, q(tag), {"tipo": "coletiva" if p.kind == "company" else "singular"})
            nif = (_nif(p.country, p.tax_id) if p.country in ("ES", "FR", "PT") else None) or p.tax_id.strip()
            for field, value in (("Nome", p.name), ("NIF", nif), ("Morada", p.address), ("CodigoPostal", p.postal_code),
                                 ("Localidade", p.city), ("Pais", p.country)):
                text(party, field, value)
        text(req, "LocalNotificacao", f"{r.debtor.address}, {r.debtor.postal_code} {r.debtor.city}")
        text(req, "Factos", pt_facts(r))
        invoices = ET.SubElement(req, q("Faturas"))
        for i in r.invoices:
            text(invoices, "Fatura", "", numero=i.number, emissao=i.issue_date.isoformat(), vencimento=i.due_date.isoformat(),
                 emDivida=_amount(i.outstanding))
        claim = ET.SubElement(req, q("Pedido"))
        capital, interest, other = _cents(r.claim.principal), _cents(r.claim.interest), _cents(r.claim.compensation)
        text(claim, "Capital", _amount(capital))
        text(claim, "JurosVencidos", _amount(interest), fundamento="comerciais" if r.claim.business else "civis")
        text(claim, "OutrasQuantias", _amount(other))
        text(claim, "Total", _amount(capital + interest + other))
        text(req, "TaxaJustica", _amount(taxa_de_justica(capital + interest + other)))
        text(req, "TransacaoComercial", "sim" if r.claim.business else "nao")
        text(req, "Mandatario", r.lawyer_name, cedula=r.lawyer_number)
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"
