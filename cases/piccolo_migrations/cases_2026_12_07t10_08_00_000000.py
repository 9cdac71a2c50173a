"""The queue's partial index leaves out the cases on hold, as the queue does: its query (held_at IS NULL beside the
stages) still matches the index, and walks it from the top instead of skipping held rows."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T10:08:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The queue's index without the cases on hold"

STAGES = "stage IN ('amicable', 'mediation', 'credit_bureau')"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def create():
        await engine_finder().run_ddl("DROP INDEX collection_cases_queue_order")
        await engine_finder().run_ddl(f"CREATE INDEX collection_cases_queue_order ON collection_cases (priority DESC, id) "
                                      f"WHERE {STAGES} AND held_at IS NULL")

    async def drop():
        await engine_finder().run_ddl("DROP INDEX collection_cases_queue_order")
        await engine_finder().run_ddl(f"CREATE INDEX collection_cases_queue_order ON collection_cases (priority DESC, id) WHERE {STAGES}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
