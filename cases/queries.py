"""Reads of cases, always through the tenancy scope."""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import ClientException, NotFoundException
from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Sum
from piccolo.querystring import QueryString

from agency import access
from agency.auth import CurrentUser
from agency.db import fetch_records, is_sqlite
from agency.i18n import gettext as _
from agency.tenancy import get_visible, scoped, scoped_sql
from cases.billing.balances import balance_dict, balance_of
from cases.billing.fees import creditor_figures
from cases.money import to_cents
from cases.tables import Case, CaseEvent, Evidence, Invoice, LedgerEntry, MessageTemplate
from legal.rules.jurisdictions import MissingRate

PAGE_SIZE = 25
REFERENCE = re.compile(r"[A-Z]{2,5}-\d{4}-\d{6,}")  # a case reference whole (EXP-2026-000123)
STAGES = ("intake", "amicable", "mediation", "credit_bureau", "court", "closed")

CASE_COLUMNS = (
    Case.id,
    Case.reference,
    Case.stage,
    Case.outcome,
    Case.creditor_reference,
    Case.currency,
    Case.jurisdiction,
    Case.limitation_date,
    Case.next_action_at,
    Case.created_at,
    Case.closed_at,
    Case.held_at,
    Case.held_reason,
    Case.organisation.as_alias("organisation_id"),
    Case.organisation.legal_name.as_alias("creditor_name"),
    Case.debtor.name.as_alias("debtor_name"),
    Case.debtor.tax_id.as_alias("debtor_tax_id"),
    Case.negotiator.name.as_alias("negotiator_name"),
    Case.lawyer.name.as_alias("lawyer_name"),
)


def search_key(text: str) -> str:
    """A name as it is searched: without accents, case or punctuation, so that "munoz garcia sl" finds
    "Muñoz-García, S.L." and "joao" finds "João" (negotiators type names as they hear them). Kept in
    debtors.search_name by everything that writes a debtor; a search term goes through it too. Changing
    what it does means a migration that writes search_name again (as 2026-12-01T18:30:01 first did): the
    names kept and the terms typed must be folded alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words: list[str] = []
    run = False  # the last word is the letters of an abbreviation written apart ("s l" of "S.L.")
    for word in "".join(ch if ch.isalnum() else " " for ch in plain).split():
        single = len(word) == 1 and word.isalpha()
        if single and run:
            words[-1] += word  # "S.L." is "sl", as it is typed
        else:
            words.append(word)
            run = single
    return " ".join(words)[:200]  # "ß" becomes "ss": never past the column


def like_safe(term: str) -> str:
    """A search term taken literally: LIKE's wildcards are dropped rather than obeyed."""
    return term.replace("%", "").replace("_", " ").replace("\\", "")


@dataclass(frozen=True)
class CaseFilter:
    stage: str | None = None
    q: str | None = None
    page: int = 1
    assigned_to: int | None = None
    unassigned_or_mine: int | None = None
    sort: str = "opened"  # one of SORTS
    descending: bool = True


def _found_by(term: str, case_id):
    """What a search finds, for the case list and its total alike, as one set of case ids: the reference
    or the debtor's name in part ("munoz garcia sl" finds "Muñoz-García, S.L."; the name as typed too),
    the debtor's tax id, the creditor's reference or an invoice number whole. Each part of the UNION can
    use its own index (trigrams on PostgreSQL, see migration 2026-12-01T19:45); the tenancy scope applies
    to the query this condition is put in. ``case_id`` is Case.id, or a column holding it (Invoice.case)."""

    like = like_safe(term)
    name = search_key(term)
    op = "LIKE" if is_sqlite() else "ILIKE"  # SQLite's LIKE already ignores (ASCII) case
    parts, args = ["SELECT id FROM collection_cases WHERE creditor_reference = {}"], [term]
    parts.append('SELECT "case" FROM invoices WHERE number = {}')
    args.append(term)
    debtor = ["d.tax_id = {}"]
    args_debtor = [term.upper()]
    if REFERENCE.fullmatch(term.upper()):  # a whole reference, as copied from a letter: the unique index answers
        parts.append("SELECT id FROM collection_cases WHERE reference = {}")
        args.append(term.upper())
    elif like.strip() and is_sqlite():  # in part through the FTS5 trigram tables (migration cases 2026-12-07T15:30), not a scan
        parts.append("SELECT rowid FROM collection_cases_search WHERE reference LIKE {}")
        args.append(f"%{like}%")
        if not name:  # (a term of no letter or digit: the name as typed, which no index holds; the folded name holds the rest)
            debtor.append("d.name LIKE {}")
            args_debtor.append(f"%{like}%")
    elif like.strip():  # nothing left to look for in part (a lone "%"): no match in part, not every row
        parts.append(f"SELECT id FROM collection_cases WHERE reference {op} {{}}")
        args.append(f"%{like}%")
        debtor.append(f"d.name {op} {{}}")
        args_debtor.append(f"%{like}%")
    if name and is_sqlite():
        parts.append("SELECT id FROM collection_cases WHERE debtor IN (SELECT rowid FROM debtors_search WHERE search_name LIKE {})")
        args.append(f"%{name}%")
    elif name:
        debtor.append("d.search_name LIKE {}")
        args_debtor.append(f"%{name}%")
    parts.append("SELECT c.id FROM collection_cases c JOIN debtors d ON d.id = c.debtor WHERE " + " OR ".join(debtor))
    ids = QueryString(" UNION ".join(parts), *args, *args_debtor)
    if is_sqlite():
        return case_id.is_in(ids)
    # On PostgreSQL the set is worked out first and the cases read by their key, whatever the planner
    # guesses of its size (IN let it scan every case to join them: 265 ms for one reference; this, 1 ms).

    return WhereRaw(f"{case_id._meta.get_full_name(with_alias=False)} = ANY(ARRAY({{}}))", ids)


def _apply(query, f: CaseFilter):
    if f.stage in STAGES:
        query = query.where(Case.stage == f.stage)
    if f.q and f.q.strip():
        query = query.where(_found_by(f.q.strip()[:100], Case.id))
    if f.unassigned_or_mine is not None:
        query = query.where(Case.negotiator.is_null() | (Case.negotiator == f.unassigned_or_mine))
    return query


MAX_PAGE = 100_000

# The columns a case list may be sorted by, each read through an index at a million cases: the opening date
# (created_at, alone and with the organisation and the stage: migration 2026-11-23T17:11:30) and the reference
# (unique; with the organisation for a creditor's list, with the stage for a stage's: migration 2026-12-07T09:40).
# What is owed is no column (it is reckoned per case) and is not offered.
SORTS = {"opened": Case.created_at, "reference": Case.reference}
DIRECTIONS = ("asc", "desc")


def parse_sort(sort: str | None, direction: str | None) -> tuple[str, bool] | None:
    """(sort, descending) from a list's URL (?sort=reference&dir=asc); newest first when none is given, a reference
    ascending when no direction is; None when either is not one the list knows."""
    sort = sort or "opened"
    if sort not in SORTS or (direction and direction not in DIRECTIONS):
        return None
    return sort, (direction == "desc") if direction else sort == "opened"


async def list_cases(user: CurrentUser, f: CaseFilter) -> tuple[list[dict], int]:
    page = min(max(f.page, 1), MAX_PAGE)
    ascending = not f.descending
    rows = await _apply(scoped(Case.select(*CASE_COLUMNS), user, Case.organisation), f).order_by(
        SORTS.get(f.sort, Case.created_at), ascending=ascending
    ).order_by(Case.id, ascending=ascending).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    total = await count_cases(user, f)
    return rows, total


async def count_cases(user: CurrentUser, f: CaseFilter) -> int:
    return await _apply(scoped(Case.count(), user, Case.organisation), f)


async def case_chunks(user: CurrentUser, f: CaseFilter, size: int = 1000, limit: int | None = None) -> AsyncIterator[list[dict]]:
    """Every case of the list, ``size`` at a time, in the list's order, for an export: each chunk read by its key after
    the last one's (keyset: no OFFSET walked again at each chunk). The opening order is the case id's (ids are given as
    cases are opened; created_at is not unique, and is text on SQLite); the reference is unique."""
    key = Case.reference if f.sort == "reference" else Case.id
    last = None
    left = limit
    while left is None or left > 0:
        query = _apply(scoped(Case.select(*CASE_COLUMNS), user, Case.organisation), f)
        if last is not None:
            query = query.where(key < last if f.descending else key > last)
        take = size if left is None else min(size, left)
        rows = await query.order_by(key, ascending=not f.descending).limit(take)
        if not rows:
            return
        yield rows
        if len(rows) < take:
            return
        last = rows[-1][key._meta.name]
        if left is not None:
            left -= len(rows)


CASE_DETAIL_COLUMNS = (
    *CASE_COLUMNS,
    Case.notes,
    Case.debtor.id.as_alias("debtor_id"),
    Case.debtor.kind.as_alias("debtor_kind"),
    Case.debtor.email.as_alias("debtor_email"),
    Case.debtor.phone.as_alias("debtor_phone"),
    Case.debtor.address_line1.as_alias("debtor_address_line1"),
    Case.debtor.city.as_alias("debtor_city"),
    Case.debtor.postal_code.as_alias("debtor_postal_code"),
    Case.debtor.country.as_alias("debtor_country"),
    Case.debtor.classification.as_alias("debtor_classification"),
    Case.debtor.vulnerable.as_alias("debtor_vulnerable"),
    Case.negotiator.as_alias("negotiator_id"),
)

# get_case's query written out (the same columns and joins as CASE_DETAIL_COLUMNS), for PostgreSQL: Piccolo built the
# select with its five joins afresh on every call, and that was most of the case page's own time (tests/bench/
# test_case_page_speed.py). SQLite keeps Piccolo's, which also turns its stored text into dates and times.
CASE_DETAIL_SQL = (
    "SELECT c.id, c.reference, c.stage, c.outcome, c.creditor_reference, c.currency, c.jurisdiction, c.limitation_date,"
    " c.next_action_at, c.created_at, c.closed_at, c.held_at, c.held_reason, c.organisation AS organisation_id,"
    " o.legal_name AS creditor_name, d.name AS debtor_name, d.tax_id AS debtor_tax_id, n.name AS negotiator_name,"
    " l.name AS lawyer_name, c.notes, d.id AS debtor_id, d.kind AS debtor_kind, d.email AS debtor_email, d.phone AS debtor_phone,"
    " d.address_line1 AS debtor_address_line1, d.city AS debtor_city, d.postal_code AS debtor_postal_code,"
    " d.country AS debtor_country, d.classification AS debtor_classification, d.vulnerable AS debtor_vulnerable,"
    " c.negotiator AS negotiator_id"
    " FROM collection_cases c LEFT JOIN organisations o ON o.id = c.organisation LEFT JOIN debtors d ON d.id = c.debtor"
    " LEFT JOIN users n ON n.id = c.negotiator LEFT JOIN users l ON l.id = c.lawyer"
    " WHERE c.id = {} AND "
)


async def get_case(user: CurrentUser, case_id: int) -> dict:
    if is_sqlite():
        return await get_visible(Case.select(*CASE_DETAIL_COLUMNS).where(Case.id == case_id), user, Case.organisation)
    condition, args = scoped_sql(user, "c.organisation")
    rows = await fetch_records(CASE_DETAIL_SQL + condition, case_id, *args)
    if not rows:
        raise NotFoundException(detail=_("Not found."))
    return dict(rows[0])


async def claimed_by_case(case_ids: list[int]) -> dict[int, int]:
    """Principal claimed per case, in cents (one query for a page of cases)."""
    if not case_ids:
        return {}
    rows = await Invoice.select(Invoice.case, Sum(Invoice.amount_cents, alias="cents")).where(Invoice.case.is_in(case_ids)).group_by(
        Invoice.case
    )
    return {r["case"]: int(r["cents"] or 0) for r in rows}


async def claimed_total(user: CurrentUser, f: CaseFilter) -> int:
    """Principal claimed over every case the filter finds (not just the page), in cents."""
    query = Invoice.select(Sum(Invoice.amount_cents, alias="cents"))
    query = scoped(query, user, Invoice.case.organisation)
    if f.stage in STAGES:
        query = query.where(Invoice.case.stage == f.stage)
    if f.q and f.q.strip():
        query = query.where(_found_by(f.q.strip()[:100], Invoice.case))
    row = await query.first()
    return int(row["cents"] or 0) if row else 0


async def case_invoices(case_id: int) -> list[dict]:
    if is_sqlite():  # (Piccolo's select turns SQLite's stored text into dates)
        return await Invoice.select().where(Invoice.case == case_id).order_by(Invoice.due_date).order_by(Invoice.id)
    return [dict(r) for r in await fetch_records('SELECT * FROM invoices WHERE "case" = {} ORDER BY due_date, id', case_id)]


async def case_evidence(case_id: int) -> list[dict]:
    return await Evidence.select(
        Evidence.id, Evidence.original_name, Evidence.content_type, Evidence.kind, Evidence.size, Evidence.sha256, Evidence.created_at,
        Evidence.uploaded_by.name.as_alias("uploaded_by_name"),
    ).where(Evidence.case == case_id).order_by(Evidence.id)


async def case_events(user: CurrentUser, case_id: int, limit: int = 200) -> list[dict]:
    """Newest first; a creditor sees only what is meant for creditors."""
    query = CaseEvent.select(
        CaseEvent.id, CaseEvent.kind, CaseEvent.at, CaseEvent.summary, CaseEvent.payload, CaseEvent.visible_to_creditor,
        CaseEvent.actor.name.as_alias("actor_name"),
    ).where(CaseEvent.case == case_id)
    if not user.is_staff:
        query = query.where(CaseEvent.visible_to_creditor == True)  # noqa: E712
    rows = await query.order_by(CaseEvent.at, ascending=False).order_by(CaseEvent.id, ascending=False).limit(limit)
    for row in rows:
        if isinstance(row["payload"], str):
            row["payload"] = json.loads(row["payload"] or "{}")
    return rows


async def case_balance(case_id: int) -> dict[str, Any]:
    """Interest and compensation accrued to today; a rate missing from the table is named on the page
    (the figures wait for it), never a silent zero nor a broken page."""

    try:
        b = await balance_of(case_id)
        return {"balance": balance_dict(b), "balance_error": "", "interest_from": b.interest_from,
                # how each payment was applied (by ledger entry id), and what is left of each invoice
                "applied": {a.ref: a for a in b.allocations}, "invoice_balances": {i.number: i for i in b.invoices},
                "agency_costs_paid": to_cents(b.agency_costs_paid)}
    except MissingRate as exc:
        return {"balance": {}, "balance_error": str(exc), "interest_from": None, "applied": {}, "invoice_balances": {},
                "agency_costs_paid": 0}


async def case_seen(user, case_id: int) -> dict:
    """The case through the tenancy scope (another organisation's is a 404), the read noted (agency.access)."""
    case = await get_case(user, case_id)
    access.note(user, "case", case_id)
    return case


async def case_money(case_id: int, balance: dict, invoices: list[dict] | None = None) -> dict[str, Any]:
    """The invoices (read here unless given: case_invoices) and the ledger of a case the caller may see, with the figures
    from its balance (case_balance)."""
    ledger = await LedgerEntry.select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.booked_on, LedgerEntry.method,
                                      LedgerEntry.reference, LedgerEntry.reverses, LedgerEntry.idempotency_key).where(LedgerEntry.case == case_id).order_by(
        LedgerEntry.booked_on).order_by(LedgerEntry.id)
    return {
        "invoices": invoices if invoices is not None else await case_invoices(case_id),
        "ledger": ledger,
        "reversed": {e["reverses"] for e in ledger if e["kind"] == "reversal"},
        "agency": creditor_figures(ledger, balance["agency_costs_paid"]),  # fees, collected, remitted, net to the creditor (cents)
    }


async def case_detail(user, case_id: int) -> dict[str, Any]:
    """Everything the case API shows, through the tenancy scope (the read noted: agency.access)."""
    case = await case_seen(user, case_id)
    balance = await case_balance(case_id)
    return {
        "case": case,
        "evidence": await case_evidence(case_id),
        "events": await case_events(user, case_id),
        **balance,
        **await case_money(case_id, balance),
    }


async def message_choices() -> list[dict]:
    if not is_sqlite():  # (the case page's Work part, on every load)
        return await fetch_records("SELECT key, name FROM message_templates WHERE active AND language = 'es'"
                                   " AND channel IN ('email', 'whatsapp', 'letter') ORDER BY name")
    rows = await MessageTemplate.select(MessageTemplate.key, MessageTemplate.name).where(
        (MessageTemplate.active == True) & (MessageTemplate.language == "es") & MessageTemplate.channel.is_in(["email", "whatsapp", "letter"])  # noqa: E712
    ).order_by(MessageTemplate.name)
    return rows


async def stages_reached(case_id: int) -> set[str]:
    """Every stage the case has been in, from its stage changes (the caller may already see the case)."""

    rows = await fetch_records('SELECT payload FROM case_events WHERE "case" = {} AND kind = {}', case_id, "stage_changed")
    reached = {"intake"}
    for r in rows:
        payload = json.loads(r["payload"]) if isinstance(r["payload"], str) else (r["payload"] or {})
        reached |= {payload.get("from"), payload.get("to")}
    return reached


async def open_case(user: CurrentUser, case_id: int) -> dict:
    case = await get_visible(Case.select(Case.id, Case.stage, Case.closed_at, Case.organisation, Case.created_at, Case.currency,
                                         Case.jurisdiction).where(Case.id == case_id), user, Case.organisation)
    if case["closed_at"] is not None:
        raise ClientException(detail=_("This case is closed."))
    return case
