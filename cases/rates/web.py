"""The statutory rates page (admins): the table in force and a form to add a published rate."""
from __future__ import annotations

from litestar import Controller, Request, Response
from litestar.response import Template

from agency import clock
from agency.auth import admin_only
from agency.i18n import gettext as _
from agency.routing import get, post
from agency.web import form_data, notify, page, redirect, user_of
from cases.billing.balances import published_rates
from cases.rates.rules import new_rate_problems
from cases.rates.service import add_rate, spanish_rates
from legal.rules.jurisdictions import half_year_start, rate_is_provisional


class RatePages(Controller):
    path = "/admin/rates"
    guards = [admin_only]

    async def _page(self, request: Request, form: dict | None = None, errors: dict | None = None, status_code: int = 200) -> Template:
        table = {day: {**row, "source": row["source"] or (_("added by an admin") if row.get("added") else _("shipped table"))}
                 for day, row in (await spanish_rates()).items()}
        current = half_year_start(clock.today())
        return page(request, "cases/rates/rates.html", table=sorted(table.items(), reverse=True), current=current,
                    current_provisional=rate_is_provisional("ES", current, await published_rates()),
                    form=form or {"starts_on": current.isoformat()}, errors=errors or {}, status_code=status_code)

    @get("/")
    async def index(self, request: Request) -> Template:
        return await self._page(request)

    @post("/")
    async def add(self, request: Request) -> Response:
        data = await form_data(request)
        errors, starts_on, rate = new_rate_problems(data.get("starts_on", ""), data.get("rate", ""), clock.today(),
                                                    await spanish_rates())
        if errors:
            return await self._page(request, data, errors, 400)
        await add_rate(user_of(request), starts_on, rate, str(data.get("source", "")))
        notify(request, _("Rate saved: %(rate)s %% from %(day)s.") % {"rate": rate, "day": starts_on.isoformat()})
        return redirect("/admin/rates", request)
