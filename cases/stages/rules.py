"""The stage machine (pure): one transition table, the guards that decide each move, and who may
make it. Every refusal says why, in words a person can act on (shown on the page, 409 in the API).

    intake --accept--> amicable <--> mediation --> court
      |                   |  \\                     ^
      |                   |   --> credit_bureau ---|
      |                   ------------------------/
      +--reject--> closed          any open stage --> closed
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from agency.i18n import lazy_gettext as _l
from agency.roles import Role
from cases.bureau.rules import BureauFacts, checks
from legal.rules.jurisdictions import SETTLEMENT_ANSWER_DAYS, negotiation_by_lawyers_only

STAGES = ("intake", "amicable", "mediation", "credit_bureau", "court", "closed")
OPEN_STAGES = STAGES[:-1]
OUTCOMES = ("paid", "settled", "uncollectible", "withdrawn", "rejected")
STAGE_LABELS = {
    "intake": _l("Intake"), "amicable": _l("Amicable"), "mediation": _l("Mediation"), "credit_bureau": _l("Credit bureau"),
    "court": _l("Court"), "closed": _l("Closed"),
}
OUTCOME_LABELS = {
    "paid": _l("paid"), "settled": _l("settled"), "uncollectible": _l("uncollectible"), "withdrawn": _l("withdrawn"),
    "rejected": _l("not accepted"),
}


@dataclass(frozen=True)
class CaseFacts:
    """What the guards look at, loaded by the service in one go."""

    stage: str
    debtor_named: bool
    debtor_has_address: bool
    debtor_identified_by_tax_id: bool
    debtor_is_person: bool
    outstanding_invoices: int  # not disputed, with something still owed
    disputed_invoices: int
    evidence_count: int
    outstanding_cents: int
    principal_cents: int
    oldest_due_date: date | None
    lawyer_assigned: bool = False
    creditor_authorised_court: bool = False
    settlement_attempt_on_record: bool = False
    bureau_notice_on: date | None = None  # the certified prior notice's delivery
    bureau_authorised: bool = False  # the creditor authorised reporting
    principal_outstanding_cents: int | None = None  # undisputed principal past due and still owed (None: principal_cents)
    bureau_oldest_owed_due: date | None = None  # the oldest due date still owed (None: oldest_due_date)
    jurisdiction: str = "ES"


@dataclass(frozen=True)
class Refusal:
    code: str
    message: object  # translated when shown

    def __str__(self) -> str:
        return str(self.message)


Guard = Callable[[CaseFacts, date, "MoveRequest"], "Refusal | list[Refusal] | None"]


@dataclass(frozen=True)
class MoveRequest:
    to: str
    outcome: str | None = None
    reason: str = ""


# --- guards --------------------------------------------------------------------------------------

def debtor_identified(f: CaseFacts, today: date, m: MoveRequest) -> Refusal | None:
    if not f.debtor_named or not f.debtor_has_address:
        return Refusal("debtor_not_identified", _l("The debtor is not identified: a name and a postal address are needed."))
    if not f.debtor_is_person and not f.debtor_identified_by_tax_id:
        return Refusal("debtor_not_identified", _l("The debtor is a company without a tax id: add it before accepting."))
    return None


def outstanding_invoice(f: CaseFacts, today: date, m: MoveRequest) -> Refusal | None:
    if f.outstanding_invoices < 1:
        return Refusal("nothing_outstanding", _l("There is no undisputed invoice with money still owed."))
    return None


def evidence_present(f: CaseFacts, today: date, m: MoveRequest) -> Refusal | None:
    if f.evidence_count < 1:
        return Refusal("no_evidence", _l("There is no evidence: at least the invoice or the contract is needed."))
    return None


def reason_given(f: CaseFacts, today: date, m: MoveRequest) -> Refusal | None:
    if len(m.reason.strip()) < 5:
        return Refusal("reason_required", _l("Say why (a few words the creditor will read)."))
    return None


def outcome_valid(f: CaseFacts, today: date, m: MoveRequest) -> Refusal | None:
    allowed = outcomes_from(f.stage)
    if m.outcome not in allowed:
        names = ", ".join(str(OUTCOME_LABELS[o]) for o in allowed)
        return Refusal("outcome_required", _l("Choose how the case ends: %(options)s.", options=names))
    if m.outcome == "paid" and f.outstanding_cents > 0:
        return Refusal("balance_not_zero", _l("The case cannot close as paid while money is still owed."))
    return None


BUREAU_REFUSALS = {"due": "bureau_not_due", "not_disputed": "bureau_disputed", "minimum": "bureau_minimum",
                   "not_too_old": "bureau_too_old", "notice": "bureau_no_notice", "waiting_period": "bureau_waiting",
                   "authorised": "bureau_not_authorised"}


def bureau_facts(f: CaseFacts) -> "BureauFacts":
    principal = f.principal_cents if f.principal_outstanding_cents is None else f.principal_outstanding_cents
    oldest = f.bureau_oldest_owed_due or f.oldest_due_date
    return BureauFacts(principal_outstanding_cents=principal, oldest_due_date=oldest, disputed_invoices=f.disputed_invoices,
                       notice_delivered_on=f.bureau_notice_on, authorised=f.bureau_authorised, closed=f.stage == "closed")


def bureau_preconditions(f: CaseFacts, today: date, m: MoveRequest) -> list[Refusal]:
    """Every failing legal condition, not just the first (LOPDGDD art. 20; the checks live in cases.bureau.rules)."""

    return [Refusal(BUREAU_REFUSALS[c.name], c.why) for c in checks(bureau_facts(f), today) if not c.ok]


def court_preconditions(f: CaseFacts, today: date, m: MoveRequest) -> list[Refusal]:
    refusals = []
    if not f.creditor_authorised_court:
        refusals.append(Refusal("court_not_authorised", _l("The creditor has not authorised legal action for this case.")))
    if not f.lawyer_assigned:
        refusals.append(Refusal("court_no_lawyer", _l("No lawyer is assigned to the case.")))
    if f.evidence_count < 1:
        refusals.append(Refusal("no_evidence", _l("There is no evidence to file with the court.")))
    if not f.settlement_attempt_on_record:
        refusals.append(Refusal("court_no_settlement_attempt",
                                _l("There is no record of a settlement attempt, required before suing (LO 1/2025).")))
    return refusals


def settlement_attempt_done(offer_on: date | None, answer_on: date | None, today: date) -> bool:
    """LO 1/2025: the attempt counts once the debtor answered (refused) or let the answer period pass
    (legal.rules.jurisdictions.SETTLEMENT_ANSWER_DAYS days without an answer count as a rejection)."""

    if offer_on is None:
        return False
    return answer_on is not None or (today - offer_on).days > SETTLEMENT_ANSWER_DAYS  # the 30th day is still the debtor's


# --- the table -----------------------------------------------------------------------------------

NEGOTIATING = frozenset({Role.negotiator, Role.admin})
LEGAL = frozenset({Role.lawyer, Role.admin})

# (from, to) -> (who may, guards)
TRANSITIONS: dict[tuple[str, str], tuple[frozenset[Role], tuple[Guard, ...]]] = {
    ("intake", "amicable"): (NEGOTIATING, (debtor_identified, outstanding_invoice, evidence_present)),
    ("intake", "closed"): (NEGOTIATING, (outcome_valid, reason_given)),
    ("amicable", "mediation"): (NEGOTIATING, (outstanding_invoice,)),
    ("mediation", "amicable"): (NEGOTIATING, ()),  # the mediation failed: back to negotiating
    ("amicable", "credit_bureau"): (NEGOTIATING, (outstanding_invoice, bureau_preconditions)),
    ("amicable", "court"): (LEGAL, (outstanding_invoice, court_preconditions)),
    ("mediation", "court"): (LEGAL, (outstanding_invoice, court_preconditions)),
    ("credit_bureau", "court"): (LEGAL, (outstanding_invoice, court_preconditions)),
    ("amicable", "closed"): (NEGOTIATING, (outcome_valid,)),
    ("mediation", "closed"): (NEGOTIATING, (outcome_valid,)),
    ("credit_bureau", "closed"): (NEGOTIATING, (outcome_valid,)),
    ("court", "closed"): (LEGAL, (outcome_valid,)),
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    refusals: tuple[Refusal, ...] = ()

    @property
    def reason(self) -> str:
        return " ".join(str(r) for r in self.refusals)


def decide(facts: CaseFacts, move: MoveRequest, role: Role, today: date) -> Decision:
    """May ``role`` move a case with these ``facts`` as ``move`` asks? If not, every reason why."""
    if move.to not in STAGES:
        return Decision(False, (Refusal("unknown_stage", _l("Unknown stage: %(stage)s.", stage=move.to)),))
    rule = TRANSITIONS.get((facts.stage, move.to))
    if rule is None:
        return Decision(False, (Refusal("no_such_move", _l("A case cannot go from %(a)s to %(b)s.", a=STAGE_LABELS[facts.stage], b=STAGE_LABELS[move.to])),))
    who, guards = rule
    if role == Role.creditor and move.to == "closed" and move.outcome == RECALL_OUTCOME:
        who = who | {Role.creditor}  # the creditor recalls its case: it closes as withdrawn, with the guards of any close
    if negotiation_by_lawyers_only(facts.jurisdiction) and who == NEGOTIATING:
        if role == Role.negotiator:  # Portugal, Lei 49/2004: negotiating a debt is reserved to lawyers
            return Decision(False, (Refusal("lawyers_only", _l("In Portugal only a lawyer may negotiate a debt (Lei 49/2004): a lawyer of the agency works this case.")),))
        who = who | {Role.lawyer}
    if role not in who:
        return Decision(False, (Refusal("not_your_move", _l("Your role cannot make this move.")),))
    refusals: list[Refusal] = []
    for guard in guards:
        found = guard(facts, today, move)
        refusals.extend(found if isinstance(found, list) else [found] if found else [])
    return Decision(not refusals, tuple(refusals))


# --- hold and recall (the creditor's side) ------------------------------------------------------------

RECALL_OUTCOME = "withdrawn"
HOLD_REASON_MAX = 500


def hold_refusal(stage: str, held: bool, holding: bool) -> Refusal | None:
    """May the case be put on hold (``holding``) or resumed? Only an open case is held, once; only a held one resumed."""
    if stage == "closed":
        return Refusal("case_closed", _l("The case is closed: there is nothing to hold or resume."))
    if holding and held:
        return Refusal("already_held", _l("The case is already on hold: resume it first to hold it again."))
    if not holding and not held:
        return Refusal("not_held", _l("The case is not on hold."))
    return None


def recall_refusal(stage: str) -> Refusal | None:
    """A recall closes an open case; a closed one says so (the API's 409)."""
    if stage == "closed":
        return Refusal("case_closed", _l("The case is already closed: it cannot be recalled."))
    return None


def moves_from(stage: str, role: Role, jurisdiction: str = "ES") -> list[str]:
    """The stages a person of ``role`` could try next (the page offers these); in Portugal the negotiating moves
    are a lawyer's (Lei 49/2004)."""
    def may(who: frozenset) -> bool:
        if negotiation_by_lawyers_only(jurisdiction) and who == NEGOTIATING:
            return role in (Role.lawyer, Role.admin)
        return role in who
    return [to for (frm, to), (who, _g) in TRANSITIONS.items() if frm == stage and may(who)]


def outcomes_from(stage: str) -> tuple[str, ...]:
    """How a case in ``stage`` may end: a claim never accepted is rejected or withdrawn."""
    return ("rejected", "withdrawn") if stage == "intake" else ("paid", "settled", "uncollectible", "withdrawn")
