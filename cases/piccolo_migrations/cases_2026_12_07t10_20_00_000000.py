"""Indexes for search everywhere (cases.search): a debtor found by email, by phone (however it was typed: the index
keeps it without the separators people type, and the search asks for each form the number may have been kept in) and
by the start of their searched name (on PostgreSQL with text_pattern_ops, so that LIKE 'name%' reads it; on SQLite a
plain index read by a range). The reference, the tax id and the invoice number were indexed already."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T10:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes for search everywhere: debtors' email, phone without separators, searched name's start"

# The same text as cases.search.service.PHONE_KEY (a test compares them): an index on an expression serves a query
# that writes the expression alike.
PHONE_KEY = "replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '/', '')"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        pattern = " text_pattern_ops" if engine.engine_type == "postgres" else ""
        await engine.run_ddl("CREATE INDEX debtors_email ON debtors (email)")
        await engine.run_ddl(f"CREATE INDEX debtors_phone_key ON debtors (({PHONE_KEY}))")
        await engine.run_ddl(f"CREATE INDEX debtors_search_name_prefix ON debtors (search_name{pattern})")

    async def drop():
        for name in ("debtors_email", "debtors_phone_key", "debtors_search_name_prefix"):
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
