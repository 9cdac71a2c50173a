"""The debtor's door: links, sessions, what the debtor reads, online payments (DESIGN.md "The debtor's door").

The portal acts for a debtor who has no account: every read is scoped to the one case of the proven session
(agency.tenancy.scoped with a DebtorVisitor), and every action is a case event with no actor (the debtor)."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import BinaryIO

from litestar.exceptions import ClientException, HTTPException, NotAuthorizedException, NotFoundException, PermissionDeniedException
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from agency import clock, i18n
from agency.auth import CurrentUser
from agency.db import as_date, atomic, fetch_records, is_sqlite, utcnow
from agency.i18n import gettext as _
from agency.roles import Role
from agency.settings import get_settings
from agency.tables import Organisation
from agency.tenancy import DebtorVisitor, debtor_case, get_visible, scoped
from cases import events
from cases.billing.balances import JUDGMENT_ON, RATES_VERSION, balance_of, balances_from, plan_terms_from, published_rates, rates_version
from cases.claims.service import check_file, store_evidence
from cases.contacts.rules import normalise_phone
from cases.insolvency.service import InsolvencyRefused, insolvency_of_case
from cases.money import from_cents, to_cents
from cases.negotiation.rules import Payment, instalment_owed
from cases.negotiation.service import create_plan, rescore
from cases.payments.service import book_payment, lock_case
from cases.portal import redsys
from cases.portal.rules import (
    CALLBACK_DAYS,
    CALLBACK_SLOTS,
    DAY,
    DEFAULT_BRACKETS,
    FIRST_DUE_DAYS,
    LINK_DAYS,
    MAX_WRONG_PER_ADDRESS,
    MAX_WRONG_PER_CASE_A_DAY,
    SESSION_MINUTES,
    AmountError,
    Bracket,
    RequestError,
    acknowledgement_text,
    callback_day,
    check_brackets,
    debtor_plan,
    dispute_reason,
    link_expires_on,
    locked_for,
    new_token,
    online_amount,
    order_number,
    plan_options,
    token_hash,
    verifier_matches,
    verifier_on_file,
)
from cases.queries import open_case
from cases.reports import totals
from cases.tables import (
    Case,
    CaseEvent,
    DebtorLink,
    Invoice,
    OnlinePayment,
    PaymentPlan,
    PlanRules,
    PortalAttempt,
    PortalSession,
)
from legal.rules.privacy import DATA_AUTHORITIES


# The documents of the case that are the debtor's (those sent to them, what they signed on this page): legal keeps
# documents, and agency.wiring hands the portal legal's two functions at start (cases never imports legal).
@dataclass
class DocumentShelf:
    listing: Callable[[DebtorVisitor], Awaitable[list[dict]]] | None = None  # -> [{id, title, filename, on}]
    opening: Callable[[DebtorVisitor, int], Awaitable[dict]] | None = None  # -> {storage_key, pdf_storage_key, filename, ...} or 404


documents = DocumentShelf()


def provide_documents(listing: Callable[[DebtorVisitor], Awaitable[list[dict]]],
                      opening: Callable[[DebtorVisitor, int], Awaitable[dict]]) -> None:
    documents.listing, documents.opening = listing, opening


async def debtor_documents(visitor: DebtorVisitor) -> list[dict]:
    return await documents.listing(visitor) if documents.listing else []


async def debtor_document(visitor: DebtorVisitor, document_id: int) -> dict:
    if documents.opening is None:
        raise NotFoundException(detail=_("Not found."))
    return await documents.opening(visitor, document_id)


class LinkGone(HTTPException):
    """An expired or revoked link, or a closed case (410)."""
    status_code = 410


class TooManyTries(HTTPException):
    status_code = 429


def portal_url(token: str) -> str:
    return f"{get_settings().base_url}/p/{token}"


# --- links (staff, and every message) ---------------------------------------------------------------------

async def create_link(case_id: int, actor: CurrentUser | None, today: date, days: int = LINK_DAYS) -> tuple[str, date]:
    """A new link to the case's page: (url, last valid day). Staff make one on demand (the caller checked the case
    is theirs to see); messages make one each (a token is never stored, so a link cannot be read back)."""
    token = new_token()
    expires = link_expires_on(today, days)
    async with atomic():
        await DebtorLink.insert(DebtorLink(case=case_id, token_hash=token_hash(token), expires_on=expires,
                                           created_by=actor.id if actor else None))
        if actor is not None:
            await events.record(case_id, "portal_link", actor, "", {"expires_on": expires.isoformat()}, visible_to_creditor=False)
    return portal_url(token), expires


async def staff_link(user: CurrentUser, case_id: int, today: date) -> tuple[str, date]:
    await open_case(user, case_id)
    return await create_link(case_id, user, today)


async def revoke_links(user: CurrentUser, case_id: int) -> int:
    """Every link of the case stops working, and every session opened through one ends."""
    await open_case(user, case_id)
    now = utcnow()
    async with atomic():
        revoked = await DebtorLink.update({DebtorLink.revoked_at: now}).where(
            (DebtorLink.case == case_id) & DebtorLink.revoked_at.is_null()).returning(DebtorLink.id)
        await PortalSession.update({PortalSession.ended_at: now}).where(
            (PortalSession.case == case_id) & PortalSession.ended_at.is_null())
        await events.record(case_id, "portal_links_revoked", user, "", {"links": len(revoked)}, visible_to_creditor=False)
    return len(revoked)


# --- proof of identity and sessions ----------------------------------------------------------------------

@dataclass(frozen=True)
class LinkFacts:
    link_id: int
    case_id: int
    verifier_kind: str  # "tax_id" | "postal_code" | "" (nothing on file: the link cannot be opened)
    agency_name: str


async def link_facts(token: str, today: date) -> LinkFacts:
    """What an unproven visitor may learn from a link: which kind of proof it asks (404 unknown, 410 gone)."""
    link = await DebtorLink.select(DebtorLink.id, DebtorLink.case, DebtorLink.expires_on, DebtorLink.revoked_at,
                                   DebtorLink.case.closed_at.as_alias("closed_at"), DebtorLink.case.debtor.tax_id.as_alias("tax_id"),
                                   DebtorLink.case.debtor.postal_code.as_alias("postal_code")).where(
        DebtorLink.token_hash == token_hash(token)).first()
    if link is None:
        raise NotFoundException(detail=_("This link does not exist. Check that it was copied whole."))
    if link["revoked_at"] is not None or link["expires_on"] < today or link["closed_at"] is not None:
        raise LinkGone(detail=_("This link is no longer valid. Ask the agency for a new one."))
    kind, _value = verifier_on_file(link["tax_id"], link["postal_code"])
    return LinkFacts(link["id"], link["case"], kind, get_settings().agency_name)


async def open_session(token: str, verifier: str, address: str, user_agent: str, now: datetime) -> tuple[str, datetime, int]:
    """The debtor proves who they are: (portal token, its expiry, case id). 401 for a wrong answer (every try kept),
    429 after five wrong answers for the case (through any of its links) or thirty from one address within 15
    minutes, 410 for a link or case that is gone. The count and the try are one transaction, the case locked: tries
    sent at once are counted one after another."""
    facts = await link_facts(token, clock.day_of(now))
    since = now - DAY
    portal_token = new_token()
    expires = now + timedelta(minutes=SESSION_MINUTES)
    async with atomic():
        if not is_sqlite():  # (SQLite's writing transaction is already the only one)
            await Case.raw("SELECT id FROM collection_cases WHERE id = {} FOR UPDATE", facts.case_id)
        case = await Case.select(Case.debtor.tax_id.as_alias("tax_id"), Case.debtor.postal_code.as_alias("postal_code")).where(
            Case.id == facts.case_id).first()
        wrong = PortalAttempt.select(PortalAttempt.at).where((PortalAttempt.succeeded == False) & (PortalAttempt.at > since))  # noqa: E712
        by_case = await wrong.where(PortalAttempt.link.case == facts.case_id)
        by_address = await PortalAttempt.select(PortalAttempt.at).where(
            (PortalAttempt.succeeded == False) & (PortalAttempt.at > since) & (PortalAttempt.address == address[:64]))  # noqa: E712
        case_wrong, address_wrong = [r["at"] for r in by_case], [r["at"] for r in by_address]
        waits = [w for w in (locked_for(case_wrong, now), locked_for(case_wrong, now, MAX_WRONG_PER_CASE_A_DAY, DAY),
                             locked_for(address_wrong, now, MAX_WRONG_PER_ADDRESS)) if w]
        if waits:
            wait = max(waits)
            raise TooManyTries(detail=_("Too many wrong answers. Try again in %(minutes)s minutes.") % {
                "minutes": max(1, int(wait.total_seconds() // 60) + 1)}, headers={"Retry-After": str(int(wait.total_seconds()) + 1)})
        _kind, on_file = verifier_on_file(case["tax_id"], case["postal_code"])
        ok = verifier_matches(verifier, on_file)
        await PortalAttempt.insert(PortalAttempt(link=facts.link_id, at=now, succeeded=ok, address=address[:64], user_agent=user_agent[:200]))
        if ok:
            await PortalSession.insert(PortalSession(link=facts.link_id, case=facts.case_id, token_hash=token_hash(portal_token),
                                                     expires_at=expires))
            await events.record(facts.case_id, "portal_opened", None, "", {"address": address[:64]}, visible_to_creditor=False)
            await rescore([facts.case_id])  # a visit with nothing done yet: the queue raises the case (cases.negotiation.queue)
    if not ok:
        raise NotAuthorizedException(detail=_("That does not match what we have on file. Type it as it appears on your invoices."))
    return portal_token, expires, facts.case_id


VISITOR_SQL = ('SELECT s.id, s."case", s.expires_at, s.ended_at, c.closed_at, d.language FROM portal_sessions s '
               'JOIN collection_cases c ON c.id = s."case" LEFT JOIN debtors d ON d.id = c.debtor WHERE s.token_hash = {}')


async def visitor_for(portal_token: str | None, now: datetime) -> DebtorVisitor:
    """The debtor behind a portal token, or 401; with the language on file for them (one query for both)."""
    if not portal_token:
        raise NotAuthorizedException(detail=_("Open the link you received and confirm who you are."))
    rows = await fetch_records(VISITOR_SQL, token_hash(portal_token))
    row = rows[0] if rows else None
    if row is None or row["ended_at"] is not None or as_datetime(row["expires_at"]) <= now:
        raise NotAuthorizedException(detail=_("Your session has ended. Open the link you received again."))
    if row["closed_at"] is not None:
        raise LinkGone(detail=_("This case is closed."))
    return DebtorVisitor(case_id=row["case"], session_id=row["id"], language=row["language"])


def as_datetime(value) -> datetime:
    """A timestamp as SQLite may hand it back through a join (text) or as PostgreSQL does."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


async def end_session(visitor: DebtorVisitor) -> None:
    await PortalSession.update({PortalSession.ended_at: utcnow()}).where(PortalSession.id == visitor.session_id)


# --- what the debtor reads ---------------------------------------------------------------------------------

# What GET /api/v1/portal/case reads (tests/bench/test_portal_speed.py runs the same SQL raw as its baseline), each row of
# the visitor's one case only (the case's id is the session's, as agency.tenancy.scoped restricts a DebtorVisitor): the
# case with its debtor, creditor and the plan rules in force for the creditor (theirs, else the agency's) and the version
# of the published rates; the invoices; the ledger; the plans; the plans' instalments (only when there are plans).
PORTAL_CASE_SQL = (
    "SELECT c.id, c.reference, c.currency, c.organisation, c.jurisdiction, c.demanded_on, d.name AS debtor_name, d.kind AS debtor_kind, "
    "o.legal_name, o.tax_id, o.address_line1, o.city, r.brackets, r.first_due_days, r.organisation AS rules_owner, " + JUDGMENT_ON + ", "
    + RATES_VERSION + " "
    "FROM collection_cases c LEFT JOIN debtors d ON d.id = c.debtor LEFT JOIN organisations o ON o.id = c.organisation "
    "LEFT JOIN plan_rules r ON r.id = (SELECT p.id FROM plan_rules p WHERE p.organisation = c.organisation OR p.organisation IS NULL "
    "ORDER BY p.organisation IS NULL, p.id DESC LIMIT 1) WHERE c.id = {}")
PORTAL_INVOICES_SQL = ('SELECT id, number, due_date, amount_cents, issue_date, disputed FROM invoices WHERE "case" = {} '
                       "ORDER BY due_date, id")
PORTAL_LEDGER_SQL = ('SELECT id, kind, booked_on, amount_cents, reverses, method, applies_to, created_at FROM ledger_entries WHERE "case" = {} '
                     "AND kind IN ('payment', 'reversal', 'cost') ORDER BY booked_on, id")
PORTAL_PLANS_SQL = ("SELECT id, created_at, interest_runs, costs_first, status, total_cents, method, mandate_reference, acknowledgement_text "
                    'FROM payment_plans WHERE "case" = {} ORDER BY id')
PORTAL_INSTALMENTS_SQL = ('SELECT plan, number, due_on, amount_cents, status FROM instalments WHERE plan IN (SELECT id FROM payment_plans '
                          'WHERE "case" = {}) ORDER BY number, id')


async def portal_case(visitor: DebtorVisitor, today: date) -> dict:
    """DESIGN.md's ``GET /api/v1/portal/case``, for the visitor's one case, in the current language. Never notes,
    classification, fees, scores or another case. Four queries (five with a plan), what is owed computed from their rows."""
    case_id = debtor_case(visitor)  # (agency.tenancy: the visitor's one case, the filter of each query below)
    rows = await fetch_records(PORTAL_CASE_SQL, case_id)
    if not rows:
        raise NotFoundException(detail=_("Not found."))
    case = rows[0]
    invoices = [{**i, "due_date": as_date(i["due_date"]), "issue_date": as_date(i["issue_date"]), "disputed": bool(i["disputed"])}
                for i in await fetch_records(PORTAL_INVOICES_SQL, case_id)]
    entries = await fetch_records(PORTAL_LEDGER_SQL, case_id)
    plans = await fetch_records(PORTAL_PLANS_SQL, case_id)
    instalments = await fetch_records(PORTAL_INSTALMENTS_SQL, case_id) if plans else []
    reversed_ids = {e["reverses"] for e in entries if e["kind"] == "reversal"}
    # what is owed, from the rows read above
    balance = balances_from(case["jurisdiction"], case["debtor_kind"], [i for i in invoices if not i["disputed"]], entries, today,
                            await published_rates(rates_version(case)), as_date(case["demanded_on"]), plan_terms_from(plans, instalments),
                            as_date(case["judgment_on"]))
    plan = next((p for p in plans if p["status"] == "active"), None)
    insolvency = await insolvency_of_case(case_id)  # in concurso: the page reads only (no payment, no plan, no call-back)
    org = {"legal_name": case["legal_name"], "tax_id": case["tax_id"], "address_line1": case["address_line1"], "city": case["city"]}
    plan_out = None
    if plan:
        instalments = [{**i, "due_on": as_date(i["due_on"])} for i in instalments if i["plan"] == plan["id"]]
        # the instalment to pay next, less what was paid towards it already (as the instalment's message asks)
        owed = instalment_owed([(i["number"], i["due_on"], i["amount_cents"]) for i in instalments],
                               [Payment(as_date(e["booked_on"]), e["amount_cents"], as_datetime(e["created_at"])) for e in entries
                                if e["kind"] == "payment" and e["id"] not in reversed_ids],
                               as_datetime(plan["created_at"]))
        plan_out = {"total": str(from_cents(plan["total_cents"])), "method": plan["method"], "mandate_reference": plan["mandate_reference"],
                    "acknowledgement": plan["acknowledgement_text"] or None, "instalments": [
            {"number": i["number"], "due_on": i["due_on"].isoformat(), "amount": str(from_cents(i["amount_cents"])), "status": i["status"]}
            for i in instalments],
            "next": {"number": owed[0], "due_on": owed[1].isoformat(), "amount": str(from_cents(owed[2]))} if owed else None}
    settings = get_settings()
    agency = {"name": settings.agency_name, **{k: settings.agency_identity[k] for k in ("tax_id", "address", "email", "phone")}}
    return {
        "reference": case["reference"], "currency": case["currency"],
        "creditor": {"name": org["legal_name"], "tax_id": org["tax_id"]},
        "agency": agency,
        "debtor": {"name": case["debtor_name"]},
        "invoices": [{"number": i["number"], "issue_date": i["issue_date"].isoformat(), "due_date": i["due_date"].isoformat(),
                      "amount": str(from_cents(i["amount_cents"])), "disputed": i["disputed"]} for i in invoices],
        "balances": {"principal": str(balance.principal), "interest": str(balance.all_interest), "compensation": str(balance.compensation),
                     "costs": str(balance.costs), "paid": str(balance.paid), "outstanding": str(balance.outstanding),
                     "interest_provisional": balance.provisional, "interest_awaiting_demand": balance.awaiting_demand},
        "payments": [{"amount": str(from_cents(e["amount_cents"])), "received_on": e["booked_on"].isoformat(), "method": e["method"]}
                     for e in entries if e["kind"] == "payment" and e["id"] not in reversed_ids],
        "plan": plan_out,
        "plan_options": [{"instalments": o["instalments"], "max_first_due_on": o["max_first_due_on"].isoformat(),
                          "min_first_amount": str(from_cents(o["min_first_cents"]))}
                         for o in plan_options(to_cents(balance.outstanding), today, *plan_rules_from(case)[:2])]
        if plan is None and insolvency is None else [],
        "documents": [{"id": d["id"], "title": d["title"], "download_url": f"/api/v1/portal/documents/{d['id']}"}
                      for d in await debtor_documents(visitor)],
        "privacy": privacy_for(org, agency, case["jurisdiction"]),
        "pay_online": settings.redsys_enabled and balance.outstanding >= Decimal("1.00") and insolvency is None,
        "insolvency": {"court": insolvency["court"], "published_on": insolvency["published_on"].isoformat()} if insolvency else None,
    }


async def refuse_in_insolvency(visitor: DebtorVisitor) -> None:
    """The debtor's page reads only while they are in concurso: a payment, a plan or a call-back is a 409 saying why."""
    found = await insolvency_of_case(debtor_case(visitor))
    if found is not None:
        raise InsolvencyRefused(detail=_("You are in insolvency proceedings (concurso) at %(court)s: this debt is dealt with in the "
                                         "proceedings, through the insolvency administrator, so it cannot be paid or put on a plan "
                                         "here, and we do not call you about it.") % {"court": found["court"]})


def privacy_for(org: dict, agency: dict, jurisdiction: str = "ES") -> dict[str, str]:
    """The GDPR art. 14 information (LEGAL.md "Data protection in letters") in the reader's language; the authority
    to complain to is the one of the case's country."""
    return {
        "controller": _("%(name)s (tax id %(tax_id)s), %(address)s, %(city)s: the creditor, who decides why your data are used.") % {
            "name": org["legal_name"], "tax_id": org["tax_id"], "address": org["address_line1"], "city": org["city"]},
        "processor": _("%(name)s (tax id %(tax_id)s), which collects the debt for the creditor as its processor (GDPR art. 28).") % {
            "name": agency["name"], "tax_id": agency["tax_id"]},
        "purpose": _("To collect the debt: to contact you, agree how you pay and, if need be, claim it in court."),
        "legal_basis": _("The creditor's legitimate interest in being paid what it is owed (GDPR art. 6.1.f) and the contract the debt "
                         "comes from (art. 6.1.b)."),
        "source": _("The creditor gave us your name and contact details and those of the debt (invoices, amounts and dates)."),
        "recipients": _("The creditor; lawyers, court agents and courts if the debt has to be claimed in court; credit-reference "
                        "files only if the legal conditions are met and you were told beforehand."),
        "retention": _("While the debt is being collected and, after that, blocked for the limitation periods and the six years "
                       "commercial law requires."),
        "rights": _("You may ask for access, rectification, erasure, objection, restriction and portability, and complain to the "
                    "data protection authority: %(authority)s.") % {"authority": DATA_AUTHORITIES.get(jurisdiction, DATA_AUTHORITIES["ES"])},
        "contact": f"{agency['name']}, {agency['email']}",
    }


# --- paying online (Redsys) ------------------------------------------------------------------------------------

def payment_salt() -> str:
    """Four characters that keep this installation's Redsys order numbers apart from another's on a shared terminal."""
    return hashlib.sha256(get_settings().secret_key.encode()).hexdigest()[:4].upper()


def amount_error(reason: str, outstanding: Decimal, currency: str) -> ClientException:
    return ClientException(detail={
        "format": _("Type the amount in euros with at most two decimals, for example 100 or 100,50."),
        "minimum": _("The least you can pay online is %(amount)s.") % {"amount": i18n.format_money(Decimal("1.00"), currency)},
        "maximum": _("You owe %(amount)s: pay that or less.") % {"amount": i18n.format_money(outstanding, currency)},
    }[reason])


async def start_payment(visitor: DebtorVisitor, raw_amount: object, method: str, language: str, today: date) -> dict:
    """A card or Bizum payment the debtor asks for: recorded as pending, and the signed form for Redsys's hosted
    page. Only Redsys's signed notification books it (``notification``)."""
    settings = get_settings()
    await refuse_in_insolvency(visitor)
    if not settings.redsys_enabled:
        raise HTTPException(status_code=503, detail=_("Paying online is not available; pay by bank transfer with the case reference."))
    if method not in redsys.PAY_METHODS:
        raise ClientException(detail=_("Choose card or Bizum."))
    case = await scoped(Case.select(Case.id, Case.reference, Case.currency), visitor, Case.organisation, case=Case.id).first()
    # what is owed, less what the debtor is paying right now in another tab (started in the last 20 minutes, the time
    # Redsys gives a buyer, and not yet notified)
    pending = await OnlinePayment.select(OnlinePayment.amount_cents).where(
        (OnlinePayment.case == case["id"]) & (OnlinePayment.status == "pending") & (OnlinePayment.created_at > utcnow() - PENDING_HOLD))
    outstanding = max((await balance_of(case["id"], today)).outstanding - from_cents(sum(p["amount_cents"] for p in pending)), Decimal(0))
    try:
        amount = online_amount(raw_amount, outstanding)
    except AmountError as exc:
        raise amount_error(str(exc), outstanding, case["currency"]) from None
    async with atomic():
        row = (await OnlinePayment.insert(OnlinePayment(case=case["id"], amount_cents=to_cents(amount), method=method)).returning(
            OnlinePayment.id))[0]
        order = order_number(row["id"], payment_salt())
        await OnlinePayment.update({OnlinePayment.order_number: order}).where(OnlinePayment.id == row["id"])
    base = settings.base_url
    request = redsys.payment_request(
        url=settings.redsys_url, secret_b64=settings.redsys_secret_key, merchant_code=settings.redsys_merchant_code,
        terminal=settings.redsys_terminal, order=order, amount_cents=to_cents(amount), method=method,
        notification_url=f"{base}/payments/redsys/notification", ok_url=f"{base}/portal/payment/{order}",
        ko_url=f"{base}/portal/payment/{order}",
        language=language, description=_("Payment of case %(reference)s") % {"reference": case["reference"]})
    return {"payment_id": row["id"], "order": order, "amount": str(amount), "redirect": {"url": request.url, "fields": request.fields}}


NOTIFIED_CASE_SQL = ("SELECT c.id, c.stage, c.tariff_snapshot, c.jurisdiction, c.demanded_on, d.kind AS debtor_kind, " + JUDGMENT_ON + ", "
                     + RATES_VERSION + " "
                     "FROM collection_cases c LEFT JOIN debtors d ON d.id = c.debtor WHERE c.id = {}")


async def notification(signature_version: str, merchant_parameters: str, signature: str, today: date) -> str:
    """Redsys's signed notification for an order: a verified approval books the payment once (the same notification
    again books nothing); a refusal is recorded; an amount that differs from the order is kept as a mismatch and
    books nothing. Returns what happened; a bad signature raises redsys.SignatureError (400)."""
    settings = get_settings()
    note = redsys.verify_notification(settings.redsys_secret_key, signature_version, merchant_parameters, signature)
    rows = await fetch_records('SELECT id, "case", status, amount_cents, method FROM online_payments WHERE order_number = {}', note.order)
    pending = rows[0] if rows else None
    if pending is None:
        raise redsys.SignatureError("unknown order")
    # Final: paid, and a mismatch (for a person to look at). A refusal may be followed by an approval of the same order
    # (Redsys lets the buyer try again): only that approval changes it.
    if pending["status"] in ("paid", "mismatch") or (pending["status"] == "failed" and not note.approved):
        return "already " + pending["status"]
    now = utcnow()
    if not note.approved:
        won = await OnlinePayment.update({OnlinePayment.status: "failed", OnlinePayment.response: f"{note.response:04d}",
                                          OnlinePayment.notified_at: now}).where(
            (OnlinePayment.id == pending["id"]) & (OnlinePayment.status == "pending")).returning(OnlinePayment.id)
        if won:
            await events.record(pending["case"], "portal_payment_failed", None, "", {
                "order": note.order, "amount": str(from_cents(pending["amount_cents"])), "method": pending["method"],
                "response": f"{note.response:04d}"}, visible_to_creditor=False)
        return "failed"
    if note.amount_cents != pending["amount_cents"] or (note.currency and note.currency != redsys.EURO) or (
            note.merchant_code and note.merchant_code != settings.redsys_merchant_code):
        won = await OnlinePayment.update({OnlinePayment.status: "mismatch", OnlinePayment.response: f"{note.response:04d}",
                                          OnlinePayment.notified_at: now}).where(
            (OnlinePayment.id == pending["id"]) & OnlinePayment.status.is_in(["pending", "failed"])).returning(OnlinePayment.id)
        if not won:
            return "already changed"
        await events.record(pending["case"], "portal_payment_failed", None, "", {
            "order": note.order, "amount": str(from_cents(pending["amount_cents"])), "notified": str(from_cents(note.amount_cents)),
            "method": pending["method"], "response": "mismatch"}, visible_to_creditor=False)
        return "mismatch"
    async with atomic():
        won = await fetch_records("UPDATE online_payments SET status = 'paid', response = {}, authorisation = {}, notified_at = {} "
                                  "WHERE id = {} AND status IN ('pending', 'failed') RETURNING id",
                                  f"{note.response:04d}", note.authorisation, now, pending["id"])
        if not won:  # a repeated notification got there first
            return "already paid"
        # The money arrived: it is booked whole. Beyond what was owed (two tabs, a transfer meanwhile) it is returned to the
        # debtor, and earns no fee: staff are told. (The case read once: its stage and tariff for the fee, what the balance needs.)
        await lock_case(pending["case"])  # (what is owed, read next, is not taken by another payment of the case at this moment)
        case = (await fetch_records(NOTIFIED_CASE_SQL, pending["case"]))[0]
        owed = to_cents((await balance_of(case["id"], today, case)).outstanding)
        entry_id = await book_payment(case, pending["amount_cents"], today, pending["method"], f"Redsys {note.order} {note.authorisation}",
                                      f"redsys:{note.order}", None, today, extra={"order": note.order, "online": True},
                                      fee_on_cents=min(pending["amount_cents"], owed))
        await fetch_records("UPDATE online_payments SET ledger_entry = {} WHERE id = {} RETURNING id", entry_id, pending["id"])
        if pending["amount_cents"] > owed:
            await events.record(case["id"], "portal_overpaid", None, "", {
                "order": note.order, "amount": str(from_cents(pending["amount_cents"])), "to_return": str(from_cents(pending["amount_cents"] - owed))},
                visible_to_creditor=False)
            await _surface(case["id"])
    return "paid"


async def payment_status(order: str, visitor: DebtorVisitor | None) -> dict | None:
    """What the debtor's return from Redsys shows: their own order's status (nothing to anyone else)."""
    if visitor is None:
        return None
    return await scoped(OnlinePayment.select(OnlinePayment.amount_cents, OnlinePayment.status, OnlinePayment.method,
                                             OnlinePayment.case.currency.as_alias("currency")), visitor, OnlinePayment.case.organisation,
                        case=OnlinePayment.case).where(OnlinePayment.order_number == order).first()


# --- disputes, call-backs and messages ------------------------------------------------------------------------

def refusal(exc: RequestError, texts: dict, status: int = 400) -> ClientException:
    """What was asked, refused: the text for ``exc`` (field, reason) with its values, and the field in ``errors``."""
    text = texts[(exc.field, str(exc))]
    return ClientException(status_code=status, detail=text % exc.values if exc.values else text, extra={"errors": {exc.field: str(exc)}})


def request_error(exc: RequestError) -> ClientException:
    texts = {
        ("on", "format"): _("Give the day as YYYY-MM-DD."),
        ("on", "range"): _("Choose a day from today to %(n)s days ahead.") % {"n": CALLBACK_DAYS},
        ("reason", "short"): _("Tell us in a few words what is wrong."),
        ("phone", "invalid"): _("That phone number does not look right: write it with its prefix, for example +34 600 000 000."),
        ("slot", "invalid"): _("Choose morning or afternoon."),
        ("on", "closed"): _("We do not call on Sundays or public holidays: choose another day."),
        ("invoice_numbers", "none"): _("Choose the invoices you dispute."),
        ("invoice_numbers", "unknown"): _("These are not invoices of your debt: %(numbers)s."),
        ("text", "short"): _("Write your message (a few words at least)."),
    }
    return refusal(exc, texts)


async def _surface(case_id: int) -> None:
    """Something from the debtor for staff to look at: the case's next action is due now (the queue shows it first
    among the due ones), and its score is refreshed."""
    await Case.update({Case.next_action_at: utcnow()}).where(Case.id == case_id)
    await rescore([case_id])


async def dispute(visitor: DebtorVisitor, invoice_numbers: list[str], reason: str,
                  files: list[tuple[BinaryIO, str, int, str]] = ()) -> tuple[int, list[str]]:
    """The debtor disputes these invoices of their case: they leave dunning and the balance, the bureau withdraws
    them in its next batch, staff see it first in the queue, the creditor on the timeline. (the dispute's id, the
    invoices). ``files`` (file, name, size, SHA-256), sent with it from the page, are checked before anything is
    written: a refused one refuses the whole, naming it."""
    if len(files) > MAX_DISPUTE_FILES:
        raise ClientException(detail=_("Send at most %(n)s files with an objection.") % {"n": MAX_DISPUTE_FILES})
    for fileobj, filename, size, _sha in files:
        check_file(fileobj, filename, size)
    try:
        reason = dispute_reason(reason)
        wanted = list(dict.fromkeys(n.strip() for n in invoice_numbers or () if n and n.strip()))
        if not wanted:
            raise RequestError("invoice_numbers", "none")
    except RequestError as exc:
        raise request_error(exc) from None
    rows = await scoped(Invoice.select(Invoice.id, Invoice.number, Invoice.disputed), visitor, Invoice.case.organisation,
                        case=Invoice.case).where(Invoice.number.is_in(wanted))
    unknown = [n for n in wanted if n not in {r["number"] for r in rows}]
    if unknown:
        raise request_error(RequestError("invoice_numbers", "unknown", numbers=", ".join(unknown)))
    fresh = [r for r in rows if not r["disputed"]]
    async with atomic():
        if fresh:
            await totals.leave([visitor.case_id])  # (the report totals count undisputed invoices)
            await Invoice.update({Invoice.disputed: True}).where(Invoice.id.is_in([r["id"] for r in fresh]))
            await totals.enter([visitor.case_id])
        dispute_id = await events.record(visitor.case_id, "portal_dispute", None, reason[:500],
                                         {"invoices": [r["number"] for r in rows], "reason": reason}, visible_to_creditor=True)
        await _surface(visitor.case_id)
    for fileobj, filename, size, sha in files:
        await dispute_file(visitor, dispute_id, fileobj, filename, size, sha)
    return dispute_id, [r["number"] for r in rows]


MAX_DISPUTE_FILES = 5


async def dispute_file(visitor: DebtorVisitor, dispute_id: int, fileobj: BinaryIO, filename: str, size: int, sha256: str) -> dict:
    """A file the debtor sends for one of their disputes: evidence of the case (checked and sniffed as any evidence),
    its event naming the dispute. At most MAX_DISPUTE_FILES a dispute; another case's dispute is a 404."""
    row = await scoped(CaseEvent.select(CaseEvent.id, CaseEvent.case.organisation.as_alias("organisation")), visitor,
                       CaseEvent.case.organisation, case=CaseEvent.case).where(
        (CaseEvent.id == dispute_id) & (CaseEvent.kind == "portal_dispute")).first()
    if row is None:
        raise NotFoundException(detail=_("Not found."))
    added = await scoped(CaseEvent.select(CaseEvent.payload), visitor, CaseEvent.case.organisation, case=CaseEvent.case).where(
        CaseEvent.kind == "evidence_added")
    if sum((json.loads(e["payload"]) if isinstance(e["payload"], str) else e["payload"] or {}).get("dispute") == dispute_id
           for e in added) >= MAX_DISPUTE_FILES:
        raise ClientException(detail=_("Send at most %(n)s files with an objection.") % {"n": MAX_DISPUTE_FILES})
    stored = await store_evidence(None, row["organisation"], fileobj, filename, size, sha256, "correspondence", case_id=visitor.case_id,
                                  note={"dispute": dispute_id, "portal": True})
    # (a file the case already holds is not stored twice; the debtor reads back their own name for it, not the other's)
    return {"id": stored["id"], "filename": filename, "content_type": stored["content_type"], "size": size, "sha256": sha256}


async def callback(visitor: DebtorVisitor, phone: str, on: str, slot: str, country: str, today: date) -> datetime:
    """The debtor asks to be called: the case's next action falls due then, in the negotiator's queue."""
    await refuse_in_insolvency(visitor)
    try:
        day = callback_day(on, today)
        if slot not in CALLBACK_SLOTS:
            raise RequestError("slot", "invalid")
        try:
            number = normalise_phone(phone, country)
        except ValueError:
            raise RequestError("phone", "invalid") from None
    except RequestError as exc:
        raise request_error(exc) from None
    due = datetime.combine(day, CALLBACK_SLOTS[slot], tzinfo=i18n.DISPLAY_TZ).astimezone(timezone.utc)
    async with atomic():
        await Case.update({Case.next_action_at: due}).where(Case.id == visitor.case_id)
        await events.record(visitor.case_id, "portal_callback", None, number,
                            {"phone": number, "on": day.isoformat(), "slot": slot}, visible_to_creditor=False)
        await rescore([visitor.case_id])
    return due


async def message(visitor: DebtorVisitor, text: str) -> None:
    body = " ".join(str(text or "").split())
    if len(body) < 3:
        raise request_error(RequestError("text", "short"))
    async with atomic():
        await events.record(visitor.case_id, "portal_message", None, body[:500], {"body": body[:2000]}, visible_to_creditor=False)
        await _surface(visitor.case_id)


# --- a plan the debtor chooses -----------------------------------------------------------------------------------

PLAN_METHODS = ("transfer", "card", "sepa_direct_debit")
PENDING_HOLD = timedelta(minutes=20)


def plan_error(exc: RequestError) -> ClientException:
    """A plan outside the creditor's rules: 422 naming the rule; other mistakes 400."""
    texts = {
        ("instalments", "bracket"): _("For what you owe you can choose from 1 to %(max)s instalments."),
        ("first_due_on", "range"): _("The first instalment must fall between today and %(last)s."),
        ("first_due_on", "format"): _("Give the day of the first instalment as YYYY-MM-DD."),
        ("method", "invalid"): _("Choose how you will pay: bank transfer, card or direct debit."),
        ("iban", "invalid"): _("That IBAN is not valid: check it on your bank statement."),
        ("account_holder", "missing"): _("Write the name of the account holder."),
        ("accept", "missing"): _("Read the acknowledgement and tick that you accept it."),
        ("plan", "nothing"): _("There is nothing left to pay in instalments."),
    }
    if "last" in exc.values:
        exc.values["last"] = i18n.format_day(date.fromisoformat(exc.values["last"]))
    return refusal(exc, texts, 422 if str(exc) in {"bracket", "range"} else 400)


@dataclass(frozen=True)
class PlanChoice:
    instalments: list[tuple[int, date, int]]
    total_cents: int
    text: str
    sha256: str


async def plan_choice(visitor: DebtorVisitor, count: object, first_due_on: object, method: str, today: date) -> PlanChoice:
    """The plan a debtor is choosing, within the creditor's rules, and the acknowledgement they will accept."""
    await refuse_in_insolvency(visitor)  # in concurso: no plan (the debt is the proceedings')
    case = await scoped(Case.select(Case.id, Case.reference, Case.currency, Case.jurisdiction, Case.organisation, Case.debtor.name.as_alias("debtor"),
                                    Case.debtor.kind.as_alias("kind"), Case.organisation.legal_name.as_alias("creditor"),
                                    Case.organisation.tax_id.as_alias("creditor_tax_id")), visitor, Case.organisation, case=Case.id).first()
    if await PaymentPlan.exists().where((PaymentPlan.case == case["id"]) & (PaymentPlan.status == "active")):
        raise HTTPException(status_code=409, detail=_("You already have an instalment plan. To change it, write to us or ask for a call."))
    total = to_cents((await balance_of(case["id"], today)).outstanding)
    try:
        if total <= 0:
            raise RequestError("plan", "nothing")
        if method not in PLAN_METHODS:
            raise RequestError("method", "invalid")
        try:
            first = date.fromisoformat(str(first_due_on)[:10])
            n = int(str(count))
        except ValueError:
            raise RequestError("first_due_on", "format") from None
        brackets, days, _source = await plan_rules_for(case["organisation"])
        parts = debtor_plan(total, n, first, today, brackets, days)
    except RequestError as exc:
        raise plan_error(exc) from None
    invoices = await scoped(Invoice.select(Invoice.number), visitor, Invoice.case.organisation, case=Invoice.case).where(
        Invoice.disputed == False).order_by(Invoice.due_date)  # noqa: E712
    text = acknowledgement_text(debtor=case["debtor"], consumer=case["kind"] != "company", creditor=case["creditor"],
                                creditor_tax_id=case["creditor_tax_id"], agency=get_settings().agency_name, reference=case["reference"],
                                invoices=[i["number"] for i in invoices], outstanding=from_cents(total), instalments=parts, method=method,
                                day=today, currency=case["currency"], jurisdiction=case["jurisdiction"])
    return PlanChoice(parts, total, text, hashlib.sha256(text.encode()).hexdigest())


async def choose_plan(visitor: DebtorVisitor, count: object, first_due_on: object, method: str, iban: str, holder: str, accept: bool,
                      address: str, user_agent: str, today: date) -> dict:
    """The debtor accepts a plan within the rules: the plan (it replaces any other and fixes what is owed), their
    acceptance of the acknowledgement's exact text (time, address, browser, SHA-256) as its signature, an
    acknowledgement on the timeline (limitation starts again), and for a direct debit the mandate."""
    choice = await plan_choice(visitor, count, first_due_on, method, today)
    terms: dict = {}
    try:
        if not accept:
            raise RequestError("accept", "missing")
        if method == "sepa_direct_debit":
            try:
                account = IBAN(iban or "")
            except SchwiftyException:
                raise RequestError("iban", "invalid") from None
            if not account.in_sepa_zone:  # a SEPA direct debit is drawn on an account in the SEPA area
                raise RequestError("iban", "invalid")
            if not " ".join(str(holder or "").split()):
                raise RequestError("account_holder", "missing")
            terms = {"debtor_iban": account.compact, "account_holder": " ".join(str(holder).split())[:140]}
    except RequestError as exc:
        raise plan_error(exc) from None
    now = utcnow()
    reference = (await Case.select(Case.reference).where(Case.id == visitor.case_id).first())["reference"]
    async with atomic():
        plan_id = await create_plan(visitor.case_id, choice.total_cents, choice.instalments, "monthly", None, method=method,
                                    accepted_at=now, accepted_from=address[:64], accepted_agent=user_agent[:200],
                                    acknowledgement_sha256=choice.sha256, acknowledgement_text=choice.text, **terms)
        mandate = None
        if method == "sepa_direct_debit":
            mandate = f"{reference}-M{plan_id}"[:35]
            await PaymentPlan.update({PaymentPlan.mandate_reference: mandate}).where(PaymentPlan.id == plan_id)
        await events.record(visitor.case_id, "acknowledgement", None, _("Accepted by the debtor on their page."), {
            "on": today.isoformat(), "portal": True, "plan": plan_id, "sha256": choice.sha256, "address": address[:64],
            "method": method, "mandate": mandate}, visible_to_creditor=True)
    document = (await PaymentPlan.select(PaymentPlan.acknowledgement_document).where(PaymentPlan.id == plan_id).first())[
        "acknowledgement_document"]
    return {"plan": plan_id, "instalments": [{"number": n, "due_on": d.isoformat(), "amount": str(from_cents(c))} for n, d, c in choice.instalments],
            "acknowledgement_sha256": choice.sha256, "mandate_reference": mandate, "acknowledgement_document_id": document}


# --- the creditor's rules for the plans their debtors may choose ------------------------------------------------------

def _brackets_out(brackets: tuple[Bracket, ...]) -> list[dict]:
    return [{"up_to": None if b.up_to_cents is None else str(from_cents(b.up_to_cents)), "max_instalments": b.max_instalments,
             "min_first_percent": b.min_first_percent} for b in brackets]


async def plan_rules_for(organisation_id: int | None) -> tuple[tuple[Bracket, ...], int, str]:
    """(brackets, days to the first payment, "creditor" | "agency" | "default"): the creditor's latest rules, else the
    agency's, else the shipped default (DEFAULT_BRACKETS)."""
    owners = [(PlanRules.organisation == organisation_id, "creditor")] if organisation_id is not None else []
    for where, source in [*owners, (PlanRules.organisation.is_null(), "agency")]:
        row = await PlanRules.select(PlanRules.brackets, PlanRules.first_due_days).where(where).order_by(PlanRules.id, ascending=False).first()
        if row:
            return plan_rules_from({**row, "rules_owner": organisation_id if source == "creditor" else None})
    return DEFAULT_BRACKETS, FIRST_DUE_DAYS, "default"


def plan_rules_from(row) -> tuple[tuple[Bracket, ...], int, str]:
    """plan_rules_for from a row that read the rules in force (brackets, first_due_days, rules_owner: None for the
    agency's; brackets None: none set, the shipped default)."""
    if row["brackets"] is None:
        return DEFAULT_BRACKETS, FIRST_DUE_DAYS, "default"
    return tuple(Bracket(b["up_to_cents"], b["max_instalments"], b["min_first_percent"]) for b in json.loads(row["brackets"])), \
        row["first_due_days"], "creditor" if row["rules_owner"] is not None else "agency"


async def rules_owner(user: CurrentUser, organisation_id: int | None) -> int | None:
    """Whose rules ``user`` reads or sets: a creditor, their own organisation's; an admin, the one named (None: the
    agency's default); other staff read them only."""
    if user.role == Role.creditor:
        if organisation_id not in (None, user.organisation_id):
            raise NotFoundException(detail=_("Not found."))
        return user.organisation_id
    if organisation_id is not None:
        await get_visible(Organisation.select(Organisation.id).where(Organisation.id == organisation_id), user, Organisation.id)
    return organisation_id


async def read_plan_rules(user: CurrentUser, organisation_id: int | None) -> dict:
    owner = await rules_owner(user, organisation_id)
    brackets, days, source = await plan_rules_for(owner)
    return {"organisation_id": owner, "brackets": _brackets_out(brackets), "first_due_days": days, "source": source}


async def save_plan_rules(user: CurrentUser, organisation_id: int | None, raw_brackets: object, first_due_days: object) -> dict:
    """A creditor sets the plans their debtors may choose; an admin sets any creditor's or the agency's default. A new
    row each time (the earlier rules stay on record). 400 naming what to fix."""
    if user.role not in (Role.admin, Role.creditor):
        raise PermissionDeniedException(detail=_("Only the creditor or an administrator sets these rules."))
    owner = await rules_owner(user, organisation_id)
    try:
        brackets, days = check_brackets(raw_brackets, first_due_days)
    except RequestError as exc:
        texts = {
            ("brackets", "list"): _("Give from 1 to 10 brackets, each with up_to (euros, or null for any larger debt), max_instalments "
                                    "and min_first_percent."),
            ("brackets", "amount"): _("Bracket %(n)s: up_to is an amount in euros, or null."),
            ("brackets", "order"): _("Bracket %(n)s: the brackets go from the smallest debt up, and only the last may have no upper limit."),
            ("brackets", "instalments"): _("Bracket %(n)s: from 1 to %(max)s instalments."),
            ("brackets", "percent"): _("Bracket %(n)s: the first payment's minimum is a whole percentage from 0 to 100."),
            ("first_due_days", "range"): _("The first payment falls within 1 to 90 days."),
        }
        raise refusal(exc, texts) from None
    stored = json.dumps([{"up_to_cents": b.up_to_cents, "max_instalments": b.max_instalments, "min_first_percent": b.min_first_percent}
                         for b in brackets])
    await PlanRules.insert(PlanRules(organisation=owner, brackets=stored, first_due_days=days, created_by=user.id))
    return {"organisation_id": owner, "brackets": _brackets_out(brackets), "first_due_days": days,
            "source": "creditor" if owner is not None else "agency"}
