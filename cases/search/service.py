"""Search everywhere: each reading of the term (cases.search.rules.classify) looked up by its own index, every read
through the tenancy scope (agency.tenancy.scoped: a creditor finds only its organisation's cases), then ranked."""
from __future__ import annotations

from piccolo.columns.combination import WhereRaw

from agency.auth import CurrentUser
from agency.db import is_sqlite
from agency.i18n import gettext as _
from agency.tenancy import scoped
from cases.queries import search_key
from cases.search.rules import EXACT, LIMIT, PREFIX, Hit, Term, classify, name_rank, ranked
from cases.tables import Case, Debtor, Invoice

# debtors.phone without the separators people type, as the index debtors_phone_key keeps it (migration cases
# 2026-12-07T10:20; a test compares the two texts): the query must write the expression as the index does.
PHONE_KEY = "replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '/', '')"
LAST = "\U0010ffff"  # after every character a name may hold: the end of a prefix's range


def _like(column: str, pattern: str):
    """``column LIKE pattern`` with the pattern written into the SQL on PostgreSQL: as a parameter, a prepared statement's
    generic plan cannot know the pattern and read every debtor for a name nobody has (a second at a million; the queue
    writes its stages in for the same reason). What is written in is a folded name (cases.queries.search_key keeps letters,
    digits and spaces) or a reference's part (letters, digits and dashes: rules.classify); quotes are doubled regardless."""
    if is_sqlite():
        return WhereRaw(f"{column} LIKE {{}}", pattern)
    literal = pattern.replace("'", "''").replace("{", "").replace("}", "")
    return WhereRaw(f"{column} LIKE '{literal}'")


async def _debtors(user: CurrentUser, condition) -> list[dict]:
    """The caller's debtors that ``condition`` finds (at most LIMIT), with their searched names."""
    query = Debtor.select(Debtor.id, Debtor.search_name).where(condition).limit(LIMIT)
    return await scoped(query, user, Debtor.organisation)


async def _cases_of(user: CurrentUser, debtors: list[dict]) -> list[dict]:
    if not debtors:
        return []
    query = Case.select(Case.id, Case.reference, Case.debtor.name.as_alias("title"), Case.debtor.search_name.as_alias("search_name"))
    return await scoped(query.where(Case.debtor.is_in([d["id"] for d in debtors])).limit(LIMIT), user, Case.organisation, Case.id)


def _hits(rows: list[dict], kind: str, rank: int) -> list[Hit]:
    return [Hit(kind=kind, case_id=r["id"], reference=r["reference"], title=r["title"] or "", rank=rank) for r in rows]


async def _by_reference(user: CurrentUser, term: Term) -> list[Hit]:
    columns = (Case.id, Case.reference, Case.debtor.name.as_alias("title"))
    if term.reference:  # the unique index
        rows = await scoped(Case.select(*columns).where(Case.reference == term.reference), user, Case.organisation, Case.id)
        return _hits(rows, "case", EXACT)
    if term.reference_part:  # trigrams on PostgreSQL (collection_cases_reference_trgm)
        rows = await scoped(Case.select(*columns).where(_like('"collection_cases"."reference"', f"%{term.reference_part}%")).limit(LIMIT),
                            user, Case.organisation, Case.id)
        return _hits(rows, "case", PREFIX)
    return []


async def _by_debtor(user: CurrentUser, term: Term) -> list[Hit]:
    hits: list[Hit] = []
    exact = []
    if term.tax_ids:
        exact.append(Debtor.tax_id.is_in(list(term.tax_ids)))
    if term.email:
        exact.append(Debtor.email == term.email)
    if term.phones:
        exact.append(WhereRaw(f"{PHONE_KEY} IN ({', '.join(['{}'] * len(term.phones))})", *term.phones))
    for condition in exact:  # each by its own index
        hits += _hits(await _cases_of(user, await _debtors(user, condition)), "debtor", EXACT)
    if term.name:
        if is_sqlite():  # a range reads the plain index (LIKE would not: it ignores case)
            start = (Debtor.search_name >= term.name) & (Debtor.search_name < term.name + LAST)
        else:  # text_pattern_ops
            start = _like("search_name", f"{term.name}%")
        found = await _debtors(user, start)
        if len(found) < LIMIT:  # trigrams on PostgreSQL (debtors_search_name_trgm)
            found += [d for d in await _debtors(user, _like("search_name", f"%{term.name}%")) if d not in found]
        for row in await _cases_of(user, found):
            hits.append(Hit(kind="debtor", case_id=row["id"], reference=row["reference"], title=row["title"] or "",
                            rank=name_rank(row["search_name"] or "", term.name)))
    return hits


async def _by_invoice(user: CurrentUser, term: Term) -> list[Hit]:
    if not term.invoice:
        return []
    query = Invoice.select(Invoice.case.as_alias("id"), Invoice.number, Invoice.case.reference.as_alias("reference"),
                           Invoice.case.debtor.name.as_alias("name")).where(Invoice.number == term.invoice).limit(LIMIT)
    rows = await scoped(query, user, Invoice.case.organisation, Invoice.case)  # invoices_number_case
    return [Hit(kind="invoice", case_id=r["id"], reference=r["reference"], rank=EXACT,
                title=_("Invoice %(number)s: %(name)s") % {"number": r["number"], "name": r["name"] or ""}) for r in rows]


async def search(user: CurrentUser, q: str) -> list[Hit]:
    """What ``q`` finds among the caller's cases, best first, at most LIMIT (``q`` checked by rules.problem)."""
    term = classify(q, search_key)
    hits = await _by_reference(user, term)
    hits += await _by_invoice(user, term)
    hits += await _by_debtor(user, term)
    return ranked(hits)

