"""The injonction de payer request's data and the injunção batch file (legal/injunctions/rules.py).

The BNI file is read back by a parser written here from the layout the module documents (``agency-bni/1``), not
from the writer's code. That layout is the product's own, NOT the format the Ministry of Justice publishes
(tribunais.org.pt, "Formato do ficheiro de injunção"), which could not be read when this was written: these tests
check that the file says what the requerimentos say, not that the BNI will accept it (*unconfirmed*)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest

from agency import i18n
from legal.injunctions.rules import (
    NO_COSTS,
    Claim,
    OwedInvoice,
    Party,
    Requerimento,
    bni_file,
    injonction_request,
    problems,
    taxa_de_justica,
)

NS = "{urn:agency:injuncao-lote:1}"


@pytest.fixture(autouse=True)
def english():
    i18n.set_language("en")
    yield
    i18n.set_language("es")

CREDITOR = Party("Têxteis do Ave, Lda.", "501964843", "Rua da Fábrica, 12", "4760-000", "Vila Nova de Famalicão", "PT")
DEBTOR = Party("Loja Central, Unipessoal Lda.", "503504564", "Avenida da Liberdade, 100", "1250-145", "Lisboa", "PT")
INVOICES = (OwedInvoice("FT 2026/17", date(2026, 3, 1), date(2026, 3, 31), Decimal("1200.00")),
            OwedInvoice("FT 2026/40", date(2026, 5, 2), date(2026, 6, 1), Decimal("800.50")))


def request(**changes) -> Requerimento:
    values = {"reference": "EXP-2026-00007", "creditor": CREDITOR, "debtor": DEBTOR,
              "claim": Claim(Decimal("2000.50"), Decimal("113.27"), Decimal("80.00"), True), "invoices": INVOICES,
              "lawyer_name": "Ana Sousa", "lawyer_number": "12345L"}
    return Requerimento(**{**values, **changes})


def parse(data: bytes) -> dict:
    """The test's reader of layout agency-bni/1, field by field as the module's docstring lays it out."""
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>") or data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(data)
    assert root.tag == f"{NS}LoteInjuncoes"

    def party(element) -> dict:
        return {"tipo": element.get("tipo"), **{f: element.find(NS + f).text or "" for f in
                                                ("Nome", "NIF", "Morada", "CodigoPostal", "Localidade", "Pais")}}

    requerimentos = []
    for req in root.findall(f"{NS}Requerimento"):
        pedido = req.find(f"{NS}Pedido")
        requerimentos.append({
            "numero": int(req.get("numero")), "referencia": req.get("referencia"),
            "secretaria": req.find(f"{NS}Secretaria").text,
            "requerente": party(req.find(f"{NS}Requerente")), "requerido": party(req.find(f"{NS}Requerido")),
            "notificacao": req.find(f"{NS}LocalNotificacao").text, "factos": req.find(f"{NS}Factos").text,
            "faturas": [{"numero": f.get("numero"), "emissao": date.fromisoformat(f.get("emissao")),
                         "vencimento": date.fromisoformat(f.get("vencimento")), "emDivida": Decimal(f.get("emDivida"))}
                        for f in req.find(f"{NS}Faturas").findall(f"{NS}Fatura")],
            "capital": Decimal(pedido.find(f"{NS}Capital").text), "juros": Decimal(pedido.find(f"{NS}JurosVencidos").text),
            "juros_fundamento": pedido.find(f"{NS}JurosVencidos").get("fundamento"),
            "outras": Decimal(pedido.find(f"{NS}OutrasQuantias").text), "total": Decimal(pedido.find(f"{NS}Total").text),
            "taxa": Decimal(req.find(f"{NS}TaxaJustica").text), "comercial": req.find(f"{NS}TransacaoComercial").text,
            "mandatario": req.find(f"{NS}Mandatario").text, "cedula": req.find(f"{NS}Mandatario").get("cedula"),
        })
    return {"versao": root.get("versao"), "confirmado": root.get("confirmado"), "referencia": root.get("referencia"),
            "data": date.fromisoformat(root.get("data")), "count": int(root.get("requerimentos")),
            "valor_total": Decimal(root.get("valorTotal")), "requerimentos": requerimentos}


def test_the_file_reads_back_field_by_field():
    consumer = request(reference="EXP-2026-00009", debtor=Party("João Pires", "123456789", "Rua Direita, 3, 2.º", "3000-123", "Coimbra", "PT",
                                                               "person"),
                       claim=Claim(Decimal("450.00"), Decimal("3.70"), Decimal("0"), False), invoices=INVOICES[:1])
    data = bni_file([request(), consumer], "BNI-3", date(2026, 12, 7))
    lot = parse(data)
    assert (lot["versao"], lot["confirmado"], lot["referencia"], lot["data"], lot["count"]) == ("agency-bni/1", "nao", "BNI-3", date(2026, 12, 7), 2)
    # 2000.50 + 113.27 + 80.00 = 2193.77; 450.00 + 3.70 = 453.70; together 2647.47
    assert lot["valor_total"] == Decimal("2647.47")
    first, second = lot["requerimentos"]
    assert (first["numero"], first["referencia"], first["secretaria"]) == (1, "EXP-2026-00007", "Balcão Nacional de Injunções")
    assert first["requerente"] == {"tipo": "coletiva", "Nome": "Têxteis do Ave, Lda.", "NIF": "501964843", "Morada": "Rua da Fábrica, 12",
                                   "CodigoPostal": "4760-000", "Localidade": "Vila Nova de Famalicão", "Pais": "PT"}
    assert first["requerido"]["Nome"] == "Loja Central, Unipessoal Lda." and first["requerido"]["NIF"] == "503504564"
    assert first["notificacao"] == "Avenida da Liberdade, 100, 1250-145 Lisboa"
    assert first["faturas"] == [{"numero": "FT 2026/17", "emissao": date(2026, 3, 1), "vencimento": date(2026, 3, 31), "emDivida": Decimal("1200.00")},
                                {"numero": "FT 2026/40", "emissao": date(2026, 5, 2), "vencimento": date(2026, 6, 1), "emDivida": Decimal("800.50")}]
    assert (first["capital"], first["juros"], first["outras"], first["total"]) == (Decimal("2000.50"), Decimal("113.27"), Decimal("80.00"),
                                                                                   Decimal("2193.77"))
    assert first["juros_fundamento"] == "comerciais" and first["comercial"] == "sim"
    assert "das faturas FT 2026/17 e FT 2026/40" in first["factos"] and "Decreto-Lei n.º 62/2013" in first["factos"]
    assert first["taxa"] == Decimal("51.00")  # up to 5,000 EUR: 0.5 UC of 102 EUR
    assert (first["mandatario"], first["cedula"]) == ("Ana Sousa", "12345L")
    assert second["requerido"]["tipo"] == "singular" and second["juros_fundamento"] == "civis" and second["comercial"] == "nao"
    assert second["total"] == Decimal("453.70") and "da fatura FT 2026/17" in second["factos"] and "62/2013" not in second["factos"]


def test_the_same_requerimentos_give_the_same_bytes():
    assert bni_file([request()], "BNI-1", date(2026, 12, 7)) == bni_file([request()], "BNI-1", date(2026, 12, 7))


@pytest.mark.parametrize(("value", "fee"), [(Decimal("5000.00"), Decimal("51.00")), (Decimal("5000.01"), Decimal("102.00")),
                                            (Decimal("15000.00"), Decimal("102.00")), (Decimal("15000.01"), Decimal("153.00"))])
def test_the_taxa_de_justica_by_band(value, fee):
    assert taxa_de_justica(value) == fee


def test_what_stops_a_requerimento():
    assert problems(request()) == []
    assert [str(p) for p in problems(request(debtor=Party(DEBTOR.name, "", DEBTOR.address, DEBTOR.postal_code, DEBTOR.city, "PT")))] == [
        "the debtor has no NIF: enter it on the debtor's details"]
    assert "not a valid Portuguese NIF" in str(problems(request(debtor=Party(DEBTOR.name, "503504565", "x", "1", "Lisboa", "PT")))[0])
    # 15,000 EUR is within the limit; a cent more is not, unless the transaction is commercial (DL 62/2013 art. 10)
    assert problems(request(claim=Claim(Decimal("15000.00"), Decimal("0"), Decimal("0"), False))) == []
    over = problems(request(claim=Claim(Decimal("15000.00"), Decimal("0.01"), Decimal("0"), False)))
    assert len(over) == 1 and "exceeds the injunção limit of 15000.00 EUR" in str(over[0])
    assert problems(request(claim=Claim(Decimal("40000.00"), Decimal("10"), Decimal("40"), True))) == []
    with pytest.raises(ValueError, match="EXP-2026-00007"):
        bni_file([request(debtor=Party(DEBTOR.name, "", "", "", "", "PT"))], "BNI-1", date(2026, 12, 7))


def test_the_injonction_request_between_professionals():
    creditor = Party("Textiles du Nord SAS", "732829320", "12 rue des Lilas", "59000", "Lille", "FR")
    debtor = Party("Boutique Rive Gauche SARL", "404833048", "5 quai Voltaire", "75007", "Paris", "FR")
    invoices = [OwedInvoice("F-101", date(2026, 1, 10), date(2026, 2, 9), Decimal("1500.00")),
                OwedInvoice("F-117", date(2026, 2, 1), date(2026, 3, 3), Decimal("500.00"))]
    # 2,000 EUR principal, interest 120.55 (ECB + 10 points, from the ledger), 2 x 40 EUR compensation (D441-5)
    cerfa = injonction_request(creditor, debtor, Claim(Decimal("2000"), Decimal("120.55"), Decimal("80"), True), invoices,
                               ["factures.pdf"], "Paris")
    assert list(cerfa) == ["form", "title", "court", "creditor", "debtor", "amounts", "cause", "invoices", "documents"]
    assert cerfa["form"] == "12946*02" and cerfa["court"]["name"] == "Tribunal de commerce de Paris"
    assert cerfa["amounts"]["total"] == Decimal("2200.55") and cerfa["amounts"]["costs"] == Decimal("0.00")
    assert cerfa["amounts"]["costs_note"] == NO_COSTS and "majoré de 10 points" in cerfa["amounts"]["interest_basis"]
    assert "des factures F-101 et F-117, échues" in cerfa["cause"]
    assert cerfa["creditor"]["kind"] == "personne_morale" and cerfa["documents"] == ["factures.pdf"]


def test_the_injonction_request_against_a_consumer_claims_no_compensation():
    debtor = Party("Claire Martin", "", "3 rue Haute", "69001", "Lyon", "FR", "person")
    cerfa = injonction_request(CREDITOR, debtor, Claim(Decimal("300"), Decimal("2.10"), Decimal("40"), False),
                               [OwedInvoice("F-9", date(2026, 1, 1), date(2026, 1, 31), Decimal("300"))], [], "Lyon")
    assert cerfa["form"] == "12948*06" and cerfa["court"]["name"] == "Tribunal judiciaire de Lyon"
    assert cerfa["amounts"]["compensation"] == Decimal("0.00") and cerfa["amounts"]["total"] == Decimal("302.10")
    assert "intérêt légal" in cerfa["amounts"]["interest_basis"] and "de la facture F-9, échue et" in cerfa["cause"]
