"""A complete, realistic example of the context the product passes to the legal document templates.

Used to test-render the shipped templates and any template an admin uploads: it holds every key of the
contract (legal/documents/templates/README.md) with a non-empty value. Every value is already formatted as the
product formats it (money "1.234,56 €", dates "1 de diciembre de 2026"), except the few ints and bools.
The figures agree with each other: the invoices' outstanding amounts and the costs add up to the amount owed, the
instalments add up to the plan total, and the offer is the amount owed less the discount.
NIFs and IBANs are fictitious but carry valid check digits.
"""
from __future__ import annotations

from cases.portal.rules import qr_png


def _qr() -> bytes:
    return qr_png("https://recobrosibericos.es/p/Xk3v9QfE2mR7tLw0aBcD1eFgH4iJ5kLm6nOp7qRs8tU")


def sample_context() -> dict:
    return {
        "today": "12 de marzo de 2026",
        "data_date": "12 de marzo de 2026",
        "place": "Madrid",
        "agency": {
            "name": "Recobros Ibéricos Gestión, S.L.",
            "tax_id": "B87493219",
            "address": "Calle de Orense, 34, 5.ª planta",
            "postal_code": "28020",
            "city": "Madrid",
            "email": "expedientes@recobrosibericos.es",
            "phone": "910 123 456",
            "iban": "ES27 2100 4567 7802 0012 3456",
            "website": "www.recobrosibericos.es",
        },
        "creditor": {
            "name": "Suministros Industriales Levante, S.A.",
            "tax_id": "A46052312",
            "address": "Avenida del Puerto, 215",
            "postal_code": "46023",
            "city": "Valencia",
            "country_name": "España",
            "iban": "ES55 0081 0216 7800 0123 4567",
        },
        "debtor": {
            "name": "Construcciones Guadalquivir 2010, S.L.",
            "kind": "company",
            "kind_label": "sociedad",
            "tax_id": "B41609876",
            "address": "Calle Luis Montoto, 88, local 3",
            "postal_code": "41018",
            "city": "Sevilla",
            "country_name": "España",
            "email": "administracion@construccionesguadalquivir.es",
            "phone": "954 123 987",
        },
        "case": {
            "reference": "EXP-2026-00418",
            "creditor_reference": "SIL-CLI-20931",
            "jurisdiction": "ES",
            "stage_label": "Reclamación extrajudicial",
        },
        "invoices": [
            {"number": "FV-2025/1187", "issue_date": "15 de septiembre de 2025", "due_date": "15 de octubre de 2025",
             "amount": "4.235,00 €", "outstanding": "3.974,35 €", "days_late": 148},
            {"number": "FV-2025/1302", "issue_date": "10 de octubre de 2025", "due_date": "9 de noviembre de 2025",
             "amount": "2.980,50 €", "outstanding": "2.797,06 €", "days_late": 123},
            {"number": "FV-2025/1449", "issue_date": "7 de noviembre de 2025", "due_date": "7 de diciembre de 2025",
             "amount": "1.815,00 €", "outstanding": "1.703,29 €", "days_late": 95},
        ],
        "interest_breakdown": [
            {"invoice": "FV-2025/1187", "first": "16 de octubre de 2025", "last": "31 de diciembre de 2025", "days": 77, "rate": "10,15\u00a0%",
             "base": "4.235,00 €", "amount": "90,68 €"},
            {"invoice": "FV-2025/1187", "first": "1 de enero de 2026", "last": "12 de marzo de 2026", "days": 71, "rate": "10,15\u00a0%",
             "base": "3.974,35 €", "amount": "78,47 €"},
        ],
        "amounts": {
            "principal": "9.030,50 €",
            "interest": "324,20 €",
            "compensation": "120,00 €",
            "costs": "35,00 €",
            "paid": "1.000,00 €",
            "outstanding": "8.509,70 €",
            # the 1.000,00 paid went to interest (324,20), compensation (120,00) and principal (555,80, pro rata among the
            # three invoices: 260,65 + 183,44 + 111,71); the costs (35,00) come after principal and are still owed
            "claimed": "8.474,70 €", "principal_paid": "555,80 €", "principal_outstanding": "8.474,70 €",
            "accessories_outstanding": "0,00 €",
            "interest_basis": (
                "Intereses de demora de la Ley 3/2004, de 29 de diciembre, al tipo semestral publicado en el BOE "
                "(tipo del BCE más 8 puntos: 10,15 % en el segundo semestre de 2025 y en el primer semestre de 2026), "
                "calculados por factura desde el día siguiente a su vencimiento hasta el 12 de marzo de 2026, "
                "e indemnización de 40,00 € por cada factura pagada con retraso."
            ),
        },
        "evidence": [
            {"name": "Facturas FV-2025-1187, FV-2025-1302 y FV-2025-1449.pdf", "kind_label": "factura",
             "sha256": "779fa5814ebc3c67747e31b3447f9130a4760a33ba61f8b53f2162ccf3fb9020", "size": "412,0 KB"},
            {"name": "Albaranes de entrega firmados.pdf", "kind_label": "albarán",
             "sha256": "df3b162f4bc102cabfbeb2b0b028bf246403623cdf06f0a23d873afe38c05e64", "size": "1,3 MB"},
        ],
        "procedure": {
            "key": "monitorio",
            "name": "Procedimiento monitorio",
            "court_fee": "132,55 €",
            "lawyer_required": False,
            "procurador_required": False,
            "lawyer_if_opposed": True,
            "reasons": [
                "La deuda es dineraria, vencida, exigible y de cantidad determinada (artículo 812.1 de la Ley de "
                "Enjuiciamiento Civil).",
                "Se acredita con facturas y albaranes de entrega firmados por el deudor (artículo 812.2 de la Ley de "
                "Enjuiciamiento Civil).",
                "El deudor tiene su domicilio en Sevilla, lo que determina la competencia territorial (artículo 813 de "
                "la Ley de Enjuiciamiento Civil).",
            ],
        },
        "court": {"name": "Tribunal de Instancia de Sevilla, Sección Civil", "city": "Sevilla"},
        "privacy": {"controller": "Construcciones Turia S.L. (NIF B46123451), C/ Colón 1, Valencia, acreedor de la deuda.",
                    "processor": "Recobros Ibéricos S.L. (NIF B12345674), que gestiona el cobro por cuenta del acreedor como "
                                 "encargada del tratamiento (artículo 28 del RGPD).",
                    "purpose": "Gestionar el cobro de la deuda.", "legal_basis": "El interés legítimo del acreedor (artículo 6.1.f del RGPD).",
                    "source": "El acreedor.", "recipients": "El acreedor; abogados, procuradores y tribunales.",
                    "retention": "Durante la gestión y los plazos de prescripción.", "rights": "Acceso, rectificación, supresión.",
                    "contact": "Recobros Ibéricos S.L., privacidad@recobros.test"},
        "fr": {"today": "12 mars 2026", "principal": "9 030,50 €", "interest": "324,20 €", "compensation": "120,00 €", "costs": "35,00 €",
               "other": "155,00 €", "paid": "1 000,00 €", "outstanding": "8 509,70 €",
               "invoices": [{"number": "FV-2025/1449", "issue_date": "7 novembre 2025", "due_date": "7 décembre 2025",
                             "outstanding": "1 815,00 €"}]},
        "pt": {"today": "12 de março de 2026", "principal": "9.030,50 €", "interest": "324,20 €", "compensation": "120,00 €",
               "costs": "35,00 €", "other": "155,00 €", "paid": "1.000,00 €", "outstanding": "8.509,70 €",
               "invoices": [{"number": "FV-2025/1449", "issue_date": "7 de novembro de 2025", "due_date": "7 de dezembro de 2025",
                             "outstanding": "1.815,00 €"}],
               "interest_basis": ("Juros de mora comerciais (Decreto-Lei n.º 62/2013, de 10 de maio, e artigo 102.º, § 3.º, do Código "
                                  "Comercial): taxa de referência do BCE acrescida de 8 pontos percentuais, fixada por semestre, desde o "
                                  "dia seguinte ao vencimento de cada fatura, e indemnização de 40,00 € por fatura pelos custos de "
                                  "cobrança (artigo 7.º do mesmo decreto-lei).")},
        # the injonction de payer request's data (French formats), for a French case whose procedure is the injonction
        "injonction": {
            "form": "12946*02", "title": "Requête en injonction de payer devant le tribunal de commerce",
            "court": "Tribunal de commerce de Paris",
            "creditor": {"name": "Textiles du Nord SAS", "kind": "personne morale", "identifier": "732829320", "address": "12 rue des Lilas",
                         "postal_code": "59000", "city": "Lille", "country": "France"},
            "debtor": {"name": "Boutique Rive Gauche SARL", "kind": "personne morale", "identifier": "404833048", "address": "5 quai Voltaire",
                       "postal_code": "75007", "city": "Paris", "country": "France"},
            # 1 500,00 + 500,00 principal; interest at the ECB rate + 10 points; 2 x 40 EUR (D441-5); no costs (L111-8)
            "principal": "2 000,00 €", "interest": "120,55 €", "compensation": "80,00 €", "costs": "0,00 €", "total": "2 200,55 €",
            "interest_basis": ("Intérêts de retard au taux de refinancement de la Banque centrale européenne majoré de 10 points (article "
                               "L441-10 du Code de commerce), du lendemain de l'échéance de chaque facture, et indemnité forfaitaire de "
                               "40 € pour frais de recouvrement par facture (article D441-5)."),
            "costs_note": ("Aucun frais de recouvrement amiable n'est réclamé : ils restent à la charge du créancier tant qu'il n'a pas de "
                           "titre exécutoire (article L111-8 du Code des procédures civiles d'exécution)."),
            "cause": ("Créance contractuelle née de la fourniture de biens ou de services, au titre des factures F-101 et F-117, échues "
                      "et demeurées impayées malgré les relances du créancier : une créance certaine, liquide et exigible (article 1405 "
                      "du Code de procédure civile)."),
            "invoices": [{"number": "F-101", "issue_date": "10 janvier 2026", "due_date": "9 février 2026", "outstanding": "1 500,00 €"},
                         {"number": "F-117", "issue_date": "1 février 2026", "due_date": "3 mars 2026", "outstanding": "500,00 €"}],
            "documents": ["Factures F-101 et F-117.pdf", "Bons de livraison signés.pdf"],
        },
        "signatory": {"name": "Juan Martínez Soler", "id_document": "12345678Z", "capacity": "administrador único"},
        "masc": {"on_record": True, "complied": True, "offered": "un requerimiento de pago con una propuesta de acuerdo extrajudicial",
                 "channel": "burofax con certificación de contenido y acuse de recibo", "sent_on": "2 de febrero de 2026",
                 "delivered_on": "4 de febrero de 2026", "certificate": "documento n.º 4",
                 "answer": "El deudor no respondió en los 30 días naturales siguientes a su recepción, que vencieron el 6 de marzo "
                           "de 2026, lo que equivale a su rechazo."},
        "lawyer": {"name": "Marta Ruiz Delgado", "email": "mruiz@recobrosibericos.es", "bar_number": "98.765 (ICAM)"},
        "offer": {"amount": "7.658,73 €", "discount_percent": "10", "deadline": "11 de abril de 2026", "days": 30},
        "plan": {
            "count": 3,
            "frequency_label": "mensual",
            "interest_runs": False,
            "costs_first": False,
            "total": "8.509,70 €",
            "instalments": [
                {"number": 1, "due_on": "10 de abril de 2026", "amount": "2.836,57 €"},
                {"number": 2, "due_on": "10 de mayo de 2026", "amount": "2.836,57 €"},
                {"number": 3, "due_on": "10 de junio de 2026", "amount": "2.836,56 €"},
            ],
        },
        "bureau": {"files": "ASNEF-Equifax y Experian BADEXCUG", "wait_days": 30},
        "opposition": {"notified_on": "16 de marzo de 2026", "court": "Tribunal de Instancia de Sevilla, Sección Civil",
                       "number": "412/2026", "court_fee": "350,00 €", "monitorio_fee": "170,00 €", "court_fee_to_pay": "180,00 €"},
        "mediation": {
            "mediator": "Carmen Ortega Salas, mediadora del Centro de Mediación de la Cámara de Comercio de Sevilla",
            "requested_on": "2 de febrero de 2026",
            "sessions": [
                {"on": "17 de febrero de 2026", "mediator": "Carmen Ortega Salas",
                 "notes": "Sesión informativa y constitutiva; ambas partes aceptan someterse a la mediación."},
                {"on": "3 de marzo de 2026", "mediator": "Carmen Ortega Salas",
                 "notes": "Negociación del calendario de pagos; se alcanza un acuerdo total."},
            ],
            "agreement": (
                "El Deudor abonará la totalidad de la deuda pendiente, 8.509,70 €, en tres plazos mensuales según el "
                "calendario que figura en este acuerdo. El Acreedor renuncia a reclamar los intereses de demora que "
                "se devenguen durante la vigencia del plan, siempre que este se cumpla puntualmente. Cumplido el "
                "plan, las partes se declaran saldadas y finiquitadas por razón de las facturas relacionadas."
            ),
            "outcome_label": "acuerdo",
        },
        "statement": {
            "period_from": "1 de febrero de 2026",
            "period_to": "28 de febrero de 2026",
            "collected": "1.000,00 €",
            "fees": "150,00 €",
            "expenses": "35,00 €",
            "net": "815,00 €",
        },
        "payment_days": 10,
        # the debtor's page: a new link for each document that prints it, and its QR code (PNG bytes: render() makes the image)
        "portal": {"url": "https://recobrosibericos.es/p/Xk3v9QfE2mR7tLw0aBcD1eFgH4iJ5kLm6nOp7qRs8tU", "qr": _qr()},
        # the enforcement of the monitorio's decree (20 February 2026): the principal owed, the interest and compensation
        # to the decree (124,30), LEC 576 to 12 March on 8.599,00 (8.599,00 x 5,25 % x 20 / 365 = 24,74); claimed
        # 8.623,74; 30 % provisionally (LEC 575.1) 2.587,12; together 11.210,86
        "enforcement": {
            "title": "el decreto de 20 de febrero de 2026 dictado en el procedimiento monitorio n.º 312/2026",
            "title_kind": "decreto", "title_on": "20 de febrero de 2026",
            "court": "Tribunal de Instancia de Sevilla, Sección Civil, Plaza n.º 4", "court_case_number": "312/2026",
            "principal": "8.474,70 €", "accrued": "124,30 €", "judgment_interest": "24,74 €", "claimed": "8.623,74 €",
            "provisional": "2.587,12 €", "total": "11.210,86 €",
            "basis": ("Intereses del artículo 576 de la Ley de Enjuiciamiento Civil: el interés legal del dinero incrementado en dos "
                      "puntos (5,25\u00a0% en 2026), desde el día siguiente al decreto de 20 de febrero de 2026 hasta la fecha de este "
                      "escrito, sobre la cantidad que ordena pagar y queda pendiente; días naturales sobre 365, redondeo al céntimo."),
            "representation_required": True,
            "assets": [
                {"kind_label": "Saldo de cuenta bancaria", "description": "Cuenta corriente en CaixaBank", "identifier": "ES91 2100 0418 4502 0005 1332",
                 "found_on": "3 de marzo de 2026"},
                {"kind_label": "Vehículo", "description": "Furgoneta Renault Trafic", "identifier": "4821 KLM", "found_on": "—"},
            ],
        },
        # the costs claim: lawyer 1.200,00 + procurador 310,50 + court fee 132,55 = 1.643,05; the lawyer's cap a third of
        # the 8.474,70 claimed, 2.824,90 (LEC 394.3)
        "costs_claim": {
            "title": "el decreto de 20 de febrero de 2026 dictado en el procedimiento monitorio n.º 312/2026",
            "court": "Tribunal de Instancia de Sevilla, Sección Civil, Plaza n.º 4",
            "lines": [
                {"label": "Honorarios de letrado", "on": "25 de febrero de 2026", "description": "Minuta n.º 2026/041", "amount": "1.200,00 €"},
                {"label": "Derechos y suplidos de procurador", "on": "25 de febrero de 2026", "description": "Arancel RD 434/2023",
                 "amount": "310,50 €"},
                {"label": "Tasa judicial", "on": "15 de enero de 2026", "description": "Modelo 696", "amount": "132,55 €"},
            ],
            "by_kind": [{"label": "Honorarios de letrado", "amount": "1.200,00 €"},
                        {"label": "Derechos y suplidos de procurador", "amount": "310,50 €"}, {"label": "Tasa judicial", "amount": "132,55 €"}],
            "total": "1.643,05 €", "proceedings": "8.474,70 €", "lawyer_cap": "2.824,90 €", "lawyer_over_cap": False,
        },
        # the debtor's concurso (legal.rules.insolvency): the claim on the declaration's day, by class
        "insolvency": {
            "court": "Juzgado de lo Mercantil n.º 2 de Valencia, concurso ordinario 412/2026",
            "published_on": "2 de marzo de 2026",
            "declared_on": "24 de febrero de 2026",
            "administrator": "Lucía Ferrer Albiol, administradora concursal, Calle Colón, 12, 46004 Valencia, lferrer@concursal.example",
            "claim_deadline": "2 de abril de 2026",
            "cutoff": "24 de febrero de 2026",
            "cutoff_is_declaration": True,
            "lines": [
                {"invoice": "F-2025/0912", "due_date": "15 de noviembre de 2025", "principal": "4.200,00 €", "interest": "115,95 €",
                 "compensation": "40,00 €", "total": "4.355,95 €"},
                {"invoice": "F-2025/1047", "due_date": "15 de diciembre de 2025", "principal": "3.850,00 €", "interest": "71,58 €",
                 "compensation": "40,00 €", "total": "3.961,58 €"},
            ],
            "principal": "8.050,00 €", "interest": "187,53 €", "compensation": "80,00 €",
            "ordinary": "8.130,00 €", "subordinated": "187,53 €", "total": "8.317,53 €",
            "sources": {"principal": "TRLC art. 269", "interest": "TRLC art. 281.1.3º", "compensation": "Ley 3/2004 art. 8.1; TRLC art. 269"},
        },
    }
