"""The debtor's door over HTTP (DESIGN.md "The debtor's door"): the staff's link route, the debtor's API (a bearer
portal token) and pages (a cookie), and Redsys's notification. The debtor has no account: the portal checks its own
tokens, and a portal token is worth nothing on any other route."""
from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import ClientException, HTTPException, NotAuthorizedException, NotFoundException
from litestar.response import Stream, Template
from markupsafe import Markup

from agency import clock, i18n
from agency.accounts import FormErrors
from agency.auth import CSRF_IN_STREAM, anyone_signed_in, bearer_token, roles, staff_only
from agency.db import utcnow
from agency.http_utils import client_ip, content_disposition, parse_id
from agency.i18n import gettext as _
from agency.i18n import lazy_gettext as _l
from agency.roles import Role
from agency.routing import delete, get, post, put
from agency.settings import get_settings
from agency.storage import storage
from agency.tenancy import DebtorVisitor
from agency.uploads import receive_multipart
from agency.web import form_data, notify, page, page_kept, redirect, user_of
from cases.complaints.rules import CAUSES
from cases.complaints.service import file_complaint
from cases.money import from_cents
from cases.portal import redsys
from cases.portal import service as portal
from cases.portal.rules import qr_svg
from cases.tables import Case

SESSION_COOKIE = "agency_portal"
UPLOAD_ROUTE_LIMIT = 5 * 32 * 1024 * 1024  # an objection's files (at most 5, each within the upload setting) and its fields
LANGUAGE_COOKIE = "agency_portal_lang"


class DebtorLinkApi(Controller):
    path = "/api/v1/cases/{case_id:int}/debtor-link"
    tags = ["portal"]
    guards = [staff_only]

    @post("/", status_code=201, summary="A signed link to the debtor's page of the case (valid 90 days)")
    async def create(self, request: Request, case_id: int) -> dict:
        url, expires = await portal.staff_link(user_of(request), case_id, clock.today())
        return {"url": url, "expires_on": expires.isoformat()}

    @delete("/", status_code=200, summary="Revoke every link of the case (and end the debtor's sessions)")
    async def revoke(self, request: Request, case_id: int) -> dict:
        return {"revoked": await portal.revoke_links(user_of(request), case_id)}


class DebtorLinkPages(Controller):
    """The case page's "debtor's page" box: a new link with its QR code to hand over, and revoking them all."""
    guards = [staff_only]
    include_in_schema = False

    @post("/cases/{case_id:int}/debtor-link")
    async def create(self, request: Request, case_id: int) -> Template:
        url, expires = await portal.staff_link(user_of(request), case_id, clock.today())
        return Template(template_name="cases/portal/_staff_link.html", context={"url": url, "expires": expires, "qr": Markup(qr_svg(url))})

    @post("/cases/{case_id:int}/debtor-link/revoke")
    async def revoke(self, request: Request, case_id: int) -> Response:
        revoked = await portal.revoke_links(user_of(request), case_id)
        notify(request, _("%(n)s links to the debtor's page revoked; any open visit ended.") % {"n": revoked})
        return redirect(f"/cases/{case_id}", request)


class PlanRulesIn(msgspec.Struct):
    brackets: list[dict]
    first_due_days: int = 30
    organisation_id: int | None = None


class PlanRulesApi(Controller):
    """The plans a creditor's debtors may choose on their page: the creditor's own, an admin's for any creditor or the
    agency's default (organisation_id absent)."""
    path = "/api/v1/plan-rules"
    tags = ["portal"]
    guards = [anyone_signed_in]

    @get("/", summary="The plan rules in force for a creditor (a creditor: their own), or the agency's default")
    async def read(self, request: Request, organisation_id: int | None = None) -> dict:
        return await portal.read_plan_rules(user_of(request), organisation_id)

    @put("/", summary="Set the plan rules: brackets [{up_to, max_instalments, min_first_percent}] and first_due_days")
    async def save(self, request: Request, data: PlanRulesIn) -> dict:
        return await portal.save_plan_rules(user_of(request), data.organisation_id, data.brackets, data.first_due_days)


class PlanRulesPages(Controller):
    """The same rules as a page: a creditor's own; an admin's for the agency (or a creditor: ?organisation_id=)."""
    guards = [roles(Role.admin, Role.creditor)]
    include_in_schema = False

    @get("/plan-rules")
    async def form(self, request: Request, organisation_id: int | None = None) -> Template:
        rules = await portal.read_plan_rules(user_of(request), organisation_id)
        return page(request, "cases/portal/plan_rules.html", rules=rules, rows=_rows(rules["brackets"]), error="")

    @post("/plan-rules")
    async def save(self, request: Request) -> Response | Template:
        form = await request.form()
        owner = parse_id(str(form.get("organisation_id", "")))
        brackets = []
        for n in range(5):
            count = str(form.get(f"max_instalments_{n}", "")).strip()
            if not count:
                continue
            up_to = str(form.get(f"up_to_{n}", "")).strip().replace(",", ".")
            brackets.append({"up_to": up_to or None, "max_instalments": int(count) if count.isdigit() else -1,
                             "min_first_percent": int(p) if (p := str(form.get(f"min_first_percent_{n}", "0")).strip() or "0").isdigit() else -1})
        days = str(form.get("first_due_days", "")).strip()
        try:
            await portal.save_plan_rules(user_of(request), owner, brackets, int(days) if days.isdigit() else -1)
        except ClientException as exc:
            rules = await portal.read_plan_rules(user_of(request), owner)
            return page(request, "cases/portal/plan_rules.html", rules=rules, rows=_rows(brackets), error=exc.detail, status_code=400)
        notify(request, _("Saved: debtors choose their plans within these rules from now on."))
        return redirect("/plan-rules" + (f"?organisation_id={owner}" if owner else ""), request)


def _rows(brackets: list[dict]) -> list[dict]:
    """The form's five rows: the rules' brackets, then empty ones."""
    return [*brackets, *[{"up_to": "", "max_instalments": "", "min_first_percent": ""}] * (5 - len(brackets))][:5]


class SessionIn(msgspec.Struct):
    token: str
    verifier: str


class PaymentIn(msgspec.Struct):
    amount: str
    method: str = "card"


class DisputeIn(msgspec.Struct):
    invoice_numbers: list[str]
    reason: str


class ComplaintIn(msgspec.Struct):
    body: str
    cause: str = "other"  # contact | amount | data | conduct | other


class CallbackIn(msgspec.Struct):
    phone: str
    on: str
    slot: str = "morning"


class MessageIn(msgspec.Struct):
    text: str


class PlanIn(msgspec.Struct):
    instalments: int
    first_due_on: str
    method: str = "transfer"
    iban: str = ""
    account_holder: str = ""
    accept: bool = False


async def debtor_country(visitor: DebtorVisitor) -> str:
    row = await Case.select(Case.debtor.country.as_alias("country")).where(Case.id == visitor.case_id).first()
    return (row["country"] if row else "") or "ES"


def portal_language(request: Request, debtor_language: str | None = None) -> str:
    """The debtor's language: the one they chose on the page (?lang= or its cookie), the one on file, their
    browser's, Spanish."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE), debtor_language):
        if candidate in i18n.DEBTOR_LANGUAGES:
            return i18n.set_language(candidate)
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in i18n.DEBTOR_LANGUAGES:
            return i18n.set_language(tag)
    return i18n.set_language(i18n.DEFAULT_LANGUAGE)


async def api_visitor(request: Request) -> DebtorVisitor:
    visitor = await portal.visitor_for(bearer_token(request.scope), utcnow())
    await set_visitor_language(request, visitor)
    return visitor


async def set_visitor_language(request: Request, visitor: DebtorVisitor) -> str:
    if visitor.language is not None:  # (read with the session)
        return portal_language(request, visitor.language)
    return await set_case_language(request, visitor.case_id)


async def set_case_language(request: Request, case_id: int) -> str:
    """The language of the case's debtor on file, unless they chose one (portal_language): the link's own page is read in
    the language the page behind it will be (it was the browser's, and the page after the check switched to the one on
    file)."""
    row = await Case.select(Case.debtor.language.as_alias("language")).where(Case.id == case_id).first()
    return portal_language(request, row["language"] if row else None)


async def document_file(visitor: DebtorVisitor, document_id: int) -> Response:
    """The file of one of the visitor's documents, never cached on the way (it holds personal data)."""
    doc = await portal.debtor_document(visitor, document_id)
    return Stream(storage().stream(doc["storage_key"]), media_type=doc["media_type"],
                  headers={"Content-Disposition": content_disposition(doc["filename"]), "X-Content-Type-Options": "nosniff",
                           "Cache-Control": "private, no-store"})


class PortalApi(Controller):
    path = "/api/v1/portal"
    tags = ["portal"]

    @post("/session", status_code=200, summary="The debtor proves who they are: the link's token and the tax id (or postal code) on file")
    async def session(self, request: Request, data: SessionIn) -> dict:
        portal_language(request)
        token, expires, _case = await portal.open_session(data.token, data.verifier, client_ip(request.scope),
                                                          request.headers.get("user-agent", ""), utcnow())
        return {"portal_token": token, "expires_at": expires.isoformat()}

    @delete("/session", status_code=200, summary="End the debtor's session")
    async def end(self, request: Request) -> dict:
        await portal.end_session(await api_visitor(request))
        return {"ended": True}

    @get("/case", summary="What the debtor owes, in their language (only their case)")
    async def case(self, request: Request) -> dict:
        return await portal.portal_case(await api_visitor(request), clock.today())

    @post("/payments", status_code=201, summary="Start a card or Bizum payment: the signed form for Redsys's page")
    async def payment(self, request: Request, data: PaymentIn) -> dict:
        visitor = await api_visitor(request)
        return await portal.start_payment(visitor, data.amount, data.method, i18n.get_language(), clock.today())

    @post("/disputes", status_code=201, summary="Dispute invoices: they leave dunning and the balance; staff are told")
    async def dispute(self, request: Request, data: DisputeIn) -> dict:
        dispute_id, numbers = await portal.dispute(await api_visitor(request), data.invoice_numbers, data.reason)
        return {"id": dispute_id, "invoices": numbers}

    @post("/disputes/{dispute_id:int}/files", status_code=201, request_max_body_size=UPLOAD_ROUTE_LIMIT,
          summary="A file for one of the debtor's disputes (multipart field 'file'; checked as evidence is; at most 5 a dispute)")
    async def dispute_file(self, request: Request, dispute_id: int) -> dict:
        visitor = await api_visitor(request)
        form = await receive_multipart(request, get_settings().max_upload_bytes)
        try:
            files = [f for f in form.files if f.field == "file" and not f.blank]
            if len(files) != 1:
                raise ClientException(detail=_("Send exactly one file in the multipart field 'file'."))
            f = files[0]
            return await portal.dispute_file(visitor, dispute_id, f.file, f.filename, f.size, f.sha256)
        finally:
            form.close()

    @post("/complaints", status_code=201, summary="Complain about the agency's conduct (cause: contact, amount, data, conduct, other)")
    async def complaint(self, request: Request, data: ComplaintIn) -> dict:
        done = await file_complaint(await api_visitor(request), None, "debtor", data.cause, data.body, clock.today())
        return {"id": done["id"], "due_on": done["due_on"].isoformat()}

    @post("/callbacks", status_code=201, summary="Ask to be called back (phone, day, morning or afternoon)")
    async def callback(self, request: Request, data: CallbackIn) -> dict:
        visitor = await api_visitor(request)
        due = await portal.callback(visitor, data.phone, data.on, data.slot, await debtor_country(visitor), clock.today())
        return {"due_at": due.isoformat()}

    @get("/plans/preview", summary="The plan a debtor would choose and the acknowledgement they would accept (its exact text)")
    async def plan_preview(self, request: Request, instalments: int, first_due_on: str, method: str = "transfer") -> dict:
        choice = await portal.plan_choice(await api_visitor(request), instalments, first_due_on, method, clock.today())
        return {"instalments": [{"number": n, "due_on": d.isoformat(), "amount": str(from_cents(c))} for n, d, c in choice.instalments],
                "acknowledgement": choice.text, "acknowledgement_sha256": choice.sha256}

    @post("/plans", status_code=201, summary="Choose a plan within the creditor's rules and accept its acknowledgement (422 naming the rule)")
    async def plan(self, request: Request, data: PlanIn) -> dict:
        visitor = await api_visitor(request)
        done = await portal.choose_plan(visitor, data.instalments, data.first_due_on, data.method, data.iban, data.account_holder, data.accept,
                                        client_ip(request.scope), request.headers.get("user-agent", ""), clock.today())
        return done

    @get("/documents/{document_id:int}", summary="One of the debtor's documents (a letter sent to them, what they signed): PDF, or .docx")
    async def document(self, request: Request, document_id: int) -> Response:
        return await document_file(await api_visitor(request), document_id)

    @post("/messages", status_code=201, summary="A short message to the agency")
    async def message(self, request: Request, data: MessageIn) -> dict:
        await portal.message(await api_visitor(request), data.text)
        return {"sent": True}


class RedsysNotifications(Controller):
    path = "/payments/redsys"
    tags = ["portal"]

    @post("/notification", summary="Redsys's signed notification of an online payment (server to server)")
    async def notification(self, request: Request) -> Response:
        form = await request.form()
        try:
            outcome = await portal.notification(str(form.get("Ds_SignatureVersion", "")), str(form.get("Ds_MerchantParameters", "")),
                                                str(form.get("Ds_Signature", "")), clock.today())
        except redsys.SignatureError as exc:
            raise ClientException(detail=f"Notification refused: {exc}.") from None
        return Response({"outcome": outcome}, status_code=200)


# --- the debtor's pages -----------------------------------------------------------------------------------------

def _with_cookies(response: Response, request: Request, portal_token: str | None = None) -> Response:
    settings = get_settings()
    lang = request.query_params.get("lang")
    if lang in i18n.DEBTOR_LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax", secure=settings.secure_cookies)
    if portal_token is not None:
        response.set_cookie(SESSION_COOKIE, portal_token, max_age=portal.SESSION_MINUTES * 60, httponly=True, samesite="lax",
                            secure=settings.secure_cookies, path="/")
    return response


def portal_page(request: Request, template: str, *, lang_base: str = "/portal/home", kept: tuple | None = None, **context) -> Template:
    """A debtor's page: never kept by the browser (a shared phone's Back button after "Leave" shows nothing), its
    language links to a page that can be shown again (``lang_base``). ``kept``: the key under which the server keeps
    the page rendered (agency.web.page_kept), naming all it shows."""
    settings = get_settings()
    iban = settings.agency_iban
    values = dict(agency_name=settings.agency_name, agency_iban=" ".join(iban[i:i + 4] for i in range(0, len(iban), 4)),
                  today=clock.today().isoformat(), lang_base=lang_base, complaint_causes=CAUSES,
                  complaint_days=(settings.complaint_days_consumer, settings.complaint_days_other), **context)
    response = page_kept(request, template, key=kept, **values) if kept is not None else page(request, template, **values)
    response.headers["Cache-Control"] = "no-store"
    return response


async def page_visitor(request: Request) -> DebtorVisitor | None:
    try:
        return await portal.visitor_for(request.cookies.get(SESSION_COOKIE), utcnow())
    except (NotAuthorizedException, portal.LinkGone):
        return None


class PortalPages(Controller):
    include_in_schema = False

    @get("/p/{token:str}")
    async def link(self, request: Request, token: str) -> Response | Template:
        portal_language(request)
        try:
            facts = await portal.link_facts(token, clock.today())
        except (portal.LinkGone, NotFoundException) as exc:
            return portal_page(request, "cases/portal/gone.html", message=exc.detail, status_code=exc.status_code, lang_base=f"/p/{token}")
        visitor = await page_visitor(request)
        if visitor and visitor.case_id == facts.case_id:
            return _with_cookies(redirect("/portal/home"), request)
        await set_case_language(request, facts.case_id)
        return _with_cookies(portal_page(request, "cases/portal/verify.html", token=token, facts=facts, error="", lang_base=f"/p/{token}"), request)

    @post("/p/{token:str}")
    async def verify(self, request: Request, token: str) -> Response | Template:
        portal_language(request)
        data = await form_data(request)
        # the answer in the page's language (the case's, unless the visitor chose): the refusal is worded in it too
        try:
            facts = await portal.link_facts(token, clock.today())
        except (portal.LinkGone, NotFoundException) as exc:
            return portal_page(request, "cases/portal/gone.html", message=exc.detail, status_code=exc.status_code, lang_base=f"/p/{token}")
        await set_case_language(request, facts.case_id)
        try:
            portal_token, _expires, _case = await portal.open_session(token, str(data.get("verifier", "")), client_ip(request.scope),
                                                                      request.headers.get("user-agent", ""), utcnow())
        except portal.LinkGone as exc:
            return portal_page(request, "cases/portal/gone.html", message=exc.detail, status_code=410)
        except (NotAuthorizedException, portal.TooManyTries) as exc:
            return portal_page(request, "cases/portal/verify.html", token=token, facts=facts, error=exc.detail, status_code=exc.status_code,
                               lang_base=f"/p/{token}")
        return _with_cookies(redirect("/portal/home"), request, portal_token)

    @get("/portal/home")
    async def home(self, request: Request) -> Response | Template:
        visitor = await page_visitor(request)
        if visitor is None:
            portal_language(request)
            return portal_page(request, "cases/portal/gone.html", message=_("Your session has ended. Open the link you received again."),
                        status_code=401)
        await set_visitor_language(request, visitor)
        today = clock.today()
        view = await portal.portal_case(visitor, today)
        # rendered once per view (what is owed to the cent, the plan, the documents...), language and day, and kept
        key = (visitor.case_id, today, msgspec.json.encode(view, order="deterministic"))
        return _with_cookies(portal_page(request, "cases/portal/case.html", kept=key, view=view, languages=i18n.DEBTOR_LANGUAGES, error=""),
                             request)

    @get("/portal/documents/{document_id:int}")
    async def document(self, request: Request, document_id: int) -> Response | Template:
        visitor = await page_visitor(request)
        if visitor is None:
            portal_language(request)
            return portal_page(request, "cases/portal/gone.html", message=_("Your session has ended. Open the link you received again."),
                               status_code=401)
        return await document_file(visitor, document_id)

    @post("/portal/pay")
    async def pay(self, request: Request) -> Response | Template:
        visitor = await page_visitor(request)
        if visitor is None:
            return redirect("/portal/home")
        language = await set_visitor_language(request, visitor)
        data = await form_data(request)
        amount = data.get("custom_amount") if data.get("amount") == "custom" else data.get("amount")
        try:
            started = await portal.start_payment(visitor, amount, str(data.get("method", "card")), language, clock.today())
        except ClientException as exc:
            view = await portal.portal_case(visitor, clock.today())
            return portal_page(request, "cases/portal/case.html", view=view, languages=i18n.DEBTOR_LANGUAGES, error=exc.detail,
                        status_code=exc.status_code)
        return portal_page(request, "cases/portal/redirect.html", started=started)

    async def _act(self, request: Request, act, done: str) -> Response | Template:
        """A form on the debtor's page: done, back to the page with a word of thanks; refused, the page with why."""
        visitor = await page_visitor(request)
        if visitor is None:
            return redirect("/portal/home")
        await set_visitor_language(request, visitor)
        data = await request.form()
        try:
            await act(visitor, data)
        except ClientException as exc:
            return await self._refused(request, visitor, exc)
        notify(request, str(done))  # (lazy: in the debtor's language, set above)
        return redirect("/portal/home")

    @post("/portal/dispute", opt={CSRF_IN_STREAM: True}, request_max_body_size=UPLOAD_ROUTE_LIMIT)
    async def dispute(self, request: Request) -> Response | Template:
        """The objection and its files in one form (multipart): a refused file refuses the whole, and says which."""
        visitor = await page_visitor(request)
        if visitor is None:
            return redirect("/portal/home")
        await set_visitor_language(request, visitor)
        try:
            form = await receive_multipart(request, get_settings().max_upload_bytes)
        except ClientException as exc:
            return await self._refused(request, visitor, exc)
        try:
            files = [(f.file, f.filename, f.size, f.sha256) for f in form.files if f.field == "file" and not f.blank]
            await portal.dispute(visitor, [str(n) for n in form.getall("invoice_numbers")], str(form.get("reason", "")), files)
        except ClientException as exc:
            return await self._refused(request, visitor, exc)
        finally:
            form.close()
        notify(request, str(_l("Thank you: those invoices are marked as disputed and we will look into it. We will not ask you to pay them "
                               "meanwhile.")))
        return redirect("/portal/home")

    async def _refused(self, request: Request, visitor: DebtorVisitor, exc: ClientException) -> Template:
        view = await portal.portal_case(visitor, clock.today())
        return portal_page(request, "cases/portal/case.html", view=view, languages=i18n.DEBTOR_LANGUAGES, error=exc.detail,
                           status_code=exc.status_code)

    @post("/portal/complaint")
    async def complaint(self, request: Request) -> Response | Template:
        async def act(visitor, data):
            try:
                await file_complaint(visitor, None, "debtor", str(data.get("cause", "")), str(data.get("body", "")), clock.today())
            except FormErrors as exc:
                raise ClientException(detail=" ".join(str(m) for m in exc.errors.values())) from None
        return await self._act(request, act, _l("Thank you: your complaint is recorded and a person at the agency will answer you."))

    @post("/portal/callback")
    async def callback(self, request: Request) -> Response | Template:
        async def act(visitor, data):
            await portal.callback(visitor, str(data.get("phone", "")), str(data.get("on", "")), str(data.get("slot", "")),
                                  await debtor_country(visitor), clock.today())
        return await self._act(request, act, _l("Thank you: we will call you on the day you chose."))

    @get("/portal/plan")
    async def plan_review(self, request: Request, instalments: str = "1", first_due_on: str = "", method: str = "transfer") -> Response | Template:
        """The plan the debtor is choosing and the acknowledgement's exact text, to read before accepting."""
        visitor = await page_visitor(request)
        if visitor is None:
            return redirect("/portal/home")
        await set_visitor_language(request, visitor)
        try:
            choice = await portal.plan_choice(visitor, instalments, first_due_on, method, clock.today())
        except HTTPException as exc:
            view = await portal.portal_case(visitor, clock.today())
            return portal_page(request, "cases/portal/case.html", view=view, languages=i18n.DEBTOR_LANGUAGES, error=exc.detail,
                               status_code=exc.status_code)
        view = await portal.portal_case(visitor, clock.today())
        return portal_page(request, "cases/portal/plan.html", view=view, choice=choice, count=instalments, first_due_on=first_due_on,
                           method=method, error="")

    @post("/portal/plan")
    async def plan_accept(self, request: Request) -> Response | Template:
        visitor = await page_visitor(request)
        if visitor is None:
            return redirect("/portal/home")
        await set_visitor_language(request, visitor)
        data = await form_data(request)
        try:
            await portal.choose_plan(visitor, data.get("instalments"), data.get("first_due_on"), str(data.get("method", "")),
                                     str(data.get("iban", "")), str(data.get("account_holder", "")), data.get("accept") == "on",
                                     client_ip(request.scope), request.headers.get("user-agent", ""), clock.today())
        except HTTPException as exc:
            view = await portal.portal_case(visitor, clock.today())
            try:
                choice = await portal.plan_choice(visitor, data.get("instalments"), data.get("first_due_on"), str(data.get("method", "")),
                                                  clock.today())
            except HTTPException:
                return portal_page(request, "cases/portal/case.html", view=view, languages=i18n.DEBTOR_LANGUAGES, error=exc.detail,
                                   status_code=exc.status_code)
            # what the debtor typed stays in the form (the IBAN and the holder), with why it was refused
            return portal_page(request, "cases/portal/plan.html", view=view, choice=choice, count=data.get("instalments"),
                               first_due_on=data.get("first_due_on"), method=data.get("method"), error=exc.detail, status_code=exc.status_code,
                               iban=str(data.get("iban", ""))[:42], account_holder=str(data.get("account_holder", ""))[:140])
        notify(request, _("Thank you: your plan is agreed. We will remind you of each instalment."))
        return redirect("/portal/home")

    @post("/portal/message")
    async def message(self, request: Request) -> Response | Template:
        return await self._act(request, lambda v, d: portal.message(v, str(d.get("text", ""))),
                               _l("Thank you: your message reached the agency."))

    @get("/portal/payment/{order:str}")
    async def payment_return(self, request: Request, order: str) -> Template:
        """Where Redsys sends the debtor back: "received, being confirmed" until the notification arrives."""
        visitor = await page_visitor(request)
        if visitor:
            await set_visitor_language(request, visitor)
        else:
            portal_language(request)
        status = await portal.payment_status(order[:12], visitor)
        fragment = "cases/portal/_payment_status.html"
        return portal_page(request, "cases/portal/payment.html", fragment=fragment, order=order[:12], status=status, signed_in=visitor is not None)

    @post("/portal/logout")
    async def logout(self, request: Request) -> Response:
        visitor = await page_visitor(request)
        if visitor:
            await portal.end_session(visitor)
        portal_language(request)
        response = portal_page(request, "cases/portal/gone.html", message=_("You have left your page. Open the link again to come back."))
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
