"""Search everywhere at a million cases (issues 23 item 4 and 24): what a search finds in part gets an index on each
database that answers without reading every row.

SQLite: FTS5 tables with the trigram tokenizer (SQLite 3.34+) over debtors.search_name and collection_cases.reference,
as external content (the text stays in its table; the FTS table holds only the index). `LIKE '%...%'` on them is read
through the trigrams: what pg_trgm gives PostgreSQL. They are kept by triggers declared here rather than by the services:
an index, like the B-trees beside it, must follow every write of the column, and debtors are written by claims, the
import's bulk inserts, the privacy service's corrections and erasures, and any raw SQL an operator runs; a trigger cannot
be forgotten by the next writer, and what it keeps is nothing anyone reads as data (cases.search reads it as an index).

PostgreSQL: the debtor's name's words (to_tsvector 'simple' of search_name: a GIN index of whole words, which answers a
word's start by its prefix) and its pairs of words side by side (search_pairs, below), for names whose trigrams are each
common (a trigram index reads every debtor holding any of them, then intersects); and a case's reference after its letters ("2026-000123" of
"EXP-2026-000123") in a B-tree, for a reference in part that names the year: a trigram of the year is in every case of
that year. Both are filled by CREATE INDEX for existing rows (seconds at a million)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Search in part by index: FTS5 trigram tables on SQLite, a name's words and pairs, a reference's year on PostgreSQL"

# (FTS table, content table, column): cases.search.service reads these names
SQLITE_FTS = (("debtors_search", "debtors", "search_name"), ("collection_cases_search", "collection_cases", "reference"))

# a name's words side by side, each pair once ("maria ibanez conceicao": "maria ibanez", "ibanez conceicao"): a name of
# two words typed whole is one list of the pairs' GIN index, not two long lists of its words intersected (at a million,
# 0.6 ms against 11 ms for "ibanez conceicao" in this benchmark's names)
SEARCH_PAIRS = ("CREATE FUNCTION search_pairs(name text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
                "SELECT coalesce(array_agg(w[i] || ' ' || w[i + 1]), '{}') FROM (SELECT string_to_array(name, ' ') AS w) s, "
                "generate_series(1, coalesce(array_length(w, 1), 0) - 1) AS i $$")
# a reference after its letters on SQLite (instr for strpos; the plain B-tree answers a prefix's range)
SQLITE_INDEXES = {"collection_cases_reference_rest": "collection_cases (substr(reference, instr(reference, '-') + 1))"}
POSTGRES_INDEXES = {
    "debtors_search_words": "debtors USING gin (to_tsvector('simple', search_name))",
    "debtors_search_pairs": "debtors USING gin (search_pairs(search_name))",
    "collection_cases_reference_rest": "collection_cases ((substr(reference, strpos(reference, '-') + 1)) text_pattern_ops)",
}


def _sqlite_statements(fts: str, table: str, column: str) -> list[str]:
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts} (rowid, {column}) VALUES (new.id, new.{column}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts} ({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column}); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {column} ON {table} BEGIN "
        f"INSERT INTO {fts} ({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column}); "
        f"INSERT INTO {fts} (rowid, {column}) VALUES (new.id, new.{column}); END",
        f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')",  # the rows already there (about a minute at a million)
    ]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        if engine.engine_type == "sqlite":
            for fts, table, column in SQLITE_FTS:
                for statement in _sqlite_statements(fts, table, column):
                    await engine.run_ddl(statement)
            for name, target in SQLITE_INDEXES.items():
                await engine.run_ddl(f"CREATE INDEX {name} ON {target}")
            return
        await engine.run_ddl(SEARCH_PAIRS)
        for name, target in POSTGRES_INDEXES.items():
            await engine.run_ddl(f"CREATE INDEX {name} ON {target}")

    async def drop():
        engine = engine_finder()
        if engine.engine_type == "sqlite":
            for fts, _table, _column in SQLITE_FTS:
                for trigger in ("insert", "delete", "update"):
                    await engine.run_ddl(f"DROP TRIGGER IF EXISTS {fts}_{trigger}")
                await engine.run_ddl(f"DROP TABLE IF EXISTS {fts}")
            for name in SQLITE_INDEXES:
                await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")
            return
        for name in POSTGRES_INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")
        await engine.run_ddl("DROP FUNCTION IF EXISTS search_pairs(text)")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
