"""The agency's fees (pure): a flat fee per case by principal band, a success fee on what is
collected by the stage it was collected in, a minimum, legal-stage fees and the expenses passed on
to the creditor. The default follows a common Spanish market tariff (the money issue's figures);
admins keep creditors' own tariffs on the tariff pages, and each case keeps a snapshot (JSON) of the
tariff it was opened under."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from agency.i18n import gettext as _

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Tariff:
    name: str
    # (principal up to and including, flat fee); None = any amount above the last band
    bands: tuple[tuple[Decimal | None, Decimal], ...]
    success_percent: dict[str, Decimal] = field(default_factory=dict)  # by stage
    minimum_fee: Decimal = Decimal("0.00")  # per case, flat and success fees together
    legal_percent: Decimal = Decimal("0")  # of the debt claimed in court
    legal_minimum: Decimal = Decimal("0.00")  # e.g. for a monitorio
    passthrough: tuple[str, ...] = ()  # expense kinds charged on to the creditor (EXPENSE_KINDS)
    withdrawal_percent: Decimal = Decimal("0")  # of what the debtor still owes, when the creditor recalls the case


DEFAULT_TARIFF = Tariff(
    name="Tarifa general",
    bands=(
        (Decimal("300"), Decimal("30.00")),
        (Decimal("3000"), Decimal("60.00")),
        (Decimal("30000"), Decimal("90.00")),
        (Decimal("90000"), Decimal("150.00")),
        (None, Decimal("290.00")),
    ),
    # Demo figures, to be set per agency on the tariff pages.
    success_percent={"amicable": Decimal("15"), "mediation": Decimal("18"), "credit_bureau": Decimal("15"), "court": Decimal("20")},
    minimum_fee=Decimal("30.00"),
    legal_percent=Decimal("10"),
    legal_minimum=Decimal("300.00"),
    passthrough=("burofax", "court_fee", "procurador", "bureau"),
)
SUCCESS_STAGES = ("amicable", "mediation", "credit_bureau", "court")
EXPENSE_KINDS = ("burofax", "court_fee", "procurador", "lawyer", "bureau", "other")
COURT_COST_KINDS = ("court_fee", "procurador", "lawyer")  # the court's own costs, which a judgment awards


MAX_TARIFF_AMOUNT = Decimal("1000000000")  # any fee or band limit above a billion euros is a typing error


class TariffError(ValueError):
    """A tariff an admin typed that cannot be used; the message names the line and what to fix."""


def legal_fee(tariff: Tariff, claimed: Decimal) -> Decimal:
    """The fee for taking a case to court: a percentage of what is claimed, never below the minimum."""
    return max((claimed * tariff.legal_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP), tariff.legal_minimum)


def withdrawal_fee(tariff: Tariff, outstanding: Decimal) -> Decimal:
    """The fee for a case the creditor recalls before it is paid: a percentage of what the debtor still owes then."""
    if outstanding <= 0:
        return Decimal("0.00")
    return (outstanding * tariff.withdrawal_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def tariff_amount(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
        if not value.is_finite() or abs(value) > MAX_TARIFF_AMOUNT:
            raise InvalidOperation
        exact = value == value.quantize(CENT)
    except InvalidOperation:
        raise TariffError(_("%(what)s: “%(text)s” is not an amount like 1234.56.") % {"what": what, "text": text.strip()}) from None
    if value < 0 or not exact:
        raise TariffError(_("%(what)s: an amount of zero or more with at most two decimals.") % {"what": what})
    return value


def parse_bands(text: str) -> tuple[tuple[Decimal | None, Decimal], ...]:
    """Bands typed one per line as ``from to fee`` (``to`` left as ``-`` on the last line). They must
    start at 0 and follow each other without gap or overlap: each starts one cent above the last."""
    bands: list[tuple[Decimal, Decimal | None, Decimal]] = []
    for n, line in enumerate((line for line in text.splitlines() if line.strip()), start=1):
        parts = line.replace(";", " ").split()
        if len(parts) != 3:
            raise TariffError(_("Band %(n)s: write “from to fee”, for example “0 300 30.00” (“-” as the last band's “to”).") % {"n": n})
        start = tariff_amount(parts[0], _("Band %(n)s") % {"n": n})
        end = None if parts[1] in {"-", "∞"} else tariff_amount(parts[1], _("Band %(n)s") % {"n": n})
        fee = tariff_amount(parts[2], _("Band %(n)s") % {"n": n})
        expected = Decimal("0") if not bands else (bands[-1][1] or Decimal("0")) + CENT
        if bands and bands[-1][1] is None:
            raise TariffError(_("Band %(n)s: the band before it has no upper limit, so it must be the last.") % {"n": n})
        if start != expected and not (not bands and start in {Decimal("0"), CENT}):
            raise TariffError((_("Band %(n)s starts at %(start)s and overlaps the one before: it must start at %(expected)s.") if start < expected else _("Band %(n)s starts at %(start)s and leaves a gap after the one before: it must start at %(expected)s.")) % {"n": n, "start": start, "expected": expected})
        if end is not None and end < start:
            raise TariffError(_("Band %(n)s ends before it starts.") % {"n": n})
        bands.append((start, end, fee))
    if not bands:
        raise TariffError(_("Give at least one band."))
    if bands[-1][1] is not None:
        raise TariffError(_("The last band must have no upper limit (write “-”): amounts above %(limit)s would have no fee.") % {"limit": bands[-1][1]})
    return tuple((end, fee) for _, end, fee in bands)


def bands_text(tariff: Tariff) -> str:
    lines, start = [], Decimal("0")
    for up_to, fee in tariff.bands:
        lines.append(f"{start} {'-' if up_to is None else up_to} {fee}")
        start = (up_to or Decimal("0")) + CENT
    return "\n".join(lines)


def percent(text: str, what: str) -> Decimal:
    try:
        value = Decimal((text or "0").strip().replace(",", "."))
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise TariffError(_("%(what)s: “%(text)s” is not a percentage like 15 or 12.5.") % {"what": what, "text": text}) from None
    if not Decimal("0") <= value <= Decimal("100"):
        raise TariffError(_("%(what)s: a percentage from 0 to 100.") % {"what": what})
    return value


def to_json(tariff: Tariff) -> str:
    return json.dumps({
        "name": tariff.name, "bands": [[None if up is None else str(up), str(fee)] for up, fee in tariff.bands],
        "success_percent": {k: str(v) for k, v in tariff.success_percent.items()}, "minimum_fee": str(tariff.minimum_fee),
        "legal_percent": str(tariff.legal_percent), "legal_minimum": str(tariff.legal_minimum), "passthrough": list(tariff.passthrough),
        "withdrawal_percent": str(tariff.withdrawal_percent),
    }, sort_keys=True)


def from_json(text: str | None) -> Tariff:
    """A case's snapshot; cases opened before snapshots existed use the default tariff."""
    if not text:
        return DEFAULT_TARIFF
    d = json.loads(text)
    return Tariff(
        name=d["name"], bands=tuple((None if up is None else Decimal(up), Decimal(fee)) for up, fee in d["bands"]),
        success_percent={k: Decimal(v) for k, v in d["success_percent"].items()}, minimum_fee=Decimal(d["minimum_fee"]),
        legal_percent=Decimal(d.get("legal_percent", "0")), legal_minimum=Decimal(d.get("legal_minimum", "0")),
        passthrough=tuple(d.get("passthrough", ())), withdrawal_percent=Decimal(d.get("withdrawal_percent", "0")),
    )


def flat_fee(tariff: Tariff, principal: Decimal) -> Decimal:
    for up_to, fee in tariff.bands:
        if up_to is None or principal <= up_to:
            return fee
    raise ValueError("a tariff's last band must have no upper limit")


def success_fee(tariff: Tariff, collected: Decimal, stage: str) -> Decimal:
    rate = tariff.success_percent.get(stage, Decimal("0"))
    return (collected * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class QuoteLine:
    principal: Decimal
    flat_fee: Decimal
    success_fee_if_collected: Decimal
    total_if_collected: Decimal


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    stage: str
    success_percent: Decimal

    @property
    def principal(self) -> Decimal:
        return sum((line.principal for line in self.lines), Decimal("0"))

    @property
    def flat_fees(self) -> Decimal:
        return sum((line.flat_fee for line in self.lines), Decimal("0"))

    @property
    def total_if_collected(self) -> Decimal:
        return sum((line.total_if_collected for line in self.lines), Decimal("0"))


def quote(tariff: Tariff, principals: list[Decimal], stage: str = "amicable") -> Quote:
    """What the agency charges for these debts: the flat fee now, and the success fee if each is
    collected in full at ``stage`` (never less than the minimum per case)."""
    lines = []
    for principal in principals:
        flat = flat_fee(tariff, principal)
        success = success_fee(tariff, principal, stage)
        lines.append(QuoteLine(principal, flat, success, max(flat + success, tariff.minimum_fee)))
    return Quote(tuple(lines), stage, tariff.success_percent.get(stage, Decimal("0")))


def creditor_figures(entries: list[dict], agency_costs_paid: int = 0) -> dict[str, int]:
    """Cents between agency and creditor from a case's ledger rows: collected by the agency, paid
    directly to the creditor, fees, expenses passed on, remitted, and what the agency still owes the creditor.
    ``agency_costs_paid``: cents of the agency's own costs the debtor's payments paid back, as the debtor's ledger
    applied them (cases.billing.ledger ``Balances.agency_costs_paid``): the agency keeps those, not the creditor."""
    reversed_ids = {e["reverses"] for e in entries if e["kind"] == "reversal"}
    payments = [e for e in entries if e["kind"] == "payment" and e["id"] not in reversed_ids]
    collected = sum(e["amount_cents"] for e in payments if e["method"] != "to_creditor")
    direct = sum(e["amount_cents"] for e in payments if e["method"] == "to_creditor")
    fees = sum(e["amount_cents"] for e in entries if e["kind"] == "fee")
    # Costs the agency advanced come back to the agency out of the debtor's payments, as the ledger applied them
    # (after principal unless the debtor agreed otherwise): the creditor is charged what they covered.
    expenses = sum(e["amount_cents"] for e in entries if e["kind"] == "expense") + agency_costs_paid
    remitted = sum(e["amount_cents"] for e in entries if e["kind"] == "remittance")
    return {"collected": collected, "paid_to_creditor": direct, "fees": fees, "expenses": expenses, "remitted": remitted,
            "net_to_creditor": collected - fees - expenses - remitted}
