"""Indexes for the worker's queue scores (cases.negotiation.service.rescore_open_cases): every open case is scored once a
day, and in each round only the cases whose score a moment changed since the last one -- a next action falling due, a day
since acceptance without contact. Partial (only cases with the moment set), so each round finds them by a range read of
the index instead of reading a million cases."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T15:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Partial indexes of the cases' next action and acceptance moments, for the worker's queue scores"

INDEXES = {
    "collection_cases_next_action": "collection_cases (next_action_at) WHERE next_action_at IS NOT NULL",
    "collection_cases_accepted": "collection_cases (accepted_at) WHERE accepted_at IS NOT NULL",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def create():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX {name} ON {target}")

    async def drop():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
