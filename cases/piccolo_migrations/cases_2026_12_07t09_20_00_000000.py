"""Room on each page of statement_lines for the update that says what a line became (PostgreSQL): a line is written
by COPY, then updated once with its status, payment and how it was matched. With full pages every such update is a
new row version elsewhere and a new entry in every index; with room on the page (and the indexed columns unchanged)
PostgreSQL updates in place (a HOT update) and the indexes are left alone. SQLite has no fill factor."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-07T09:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "statement_lines with fillfactor 70 on PostgreSQL, so the line's one update is a HOT update"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def room():
        if isinstance(engine_finder(), PostgresEngine):
            await engine_finder().run_ddl("ALTER TABLE statement_lines SET (fillfactor = 70)")

    async def full():
        if isinstance(engine_finder(), PostgresEngine):
            await engine_finder().run_ddl("ALTER TABLE statement_lines RESET (fillfactor)")

    manager.add_raw(room)
    manager.add_raw_backwards(full)
    return manager
