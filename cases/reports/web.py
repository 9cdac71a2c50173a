"""Reports (admins: the agency; creditors: their own portfolio) and the figures of cases on the admin dashboard."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from litestar import Controller, Request, Response
from litestar.exceptions import ClientException
from litestar.response import Template
from piccolo.query.functions.aggregate import Sum

from agency import access, clock
from agency.auth import admin_only, roles
from agency.http_utils import content_disposition
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import get
from agency.tables import Organisation, OutboxMessage, User
from agency.web import page, user_of
from cases.reports import service as reports
from cases.tables import StageTotal


class ReportPages(Controller):
    guards = [roles(Role.admin, Role.creditor)]
    TABLES = ("stages", "ageing", "monthly", "negotiators")

    @get("/reports")
    async def show(self, request: Request) -> Template:
        r = await reports.build(user_of(request), clock.today())
        charts = {
            "stages": reports.bars(r.stages, "stage", "principal"),
            "recovery": reports.bars(r.stages, "stage", "recovery_percent"),
            "ageing": reports.bars(r.ageing, "bucket", "amount"),
            "collected": reports.bars(r.monthly, "month", "collected"),
            "fees": reports.bars(r.monthly, "month", "fees"),
            "negotiators": reports.bars(r.negotiators, "negotiator", "collected"),
        }
        return page(request, "cases/reports/reports.html", report=r, charts=charts)

    @get("/reports.csv")
    async def csv(self, request: Request, table: str = "stages") -> Response:
        if table not in self.TABLES:
            raise ClientException(detail=_("table is one of: %(names)s.") % {"names": ", ".join(self.TABLES)})
        rows = (await reports.build(user_of(request), clock.today())).table(table)
        access.note(user_of(request), f"export: report-{table}-{clock.today().isoformat()}.csv ({len(rows)} rows)")
        out = io.StringIO()
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return Response(out.getvalue().encode("utf-8-sig"), media_type="text/csv",  # Litestar adds "; charset=utf-8" to text/*
                       
                        headers={"Content-Disposition": content_disposition(f"report-{table}-{clock.today().isoformat()}.csv")})

    @get("/api/v1/reports", tags=["money"], summary="Portfolio, ageing, collections and fees per month, recovery and per negotiator")
    async def api(self, request: Request) -> dict:
        r = await reports.build(user_of(request), clock.today())
        as_text = lambda rows: [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()} for row in rows]  # noqa: E731
        return {name: as_text(r.table(name)) for name in self.TABLES}


class AdminDashboardPages(Controller):
    """The admin's first page: organisations, users, cases open and by stage, the outbox."""
    path = "/admin"
    guards = [admin_only]

    @get("/")
    async def dashboard(self, request: Request) -> Template:
        # cases per stage from the report totals (cases.reports.totals), not by counting a million cases
        stages = {r["stage"]: int(r["n"] or 0) for r in await StageTotal.select(StageTotal.stage, Sum(StageTotal.cases, alias="n")).group_by(
            StageTotal.stage) if int(r["n"] or 0)}
        counts = {
            "organisations": await Organisation.count(),
            "users": await User.count().where(User.active == True),  # noqa: E712
            "cases": sum(stages.values()),
            "open_cases": sum(n for stage, n in stages.items() if stage != "closed"),
            "outbox_pending": await OutboxMessage.count().where(OutboxMessage.sent_at.is_null() & OutboxMessage.given_up_at.is_null()),
            "outbox_given_up": await OutboxMessage.count().where(OutboxMessage.given_up_reason == "attempts"),
        }
        return page(request, "agency/admin/dashboard.html", counts=counts, stages=stages)
