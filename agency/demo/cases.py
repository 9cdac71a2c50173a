"""Demo cases for the demo creditors, made through the same services as real claims."""
from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta

from stdnum.es import cif as es_cif

from agency import clock
from agency.auth import CurrentUser
from agency.roles import Role
from agency.tables import Organisation, User
from cases.bank.debits import record_mandate
from cases.claims.rules import ClaimInput, DebtorInput, InvoiceInput
from cases.claims.service import open_claim, store_evidence
from cases.contacts.rules import ActivityInput
from cases.contacts.service import log_activity
from cases.negotiation.service import add_plan, assign
from cases.stages.rules import MoveRequest
from cases.stages.service import advance_stage
from cases.tables import Case
from legal.court import service as court
from legal.demands import service as demands
from legal.documents.service import generate_document
from legal.handoff import service as handoff

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni(number: int) -> str:
    return f"{number:08d}{_DNI_LETTERS[number % 23]}"


def cif(body: str) -> str:
    return body + es_cif.calc_check_digits(body)[0]


def tiny_pdf(title: str) -> bytes:
    """A one-page PDF that any viewer opens, saying which invoice it stands for."""
    text = title.replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# (kind, name, tax id, city, postal code, email, phone, [(number, days overdue, amount)])
CLAIMS = {
    "B46123451": [
        ("company", "Construcciones Turia S.L.", cif("B9612345"), "Valencia", "46010", "admin@turia.demo.test", "+34 963 000 101",
         [("FV-2026-0102", 95, "4820.00"), ("FV-2026-0145", 64, "1210.00")]),
        ("company", "Hostal Mar Azul S.L.", cif("B0312345"), "Alicante", "03001", "reservas@marazul.demo.test", "",
         [("FV-2026-0230", 40, "689.70")]),
        ("person", "María López García", dni(23456789), "Castellón", "12001", "", "+34 600 000 202",
         [("FV-2026-0311", 150, "245.00")]),
        ("company", "Talleres Hermanos Peris S.L.", cif("B4612399"), "Gandía", "46701", "", "+34 962 000 303",
         [("FV-2025-1190", 260, "15300.00"), ("FV-2026-0014", 210, "2750.50"), ("FV-2026-0057", 180, "980.00")]),
        ("company", "Frutas Ribera S.C.", cif("J4612345"), "Alzira", "46600", "pedidos@ribera.demo.test", "", [("FV-2026-0401", 12, "1499.99")]),
    ],
    "A28123453": [
        ("company", "Distribuciones Castilla S.A.", cif("A4712345"), "Valladolid", "47001", "pagos@castilla.demo.test", "",
         [("SA-26-0088", 75, "36500.00")]),
        ("person", "Jorge Martín Ruiz", dni(51234567), "Madrid", "28005", "jorge.martin@demo.test", "+34 611 000 404",
         [("SA-26-0121", 33, "120.00"), ("SA-26-0122", 33, "95.40")]),
        ("company", "Reformas Sierra Norte S.L.", cif("B2812399"), "Alcobendas", "28100", "", "+34 916 000 505",
         [("SA-25-0990", 400, "7800.00")]),
    ],
}


async def load_demo_cases(today: date | None = None) -> list[str]:
    today = today or clock.today()
    made: list[str] = []
    for tax_id, claims in CLAIMS.items():
        org = await Organisation.select(Organisation.id).where(Organisation.tax_id == tax_id).first()
        if org is None or await Case.exists().where(Case.organisation == org["id"]):
            continue
        creditor = await User.select().where((User.organisation == org["id"]) & (User.role == Role.creditor.value)).first()
        actor = CurrentUser(id=creditor["id"], email=creditor["email"], name=creditor["name"], role=Role.creditor,
                            organisation_id=org["id"], language=creditor["language"])
        for kind, name, debtor_tax_id, city, postal_code, email, phone, invoices in claims:
            evidence = []
            for number, _overdue, _amount in invoices:
                pdf = tiny_pdf(f"Factura {number} - {name}")
                stored = await store_evidence(actor, org["id"], io.BytesIO(pdf), f"factura-{number}.pdf", len(pdf),
                                              hashlib.sha256(pdf).hexdigest(), "invoice")
                evidence.append(stored["id"])
            claim = ClaimInput(
                debtor=DebtorInput(kind=kind, name=name, tax_id=debtor_tax_id, email=email, phone=phone, address_line1="Calle Mayor 10",
                                   city=city, postal_code=postal_code, country="ES"),
                invoices=tuple(
                    InvoiceInput(number=number, issue_date=(today - timedelta(days=overdue + 30)).isoformat(),
                                 due_date=(today - timedelta(days=overdue)).isoformat(), amount=amount)
                    for number, overdue, amount in invoices
                ),
            )
            case_id = await open_claim(actor, org["id"], claim, evidence, today)
            made.append(f"case for {name}")
            if kind == "company":  # the people's claims wait in intake for the agency's review
                await _accept(case_id, today, email, phone)
            if name in LEGAL_DEMO:
                await _to_legal(case_id, actor, today, into_court=LEGAL_DEMO[name])
            if name == PROPOSED_DEMO:
                await _to_legal(case_id, actor, today, into_court=False, answered=False)
            if name == SEPA_DEMO:
                await _direct_debit_plan(case_id, today)
    return made


# A demo debtor paying by direct debit: three monthly instalments, the first in four days, under a paper mandate, so the
# admin's direct-debit page has a collection file to write (and the debtor's notice goes out two days before).
SEPA_DEMO = "Hostal Mar Azul S.L."


async def _direct_debit_plan(case_id: int, today: date) -> None:
    negotiator = await _staff("negotiator@demo.test", Role.negotiator)
    if negotiator is None:
        return
    await add_plan(negotiator, case_id, 3, "monthly", today + timedelta(days=4), today)
    await record_mandate(negotiator, case_id, "ES91 2100 0418 4502 0005 1332", "Hostal Mar Azul S.L.", today - timedelta(days=1), today)


# Two demo debtors already on the legal side: one authorised and waiting for a lawyer, one in court.
LEGAL_DEMO = {"Reformas Sierra Norte S.L.": False, "Distribuciones Castilla S.A.": True}
# A decision waiting on the first demo creditor's home: legal action proposed after the settlement attempt, not answered yet.
PROPOSED_DEMO = "Construcciones Turia S.L."


async def _staff(email: str, role: Role) -> CurrentUser | None:
    row = await User.select().where(User.email == email).first()
    return row and CurrentUser(id=row["id"], email=row["email"], name=row["name"], role=role, organisation_id=None, language=row["language"])


async def _to_legal(case_id: int, creditor: CurrentUser, today: date, into_court: bool, answered: bool = True) -> None:
    """The settlement attempt on record (a payment demand sent by burofax and refused), legal action
    proposed and authorised by the creditor; for the court case, taken by the lawyer, moved to court,
    the monitorio petition generated and the claim filed and served (its 20-day deadline running)."""

    negotiator = await _staff("negotiator@demo.test", Role.negotiator)
    lawyer = await _staff("lawyer@demo.test", Role.lawyer)
    if negotiator is None or lawyer is None:
        return
    await assign(negotiator, case_id, negotiator.id)  # worked by the negotiator, so not in the queue's "take next"
    if into_court:
        # The settlement attempt a court asks for (LO 1/2025): the payment demand by burofax 45 days ago, its delivery
        # certificate among the evidence, and 30 days of silence from receipt.
        sent_on, delivered_on = today - timedelta(days=45), today - timedelta(days=43)
        demand = await generate_document(negotiator, case_id, "payment_demand", sent_on)
        await demands.mark_sent(negotiator, demand["id"], sent_on, "burofax", today)
        pdf = tiny_pdf("Certificado de entrega de burofax")
        case_org = (await Case.select(Case.organisation).where(Case.id == case_id).first())["organisation"]
        cert = await store_evidence(negotiator, case_org, io.BytesIO(pdf), "burofax-certificado-entrega.pdf", len(pdf),
                                    hashlib.sha256(pdf).hexdigest(), "correspondence", case_id=case_id)
        await demands.record_delivery(negotiator, case_id, ("document", demand["id"]), delivered_on, cert["id"], today)
    else:
        demand = await generate_document(negotiator, case_id, "payment_demand", today)
        await demands.mark_sent(negotiator, demand["id"], today, "burofax", today)
        await demands.record_settlement_answer(negotiator, case_id, today, False, "Rechaza la propuesta por teléfono.", today)
    await handoff.propose_legal(negotiator, case_id, "Sin acuerdo tras el requerimiento fehaciente.", today)
    if not answered:  # the creditor's decision, waiting on their home
        return
    await handoff.answer(creditor, case_id, True, "")
    if not into_court:
        return
    await handoff.take(lawyer, case_id)
    await advance_stage(lawyer, case_id, MoveRequest(to="court", reason="Petición de monitorio."), today)
    await generate_document(lawyer, case_id, "monitorio_petition", today)
    filing = await court.create_filing(lawyer, case_id, "monitorio", "Tribunal de Instancia de Valladolid, Sección Civil", "filed", today,
                                       f"{today.year % 100:02d}{case_id:04d}/{today.year}", today)
    # Admitted by the court; its service on the debtor, and what follows, are the lawyer's to record (the legal journey does).
    await court.record_step(lawyer, filing, "admitted", today, "Decreto de admisión y requerimiento de pago.", today)


async def _accept(case_id: int, today: date, email: str, phone: str) -> None:
    """Some demo claims are already accepted, so the negotiator's queue has work in it."""

    row = await User.select().where(User.email == "negotiator@demo.test").first()
    if row is None:
        return
    negotiator = CurrentUser(id=row["id"], email=row["email"], name=row["name"], role=Role.negotiator, organisation_id=None,
                             language=row["language"])
    await advance_stage(negotiator, case_id, MoveRequest(to="amicable", reason="Documentación completa."), today)
    # the first contact by the way the debtor can be reached (no email to a debtor without an address)
    first = (ActivityInput(kind="email", outcome="sent", contact=email, body="Primer contacto enviado con el detalle de la deuda.") if email else
             ActivityInput(kind="call", outcome="no_answer", contact=phone, body="Sin respuesta; se vuelve a llamar.") if phone else
             ActivityInput(kind="letter", outcome="sent", body="Carta de primer contacto con el detalle de la deuda."))
    await log_activity(negotiator, case_id, first, today)
