"""A filing's steps (pure): what the court did, in which order it may happen per procedure, the dates it may
carry, and the deadlines each step opens (legal.rules.deadlines counts them; legal.court.service records them).

The machine reads the filing's status (kept as its latest step's, also when set by hand on the old form):

    monitorio (and the European order for payment, the injonction de payer, the injunção):
        filed -> admitted -> served -> paid                            (the case closes with the payment)
                                    -> no_answer -> decree -> enforcement_requested -> attachment
                                    -> opposed -> judgment -> enforcement_requested
                                       (up to ES_VERBAL_MAX a verbal follows, above it the ordinario claim: LEC 818.2)
    verbal, ordinario and the rest: filed -> admitted -> served -> no_answer | opposed (answered) -> judgment -> ...

``paid`` may follow any step once the claim is filed. An ``opposed`` step's date is the day the claimant was
notified of the opposition (the ordinario's month runs from it, LEC 818.2)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from agency.i18n import lazy_gettext as _l
from agency.i18n import lazy_join
from legal.court.rules import ON_SERVICE, STATUS_LABELS
from legal.rules.deadlines import deadline_with_move
from legal.rules.jurisdictions import ES_VERBAL_MAX

STEPS = ("admitted", "served", "paid", "no_answer", "opposed", "decree", "enforcement_requested", "attachment", "judgment")
STEP_LABELS = {
    "admitted": _l("Admitted by the court"), "served": _l("Served on the debtor"), "paid": _l("Paid"),
    "no_answer": _l("No answer from the debtor"), "opposed": _l("Opposed by the debtor"), "decree": _l("Decree ending the monitorio"),
    "enforcement_requested": _l("Enforcement requested"), "attachment": _l("Attachment (embargo)"), "judgment": _l("Judgment"),
}
# The filing's status after each step (legal.court.rules.STATUSES).
STATUS_AFTER = {"admitted": "admitted", "served": "served", "paid": "paid", "no_answer": "no_answer", "opposed": "opposed",
                "decree": "decree", "enforcement_requested": "enforcement", "attachment": "enforcement", "judgment": "judgment"}

# Statuses only a step sets (the old status form may not: paid closes the case once nothing is owed).
STEP_ONLY = frozenset({"paid", "no_answer"})

ORDER_FOR_PAYMENT = frozenset({"monitorio", "european_order_for_payment", "injonction_de_payer", "injuncao"})
_ORDER_NEXT = {
    "filed": ("admitted", "served"), "admitted": ("served",), "served": ("no_answer", "opposed"), "no_answer": ("decree",),
    "decree": ("enforcement_requested",), "opposed": ("judgment",), "hearing_set": ("judgment",),
    "judgment": ("enforcement_requested",), "enforcement": ("attachment",),
}
_TRIAL_NEXT = {
    "filed": ("admitted", "served"), "admitted": ("served",), "served": ("no_answer", "opposed"), "no_answer": ("judgment",),
    "opposed": ("judgment",), "hearing_set": ("judgment",), "decree": ("enforcement_requested",),
    "judgment": ("enforcement_requested",), "enforcement": ("attachment",),
}
FINAL = frozenset({"paid", "closed"})
# What a step needs before it, said to the person who asked for it too early.
_NEEDS = {
    "served": _l("Service comes after the claim was filed (and admitted)."),
    "no_answer": _l("The debtor's time to answer runs from service: record the service first."),
    "opposed": _l("The debtor can only oppose once served: record the service first."),
    "decree": _l("The decree ending the monitorio follows the debtor's silence: record that there was no answer first."),
    "enforcement_requested": _l("Enforcement is asked on a decree or a judgment: record it first."),
    "attachment": _l("An attachment follows the request for enforcement: record the request first."),
    "judgment": _l("A judgment follows the opposition (or the answer) and the trial: record the opposition first."),
    "admitted": _l("The court admits a claim once, right after it is filed."),
}


@dataclass(frozen=True)
class StepRefusal:
    code: str
    status: int  # the HTTP status the API answers with
    message: object  # lazy string

    def __str__(self) -> str:
        return str(self.message)


def next_steps(procedure: str, status: str) -> tuple[str, ...]:
    """The steps that may follow a filing of ``procedure`` in ``status`` (the panel's buttons)."""
    if status == "prepared" or status in FINAL:
        return ()
    table = _ORDER_NEXT if procedure in ORDER_FOR_PAYMENT else _TRIAL_NEXT
    return table.get(status, ()) + ("paid",)


def check_step(procedure: str, status: str, step: str, on: date, filed_on: date | None, last_on: date | None,
               today: date) -> StepRefusal | None:
    """Whether ``step`` on ``on`` may follow a filing in ``status`` filed on ``filed_on`` whose latest step was on ``last_on``."""
    if step not in STEPS:
        return StepRefusal("unknown_step", 422, _l("The step is one of: %(values)s.", values=", ".join(STEPS)))
    if on > today:
        return StepRefusal("future_date", 400, _l("The date of the step cannot be in the future (today is %(today)s).",
                                                  today=today.isoformat()))
    if status == "prepared" or filed_on is None:
        return StepRefusal("not_filed", 409, _l("The claim is not filed yet: record its filing date first."))
    if status in FINAL:
        return StepRefusal("closed", 409, _l("This filing is over (%(status)s): nothing follows it.", status=STATUS_LABELS[status]))
    allowed = next_steps(procedure, status)
    if step not in allowed:
        return StepRefusal("out_of_order", 409, _l("%(need)s Now the next steps are: %(allowed)s.", need=_NEEDS.get(step, ""),
                                                   allowed=lazy_join(STEP_LABELS[s] for s in allowed)))
    if on < filed_on:
        return StepRefusal("before_filing", 422, _l("A step cannot be dated before the filing (%(day)s).", day=filed_on.isoformat()))
    if last_on is not None and on < last_on:
        return StepRefusal("before_previous", 422, _l("A step cannot be dated before the previous one (%(day)s).", day=last_on.isoformat()))
    return None


def follows_opposition(amount: Decimal) -> str:
    """The trial an opposed Spanish monitorio becomes: verbal up to ES_VERBAL_MAX, ordinario above (LEC 818.2)."""
    return "verbal" if amount <= ES_VERBAL_MAX else "ordinario"


def deadlines_opened(procedure: str, step: str, amount: Decimal) -> tuple[str, ...]:
    """The deadline rules a step opens; ``amount`` is the amount claimed (it decides what an opposed monitorio becomes)."""
    if step == "served" and procedure in ON_SERVICE:
        return (ON_SERVICE[procedure],)
    if step == "opposed" and procedure == "monitorio":
        return ("verbal_opposition_reply",) if follows_opposition(amount) == "verbal" else ("ordinario_claim_after_opposition",)
    if step in ("decree", "judgment") and procedure in ("monitorio", "verbal", "ordinario"):
        return ("enforcement_expiry",)
    return ()


@dataclass(frozen=True)
class OpenedDeadline:
    rule: str
    starts_on: date
    due_on: date
    moved_from: date | None  # the day it would have ended on, not a business day

    @property
    def note(self) -> object:
        """Why the last day is not the one counted (empty when it is)."""
        if self.moved_from is None:
            return ""
        return _l("Counted, it ends on %(day)s, which is not a business day in court (a weekend, a national holiday, August or "
                  "24 December to 6 January: LEC 130.2, LOPJ 185.2); it moves to the next business day, %(next)s.",
                  day=self.moved_from.isoformat(), next=self.due_on.isoformat())


def open_deadlines(procedure: str, step: str, on: date, amount: Decimal, country: str = "ES") -> list[OpenedDeadline]:
    """Each deadline ``step`` on ``on`` opens, with its last day (moved off a non-business day, and said)."""
    opened = []
    for rule in deadlines_opened(procedure, step, amount):
        due, moved = deadline_with_move(rule, on, country)
        opened.append(OpenedDeadline(rule, on, due, moved))
    return opened
