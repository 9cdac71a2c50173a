"""The statutory rates (admins): every series in force, with a form and an API to add a published rate."""
from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import ClientException
from litestar.response import Template

from agency import clock
from agency.auth import admin_only
from agency.i18n import format_day, format_number
from agency.i18n import gettext as _
from agency.routing import get, post
from agency.web import form_data, notify, page, redirect, user_of
from cases.rates.rules import SERIES, new_rate_problems
from cases.rates.service import add_rate, all_tables, provisional_now, series_table
from legal.rules.jurisdictions import half_year_start


class RatePages(Controller):
    path = "/admin/rates"
    guards = [admin_only]

    async def _page(self, request: Request, form: dict | None = None, errors: dict | None = None, status_code: int = 200) -> Template:
        tables = {key: sorted(rows.items(), reverse=True) for key, rows in (await all_tables()).items()}
        return page(request, "cases/rates/rates.html", series=SERIES, tables=tables, provisional=await provisional_now(),
                    current=half_year_start(clock.today()), form=form or {"series": "es_late", "starts_on": half_year_start(clock.today()).isoformat()},
                    errors=errors or {}, status_code=status_code)

    @get("/")
    async def index(self, request: Request) -> Template:
        return await self._page(request)

    @post("/")
    async def add(self, request: Request) -> Response:
        data = await form_data(request)
        key = str(data.get("series", "es_late"))
        known = await series_table(SERIES[key]) if key in SERIES else {}
        errors, starts_on, rate = new_rate_problems(key, data.get("starts_on", ""), data.get("rate", ""), clock.today(), known)
        if errors:
            return await self._page(request, data, errors, 400)
        await add_rate(user_of(request), SERIES[key], starts_on, rate, str(data.get("source", "")))
        notify(request, _("Rate saved: %(rate)s %% from %(day)s.") % {"rate": format_number(rate, 2), "day": format_day(starts_on)})
        return redirect("/admin/rates", request)


class RateIn(msgspec.Struct):
    series: str  # es_late | es_legal | fr_legal | pt_legal | ecb
    starts_on: str
    rate: str
    source: str = ""


class RateApi(Controller):
    path = "/api/v1/rates"
    tags = ["money"]
    guards = [admin_only]

    @get("/", summary="Every statutory rate series: the shipped periods and those admins added, and which are provisional now")
    async def index(self) -> dict:
        tables = await all_tables()
        return {"series": [{"key": key, "label": str(s.label), "period": s.period,
                            "rates": [{"starts_on": day, "rate": str(row["rate"]), "source": row["source"], "added": row["added"]}
                                      for day, row in sorted(tables[key].items())]} for key, s in SERIES.items()],
                "provisional": await provisional_now()}

    @post("/", status_code=201, summary="Add a published rate (never edited): 400 names what to fix, nothing written")
    async def add(self, request: Request, data: RateIn) -> dict:
        known = await series_table(SERIES[data.series]) if data.series in SERIES else {}
        errors, starts_on, rate = new_rate_problems(data.series, data.starts_on, data.rate, clock.today(), known)
        if errors:
            raise ClientException(detail=" ".join(f"{k}: {v}" for k, v in errors.items()), extra={"errors": errors})
        await add_rate(user_of(request), SERIES[data.series], starts_on, rate, data.source)
        return {"series": data.series, "starts_on": starts_on, "rate": str(rate), "source": data.source.strip()[:200]}
