"""The agency's fees (pure): a flat fee per case by principal band, a success fee on what is
collected by the stage it was collected in, and a minimum. The default follows a common Spanish
market tariff (the money issue's figures); creditors' own tariffs come with the tariff pages."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Tariff:
    name: str
    # (principal up to and including, flat fee); None = any amount above the last band
    bands: tuple[tuple[Decimal | None, Decimal], ...]
    success_percent: dict[str, Decimal] = field(default_factory=dict)  # by stage
    minimum_fee: Decimal = Decimal("0.00")  # per case, flat and success fees together


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
