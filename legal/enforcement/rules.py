"""Enforcement (pure): the asset kinds a lawyer records, the figures of the enforcement request (LEC 549, 575, 576)
and of the costs claim (tasación de costas, LEC 241-246).

- The request asks for the sum the title orders paid and still owed (principal, the interest and compensation accrued
  to the decree, and the post-judgment interest of LEC 576 to the day of the request), "incrementada" provisionally by
  what the interest during the enforcement and its costs may come to: at most 30 % of that sum (LEC 575.1). The
  request asks for the ceiling; the court fixes it.
- Above 2,000 EUR a lawyer and a procurador are needed to ask for enforcement (LEC 539.1; a monitorio's decree: LEC
  816.2 too).
- Enforcing a judicial title (a judgment, a monitorio's decree) pays no court fee: Ley 10/2012 art. 2.c taxes the
  enforcement of extrajudicial titles only (the 200 EUR of art. 7.1 is theirs).
- The costs claim lists the lawyer's and procurador's fees and the court fees booked on the case; the lawyer's fees the
  losing party pays are capped at a third of the amount of the proceedings (LEC 394.3), printed beside them."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from legal.rules.jurisdictions import ES_ENFORCEMENT_PROVISIONAL_PERCENT, ES_NO_REPRESENTATION_MAX

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ASSET_KINDS = ("bank_account", "salary", "vehicle", "property", "other")
# The Spanish names the documents print (LEC 592's order of attachment reads money and accounts first, then salaries,
# then property).
ASSET_LABELS_ES = {"bank_account": "Saldo de cuenta bancaria", "salary": "Sueldo o salario", "vehicle": "Vehículo",
                   "property": "Bien inmueble", "other": "Otro bien o derecho"}
# The costs a costs claim lists, from the ledger's cost entries (legal.court.service.COST_KINDS), in this order.
COSTS_ORDER = ("lawyer", "procurador", "court_fee")
COST_LABELS_ES = {"lawyer": "Honorarios de letrado", "procurador": "Derechos y suplidos de procurador", "court_fee": "Tasa judicial"}
# LEC 394.3: the lawyer's fees the losing party pays, at most a third of the amount of the proceedings.
LAWYER_FEES_CAP_FRACTION = Decimal(1) / 3


class AssetError(ValueError):
    """An asset the form cannot take: the message says what to fix (the caller translates it)."""


def check_asset(kind: str, description: str) -> None:
    if kind not in ASSET_KINDS:
        raise AssetError("kind")
    if not description.strip():
        raise AssetError("description")


@dataclass(frozen=True)
class EnforcementFigures:
    principal: Decimal  # principal still owed
    accrued: Decimal  # the interest and compensation accrued to the decree, still owed
    judgment_interest: Decimal  # LEC 576 interest to the day of the request, still owed
    claimed: Decimal  # the three together: the sum the enforcement is asked for (LEC 575.1)
    provisional: Decimal  # interest during the enforcement and its costs, provisionally: 30 % of claimed
    total: Decimal  # claimed + provisional
    representation_required: bool  # lawyer and procurador (LEC 539.1)


def enforcement_figures(principal: Decimal, accrued: Decimal, judgment_interest: Decimal) -> EnforcementFigures:
    claimed = principal + accrued + judgment_interest
    provisional = (claimed * ES_ENFORCEMENT_PROVISIONAL_PERCENT / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return EnforcementFigures(principal, accrued, judgment_interest, claimed, provisional, claimed + provisional,
                              claimed > ES_NO_REPRESENTATION_MAX)


@dataclass(frozen=True)
class CostsClaim:
    lines: tuple[tuple[str, Decimal], ...]  # (kind, amount) per cost entry, in COSTS_ORDER then booking order
    by_kind: tuple[tuple[str, Decimal], ...]  # (kind, total) of each kind in COSTS_ORDER that has any
    total: Decimal
    lawyer_cap: Decimal  # LEC 394.3: a third of the amount of the proceedings
    lawyer_over_cap: bool


def costs_claim(costs: Sequence[tuple[str, Decimal]], proceedings_amount: Decimal) -> CostsClaim:
    """``costs``: (kind, amount) of each cost entry booked on the case, in booking order; kinds outside COSTS_ORDER
    (a burofax, a search) are the agency's costs of recovery, not the court's costs, and are left out."""
    lines = tuple(sorted(((k, a) for k, a in costs if k in COSTS_ORDER), key=lambda c: COSTS_ORDER.index(c[0])))
    by_kind = tuple((k, sum((a for kind, a in lines if kind == k), ZERO)) for k in COSTS_ORDER if any(kind == k for kind, _a in lines))
    cap = (proceedings_amount * LAWYER_FEES_CAP_FRACTION).quantize(CENT, rounding=ROUND_HALF_UP)
    lawyer = dict(by_kind).get("lawyer", ZERO)
    return CostsClaim(lines, by_kind, sum((a for _k, a in lines), ZERO), cap, lawyer > cap)
