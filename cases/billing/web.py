"""Money pages and routes: tariffs and statutory rates (admins), the service contract (creditors),
statements with their downloads, remittances and the SEPA file. Thin: the rules live in
cases.billing.fees, cases.billing.service and cases.billing.statements."""
from __future__ import annotations

from datetime import date, timedelta

from litestar import Controller, MediaType, Request, Response
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.params import Parameter
from litestar.response import Stream, Template
from piccolo.query.functions.aggregate import Count

from agency import access, clock
from agency.accounts import FormErrors
from agency.auth import admin_only, roles
from agency.http_utils import client_ip, content_disposition, parse_id
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import get, post
from agency.tables import Organisation, Tariff
from agency.web import form_data, notify, page, redirect, user_of
from cases.billing import service as billing
from cases.billing import statements
from cases.billing.fees import EXPENSE_KINDS, SUCCESS_STAGES, from_json
from cases.forms import amount_field, case_action, date_field, query_day
from cases.payments.service import record_payment
from cases.tables import Remittance

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DAY = Parameter(schema_extra={"format": "date"}, default=None)  # a date in the query, read by cases.forms.query_day (a bad one refused in the reader's language)


def _period(start: date | None, end: date | None) -> tuple[date, date]:
    today = clock.today()
    end = end or today
    start = start or end.replace(day=1)
    statements.check_period(start, end, today)
    return start, end


class TariffPages(Controller):
    path = "/admin/tariffs"
    guards = [admin_only]

    @get("/")
    async def index(self, request: Request) -> Template:
        rows = await Tariff.select().order_by(Tariff.name)
        used = {r["tariff"]: r["n"] for r in await Organisation.select(Organisation.tariff, Count(Organisation.id, alias="n")).group_by(
            Organisation.tariff)}
        return page(request, "cases/billing/tariffs.html", tariffs=[{**r, "rules": from_json(r["rules"]), "used": used.get(r["id"], 0)} for r in rows])

    def _form(self, request: Request, tariff: dict | None, form: dict, errors: dict | None = None, status_code: int = 200) -> Template:
        return page(request, "cases/billing/tariff_form.html", tariff=tariff, form=form, errors=errors or {}, stages=SUCCESS_STAGES,
                    expense_kinds=EXPENSE_KINDS, status_code=status_code)

    @get("/new")
    async def new(self, request: Request) -> Template:
        form = billing.tariff_form(await billing.default_tariff())
        form["name"] = ""
        return self._form(request, None, form)

    @post("/new")
    async def create(self, request: Request) -> Response:
        data = await form_data(request)
        try:
            await billing.save_tariff(data)
        except FormErrors as exc:
            return self._form(request, None, data, exc.errors, 400)
        notify(request, _("Tariff created: %(name)s.") % {"name": str(data.get("name", "")).strip().rstrip(".")})
        return redirect("/admin/tariffs", request)

    @get("/{tariff_id:int}")
    async def edit(self, request: Request, tariff_id: int) -> Template:
        row = await Tariff.select().where(Tariff.id == tariff_id).first()
        if row is None:
            raise NotFoundException(detail=_("Not found."))
        form = billing.tariff_form(from_json(row["rules"]))
        form["is_default"] = "on" if row["is_default"] else ""
        return self._form(request, row, form)

    @post("/{tariff_id:int}")
    async def update(self, request: Request, tariff_id: int) -> Response:
        row = await Tariff.select().where(Tariff.id == tariff_id).first()
        if row is None:
            raise NotFoundException(detail=_("Not found."))
        data = await form_data(request)
        try:
            await billing.save_tariff(data, tariff_id)
        except FormErrors as exc:
            return self._form(request, row, data, exc.errors, 400)
        notify(request, _("Changes saved. Cases opened from now on use them; open cases keep the tariff they were opened under."))
        return redirect("/admin/tariffs", request)


class ContractPages(Controller):
    path = "/contract"
    guards = [roles(Role.creditor)]

    @get("/")
    async def show(self, request: Request) -> Template:
        user = user_of(request)
        org = await Organisation.select(Organisation.legal_name, Organisation.contract_version, Organisation.contract_accepted_at).where(
            Organisation.id == (user.organisation_id or 0)).first()
        if org is None:
            raise NotFoundException(detail=_("Not found."))
        tariff = await billing.tariff_for(user.organisation_id)
        changed = await billing.tariff_changed_since_acceptance(user.organisation_id)
        return page(request, "cases/billing/contract.html", organisation=org, tariff=tariff, version=billing.CONTRACT_VERSION,
                    accepted=org["contract_version"] == billing.CONTRACT_VERSION and not changed, tariff_changed=changed,
                    stages=SUCCESS_STAGES)

    @post("/")
    async def accept(self, request: Request) -> Response:
        data = await form_data(request)
        if data.get("accept") != "yes":
            notify(request, _("Tick the box to accept the contract and the tariff."), "error")
            return redirect("/contract", request)
        await billing.accept_contract(user_of(request), client_ip(request.scope))
        notify(request, _("Thank you: the service contract is accepted. You can file claims now."))
        return redirect("/claims/new", request)


class StatementPages(Controller):
    guards = [roles(Role.creditor, Role.admin)]

    async def _statement(self, request: Request, organisation_id: int | None, start: str | None, end: str | None):
        user = user_of(request)
        start, end = _period(query_day(start, _("From")), query_day(end, _("To")))
        return await statements.statement(await statements.organisation_for(user, organisation_id), start, end)

    async def _run(self, request: Request, organisation_id: int | None, start: str | None, end: str | None) -> statements.StatementRun:
        user = user_of(request)
        start, end = _period(query_day(start, _("From")), query_day(end, _("To")))
        return await statements.statement_run(await statements.organisation_for(user, organisation_id), start, end)

    @get("/statements")
    async def show(self, request: Request, organisation_id: str | None = None, start: str | None = DAY,
                   end: str | None = DAY) -> Template:
        user = user_of(request)
        org_id = parse_id(organisation_id) if organisation_id else None
        organisations = []
        if user.role == Role.admin:
            organisations = await Organisation.select(Organisation.id, Organisation.legal_name).order_by(Organisation.legal_name)
            if org_id is None and organisations:
                org_id = organisations[0]["id"]
        s = await self._statement(request, org_id, start, end) if (org_id or user.role == Role.creditor) else None
        return page(request, "cases/billing/statement.html", statement=s, organisations=organisations, organisation_id=org_id or "",
                    figures=statements.FIGURES)

    @get("/statements.xlsx")
    async def xlsx(self, request: Request, organisation_id: int | None = None, start: str | None = DAY, end: str | None = DAY) -> Stream:
        run = await self._run(request, organisation_id, start, end)
        name = f"statement-{run.organisation['tax_id']}-{run.start.isoformat()}-{run.end.isoformat()}.xlsx"
        user = user_of(request)
        return Stream(statements.statement_xlsx(run, lambda n: access.note(user, f"export: {name} ({n} cases)")), media_type=XLSX,
                      headers={"Content-Disposition": content_disposition(name)})

    @get("/statements.docx")
    async def docx(self, request: Request, organisation_id: int | None = None, start: str | None = DAY, end: str | None = DAY) -> Response:
        s = await self._statement(request, organisation_id, start, end)
        name = f"statement-{s.organisation['tax_id']}-{s.start.isoformat()}-{s.end.isoformat()}.docx"
        access.note(user_of(request), f"export: {name} ({len(s.lines)} cases)")
        return Response(statements.statement_docx(s), media_type=DOCX, headers={"Content-Disposition": content_disposition(name)})

    @get("/api/v1/statements", tags=["money"], summary="A creditor's statement for a period (creditors get their own), sent as it is read",
         media_type=MediaType.JSON)
    async def api(self, request: Request, organisation_id: int | None = None, start: str | None = DAY, end: str | None = DAY) -> Stream:
        """Streamed: the lines go out a few thousand cases at a time (a creditor with 100,000 cases gets its first bytes
        at once, and the server never holds the whole statement); the totals and what is owed come last."""
        user = user_of(request)
        run = await self._run(request, organisation_id, start, end)
        what = f"export: statement of {run.organisation['tax_id']} {run.start.isoformat()} to {run.end.isoformat()}"
        return Stream(statements.statement_json(run, lambda n: access.note(user, f"{what} ({n} cases, API)")), media_type=MediaType.JSON)


class RemittancePages(Controller):
    path = "/admin/remittances"
    guards = [admin_only]

    @get("/")
    async def index(self, request: Request) -> Template:
        rows = await Remittance.select(*Remittance.all_columns(), Remittance.organisation.legal_name.as_alias("creditor")).order_by(
            Remittance.id, ascending=False).limit(200)
        organisations = await Organisation.select(Organisation.id, Organisation.legal_name).order_by(Organisation.legal_name)
        return page(request, "cases/billing/remittances.html", remittances=rows, organisations=organisations,
                    exports=await statements.last_exports([r["id"] for r in rows]), today=clock.today(),
                    execution=clock.today() + timedelta(days=1))

    async def _or_message(self, request: Request, action) -> Response:
        """An admin's action on this page; a refusal (nothing owed, a file already made...) is a message on
        the page, which keeps what it shows, rather than an error page of its own."""
        try:
            return await action()
        except HTTPException as exc:
            if exc.status_code in {401, 403, 404} or exc.status_code >= 500:
                raise
            notify(request, str(exc.detail), "error")
            return redirect("/admin/remittances", request)

    @post("/")
    async def create(self, request: Request) -> Response:
        return await self._or_message(request, lambda: self._create(request))

    async def _create(self, request: Request) -> Response:
        data = await form_data(request)
        org_id = parse_id(str(data.get("organisation_id", "")))
        try:
            period_end = date.fromisoformat(str(data.get("period_end", "")))
        except ValueError:
            raise ClientException(detail=_("Give the last day the remittance covers, like 2026-10-31.")) from None
        if org_id is None:
            raise ClientException(detail=_("Choose the creditor organisation."))
        rid = await statements.create_remittance(user_of(request), org_id, period_end, clock.today())
        notify(request, _("Remittance REM-%(id)s created.") % {"id": rid})
        return redirect("/admin/remittances", request)

    @post("/{remittance_id:int}/paid")
    async def paid(self, request: Request, remittance_id: int) -> Response:
        return await self._or_message(request, lambda: self._paid(request, remittance_id))

    async def _paid(self, request: Request, remittance_id: int) -> Response:
        data = await form_data(request)
        await statements.mark_paid(user_of(request), remittance_id, str(data.get("transfer_reference", "")))
        notify(request, _("Remittance REM-%(id)s marked paid.") % {"id": remittance_id})
        return redirect("/admin/remittances", request)

    @post("/sepa", status_code=200)
    async def sepa(self, request: Request) -> Response:
        return await self._or_message(request, lambda: self._sepa(request))

    async def _sepa(self, request: Request) -> Response:
        form = await request.form()
        ids = [i for i in (parse_id(str(v)) for v in form.getall("ids", [])) if i]
        try:
            execution = date.fromisoformat(str(form.get("execution_date", "")))
        except ValueError:
            raise ClientException(detail=_("Give the execution date as YYYY-MM-DD.")) from None
        if not clock.today() <= execution <= clock.today() + timedelta(days=365):
            raise ClientException(detail=_("The execution date is today or a day within the next year."))
        xml = await statements.sepa_file(user_of(request), ids, execution, again=form.get("again") == "yes")
        return Response(xml, media_type="application/xml",
                        headers={"Content-Disposition": content_disposition(f"remittances-{execution.isoformat()}.xml")})


class DirectPaymentPages(Controller):
    """A creditor tells the agency the debtor paid them directly (the agency's fee is still due on it)."""

    guards = [roles(Role.creditor)]

    @post("/cases/{case_id:int}/direct-payment")
    async def report(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)

        async def act():
            await record_payment(user_of(request), case_id, amount_field(data.get("amount")), date_field(data.get("received_on"), "received_on"),
                                 "to_creditor", str(data.get("reference", "")), str(data.get("idempotency_key", "")) or None, clock.today())
        return await case_action(request, case_id, act,
                                 _("Thank you: the payment is on the case. The debt is reduced and the agency's fee on it is booked."))
