"""Search everywhere: each reading of the term (cases.search.rules.classify) looked up by its own index, every read
through the tenancy scope (agency.tenancy.scoped_sql: a creditor finds only its organisation's cases), then ranked."""
from __future__ import annotations

from agency.auth import CurrentUser
from agency.db import fetch_records, is_sqlite
from agency.i18n import gettext as _
from agency.tenancy import scoped_sql
from cases.queries import search_key
from cases.search.rules import EXACT, LIMIT, PREFIX, Hit, Term, classify, name_rank, ranked, reference_rest

# debtors.phone without the separators people type, as the index debtors_phone_key keeps it (migration cases
# 2026-12-07T10:20; a test compares the two texts): the query must write the expression as the index does.
PHONE_KEY = "replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '/', '')"
LAST = "\U0010ffff"  # after every character a name may hold: the end of a prefix's range
# SQLite's FTS5 trigram tables (migration cases 2026-12-07T15:30): `LIKE '%...%'` on them is read by the index
FTS = {"debtors": ("debtors_search", "search_name"), "collection_cases": ("collection_cases_search", "reference")}
PAGES = (LIMIT, 500)  # the FTS matches read, a page at a time, before the caller's own rows are read instead
# a reference after its letters, as the index collection_cases_reference_rest keeps it (PostgreSQL)
REFERENCE_REST = 'substr("collection_cases"."reference", strpos("collection_cases"."reference", \'-\') + 1)'
REFERENCE_REST_SQLITE = 'substr("collection_cases"."reference", instr("collection_cases"."reference", \'-\') + 1)'


Condition = tuple[str, tuple]  # a piece of WHERE with "{}" placeholders, and its arguments (agency.db.fetch_records)


def _like(column: str, pattern: str) -> Condition:
    """``column LIKE pattern`` with the pattern written into the SQL on PostgreSQL: as a parameter, a prepared statement's
    generic plan cannot know the pattern and read every debtor for a name nobody has (a second at a million; the queue
    writes its stages in for the same reason). What is written in is a folded name (cases.queries.search_key keeps letters,
    digits and spaces) or a reference's part (letters, digits and dashes: rules.classify); quotes are doubled regardless."""
    if is_sqlite():
        return f"{column} LIKE {{}}", (pattern,)
    return f"{column} LIKE '{_literal(pattern)}'", ()


def _literal(text: str) -> str:
    return text.replace("'", "''").replace("{", "").replace("}", "")


def _words(column: str, name: str, whole: bool) -> Condition:
    """A folded name's words each a word of ``column`` (the GIN index debtors_search_words, PostgreSQL), side by side as
    typed: ``whole``, every word whole ("ibanez conceicao" finds "maria ibanez conceicao"); else the last word a word's
    start ("ibanez conc"). Whole words are read a list each, intersected by skipping; a word's start joins the lists of
    every word so starting (several times slower with this benchmark's common surnames), hence whole words first.
    Written into the SQL as _like does; a folded name holds letters, digits and spaces only."""
    query = " & ".join(name.split()) + ("" if whole else ":*")
    end = " " if whole else ""
    return (f"to_tsvector('simple', {column}) @@ to_tsquery('simple', '{_literal(query)}') "
            f"AND (' ' || {column} || ' ') LIKE '% {_literal(name)}{end}%'"), ()


def _pairs(column: str, name: str) -> Condition:
    """A folded name of two words or more, typed whole: its pairs of words side by side each a pair of ``column``'s (the
    GIN index debtors_search_pairs, PostgreSQL), the words side by side as typed. Written into the SQL as _like does."""
    words = name.split()
    pairs = ", ".join(f"'{_literal(a)} {_literal(b)}'" for a, b in zip(words, words[1:]))
    return f"search_pairs({column}) @> ARRAY[{pairs}] AND (' ' || {column} || ' ') LIKE '% {_literal(name)} %'", ()


def _marks(values) -> str:
    return ", ".join(["{}"] * len(values))


# What each kind of row is read as: fixed SQL (Piccolo built each query anew on every search, joins and all: most of a
# search's time at 16 connections), the caller's scope ANDed in by agency.tenancy.scoped_sql.
DEBTORS_SQL = "SELECT debtors.id, debtors.search_name FROM debtors WHERE {where} AND {scope} LIMIT {limit}"
CASES_SQL = ("SELECT collection_cases.id, collection_cases.reference, d.name AS title, d.search_name FROM collection_cases "
             "LEFT JOIN debtors d ON d.id = collection_cases.debtor WHERE {where} AND {scope} LIMIT {limit}")
OWNERS = {"debtors": "debtors.organisation", "collection_cases": "collection_cases.organisation"}


async def _read(user: CurrentUser, table: str, condition: Condition, limit: int = LIMIT) -> list:
    """The caller's rows of ``table`` (debtors or collection_cases, as DEBTORS_SQL and CASES_SQL read them) that
    ``condition`` finds, at most ``limit``."""
    where, args = condition
    scope, scope_args = scoped_sql(user, OWNERS[table])
    sql = (DEBTORS_SQL if table == "debtors" else CASES_SQL).format(where=where, scope=scope, limit=int(limit))
    return await fetch_records(sql, *args, *scope_args)


async def _in_part(user: CurrentUser, table: str, pattern: str) -> list:
    """SQLite: the caller's rows of ``table`` whose text is ``LIKE pattern``, at most LIMIT. The FTS table's matches are
    read a page of row ids at a time (in id order) and each page's rows read through the tenancy scope: for staff the first
    page is the answer. When the matches go on but few of them are the caller's (a creditor's cases among everyone's), the
    caller's own rows are read instead, through the same scope (the organisation's index: thousands, not a million)."""
    fts, column = FTS[table]
    found: list = []
    after = 0
    for size in PAGES:
        rows = await fetch_records(f"SELECT rowid AS id FROM {fts} WHERE {column} LIKE {{}} AND rowid > {{}} ORDER BY rowid LIMIT {size}",
                                   pattern, after)
        if rows:
            ids = [r["id"] for r in rows]
            found += await _read(user, table, (f"{table}.id IN ({_marks(ids)})", tuple(ids)), LIMIT - len(found))
        if len(found) >= LIMIT or len(rows) < size:
            return found[:LIMIT]
        after = rows[-1]["id"]
    seen = {row["id"] for row in found}
    mine = await _read(user, table, (f'"{table}"."{column}" LIKE {{}}', (pattern,)), LIMIT + len(found))
    return (found + [row for row in mine if row["id"] not in seen])[:LIMIT]


async def _cases_of(user: CurrentUser, debtors: list) -> list:
    if not debtors:
        return []
    ids = [d["id"] for d in debtors]
    return await _read(user, "collection_cases", (f"collection_cases.debtor IN ({_marks(ids)})", tuple(ids)))


def _hits(rows: list, kind: str, rank: int) -> list[Hit]:
    return [Hit(kind=kind, case_id=r["id"], reference=r["reference"], title=r["title"] or "", rank=rank) for r in rows]


async def _by_reference(user: CurrentUser, term: Term) -> list[Hit]:
    if term.reference:  # the unique index
        return _hits(await _read(user, "collection_cases", ("collection_cases.reference = {}", (term.reference,))), "case", EXACT)
    if not term.reference_part:
        return []
    contains = f"%{term.reference_part}%"
    rest = reference_rest(term.reference_part)
    if rest and is_sqlite():  # as below, the plain B-tree read by a range (SQLite's LIKE ignores case: no index)
        condition = (f"{REFERENCE_REST_SQLITE} >= {{}} AND {REFERENCE_REST_SQLITE} < {{}} AND instr(\"collection_cases\".\"reference\", {{}}) > 0",
                     (rest, rest + LAST, term.reference_part))
    elif is_sqlite():  # the FTS5 trigram table
        return _hits(await _in_part(user, "collection_cases", contains), "case", PREFIX)
    elif rest:  # "2026-0001": the B-tree collection_cases_reference_rest, read in order and stopped at LIMIT; the part whole is
        # checked by strpos, which no index answers (as LIKE, the planner would AND it with the trigrams of the year: every case)
        where, args = _like(REFERENCE_REST, f"{rest}%")
        condition = f"{where} AND strpos(\"collection_cases\".\"reference\", '{_literal(term.reference_part)}') > 0", args
    else:  # trigrams (collection_cases_reference_trgm)
        condition = _like('"collection_cases"."reference"', contains)
    return _hits(await _read(user, "collection_cases", condition), "case", PREFIX)


async def _by_debtor(user: CurrentUser, term: Term) -> list[Hit]:
    hits: list[Hit] = []
    exact: list[Condition] = []
    if term.tax_ids:
        exact.append((f"debtors.tax_id IN ({_marks(term.tax_ids)})", tuple(term.tax_ids)))
    if term.email:
        exact.append(("debtors.email = {}", (term.email,)))
    if term.phones:
        exact.append((f"{PHONE_KEY} IN ({_marks(term.phones)})", tuple(term.phones)))
    for condition in exact:  # each by its own index
        hits += _hits(await _cases_of(user, await _read(user, "debtors", condition)), "debtor", EXACT)
    if term.name:
        if is_sqlite():  # a range reads the plain index (LIKE would not: it ignores case)
            start = ("debtors.search_name >= {} AND debtors.search_name < {}", (term.name, term.name + LAST))
        else:  # text_pattern_ops
            start = _like("search_name", f"{term.name}%")
        found = list(await _read(user, "debtors", start))
        if len(found) < LIMIT and is_sqlite():  # the FTS5 trigram table
            found += [d for d in await _in_part(user, "debtors", f"%{term.name}%") if d not in found]
        if not is_sqlite():  # its words whole (pairs of them: debtors_search_pairs), the last one begun, then anywhere (trigrams)
            column = '"debtors"."search_name"'
            whole = _pairs(column, term.name) if " " in term.name else _words(column, term.name, whole=True)
            for condition in (whole, _words(column, term.name, whole=False), _like("search_name", f"%{term.name}%")):
                if len(found) < LIMIT:
                    found += [d for d in await _read(user, "debtors", condition) if d not in found]
        for row in await _cases_of(user, found):
            hits.append(Hit(kind="debtor", case_id=row["id"], reference=row["reference"], title=row["title"] or "",
                            rank=name_rank(row["search_name"] or "", term.name)))
    return hits


# An invoice number's cases (invoices_number_case), through the tenancy scope of the case's organisation
INVOICES_SQL = ("SELECT i.\"case\" AS id, i.number, c.reference, d.name FROM invoices i JOIN collection_cases c ON c.id = i.\"case\" "
                "LEFT JOIN debtors d ON d.id = c.debtor WHERE i.number = {{}} AND {scope} LIMIT " + str(LIMIT))


async def _by_invoice(user: CurrentUser, term: Term) -> list[Hit]:
    if not term.invoice:
        return []
    scope, scope_args = scoped_sql(user, "c.organisation")
    rows = await fetch_records(INVOICES_SQL.format(scope=scope), term.invoice, *scope_args)
    return [Hit(kind="invoice", case_id=r["id"], reference=r["reference"], rank=EXACT,
                title=_("Invoice %(number)s: %(name)s") % {"number": r["number"], "name": r["name"] or ""}) for r in rows]


async def search(user: CurrentUser, q: str) -> list[Hit]:
    """What ``q`` finds among the caller's cases, best first, at most LIMIT (``q`` checked by rules.problem)."""
    term = classify(q, search_key)
    hits = await _by_reference(user, term)
    hits += await _by_invoice(user, term)
    hits += await _by_debtor(user, term)
    return ranked(hits)

