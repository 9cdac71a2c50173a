"""Composite indexes for the case lists (Piccolo declares single-column indexes only)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-23T17:11:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes for listing cases per organisation and stage, newest first"

INDEXES = {
    "collection_cases_org_stage_created": "collection_cases (organisation, stage, created_at)",
    "collection_cases_org_created": "collection_cases (organisation, created_at)",
    "collection_cases_stage_created": "collection_cases (stage, created_at)",  # staff lists by stage
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
