"""Money (pure): Decimal in Python, integer cents in the database, amounts parsed strictly."""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")
_SIMPLE = re.compile(r"\d{1,12}(\.\d{1,2})?")  # 1234 or 1234.5(6): what an export usually writes, read as it is
_WHOLE = re.compile(r"-?(\d+|\d{1,3}([.,]\d{3})+)")  # 1234 or 1.234 / 1,234 (thousands grouped by threes)


MAX_AMOUNT = Decimal("10000000000")  # ten thousand million: above any invoice, well inside BIGINT cents


class AmountError(ValueError):
    pass


def to_cents(amount: Decimal) -> int:
    """Exact: refuses anything with more than two decimals rather than rounding it silently."""
    if amount != amount.quantize(CENT):
        raise AmountError("more than two decimals")
    return int(amount * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def round_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(raw: object) -> Decimal:
    """An amount as people type it: ``1234.56``, ``1234,56``, ``1.234,56`` or ``1,234.56``.

    The last separator followed by one or two digits is the decimal one; the others group thousands.
    A lone separator followed by three digits (``1.234``) could be either, so it is refused.
    Raises AmountError with a plain reason."""
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int) and not isinstance(raw, bool):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))  # a spreadsheet number: take its shortest exact text
    elif type(raw) is str and _SIMPLE.fullmatch(raw):
        return Decimal(raw)  # (what the general path below makes of it, in a tenth of the time: an import reads 100,000)
    else:
        text = str(raw or "").strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
        if not text:
            raise AmountError("empty")
        last = max(text.rfind(","), text.rfind("."))
        if last != -1 and len(text) - last - 1 in (1, 2):
            whole, frac = text[:last], text[last + 1 :]
            if not _WHOLE.fullmatch(whole):
                raise AmountError("not a number")
            whole = whole.replace(".", "").replace(",", "")
            text = f"{whole}.{frac}"
        elif re.fullmatch(r"-?\d{1,3}[.,]\d{3}", text):
            # 1.234 is a thousand in Spain and one point two in England: refuse rather than guess
            raise AmountError("ambiguous")
        elif re.fullmatch(r"-?\d{1,3}([.,]\d{3}){2,}", text):
            text = text.replace(".", "").replace(",", "")  # 1.234.567: thousands only
        if not _PLAIN.match(text):
            raise AmountError("not a number")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise AmountError("not a number") from None
    if not value.is_finite():
        raise AmountError("not a number")
    if value.adjusted() >= 12:  # a trillion and up: nobody's invoice, and beyond what quantize and BIGINT cents take
        raise AmountError("too large")
    return value


def check_positive_amount(amount: Decimal) -> None:
    """A claim's or a payment's amount: positive, at most two decimals, under MAX_AMOUNT."""
    if amount <= 0:
        raise AmountError("not positive")
    if amount != amount.quantize(CENT):
        raise AmountError("more than two decimals")
    if amount >= MAX_AMOUNT:
        raise AmountError("too large")
