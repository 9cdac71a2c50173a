"""Search at a million cases: what a search matches in part (a case's reference, a debtor's name as typed or
folded) gets trigram indexes on PostgreSQL (pg_trgm, when the database lets the agency's user create it),
and a creditor's own reference a plain index. cases.queries reads them as one set of ids."""
import logging

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T19:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes for search: trigrams on PostgreSQL, the creditor's reference"

TRIGRAM_INDEXES = {
    "collection_cases_reference_trgm": "collection_cases USING gin (reference gin_trgm_ops)",
    "debtors_name_trgm": "debtors USING gin (name gin_trgm_ops)",
    "debtors_search_name_trgm": "debtors USING gin (search_name gin_trgm_ops)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        await engine.run_ddl("CREATE INDEX collection_cases_creditor_reference ON collection_cases (creditor_reference)")
        if engine.engine_type != "postgres":
            return
        # pg_trgm ships with PostgreSQL and is a trusted extension (13+): the database's owner may create it.
        # Where it cannot be created, search still works, by scanning, and the upgrade goes on.
        can = await engine.run_querystring(_sql(
            "SELECT 1 AS ok FROM pg_available_extensions WHERE name = 'pg_trgm' AND (installed_version IS NOT NULL OR "
            "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR "
            "(current_setting('server_version_num')::int >= 130000 AND has_database_privilege(current_database(), 'CREATE')))"))
        if not can:
            logging.getLogger(__name__).warning("pg_trgm is not available to this user: searches will scan the cases")
            return
        await engine.run_ddl("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, target in TRIGRAM_INDEXES.items():
            await engine.run_ddl(f"CREATE INDEX {name} ON {target}")

    async def drop():
        engine = engine_finder()
        for name in ["collection_cases_creditor_reference", *(TRIGRAM_INDEXES if engine.engine_type == "postgres" else [])]:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager


def _sql(text):
    from piccolo.querystring import QueryString

    return QueryString(text)
