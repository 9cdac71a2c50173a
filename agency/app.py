"""The app factory: templates, static files, sessions, CSRF, auth, errors, OpenAPI, lifespan."""
from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

from litestar import Litestar, Request
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import NotFoundException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import Empty

from agency import access, db, logs
from agency.auth import CSRF_COOKIE, DEBTOR_API, CallerMiddleware
from agency.controllers.accounts import AccountPages, MyAccountPages
from agency.controllers.admin import AdminPages
from agency.controllers.api import AccountApi, AuthApi, favicon, health
from agency.headers import SecurityHeaders, origin
from agency.i18n import gettext as _
from agency.openapi import declare_refusals
from agency.security import derive_key
from agency.sessions import SessionConfig
from agency.settings import ROOT, get_settings
from agency.templating import environment
from agency.web import AgencyRequest, nul_refusal, pop_flashes
from agency.wiring import EXCEPTION_HANDLERS_WITH_DOMAIN, wire
from cases.bank.web import BankStatementApi, BankStatementPages, DirectDebitApi, DirectDebitPages, MandateApi, MandatePages
from cases.billing.ledger_web import LedgerApi, MoneyMovesApi, ReversalApi
from cases.billing.quote_web import QuotePages
from cases.billing.web import (
    ContractPages,
    DirectPaymentPages,
    RemittancePages,
    StatementPages,
    TariffPages,
)
from cases.bureau.web import BureauAdminPages, BureauApi, BureauCasePages, DisputeApi
from cases.claims.web import ClaimApi, ClaimPages, EvidencePages
from cases.complaints.web import ComplaintApi, ComplaintPages
from cases.contacts.web import ActivityApi, ContactPages
from cases.conversation.web import ConversationApi, ConversationPages, OverdueQuestionPages
from cases.home.web import HomeApi, HomePages
from cases.imports.web import EInvoiceApi, ImportApi, ImportPages
from cases.insolvency.web import InsolvencyApi, InsolvencyPages
from cases.lists.web import ListApi, ListPages, ViewApi
from cases.messages.web import MessageApi, MessagePages, ReminderPages, TemplatePages
from cases.negotiation.web import CaseActionPages, NegotiationApi, QueueApi, QueuePages
from cases.notifications.web import NotificationApi, NotificationPages
from cases.portal.web import DebtorLinkApi, DebtorLinkPages, PlanRulesApi, PlanRulesPages, PortalApi, PortalPages, RedsysNotifications
from cases.privacy.web import DebtorApi, DebtorPages
from cases.rates.web import RateApi, RatePages
from cases.reports.web import AdminDashboardPages, ReportPages
from cases.search.web import SearchApi, SearchPages
from cases.stages.web import HoldApi, HoldPages, StageApi, StagePages
from cases.web import CaseApi, CasePages
from cases.webhooks.web import WebhookApi, WebhookPages
from legal.court.web import CalendarFeeds, CourtApi, CourtCasePages
from legal.demands.web import DemandApi, DemandCasePages
from legal.documents.web import DocumentApi, DocumentCasePages, TemplateAdminPages, TemplateApi
from legal.enforcement.web import EnforcementApi, EnforcementCasePages
from legal.handoff.web import HandoffApi, HandoffCasePages, LawyerPages
from legal.injunctions.web import InjunctionApi, InjunctionPages
from legal.limitation.web import LimitationApi
from legal.mediation.web import MediationApi, MediationCasePages
from legal.web import LegalPanelPages

# Every body is read against a limit, counted as it arrives (a declared Content-Length over it is refused before a
# byte is read): JSON and forms need little; anyone may call a route without a guard (the quote, sign-in, the
# debtor's page, Redsys), so those get less. Upload routes name their own limit and stream their files to disk.
REQUEST_MAX_BYTES = 1024 * 1024
ANONYMOUS_MAX_BYTES = 64 * 1024


MAX_ID = 2**31 - 1  # ids are PostgreSQL integers; a larger one names nothing


async def ids_in_range(request: Request) -> None:
    """An id no row can have is a 404 here, not a driver overflow (a 500) further down; a NUL character in the
    address (a search for "a%00b") or a header is a 400 here, not a PostgreSQL error (a 500) further down."""
    for value in request.path_params.values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            raise NotFoundException(detail=_("Not found."))
        if isinstance(value, str) and "\x00" in value:
            raise nul_refusal()
    if any(b"\x00" in value for _name, value in request.scope["headers"]):
        raise nul_refusal()
    for key, value in request.query_params.multi_items():
        if key.endswith("_id") and value.isascii() and value.isdigit() and int(value) > MAX_ID:
            raise NotFoundException(detail=_("Not found."))
        if "\x00" in value or "\x00" in key:
            raise nul_refusal()


def limit_anonymous_bodies(app: Litestar) -> None:
    """Routes open to callers without an account read at most ANONYMOUS_MAX_BYTES, unless they name a limit of
    their own (the debtor's dispute files)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            named = any(layer.request_max_body_size is not Empty for layer in handler.ownership_layers[1:])
            if not named and not handler.resolve_guards():
                handler.request_max_body_size = ANONYMOUS_MAX_BYTES


PORTAL_SESSION = "/api/v1/portal/session"


def document_security(app: Litestar) -> None:
    """What the OpenAPI document says each route needs: a bearer token where a guard asks for a caller, the debtor's
    visit token on the portal's API (which checks its own), nothing on the routes anyone may call (the quote, a
    token for a password, a debtor's visit, Redsys's notification, health)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if handler.resolve_guards():
                handler.security = [{"bearer": []}]
            elif route.path.startswith(DEBTOR_API) and not (route.path == PORTAL_SESSION and "POST" in handler.http_methods):
                handler.security = [{"portal": []}]


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    await db.start()
    # What is loaded by now (modules, templates, routes) lives as long as the process: keep it out of the
    # collector's way, and collect the young generation less often (requests make many short-lived objects).

    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    writer = asyncio.get_running_loop().create_task(access.flusher())  # who read what, written once a second
    try:
        yield
    finally:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        await db.stop()


def create_app(manage_database: bool = True) -> Litestar:
    """``manage_database=False`` leaves the connection pool to the caller (the test suite owns one)."""
    settings = get_settings()
    logs.configure(settings.log_level)
    wire()
    engine = JinjaTemplateEngine.from_environment(environment())
    engine.register_template_callable("flashes", pop_flashes)
    template_config = TemplateConfig(engine=engine)
    session = SessionConfig(
        secret=derive_key(settings.secret_key, "session"),
        key="agency_session",
        max_age=12 * 3600,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
        exclude=["^/static/", "^/health$"],
    )
    csrf = CSRFConfig(
        secret=derive_key(settings.secret_key, "csrf").hex(),
        cookie_name=CSRF_COOKIE,
        header_name="x-csrftoken",
        cookie_secure=settings.secure_cookies,
        cookie_samesite="lax",
        # Redsys posts its signed notification server to server: the signature is the check there. A debtor opening a
        # session by API gets a token in the answer only (no cookie): nothing a forged request could use.
        exclude=["^/static/", "^/payments/redsys/notification$", "^/api/v1/portal/session$"],
    )
    app = Litestar(
        route_handlers=[
            create_static_files_router(path="/static", directories=[ROOT / "static"], name="static", include_in_schema=False),
            health,
            favicon,
            AccountPages,
            MyAccountPages,
            AdminPages,
            TariffPages,
            RatePages,
            RateApi,
            ComplaintPages,
            ComplaintApi,
            ConversationApi,
            ConversationPages,
            OverdueQuestionPages,
            WebhookPages,
            WebhookApi,
            HomePages,
            HomeApi,
            NotificationPages,
            NotificationApi,
            DebtorPages,
            DebtorApi,
            InsolvencyApi,
            InsolvencyPages,
            AdminDashboardPages,
            RemittancePages,
            ContractPages,
            StatementPages,
            ReversalApi,
            MoneyMovesApi,
            ReportPages,
            DirectPaymentPages,
            BureauApi,
            BureauCasePages,
            BureauAdminPages,
            DisputeApi,
            AuthApi,
            AccountApi,
            ListApi,
            ListPages,
            ViewApi,
            SearchApi,
            SearchPages,
            CaseApi,
            CasePages,
            ClaimPages,
            EvidencePages,
            ClaimApi,
            ImportPages,
            ImportApi,
            EInvoiceApi,
            BankStatementPages,
            BankStatementApi,
            DirectDebitPages,
            DirectDebitApi,
            MandatePages,
            MandateApi,
            StageApi,
            HoldApi,
            ActivityApi,
            QueueApi,
            QueuePages,
            NegotiationApi,
            CaseActionPages,
            TemplatePages,
            ReminderPages,
            QuotePages,
            LedgerApi,
            MessageApi,
            MessagePages,
            StagePages,
            HoldPages,
            ContactPages,
            DocumentApi,
            HandoffApi,
            CourtApi,
            EnforcementApi,
            MediationApi,
            DemandApi,
            LimitationApi,
            LegalPanelPages,
            HandoffCasePages,
            DocumentCasePages,
            DemandCasePages,
            CourtCasePages,
            CalendarFeeds,
            EnforcementCasePages,
            MediationCasePages,
            LawyerPages,
            InjunctionPages,
            InjunctionApi,
            TemplateAdminPages,
            TemplateApi,
            DebtorLinkApi,
            DebtorLinkPages,
            PlanRulesApi,
            PlanRulesPages,
            PortalApi,
            PortalPages,
            RedsysNotifications,
        ],
        middleware=[DefineMiddleware(CallerMiddleware, session=session, csrf=csrf)],
        template_config=template_config,
        exception_handlers=EXCEPTION_HANDLERS_WITH_DOMAIN,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(
            title="Agency API",
            version="1",
            path="/schema",
            components=Components(security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", description="A token from POST /api/v1/auth/token"),
                "portal": SecurityScheme(type="http", scheme="bearer",
                                         description="A debtor's visit: portal_token from POST /api/v1/portal/session"),
            }),
        ),
        type_encoders={Decimal: str},
        request_class=AgencyRequest,
        request_max_body_size=REQUEST_MAX_BYTES,
        before_request=ids_in_range,
        lifespan=[lifespan] if manage_database else [],
        logging_config=None,  # agency.logs configures structured logging
        debug=False,
    )
    limit_anonymous_bodies(app)
    document_security(app)
    # Outside Litestar's exception handling, so the access line has the status sent and every answer the security headers,
    # even an error raised by a middleware (a refused token, a CSRF failure); unknown paths are logged too.
    app.asgi_handler = logs.RequestLogMiddleware(app.asgi_handler, SecurityHeaders(form_targets=tuple(filter(None, [origin(settings.redsys_url)]))).add)
    declare_refusals(app)  # the document says what every JSON operation answers when it refuses
    return app
