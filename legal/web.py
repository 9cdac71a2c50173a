"""Legal routes and pages (thin: the work is in legal.handoff.service, documents, court, mediation, demands)."""
from __future__ import annotations

import secrets
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

import msgspec
from typing_extensions import Annotated
from litestar import Controller, Request, Response
from litestar.exceptions import ClientException
from litestar.params import HeaderParameter
from litestar.response import Stream, Template
from litestar.status_codes import HTTP_201_CREATED

from agency import clock
from agency.routing import get, post
from agency.auth import CSRF_IN_STREAM, admin_only, anyone_signed_in, roles, staff_only
from agency.http_utils import content_disposition
from agency.i18n import DISPLAY_TZ
from agency.i18n import gettext as _
from agency.roles import Role
from agency.storage import storage
from agency.uploads import receive_multipart
from agency.web import form_data, notify, page, redirect, user_of
from cases.forms import amount_field, date_field, case_action
from legal.court import service as court
from legal.demands import service as demands
from legal.documents import service as documents
from legal.handoff import service as handoff
from legal.mediation import service as mediation
from legal.documents.service import DOCX
from legal.limitation.service import case_limitation
from agency.tenancy import get_visible
from cases.queries import get_case
from cases.tables import Case
from legal.panel import legal_panel

lawyers = roles(Role.lawyer, Role.admin)
negotiators = roles(Role.negotiator, Role.admin)


async def _visible_case(request: Request, case_id: int) -> None:
    """404 unless the caller may see the case (agency.tenancy, like every case read)."""

    await get_visible(Case.select(Case.id).where(Case.id == case_id), user_of(request), Case.organisation)


def _opt_date(raw, field: str) -> date | None:
    return date_field(raw, field) if raw not in (None, "") else None


def _moment(raw, field: str) -> datetime:
    """A date and time within reach of a court's calendar (this year's start to five years ahead), in UTC.
    Without an offset it is the time as the pages show it (Europe/Madrid): a hearing typed as 10:00 is 10:00."""
    try:
        value = datetime.fromisoformat(str(raw))
        value = (value if value.tzinfo else value.replace(tzinfo=DISPLAY_TZ)).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise ClientException(detail=_("%(field)s: enter the date and time as YYYY-MM-DDTHH:MM.") % {"field": field}) from None
    today = clock.today()
    if not date(today.year - 1, 1, 1) <= value.date() <= date(today.year + 5, 12, 31):
        raise ClientException(detail=_("%(field)s: a date between last year and five years from now.") % {"field": field})
    return value


def _discount(raw) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).replace(",", "."))
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value < 100 or value != value.quantize(Decimal("0.01")):
        raise ClientException(detail=_("The discount is a percentage from 0 to 99, with at most two decimals."))
    return value


# --- JSON API ---------------------------------------------------------------------------------------------

class DocumentIn(msgspec.Struct):
    template: str
    offer_discount_percent: str | None = None


class SentIn(msgspec.Struct):
    sent_on: str
    channel: str


class NoteIn(msgspec.Struct):
    note: str = ""


class AuthorisationIn(msgspec.Struct):
    authorise: bool
    note: str = ""


class FilingIn(msgspec.Struct):
    procedure: str
    court: str
    status: str = "prepared"
    filed_on: str | None = None
    court_case_number: str = ""


class FilingUpdateIn(msgspec.Struct):
    status: str
    filed_on: str | None = None
    court_case_number: str = ""
    served_on: str | None = None
    outcome: str = ""


class HearingIn(msgspec.Struct):
    at: str
    kind: str = ""
    place: str = ""
    notes: str = ""


class HearingMoveIn(msgspec.Struct):
    at: str
    reason: str
    place: str | None = None


class CostIn(msgspec.Struct):
    kind: str
    amount: str
    booked_on: str
    description: str = ""


class MediationIn(msgspec.Struct):
    mediator: str
    requested_on: str
    received_on: str


class SessionIn(msgspec.Struct):
    held_on: str
    mediator: str = ""
    notes: str = ""


class OutcomeIn(msgspec.Struct):
    outcome: str
    ended_on: str
    agreement: str = ""
    instalments: Annotated[int, msgspec.Meta(ge=0, le=60)] = 0
    frequency: str = "monthly"
    first_due_on: str | None = None
    back_to_amicable: bool = False


class DatedNoteIn(msgspec.Struct):
    on: str
    note: str = ""
    accepted: bool = False


def _limitation_json(lim) -> dict | None:
    if lim is None:
        return None
    return {"date": lim.date.isoformat() if lim.date else None, "starts_on": lim.starts_on.isoformat(), "suspended": lim.suspended,
            "prescribed": lim.prescribed, "warn": lim.warn, "days_left": lim.days_left, "basis": str(lim.basis)}


class LegalApi(Controller):
    path = "/api/v1"
    tags = ["legal"]

    @get("/document-templates", guards=[staff_only], summary="The document templates and their active versions")
    async def templates(self) -> list[dict]:
        return await documents.template_list()

    @get("/cases/{case_id:int}/procedure", guards=[roles(*Role)], summary="The court procedure proposed for the case, and why")
    async def procedure(self, request: Request, case_id: int) -> dict:
        return await handoff.case_procedure(user_of(request), case_id, clock.today())

    @get("/cases/{case_id:int}/limitation", guards=[roles(*Role)], summary="The limitation date and how it was reckoned")
    async def limitation(self, request: Request, case_id: int) -> dict:
        await _visible_case(request, case_id)
        return {"limitation": _limitation_json(await case_limitation(case_id, clock.today()))}

    @post("/cases/{case_id:int}/documents", status_code=201, guards=[staff_only],
          summary="Generate a document from a template (a new version each time); 422 names the data the case lacks")
    async def generate(self, request: Request, case_id: int, data: DocumentIn) -> dict:
        return await documents.generate_document(user_of(request), case_id, data.template, clock.today(),
                                                 offer_discount_percent=_discount(data.offer_discount_percent))

    @get("/cases/{case_id:int}/documents", guards=[roles(*Role)], summary="The case's generated documents the caller may see")
    async def list_documents(self, request: Request, case_id: int) -> list[dict]:
        user = user_of(request)
        await _visible_case(request, case_id)
        rows = await documents.visible_documents_query(user, case_id)
        return [{"id": r["id"], "template": r["template"], "template_version": r["template_version"], "version": r["version"],
                 "sha256": r["sha256"], "size": r["size"], "data_date": r["data_date"], "filename": r["filename"],
                 "download_url": f"/api/v1/documents/{r['id']}/download"} for r in rows]

    @get("/documents/{document_id:int}/download", guards=[roles(*Role)], summary="The .docx (or ?format=pdf, when LibreOffice is installed)")
    async def download(self, request: Request, document_id: int, format: str = "docx") -> Response:
        user = user_of(request)
        if format not in ("docx", "pdf"):
            raise ClientException(detail=_("The format is docx or pdf."))
        if format == "pdf":
            doc, key = await documents.pdf_copy(user, document_id)
            return _stream(key, doc["filename"].removesuffix(".docx") + ".pdf", "application/pdf", None)
        doc = await documents.visible_document(user, document_id)
        return _stream(doc["storage_key"], doc["filename"], DOCX, doc["sha256"], doc["size"])

    @post("/documents/{document_id:int}/sent", status_code=201, guards=[staff_only],
          summary="Record that a document was sent (burofax: a certified demand; a settlement offer starts its answer period)")
    async def sent(self, request: Request, document_id: int, data: SentIn) -> dict:
        await demands.mark_sent(user_of(request), document_id, date_field(data.sent_on, "sent_on"), data.channel, clock.today())
        return {"sent": True}

    @post("/cases/{case_id:int}/legal/proposal", status_code=201, guards=[negotiators],
          summary="Propose legal action: the creditor is asked to authorise it with the estimate")
    async def propose(self, request: Request, case_id: int, data: NoteIn | None = None) -> dict:
        action_id = await handoff.propose_legal(user_of(request), case_id, data.note if data else "", clock.today())
        return {"id": action_id, **(await handoff.current_action(case_id))["estimate"]}

    @post("/cases/{case_id:int}/legal/authorisation", status_code=201, guards=[roles(Role.creditor)],
          summary="The creditor authorises (or declines) the proposed legal action")
    async def authorise(self, request: Request, case_id: int, data: AuthorisationIn) -> dict:
        await handoff.answer(user_of(request), case_id, data.authorise, data.note)
        return {"status": (await handoff.current_action(case_id))["status"]}

    @post("/cases/{case_id:int}/legal/take", status_code=201, guards=[lawyers], summary="A lawyer takes an authorised case")
    async def take(self, request: Request, case_id: int) -> dict:
        await handoff.take(user_of(request), case_id)
        return {"status": "taken"}

    @post("/cases/{case_id:int}/filings", status_code=201, guards=[lawyers], summary="Record a court filing")
    async def filing(self, request: Request, case_id: int, data: FilingIn) -> dict:
        filing_id = await court.create_filing(user_of(request), case_id, data.procedure, data.court, data.status,
                                              _opt_date(data.filed_on, "filed_on"), data.court_case_number, clock.today())
        return {"id": filing_id}

    @post("/filings/{filing_id:int}", status_code=200, guards=[lawyers], summary="Update a filing (status, dates, number, outcome)")
    async def update_filing(self, request: Request, filing_id: int, data: FilingUpdateIn) -> dict:
        await court.update_filing(user_of(request), filing_id, data.status, _opt_date(data.filed_on, "filed_on"), data.court_case_number,
                                  _opt_date(data.served_on, "served_on"), data.outcome, clock.today())
        return {"id": filing_id}

    @post("/filings/{filing_id:int}/hearings", status_code=201, guards=[lawyers], summary="Add a hearing")
    async def hearing(self, request: Request, filing_id: int, data: HearingIn) -> dict:
        return {"id": await court.add_hearing(user_of(request), filing_id, _moment(data.at, "at"), data.kind, data.place, data.notes)}

    @post("/hearings/{hearing_id:int}", status_code=200, guards=[lawyers],
          summary="Move a hearing (postponed, or a date mistyped): the new date and time, the place, and why")
    async def move_hearing(self, request: Request, hearing_id: int, data: HearingMoveIn) -> dict:
        await court.move_hearing(user_of(request), hearing_id, _moment(data.at, "at"), data.place, data.reason)
        return {"id": hearing_id}

    @post("/cases/{case_id:int}/court-costs", status_code=201, guards=[lawyers],
          summary="Book a court cost (court fee, procurador, lawyer; send an Idempotency-Key header)")
    async def cost(self, request: Request, case_id: int, data: CostIn,
                   idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None) -> Response:
        ids, created = await court.book_court_cost(user_of(request), case_id, data.kind, amount_field(data.amount),
                                                   date_field(data.booked_on, "booked_on"), data.description, clock.today(), idempotency_key)
        return Response({"entries": ids, "created": created}, status_code=201 if created else 200)

    @get("/cases/{case_id:int}/deadlines", guards=[staff_only], summary="The case's deadlines with their warnings")
    async def deadlines(self, request: Request, case_id: int) -> list[dict]:
        await _visible_case(request, case_id)
        return [{"id": d["id"], "rule": d["rule"], "label": str(d["label"]), "starts_on": d["starts_on"], "due_on": d["due_on"],
                 "status": d["status"], "warning": d["warning"].level, "days_left": d["warning"].days_left}
                for d in await court.case_deadlines(case_id, clock.today())]

    @get("/agenda", guards=[lawyers], summary="The caller's open deadlines and upcoming hearings")
    async def agenda(self, request: Request) -> dict:
        data = await court.agenda(user_of(request), clock.today())
        return {"deadlines": [{"id": d["id"], "case": d["case"], "reference": d["reference"], "rule": d["rule"], "due_on": d["due_on"],
                               "warning": d["warning"].level, "days_left": d["warning"].days_left} for d in data["deadlines"]],
                "hearings": [{"id": h["id"], "case": h["case"], "reference": h["reference"], "at": h["at"], "place": h["place"]}
                             for h in data["hearings"]]}

    @post("/deadlines/{deadline_id:int}/done", status_code=200, guards=[staff_only], summary="Mark a deadline as dealt with")
    async def deadline_done(self, request: Request, deadline_id: int) -> dict:
        await court.close_deadline(user_of(request), deadline_id)
        return {"status": "done"}

    @post("/cases/{case_id:int}/mediations", status_code=201, guards=[staff_only], summary="Start a mediation (suspends limitation)")
    async def mediation(self, request: Request, case_id: int, data: MediationIn) -> dict:
        return await mediation.start_mediation(user_of(request), case_id, data.mediator, date_field(data.requested_on, "requested_on"),
                                               date_field(data.received_on, "received_on"), clock.today())

    @post("/mediations/{mediation_id:int}/sessions", status_code=201, guards=[staff_only], summary="Record a mediation session")
    async def session(self, request: Request, mediation_id: int, data: SessionIn) -> dict:
        return {"id": await mediation.add_session(user_of(request), mediation_id, date_field(data.held_on, "held_on"), data.mediator, data.notes,
                                                  clock.today())}

    @post("/mediations/{mediation_id:int}/outcome", status_code=201, guards=[staff_only],
          summary="End a mediation: agreed (a plan and the agreement document) or failed")
    async def outcome(self, request: Request, mediation_id: int, data: OutcomeIn) -> dict:
        return await mediation.end_mediation(
            user_of(request), mediation_id, data.outcome, date_field(data.ended_on, "ended_on"), data.agreement, clock.today(),
            instalments=data.instalments, frequency=data.frequency, first_due_on=_opt_date(data.first_due_on, "first_due_on"),
            back_to_amicable=data.back_to_amicable)

    @post("/cases/{case_id:int}/acknowledgements", status_code=201, guards=[staff_only],
          summary="The debtor signed an acknowledgement of the debt (limitation starts again)")
    async def acknowledgement(self, request: Request, case_id: int, data: DatedNoteIn) -> dict:
        await demands.record_acknowledgement(user_of(request), case_id, date_field(data.on, "on"), data.note, clock.today())
        return {"limitation": _limitation_json(await case_limitation(case_id, clock.today()))}

    @post("/cases/{case_id:int}/settlement-answer", status_code=201, guards=[staff_only],
          summary="The debtor answered the settlement offer")
    async def settlement_answer(self, request: Request, case_id: int, data: DatedNoteIn) -> dict:
        await demands.record_settlement_answer(user_of(request), case_id, date_field(data.on, "on"), data.accepted, data.note, clock.today())
        return {"answered": True}


def _stream(key: str, filename: str, media_type: str, sha256: str | None, size: int | None = None) -> Response:
    headers = {"Content-Disposition": content_disposition(filename), "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}
    if sha256:
        headers["X-Content-SHA256"] = sha256
    if size is not None:
        headers["Content-Length"] = str(size)
    return Stream(storage().stream(key), media_type=media_type, headers=headers)


# --- pages ------------------------------------------------------------------------------------------------

class LegalCasePages(Controller):
    """The legal panel of the case page (a fragment the page loads with htmx, or a page of its own without
    JavaScript) and its forms: each does one thing and comes back to the case."""

    path = "/cases/{case_id:int}/legal"

    @get("/", guards=[anyone_signed_in])
    async def panel(self, request: Request, case_id: int) -> Template:
        user = user_of(request)
        case = await get_case(user, case_id)  # through the tenancy scope: another organisation's case is a 404
        today = clock.today()
        legal = await legal_panel(user, case_id, case["stage"], today)
        return page(request, "legal/case_legal.html", fragment="legal/_case_legal_fragment.html", case=case, legal=legal,
                    today=today.isoformat(), payment_key=secrets.token_hex(12),
                    shown=case["stage"] != "intake" or bool(legal["documents"]) or bool(legal["action"]))

    @post("/propose", guards=[negotiators])
    async def propose(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: handoff.propose_legal(user_of(request), case_id, str(data.get("note", "")), clock.today()),
                                 _("Legal action proposed: the creditor has been asked to authorise it."))

    @post("/answer", guards=[roles(Role.creditor)])
    async def answer(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        yes = data.get("decision") == "authorise"
        return await case_action(request, case_id, lambda: handoff.answer(user_of(request), case_id, yes, str(data.get("note", ""))),
                                 _("Legal action authorised.") if yes else _("Legal action declined."))

    @post("/withdraw", guards=[staff_only])
    async def withdraw(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: handoff.withdraw(user_of(request), case_id, str(data.get("note", ""))),
                                 _("Proposal withdrawn."))

    @post("/take", guards=[lawyers])
    async def take(self, request: Request, case_id: int) -> Response:
        return await case_action(request, case_id, lambda: handoff.take(user_of(request), case_id), _("The case is yours."))

    @post("/documents", guards=[staff_only])
    async def generate(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)

        async def act():
            await documents.generate_document(user_of(request), case_id, str(data.get("template", "")), clock.today(),
                                              offer_discount_percent=_discount(data.get("offer_discount_percent")))
        return await case_action(request, case_id, act, _("Document generated."))

    @post("/documents/{document_id:int}/sent", guards=[staff_only])
    async def sent(self, request: Request, case_id: int, document_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: demands.mark_sent(
            user_of(request), document_id, date_field(data.get("sent_on"), "sent_on"), str(data.get("channel", "")), clock.today()),
            _("Sending recorded."))

    @post("/filings", guards=[lawyers])
    async def filing(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: court.create_filing(
            user_of(request), case_id, str(data.get("procedure", "")), str(data.get("court", "")), str(data.get("status", "prepared")),
            _opt_date(data.get("filed_on"), "filed_on"), str(data.get("court_case_number", "")), clock.today()), _("Filing recorded."))

    @post("/filings/{filing_id:int}", guards=[lawyers])
    async def update_filing(self, request: Request, case_id: int, filing_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: court.update_filing(
            user_of(request), filing_id, str(data.get("status", "")), _opt_date(data.get("filed_on"), "filed_on"),
            str(data.get("court_case_number", "")), _opt_date(data.get("served_on"), "served_on"), str(data.get("outcome", "")),
            clock.today()), _("Filing updated."))

    @post("/filings/{filing_id:int}/hearings", guards=[lawyers])
    async def hearing(self, request: Request, case_id: int, filing_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: court.add_hearing(
            user_of(request), filing_id, _moment(data.get("at", ""), _("Hearing")), str(data.get("kind", "")), str(data.get("place", "")),
            str(data.get("notes", ""))), _("Hearing added."))

    @post("/hearings/{hearing_id:int}", guards=[lawyers])
    async def move_hearing(self, request: Request, case_id: int, hearing_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: court.move_hearing(
            user_of(request), hearing_id, _moment(data.get("at", ""), _("Hearing")), data.get("place"), str(data.get("reason", "")),
            case_id=case_id), _("Hearing moved."))

    @post("/costs", guards=[lawyers])
    async def cost(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: court.book_court_cost(
            user_of(request), case_id, str(data.get("kind", "")), amount_field(data.get("amount")), date_field(data.get("booked_on"), "booked_on"),
            str(data.get("description", "")), clock.today(), data.get("idempotency_key")), _("Cost booked."))

    @post("/deadlines/{deadline_id:int}/done", guards=[staff_only])
    async def deadline_done(self, request: Request, case_id: int, deadline_id: int) -> Response:
        return await case_action(request, case_id, lambda: court.close_deadline(user_of(request), deadline_id), _("Deadline closed."))

    @post("/mediations", guards=[staff_only])
    async def mediation(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: mediation.start_mediation(
            user_of(request), case_id, str(data.get("mediator", "")), date_field(data.get("requested_on"), "requested_on"),
            date_field(data.get("received_on"), "received_on"), clock.today()), _("Mediation started; the request is among the documents."))

    @post("/mediations/{mediation_id:int}/sessions", guards=[staff_only])
    async def session(self, request: Request, case_id: int, mediation_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: mediation.add_session(
            user_of(request), mediation_id, date_field(data.get("held_on"), "held_on"), str(data.get("mediator", "")), str(data.get("notes", "")),
            clock.today()), _("Session recorded."))

    @post("/mediations/{mediation_id:int}/outcome", guards=[staff_only])
    async def outcome(self, request: Request, case_id: int, mediation_id: int) -> Response:
        data = await form_data(request)

        async def act():
            count = int(data.get("instalments") or 0) if str(data.get("instalments") or "0").isdigit() else -1
            if count < 0 or count > 60:
                raise ClientException(detail=_("The number of instalments is a whole number from 0 to 60."))
            result = await mediation.end_mediation(
                user_of(request), mediation_id, str(data.get("outcome", "")), date_field(data.get("ended_on"), "ended_on"),
                str(data.get("agreement", "")), clock.today(), instalments=count, frequency=str(data.get("frequency", "monthly")),
                first_due_on=_opt_date(data.get("first_due_on"), "first_due_on"), back_to_amicable=data.get("back_to_amicable") == "on")
            if result.get("document_missing"):
                notify(request, result["document_missing"], "error")
        return await case_action(request, case_id, act, _("Mediation closed."))

    @post("/acknowledgement", guards=[staff_only])
    async def acknowledgement(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: demands.record_acknowledgement(
            user_of(request), case_id, date_field(data.get("on"), "on"), str(data.get("note", "")), clock.today()),
            _("Acknowledgement recorded: the limitation period starts again."))

    @post("/settlement-answer", guards=[staff_only])
    async def settlement_answer(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: demands.record_settlement_answer(
            user_of(request), case_id, date_field(data.get("on"), "on"), data.get("accepted") == "on", str(data.get("note", "")), clock.today()),
            _("Answer recorded."))


class LawyerPages(Controller):
    @get("/legal", guards=[lawyers])
    async def queue(self, request: Request) -> Template:
        user = user_of(request)
        queue = await handoff.lawyers_queue(user)
        return page(request, "legal/queue.html", **queue, agenda=await court.agenda(user, clock.today()), today=clock.today())


class TemplateAdminPages(Controller):
    path = "/admin/document-templates"
    guards = [admin_only]

    @get("/")
    async def index(self, request: Request) -> Template:
        rows = await documents.template_list()
        for r in rows:
            r["versions"] = await documents.template_versions(r["key"])
        return page(request, "legal/templates.html", templates=rows)

    @get("/{key:str}/download")
    async def download(self, request: Request, key: str) -> Response:
        version, data = await documents.active_template(key)
        return Response(data, media_type=DOCX, headers={"Content-Disposition": content_disposition(f"{key}-v{version}.docx")})

    @post("/{key:str}", request_max_body_size=10 * 1024 * 1024, opt={CSRF_IN_STREAM: True})
    async def upload(self, request: Request, key: str) -> Response:
        form = await receive_multipart(request, documents.MAX_TEMPLATE_BYTES)
        try:
            files = [f for f in form.files if not f.skippable]
            if len(files) != 1:
                notify(request, _("Choose one .docx file."), "error")
                return redirect("/admin/document-templates", request)
            files[0].file.seek(0)
            data = files[0].file.read()
            try:
                saved = await documents.upload_template(user_of(request), key, data, files[0].filename)
                notify(request, _("Version %(version)s of “%(name)s” is now active.") % {"version": saved["version"],
                                                                                        "name": documents.TEMPLATES[key].name})
            except ClientException as exc:
                notify(request, _("Not activated: %(reason)s") % {"reason": exc.detail}, "error")
        finally:
            form.close()
        return redirect("/admin/document-templates", request)


class TemplateApi(Controller):
    path = "/api/v1/document-templates"
    tags = ["legal"]
    guards = [admin_only]

    @post("/{key:str}", request_max_body_size=10 * 1024 * 1024, opt={CSRF_IN_STREAM: True},
          summary="Upload a new version (multipart 'file'): active only if it renders against the sample case")
    async def upload(self, request: Request, key: str) -> Response:
        form = await receive_multipart(request, documents.MAX_TEMPLATE_BYTES)
        try:
            files = [f for f in form.files if not f.skippable]
            if len(files) != 1:
                raise ClientException(detail=_("Send exactly one file in the multipart field 'file'."))
            files[0].file.seek(0)
            saved = await documents.upload_template(user_of(request), key, files[0].file.read(), files[0].filename)
        finally:
            form.close()
        return Response(saved, status_code=HTTP_201_CREATED)

