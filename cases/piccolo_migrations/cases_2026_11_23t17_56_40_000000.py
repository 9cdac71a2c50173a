"""The negotiators' queue reads unassigned cases of a stage by score, and a person's own by score."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-23T17:56:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes for the queue"

INDEXES = {
    "collection_cases_stage_priority": "collection_cases (stage, priority)",
    "collection_cases_negotiator_priority": "collection_cases (negotiator, priority)",
    "case_events_case_at": "case_events (\"case\", at)",
    # The queue across its stages, in the order it is shown: a partial index the planner walks
    # from the top instead of sorting every open case (200,000 cases: 18 -> see make bench).
    "collection_cases_queue_order": (
        "collection_cases (priority DESC, id) WHERE stage IN ('amicable', 'mediation', 'credit_bureau')"
    ),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def create():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX {name} ON {target}")

    async def drop():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
