"""The public quote: debts in, the agency's fees out (no account needed)."""
from __future__ import annotations

from decimal import Decimal

import msgspec
from litestar import Controller, Request
from litestar.exceptions import ClientException
from litestar.response import Template

from agency.i18n import gettext as _
from agency.routing import get, post
from agency.web import page
from cases.billing.fees import Quote, Tariff, quote
from cases.billing.service import default_tariff
from cases.money import AmountError, check_positive_amount, parse_amount

MAX_DEBTS = 1000


def parse_amounts(raw: list[str]) -> tuple[list[Decimal], list[str]]:
    amounts, errors = [], []
    for n, text in enumerate(raw, start=1):
        if not str(text).strip():
            continue
        try:
            value = parse_amount(text)
            check_positive_amount(value)
            amounts.append(value)
        except AmountError:
            errors.append(_("Line %(n)s: “%(text)s” is not an amount like 1234.56.") % {"n": n, "text": str(text)[:40]})
    if len(amounts) > MAX_DEBTS:
        errors.append(_("At most %(n)s debts per quote.") % {"n": MAX_DEBTS})
    return amounts, errors


class QuoteIn(msgspec.Struct):
    amounts: list[str]


def quote_json(q: Quote, tariff: Tariff) -> dict:
    return {
        "tariff": tariff.name, "success_percent": str(q.success_percent), "principal": str(q.principal),
        "flat_fees": str(q.flat_fees), "total_if_collected": str(q.total_if_collected),
        "lines": [{"principal": str(line.principal), "flat_fee": str(line.flat_fee),
                   "success_fee_if_collected": str(line.success_fee_if_collected),
                   "total_if_collected": str(line.total_if_collected)} for line in q.lines],
        # every fee the tariff can charge, not only the two of the estimate (the court-stage fee is charged win or lose)
        "fees": {"success_percent_by_stage": {k: str(v) for k, v in tariff.success_percent.items()}, "minimum_fee": str(tariff.minimum_fee),
                 "court_stage_percent": str(tariff.legal_percent), "court_stage_minimum": str(tariff.legal_minimum),
                 "expenses_passed_on": list(tariff.passthrough), "withdrawal_percent": str(tariff.withdrawal_percent)},
    }


class QuotePages(Controller):
    @get("/quote", summary="What the agency charges for these debts")
    async def show(self, request: Request, amounts: str | None = None) -> Template:
        lines = (amounts or "").replace(";", "\n").splitlines()
        values, errors = parse_amounts(lines)
        tariff = await default_tariff()  # the agency's default, as admins keep it on /admin/tariffs
        result = quote(tariff, values) if values and not errors else None
        return page(request, "cases/billing/quote.html", amounts=amounts or "", errors={"amounts": " ".join(errors)} if errors else {},
                    result=result, tariff=tariff)

    @post("/api/v1/quote", status_code=200, opt={"exclude_from_csrf": True}, tags=["claims"],
          summary="Estimated fees for a list of debts (no account needed)")
    async def api(self, data: QuoteIn) -> dict:
        values, errors = parse_amounts(data.amounts)
        if errors or not values:
            raise ClientException(detail=" ".join(errors) or _("Send at least one amount."))
        tariff = await default_tariff()
        return quote_json(quote(tariff, values), tariff)
