"""The agency's side of the money, booked in the ledger: the tariff a creditor is on, the fees each
case earns (flat at acceptance, success on each payment, legal at court, the minimum at closing),
payment reversals, and what the agency owes each creditor. Every automatic booking carries a
unique key naming the event it is for, so running it again books nothing (LEGAL.md's anchors)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from litestar.exceptions import ClientException, HTTPException

from agency.accounts import FormErrors
from agency.auth import CurrentUser
from agency.db import atomic, fetch_records, is_unique_violation, utcnow
from agency.i18n import gettext as _
from agency.roles import Role
from agency.tables import ContractAcceptance, Organisation, Tariff
from cases import events
from cases.billing.fees import (
    COURT_COST_KINDS,
    DEFAULT_TARIFF,
    EXPENSE_KINDS,
    SUCCESS_STAGES,
    TariffError,
    bands_text,
    flat_fee,
    from_json,
    legal_fee,
    parse_bands,
    percent,
    success_fee,
    tariff_amount,
    to_json,
    withdrawal_fee,
)
from cases.billing.fees import Tariff as TariffRules
from cases.money import check_positive_amount, from_cents, to_cents
from cases.negotiation.service import rescore
from cases.queries import open_case
from cases.reports import totals
from cases.stages.rules import STAGE_LABELS
from cases.tables import Case, Invoice, LedgerEntry
from legal.rules.jurisdictions import amicable_costs_on_debtor

CREDITOR_SIDE = ("fee", "expense", "remittance")  # entries between the agency and the creditor, not the debtor


async def default_tariff() -> TariffRules:
    row = await Tariff.select(Tariff.rules).where(Tariff.is_default == True).first()  # noqa: E712
    return from_json(row["rules"]) if row else DEFAULT_TARIFF


async def tariff_for(organisation_id: int) -> TariffRules:
    """The tariff a creditor's new cases open under: their own, else the agency's default."""
    row = await Organisation.select(Organisation.tariff.rules.as_alias("rules")).where(Organisation.id == organisation_id).first()
    if row and row["rules"]:
        return from_json(row["rules"])
    return await default_tariff()


async def snapshot_for(organisation_id: int) -> str:
    return to_json(await tariff_for(organisation_id))


async def case_tariff(case_id: int) -> TariffRules:
    row = await Case.select(Case.tariff_snapshot).where(Case.id == case_id).first()
    return from_json(row["tariff_snapshot"] if row else None)


async def book_once(case_id: int, key: str, cents: int, on: date, actor: CurrentUser | None, *, kind: str = "fee",
                     reference: str = "", reverses: int | None = None) -> bool:
    """One ledger entry for one event, inside the caller's transaction; False when already booked or zero."""
    if cents == 0 or await fetch_records("SELECT id FROM ledger_entries WHERE idempotency_key = {}", key):
        return False
    await fetch_records(BOOK_SQL, case_id, kind, cents, on, reference[:100], key, reverses, actor.id if actor and actor.id else None, utcnow())
    await totals.ledger_added([(case_id, kind, "", on, cents)])
    return True


# A fee or a cost, booked on every payment and every stage: fixed SQL, every column given (the defaults as the table's).
BOOK_SQL = ('INSERT INTO ledger_entries ("case", kind, amount_cents, booked_on, invoice, method, reference, idempotency_key, reverses, '
            "remittance, applies_to, created_by, created_at) VALUES ({}, {}, {}, {}, NULL, '', {}, {}, {}, NULL, '', {}, {}) RETURNING id")


async def principal_cents(case_id: int) -> int:
    rows = await Invoice.select(Invoice.amount_cents).where((Invoice.case == case_id) & (Invoice.disputed == False))  # noqa: E712
    return sum(r["amount_cents"] for r in rows)


async def book_flat_fee(case_id: int, on: date, actor: CurrentUser | None) -> None:
    tariff = await case_tariff(case_id)
    fee = flat_fee(tariff, from_cents(await principal_cents(case_id)))
    await book_once(case_id, f"fee:flat:{case_id}", to_cents(fee), on, actor, reference=_("Flat fee (%(tariff)s)") % {"tariff": tariff.name})


async def book_success_fee(case_id: int, payment_id: int, payment_cents: int, stage: str, on: date, actor: CurrentUser | None,
                           snapshot: str | None = None) -> None:
    """``snapshot``: the case's tariff_snapshot, when the caller read it with the case (else read here)."""
    tariff = from_json(snapshot) if snapshot is not None else await case_tariff(case_id)
    cents, reference = success_fee_entry(tariff, payment_cents, stage)
    await book_once(case_id, f"fee:success:{payment_id}", cents, on, actor, reference=reference)


def success_fee_entry(tariff: TariffRules, payment_cents: int, stage: str, worded: dict | None = None) -> tuple[int, str]:
    """The success fee a payment earns in this stage, as its ledger entry says it: (cents, reference). ``worded``: the
    references written already for this tariff and stage (many payments at once: each worded once)."""
    fee = success_fee(tariff, from_cents(payment_cents), stage)
    percent = tariff.success_percent.get(stage, 0)
    key = (percent, stage)
    reference = worded.get(key) if worded is not None else None
    if reference is None:
        reference = (_("Success fee %(percent)s%% (%(stage)s)") % {"percent": percent, "stage": str(STAGE_LABELS.get(stage, stage)).lower()})[:100]
        if worded is not None:
            worded[key] = reference
    return to_cents(fee), reference


async def book_withdrawal_fee(case_id: int, outstanding: Decimal, on: date, actor: CurrentUser | None) -> None:
    """A case the creditor recalls: the tariff's withdrawal fee on what the debtor still owed, once."""
    tariff = await case_tariff(case_id)
    await book_once(case_id, f"fee:withdrawal:{case_id}", to_cents(withdrawal_fee(tariff, outstanding)), on, actor,
                    reference=_("Withdrawal fee (%(percent)s%% of what was owed)") % {"percent": tariff.withdrawal_percent})


async def book_legal_fee(case_id: int, outstanding: Decimal, on: date, actor: CurrentUser | None) -> None:
    tariff = await case_tariff(case_id)
    await book_once(case_id, f"fee:legal:{case_id}", to_cents(legal_fee(tariff, outstanding)), on, actor, reference=_("Legal-stage fee"))


async def book_minimum_fee(case_id: int, on: date, actor: CurrentUser | None) -> None:
    """At closing: whatever lifts the case's fees to the tariff's minimum, once."""
    tariff = await case_tariff(case_id)
    charged = sum(r["amount_cents"] for r in await LedgerEntry.select(LedgerEntry.amount_cents).where(
        (LedgerEntry.case == case_id) & (LedgerEntry.kind == "fee")))
    top_up = to_cents(tariff.minimum_fee) - charged
    if top_up > 0:
        await book_once(case_id, f"fee:minimum:{case_id}", top_up, on, actor, reference=_("Minimum fee per case"))


# --- tariffs (admin) ------------------------------------------------------------------------------

def tariff_form(rules: TariffRules) -> dict[str, str]:
    form = {"name": rules.name, "bands": bands_text(rules), "minimum_fee": str(rules.minimum_fee),
            "legal_percent": str(rules.legal_percent), "legal_minimum": str(rules.legal_minimum),
            "withdrawal_percent": str(rules.withdrawal_percent)}
    form.update({f"success_{stage}": str(rules.success_percent.get(stage, Decimal("0"))) for stage in SUCCESS_STAGES})
    form.update({f"passthrough_{kind}": "on" for kind in rules.passthrough})
    return form


def rules_from_form(data: dict) -> TariffRules:
    """The tariff an admin typed, or FormErrors naming each field to fix (nothing saved)."""

    errors: dict[str, str] = {}
    name = str(data.get("name", "")).strip()[:100]
    if not name:
        errors["name"] = _("This field is required.")

    def take(field: str, parse, *args):
        try:
            return parse(str(data.get(field, "") or "0"), *args)
        except TariffError as exc:
            errors[field] = str(exc)
            return Decimal("0")

    bands = ()
    try:
        bands = parse_bands(str(data.get("bands", "")))
    except TariffError as exc:
        errors["bands"] = str(exc)
    success = {stage: take(f"success_{stage}", percent, _("Success fee")) for stage in SUCCESS_STAGES}
    minimum = take("minimum_fee", tariff_amount, _("Minimum fee"))
    legal_percent = take("legal_percent", percent, _("Legal-stage fee"))
    legal_minimum = take("legal_minimum", tariff_amount, _("Legal-stage minimum"))
    withdrawal = take("withdrawal_percent", percent, _("Withdrawal fee"))
    if errors:
        raise FormErrors(errors)
    return TariffRules(name=name, bands=bands, success_percent=success, minimum_fee=minimum, legal_percent=legal_percent,
                       legal_minimum=legal_minimum, passthrough=tuple(k for k in EXPENSE_KINDS if data.get(f"passthrough_{k}")),
                       withdrawal_percent=withdrawal)


async def save_tariff(data: dict, tariff_id: int | None = None) -> int:
    rules = rules_from_form(data)
    make_default = bool(data.get("is_default"))
    async with atomic():
        clash = Tariff.select(Tariff.id).where(Tariff.name == rules.name)
        if tariff_id is not None:
            clash = clash.where(Tariff.id != tariff_id)
        if await clash.first():
            raise FormErrors({"name": _("Another tariff already has this name.")})
        if make_default:
            await Tariff.update({Tariff.is_default: False}).where(Tariff.is_default == True)  # noqa: E712
        if tariff_id is None:
            return (await Tariff.insert(Tariff(name=rules.name, rules=to_json(rules), is_default=make_default)).returning(Tariff.id))[0]["id"]
        await Tariff.update({Tariff.name: rules.name, Tariff.rules: to_json(rules), Tariff.is_default: make_default,
                             Tariff.updated_at: utcnow()}).where(Tariff.id == tariff_id)
        return tariff_id


async def ensure_default_tariff() -> None:
    """The shipped tariff as the agency's default, once (agency migrate)."""
    if not await Tariff.exists():
        await Tariff.insert(Tariff(name=DEFAULT_TARIFF.name, rules=to_json(DEFAULT_TARIFF), is_default=True))


# --- the service contract -------------------------------------------------------------------------

CONTRACT_VERSION = "2026-2"  # bump with templates/cases/billing/contract_text.html: every creditor accepts again


async def contract_accepted(organisation_id: int) -> bool:
    """The current contract version accepted, and with the tariff the creditor is on now: a tariff changed
    since (another tariff given to them, or their tariff edited) is accepted again before the next claim."""
    row = await Organisation.select(Organisation.contract_version).where(Organisation.id == organisation_id).first()
    return bool(row) and row["contract_version"] == CONTRACT_VERSION and not await tariff_changed_since_acceptance(organisation_id)


async def tariff_changed_since_acceptance(organisation_id: int) -> bool:
    last = await ContractAcceptance.select(ContractAcceptance.tariff).where(ContractAcceptance.organisation == organisation_id).order_by(
        ContractAcceptance.id, ascending=False).first()
    return bool(last and last["tariff"]) and last["tariff"] != await snapshot_for(organisation_id)


async def contract_page_first(user: CurrentUser) -> bool:
    """A creditor who must accept the contract (or a changed tariff) goes to /contract before filling a
    claim or an import in: a form filled in first would be refused and its typing lost."""

    return user.role == Role.creditor and user.organisation_id is not None and not await contract_accepted(user.organisation_id)


async def require_contract(user: CurrentUser, organisation_id: int) -> None:
    """Creditors accept the service contract (and its tariff) before their claims are taken; the
    agency's own staff file for a creditor under its signed paper contract."""

    if user.role == Role.creditor and not await contract_accepted(organisation_id):
        raise HTTPException(status_code=409, detail=_("Accept the service contract and the tariff first (page /contract); "
                                                      "then file the claim again. Nothing was saved."))


async def accept_contract(user: CurrentUser, ip: str) -> None:
    now = utcnow()
    async with atomic():
        await ContractAcceptance.insert(ContractAcceptance(organisation=user.organisation_id, user=user.id, version=CONTRACT_VERSION,
                                                           accepted_at=now, ip=ip[:45], tariff=await snapshot_for(user.organisation_id)))
        await Organisation.update({Organisation.contract_version: CONTRACT_VERSION, Organisation.contract_accepted_at: now}).where(
            Organisation.id == user.organisation_id)


# --- expenses -------------------------------------------------------------------------------------

async def book_expense(user: CurrentUser, case_id: int, kind: str, amount: Decimal, on: date, description: str, recoverable: bool,
                       today: date, idempotency_key: str | None = None) -> tuple[list[int], bool]:
    """An expense the agency paid for a case (a burofax, a court fee...). Recoverable ones are owed by
    the debtor (a ``cost``, paid after principal unless the debtor agreed otherwise); the kinds the case's tariff passes through
    are charged to the creditor (an ``expense``). Returns (the entries booked, whether booked now): the
    same Idempotency-Key again (a retried request, a form sent twice) returns the first booking's entries."""
    case = await open_case(user, case_id)
    # France (CPCE L111-8): costs of recovery without an enforceable title stay with the creditor; in court, only the
    # court's own costs (awarded by the judgment) are booked to the debtor.
    if recoverable and not amicable_costs_on_debtor(case["jurisdiction"]) and not (case["stage"] == "court" and kind in COURT_COST_KINDS):
        raise ClientException(detail=_("In France the costs of amicable recovery stay with the creditor (CPCE L111-8): record this "
                                       "expense as not owed by the debtor."))
    if kind not in EXPENSE_KINDS:
        raise ClientException(detail=_("The expense is one of: %(kinds)s.") % {"kinds": ", ".join(EXPENSE_KINDS)})
    try:
        check_positive_amount(amount)
    except Exception:  # noqa: BLE001 - AmountError carries no HTTP status
        raise ClientException(detail=_("The amount must be greater than zero, with at most two decimals.")) from None
    if on > today:
        raise ClientException(detail=_("An expense cannot be dated in the future."))
    tariff = await case_tariff(case_id)
    text = (description.strip() or kind)[:100]
    cents = to_cents(amount)
    # A client's key in its own namespace (never a fee's, a payment's or a reversal's); an expense passed on
    # to the creditor as well as owed by the debtor is two entries: the second carries it in a namespace
    # of its own (exp2:), which no client key can reach.
    client_key = idempotency_key.strip()[:90] if idempotency_key and idempotency_key.strip() else None
    key = f"exp:{client_key}" if client_key else None
    second_key = f"exp2:{client_key}" if client_key else None
    entries = []
    if recoverable:  # marked "agency:" when the agency bears it, so what the debtor pays back of it is the agency's
        entries.append(("cost", kind if kind in tariff.passthrough else f"agency:{kind}"))
    if kind in tariff.passthrough:
        entries.append(("expense", kind))

    async def replay() -> tuple[list[int], bool] | None:
        rows = await LedgerEntry.select(LedgerEntry.id, LedgerEntry.case, LedgerEntry.kind, LedgerEntry.method, LedgerEntry.amount_cents,
                                        LedgerEntry.booked_on, LedgerEntry.idempotency_key).where(
            LedgerEntry.idempotency_key.is_in([key, second_key])).order_by(LedgerEntry.id)
        if not any(r["idempotency_key"] == key for r in rows):
            return None
        if [(r["case"], r["kind"], r["method"], r["amount_cents"], r["booked_on"]) for r in rows] != [
                (case_id, entry_kind, method, cents, on) for entry_kind, method in entries]:
            raise HTTPException(status_code=409, detail=_("This Idempotency-Key was already used for a different expense."))
        return [r["id"] for r in rows], False

    if key and (seen := await replay()):
        return seen
    booked: list[int] = []
    try:
        async with atomic():
            if key and (seen := await replay()):  # checked again under the write lock (SQLite); on PostgreSQL the unique key decides
                return seen
            for n, (entry_kind, method) in enumerate(entries):
                booked.append((await LedgerEntry.insert(LedgerEntry(
                    case=case_id, kind=entry_kind, amount_cents=cents, booked_on=on, method=method, reference=text, created_by=user.id,
                    idempotency_key=key if n == 0 else second_key)).returning(LedgerEntry.id))[0]["id"])
            await totals.ledger_added([(case_id, entry_kind, method, on, cents) for entry_kind, method in entries])
            await events.record(case_id, "expense", user, text, {"kind": kind, "amount": str(amount), "recoverable": recoverable,
                                                                 "charged_to_creditor": kind in tariff.passthrough}, visible_to_creditor=True)
            await rescore([case_id])
    except Exception as exc:  # a concurrent retry with the same key won the race: answer as a replay
        if key and is_unique_violation(exc):
            if seen := await replay():
                return seen
            raise HTTPException(status_code=409, detail=_("This Idempotency-Key was already used for a different expense.")) from None
        raise
    return booked, True
