"""The creditor's home (`/home`, their landing after signing in) and its JSON twin (`GET /api/v1/home`): the decisions
waiting for them, then the portfolio at a glance."""
from __future__ import annotations

from litestar import Controller, Request
from litestar.response import Template

from agency import clock
from agency.auth import roles
from agency.i18n import format_month
from agency.roles import Role
from agency.routing import get
from agency.web import page, user_of
from cases.home import rules
from cases.home import service as home
from cases.money import from_cents


def decision_json(d: rules.Decision) -> dict:
    return {"kind": d.kind, "urgent": rules.is_urgent(d, clock.today()), "case_id": d.case_id, "reference": d.reference, "debtor": d.debtor, "asked": d.asked,
            "amount": str(from_cents(d.amount_cents)), "since": d.since.isoformat() if d.since else None,
            "limitation_date": d.limitation_date.isoformat() if d.limitation_date else None, "url": d.url, "details": d.details}


def portfolio_json(p: home.Portfolio) -> dict:
    nxt, last = p.next_remittance, p.last_remittance
    return {
        "as_of": p.today.isoformat(),
        "recovered_this_month": str(from_cents(p.recovered.month_cents)), "recovered_this_year": str(from_cents(p.recovered.year_cents)),
        "recovered_total": str(from_cents(p.recovered_all_cents)), "assigned": str(from_cents(p.assigned_cents)),
        "recovery_rate": str(p.rate), "open_cases": p.open_cases,
        "cases_by_stage": [{"stage": s, "cases": n} for s, n in p.stages],
        "collected_per_month": [{"month": m, "amount": str(from_cents(c))} for m, c in p.recovered.monthly],
        "on_its_way": {
            "to_remit": str(from_cents(p.to_remit_cents)),
            "next_remittance": {"id": nxt["id"], "amount": str(from_cents(nxt["amount_cents"])), "period_end": nxt["period_end"].isoformat(),
                                "execution_date": nxt["execution_date"].isoformat() if nxt["execution_date"] else None} if nxt else None,
            "last_remittance": {"id": last["id"], "amount": str(from_cents(last["amount_cents"])), "paid_on": last["paid_on"].isoformat()}
            if last else None,
        },
    }


def charts(p: home.Portfolio) -> dict:
    """The home's two charts as rows for templates/_charts.html: cases per stage, and what was recovered each month
    (named in the reader's language)."""
    stage_shares = rules.bar_shares([n for _, n in p.stages])
    month_shares = rules.bar_shares([c for _, c in p.recovered.monthly])
    return {
        "stages": [{"key": s, "value": n, "share": share} for (s, n), share in zip(p.stages, stage_shares)],
        "monthly": [{"key": m, "label": format_month(m, with_year=True), "title": format_month(m, "wide", with_year=True), "value": from_cents(c),
                     "share": share, "year": m[:4]} for (m, c), share in zip(p.recovered.monthly, month_shares)],
    }


class HomeApi(Controller):
    path = "/api/v1/home"
    tags = ["creditors"]
    guards = [roles(Role.creditor)]

    @get("/", summary="The creditor's home: the decisions waiting for them (most urgent first) and their portfolio at a glance")
    async def show(self, request: Request) -> dict:
        user = user_of(request)
        decisions = await home.waiting(user)
        return {"decisions": [decision_json(d) for d in decisions],
                "portfolio": portfolio_json(await home.portfolio(user, clock.today()))}


class HomePages(Controller):
    @get("/home", guards=[roles(Role.creditor)])
    async def show(self, request: Request) -> Template:
        user = user_of(request)
        decisions = await home.waiting(user)
        p = await home.portfolio(user, clock.today())
        return page(request, "cases/home/home.html", decisions=decisions[:home.SHOWN], decisions_total=len(decisions), portfolio=p,
                    urgent={d.case_id for d in decisions if rules.is_urgent(d, p.today)}, charts=charts(p), from_cents=from_cents)
