"""Concurso de acreedores (Spain), pure: when the claim must reach the administrator and how it is ranked.

The law (Real Decreto Legislativo 1/2020, texto refundido de la Ley Concursal, "TRLC", as reformed by Ley 16/2022):
- Art. 255.1 with art. 28.1.4º: the creditors communicate their claims to the administración concursal within ONE MONTH
  from the day after the publication of the declaration (the auto) in the Boletín Oficial del Estado. A claim
  communicated late may be ranked as subordinated (art. 281.1.1º).
- Art. 152: from the declaration, interest stops accruing (save secured claims and salaries): the claim is what was owed
  on the day of the declaration (the auto), with its interest up to that day.
- Art. 269: claims are privileged, ordinary or subordinated. An unsecured trade invoice's principal is ORDINARY
  (neither privileged nor subordinated; the paragraph of art. 269 not checked here). Interest of any kind, late-payment interest included, is
  SUBORDINATED (art. 281.1.3º: "los créditos por recargos e intereses de cualquier clase, incluidos los moratorios").
- The fixed 40 EUR per invoice of Ley 3/2004 art. 8.1 (the compensation for the costs of collection) is communicated here
  as ORDINARY: it is an indemnity for costs, not interest nor a surcharge. *unconfirmed*: commercial courts have read it
  either way; the administrator ranks it, and a creditor loses nothing by claiming the higher rank with the reason given.

How the month is counted, *unconfirmed*: the TRLC sends procedure to the LEC as supplementary law (art. 521), which would
count the month date to date and carry an end on a closed day to the next business day (LEC 133.3-4), leaving August
aside as a court vacation (LEC 130.2, LOPJ 183); but the communication is addressed to the administrator, not the court,
and the Código Civil (art. 5) counts civil periods date to date with no day left out. Whether August is a business day
for the concurso's own steps (where the law declares them urgent) was not confirmed here either. So the product keeps
the SAFER, EARLIER reading: one month date to date from the publication day (published on 10 March: the last day is
10 April), never moved past a weekend, a holiday or August. legal.rules.deadlines' rule ``insolvency_claim`` is this
count; ``claim_deadline`` below is the same, named for the concurso."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from legal.rules.deadlines import deadline_for

ZERO = Decimal("0.00")
ORDINARY, SUBORDINATED = "ordinary", "subordinated"
# what each part of a trade claim is ranked as, and why (the communication prints the source beside each class)
CLASS_OF = {"principal": ORDINARY, "interest": SUBORDINATED, "compensation": ORDINARY}
SOURCES = {
    "principal": "TRLC art. 269 (crédito ordinario: ni privilegiado ni subordinado)",
    "interest": "TRLC art. 281.1.3º (créditos por recargos e intereses de cualquier clase, incluidos los moratorios)",
    "compensation": "Ley 3/2004 art. 8.1; TRLC art. 269 (indemnización por costes de cobro, no es interés ni recargo)",
}


def claim_deadline(published_on: date) -> date:
    """The last day to communicate the claim to the administrator (TRLC art. 255.1): one month from the day after the
    BOE publication, counted date to date, never moved (the module says why)."""
    return deadline_for("insolvency_claim", published_on, "ES")


def interest_cutoff(declared_on: date | None, published_on: date) -> date:
    """The day interest stops (TRLC art. 152): the declaration's day; without it, the publication's (later: the
    administrator trims the difference, and the document says which day was used)."""
    return declared_on or published_on


@dataclass(frozen=True)
class ClaimLine:
    """One invoice's claim on the declaration's day: what is left of its principal, interest and compensation."""
    invoice: str
    due_date: date
    principal: Decimal
    interest: Decimal
    compensation: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.compensation


@dataclass(frozen=True)
class ClaimByClass:
    lines: tuple[ClaimLine, ...]
    principal: Decimal
    interest: Decimal
    compensation: Decimal
    ordinary: Decimal  # principal and compensation
    subordinated: Decimal  # interest

    @property
    def total(self) -> Decimal:
        return self.ordinary + self.subordinated


def claim_by_class(lines: Iterable[ClaimLine]) -> ClaimByClass:
    """The claim split by class (CLASS_OF): the invoices that still owe something, each part summed exactly."""
    kept = tuple(line for line in lines if line.total > 0)
    parts = {k: sum((getattr(line, k) for line in kept), ZERO) for k in CLASS_OF}
    by_class = {c: sum((parts[k] for k, kc in CLASS_OF.items() if kc == c), ZERO) for c in (ORDINARY, SUBORDINATED)}
    return ClaimByClass(kept, parts["principal"], parts["interest"], parts["compensation"], by_class[ORDINARY], by_class[SUBORDINATED])
