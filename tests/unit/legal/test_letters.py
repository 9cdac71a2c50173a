"""The French and Portuguese letters without a database: their dates and amounts in each language's formats, which
cases the Portuguese letter is made for, what it cannot go without, and what it prints for a business and for a
consumer."""
import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import docx

from legal.documents.sample import sample_context
from legal.documents.service import (
    SHIPPED,
    TEMPLATES,
    day_in,
    made_for,
    missing_data,
    money_in,
    pt_interest_basis,
    render,
)


def _text(content: bytes) -> str:
    d = docx.Document(io.BytesIO(content))
    return "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells])


def test_dates_and_amounts_in_portuguese_and_french_formats():
    assert day_in("pt_PT", date(2026, 12, 6)) == "6 de dezembro de 2026"
    assert money_in("pt_PT", Decimal("1234.56")) == "1\u00a0234,56\u00a0€"
    assert money_in("pt_PT", Decimal("1234567.8")) == "1\u00a0234\u00a0567,80\u00a0€"
    assert money_in("pt_PT", Decimal(40)) == "40,00\u00a0€"
    assert money_in("pt_PT", Decimal("-1234.56")) == "-1\u00a0234,56\u00a0€"
    # the French letter's formats are unchanged by the generalisation
    assert day_in("fr_FR", date(2026, 12, 6)) == "6 décembre 2026"
    assert money_in("fr_FR", Decimal("1234.56")) == "1\u202f234,56\u00a0€"
    assert day_in("pt_PT", None) == ""


def test_the_portuguese_letter_is_made_for_portuguese_cases_only():
    assert TEMPLATES["carta_cobranca_amigavel"].jurisdictions == ("PT",)
    assert made_for("carta_cobranca_amigavel", "PT") and made_for("carta_cobranca_amigavel", "pt")
    assert not made_for("carta_cobranca_amigavel", "ES") and not made_for("carta_cobranca_amigavel", "FR")
    assert made_for("payment_demand", "PT") and made_for("lettre_recouvrement_amiable", "FR")


def test_the_portuguese_letter_cannot_go_without_the_lawyers_professional_number():
    """Lei 49/2004: the lawyer in charge signs with their cédula profissional; elsewhere the number is optional."""
    ctx = sample_context()
    ctx["lawyer"] = {**ctx["lawyer"], "bar_number": ""}
    assert missing_data({"lawyer.name", "lawyer.bar_number"}, ctx, "carta_cobranca_amigavel") == ["lawyer.bar_number"]
    assert missing_data({"lawyer.name"}, ctx, "carta_cobranca_amigavel") == ["lawyer.bar_number"]
    assert missing_data({"lawyer.name", "lawyer.bar_number"}, ctx, "monitorio_petition") == []


def test_the_interest_is_explained_in_portuguese_as_the_ledger_computed_it():
    business = pt_interest_basis(True, SimpleNamespace(provisional=False, awaiting_demand=False, interest_from=None))
    assert "Decreto-Lei n.º 62/2013" in business and "acrescida de 8 pontos percentuais" in business
    assert "desde o dia seguinte ao vencimento de cada fatura" in business and "  " not in business
    assert "40,00\u00a0€ por fatura" in business and "artigo 7.º" in business and "provisório" not in business
    provisional = pt_interest_basis(True, SimpleNamespace(provisional=True, awaiting_demand=False, interest_from=None))
    assert "Valor provisório" in provisional
    consumer = pt_interest_basis(False, SimpleNamespace(provisional=False, awaiting_demand=False, interest_from=None))
    assert "juros civis" in consumer and "vencimento de cada fatura" in consumer and "62/2013" not in consumer


def test_the_shipped_portuguese_letter_for_a_business_and_for_a_consumer():
    data = (SHIPPED / "carta_cobranca_amigavel.docx").read_bytes()
    ctx = sample_context()
    text = _text(render(data, ctx))
    assert "Marta Ruiz Delgado, advogado(a) com a cédula profissional n.º 98.765 (ICAM)" in text
    assert "Lei n.º 49/2004" in text and "Indemnização pelos custos de cobrança" in text and "120,00 €" in text
    assert "Outras despesas" in text and "Total em dívida" in text and "8.509,70 €" in text
    assert "12 de março de 2026" in text and "Proteção de dados" not in text  # a company: no art. 14 block
    # a consumer: no compensation and no costs (their lines left out), and the GDPR art. 14 information in Portuguese
    ctx["debtor"] = {**ctx["debtor"], "kind": "person"}
    ctx["pt"] = {**ctx["pt"], "compensation": "", "costs": ""}
    text = _text(render(data, ctx))
    assert "Indemnização" not in text and "Outras despesas" not in text and "{%" not in text
    for mention in ("Responsável pelo tratamento", "Subcontratante", "Finalidade e fundamento", "origem", "Destinatários",
                    "Prazo de conservação", "Direitos", "Comissão Nacional de Proteção de Dados"):
        assert mention in text, mention
