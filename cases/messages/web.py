"""Message templates (admins edit and preview; versions kept) and sending a message from a case."""
from __future__ import annotations

import msgspec
from litestar import Controller, MediaType, Request, Response
from litestar.exceptions import ClientException, NotFoundException
from litestar.response import Template
from markupsafe import Markup

from agency import clock
from agency.accounts import FormErrors
from agency.auth import admin_only, staff_only
from agency.db import atomic
from agency.http_utils import parse_id
from agency.i18n import gettext as _
from agency.routing import get, post
from agency.tables import Organisation
from agency.web import form_data, notify, page, redirect, refuse, user_of
from cases.insolvency.service import insolvency_of_case
from cases.messages import service as svc
from cases.messages.rules import MERGE_FIELDS, NEED_LABELS, TemplateProblem, check_template, missing_facts, render
from cases.messages.seeds import THIRD_PARTY_TEMPLATES
from cases.queries import get_case
from cases.tables import Case, MessageTemplate, ReminderStep
from legal.rules.jurisdictions import MissingRate


class TemplatePages(Controller):
    path = "/admin/templates"
    guards = [admin_only]

    @get("/")
    async def index(self, request: Request) -> Template:
        rows = await MessageTemplate.select(MessageTemplate.key, MessageTemplate.language, MessageTemplate.channel, MessageTemplate.name,
                                            MessageTemplate.version, MessageTemplate.created_at).where(
            MessageTemplate.active == True).order_by(MessageTemplate.key).order_by(MessageTemplate.language)  # noqa: E712
        return page(request, "cases/messages/templates.html", templates=rows)

    async def _edit(self, request: Request, key: str, language: str, status_code: int = 200, **extra) -> Template:
        current = await svc.active_template(key, language)
        if current["language"] != language:
            raise NotFoundException(detail=_("Not found."))
        versions = await MessageTemplate.select(MessageTemplate.version, MessageTemplate.created_at, MessageTemplate.active,
                                                MessageTemplate.created_by.name.as_alias("author")).where(
            (MessageTemplate.key == key) & (MessageTemplate.language == language)).order_by(MessageTemplate.version, ascending=False)
        extra.setdefault("form", {"subject": current["subject"], "body": current["body"]})
        return page(request, "cases/messages/template_edit.html", tpl=current, versions=versions, fields=MERGE_FIELDS,
                    status_code=status_code, **extra)

    @get("/{key:str}/{language:str}")
    async def edit(self, request: Request, key: str, language: str, version: str | None = None) -> Template:
        """With ?version=N, that version's text in the form: saved, it is the active text again (as a new version)."""
        number = parse_id(version) if version else None
        if number is None:
            return await self._edit(request, key, language)
        old = await MessageTemplate.select(MessageTemplate.subject, MessageTemplate.body).where(
            (MessageTemplate.key == key) & (MessageTemplate.language == language) & (MessageTemplate.version == number)).first()
        if old is None:
            raise NotFoundException(detail=_("Not found."))
        return await self._edit(request, key, language, form={"subject": old["subject"], "body": old["body"]}, shown_version=number)

    @post("/{key:str}/{language:str}")
    async def save(self, request: Request, key: str, language: str) -> Response:
        data = await form_data(request)
        subject, body = data.get("subject", ""), data.get("body", "")
        if data.get("action") == "preview":
            return await self._preview(request, key, language, subject, body, data.get("case_reference", ""))
        try:
            saved = await svc.save_template(user_of(request), key, language, subject, body)
        except TemplateProblem as exc:
            return await self._edit(request, key, language, 400, form={"subject": subject, "body": body}, errors={exc.field: str(exc.message)})
        notify(request, _("New version saved and active.") if saved else _("Nothing changed: the active version stays as it was."))
        return redirect(f"/admin/templates/{key}/{language}")

    async def _preview(self, request, key, language, subject, body, reference) -> Template:
        try:
            check_template(subject, body, third_party=key in THIRD_PARTY_TEMPLATES)
        except TemplateProblem as exc:
            return await self._edit(request, key, language, 400, form={"subject": subject, "body": body}, errors={exc.field: str(exc.message)})
        case = await Case.select(Case.id, Case.reference).where(Case.reference == reference.strip().upper()).first() if reference.strip() \
            else await Case.select(Case.id, Case.reference).order_by(Case.id, ascending=False).first()
        if case is None:
            return await self._edit(request, key, language, 400, form={"subject": subject, "body": body, "case_reference": reference},
                                    errors={"case_reference": _("No case with that reference.")})
        context = await svc.merge_context(case["id"], language, clock.today())
        rendered = render(subject, body, context)
        return await self._edit(request, key, language, form={"subject": subject, "body": body, "case_reference": case["reference"]},
                                preview={"subject": rendered[0], "body": rendered[1], "reference": case["reference"],
                                         "missing": [str(NEED_LABELS[m]) for m in missing_facts(subject, body, context)]})


class MessageIn(msgspec.Struct):
    template: str


class MessageApi(Controller):
    path = "/api/v1/cases/{case_id:int}/messages"
    tags = ["cases"]
    guards = [staff_only]

    @post("/", status_code=201, summary="Send a template to the case's debtor (email via the outbox; WhatsApp as a link)")
    async def send(self, request: Request, case_id: int, data: MessageIn) -> dict:
        async with atomic():
            return await svc.send_message(user_of(request), case_id, data.template, clock.today())


class MessagePages(Controller):
    guards = [staff_only]

    @get("/cases/{case_id:int}/phone-scripts")
    async def scripts(self, request: Request, case_id: int) -> Template:
        """The phone scripts beside the contact log (the case page's Work part), written out for this case in the debtor's
        language, loaded as a fragment once the part is open: none for a closed case, a debtor in insolvency (no contact)
        or while what is owed waits for a missing rate (the amounts they quote wait too). Without JavaScript, a page of its own."""
        case = await get_case(user_of(request), case_id)  # (through the tenancy scope: a 404 for no such case)
        scripts = []
        if case["closed_at"] is None and await insolvency_of_case(case_id) is None:
            try:
                scripts = await svc.phone_scripts(case_id, clock.today())
            except MissingRate:
                scripts = []
        return page(request, "cases/messages/phone_scripts.html", fragment="cases/messages/_phone_scripts.html", case=case, phone_scripts=scripts)

    @post("/cases/{case_id:int}/messages")
    async def send(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        try:
            async with atomic():
                result = await svc.send_message(user_of(request), case_id, data.get("template", ""), clock.today())
        except (ClientException, NotFoundException) as exc:
            return refuse(request, [str(exc.detail)], f"/cases/{case_id}")
        for warning in result.get("warnings", ()):
            notify(request, warning, "warning")
        if result["channel"] == "email":
            notify(request, _("Email to %(to)s put in the outbox.") % {"to": result["to"]})
        elif result["channel"] == "whatsapp" and request.headers.get("hx-request") == "true":
            # A button beside the form, opening the chat with the text ready (the text is on the case's timeline already).
            body = Markup('<a class="button" href="{link}" target="_blank" rel="noopener">{open}</a> <span class="muted small">{note}</span>').format(
                link=result["link"], open=_("Open WhatsApp with the message ready"), note=_("The text is on the case's timeline."))
            return Response(content=str(body), status_code=200, media_type=MediaType.HTML,
                            headers={"HX-Retarget": "#msg-result", "HX-Reswap": "innerHTML"})
        elif result["channel"] == "whatsapp":
            notify(request, _("Open WhatsApp with the message ready: %(link)s") % {"link": result["link"]}, "info")
        else:
            notify(request, _("Text recorded on the case."), "info")
        return redirect(f"/cases/{case_id}#timeline", request)


class ReminderPages(Controller):
    """The reminder flow: the agency's default steps and each creditor's own (which replace the default)."""

    path = "/admin/reminders"
    guards = [admin_only]

    async def _render(self, request: Request, status_code: int = 200, **extra) -> Template:
        steps = await ReminderStep.select(ReminderStep.all_columns(), ReminderStep.organisation.legal_name.as_alias("organisation_name")).order_by(
            ReminderStep.organisation).order_by(ReminderStep.position)
        organisations = await Organisation.select(Organisation.id, Organisation.legal_name).order_by(Organisation.legal_name)
        templates = await MessageTemplate.select(MessageTemplate.key, MessageTemplate.name).where(
            (MessageTemplate.active == True) & (MessageTemplate.language == "es") & (MessageTemplate.channel == "email"))  # noqa: E712
        extra.setdefault("form", {"anchor": "accepted", "offset_days": "7"})
        return page(request, "cases/messages/reminders.html", steps=steps, organisations=organisations, templates=templates,
                    template_names={t["key"]: t["name"] for t in templates}, status_code=status_code, **extra)

    @get("/")
    async def index(self, request: Request) -> Template:
        return await self._render(request)

    @post("/")
    async def add(self, request: Request) -> Response:
        data = await form_data(request)
        org = data.get("organisation_id", "")
        try:
            await svc.add_step(parse_id(org), data.get("anchor", ""), data.get("offset_days", ""),
                               data.get("template_key", ""))
        except FormErrors as exc:
            return await self._render(request, 400, form=data, errors=exc.errors)
        notify(request, _("Step added."))
        return redirect("/admin/reminders")

    @post("/{step_id:int}/active")
    async def toggle(self, request: Request, step_id: int) -> Response:
        data = await form_data(request)
        await ReminderStep.update({ReminderStep.active: data.get("active") == "1"}).where(ReminderStep.id == step_id)
        notify(request, _("Changes saved."))
        return redirect("/admin/reminders")
