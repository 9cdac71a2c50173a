"""Reads of cases, always through the tenancy scope."""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass

from agency.auth import CurrentUser
from agency.db import is_sqlite
from agency.tenancy import get_visible, scoped
from piccolo.query.functions.aggregate import Sum

from cases.tables import Case, CaseEvent, Evidence, Invoice

PAGE_SIZE = 25
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
    debtors.search_name by everything that writes a debtor; a search term goes through it too."""
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


def contains(column, pattern: str):
    # ILIKE on PostgreSQL; on SQLite, LIKE is already case-insensitive (ASCII) and ILIKE only warns.
    if pattern.strip("% ") == "":
        return column.is_null() & column.is_not_null()  # nothing left to look for: no match, not every row
    return column.like(pattern) if is_sqlite() else column.ilike(pattern)


@dataclass(frozen=True)
class CaseFilter:
    stage: str | None = None
    q: str | None = None
    page: int = 1
    assigned_to: int | None = None
    unassigned_or_mine: int | None = None


def _found_by(term: str, case):
    """What a search finds, for the case list and its total alike: the reference or the debtor's name in
    part ("munoz garcia" finds "Muñoz-García, S.L."; the name as typed too), the debtor's tax id, the
    creditor's reference or an invoice number whole. ``case`` is Case, or a foreign key to it (Invoice.case)."""
    like = f"%{like_safe(term)}%"
    found = (
        contains(case.reference, like) | contains(case.debtor.name, like) | (case.debtor.tax_id == term.upper())
        | (case.creditor_reference == term) | case.id.is_in(Invoice.select(Invoice.case).where(Invoice.number == term))
    )
    if name := search_key(term):
        found = found | case.debtor.search_name.like(f"%{name}%")
    return found


def _apply(query, f: CaseFilter):
    if f.stage in STAGES:
        query = query.where(Case.stage == f.stage)
    if f.q and f.q.strip():
        query = query.where(_found_by(f.q.strip()[:100], Case))
    if f.unassigned_or_mine is not None:
        query = query.where(Case.negotiator.is_null() | (Case.negotiator == f.unassigned_or_mine))
    return query


MAX_PAGE = 100_000


async def list_cases(user: CurrentUser, f: CaseFilter) -> tuple[list[dict], int]:
    page = min(max(f.page, 1), MAX_PAGE)
    rows = await _apply(scoped(Case.select(*CASE_COLUMNS), user, Case.organisation), f).order_by(
        Case.created_at, ascending=False
    ).order_by(Case.id, ascending=False).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    total = await _apply(scoped(Case.count(), user, Case.organisation), f)
    return rows, total


async def get_case(user: CurrentUser, case_id: int) -> dict:
    return await get_visible(
        Case.select(
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
            Case.negotiator.as_alias("negotiator_id"),
        ).where(Case.id == case_id),
        user,
        Case.organisation,
    )


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
    return await Invoice.select().where(Invoice.case == case_id).order_by(Invoice.due_date).order_by(Invoice.id)


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
