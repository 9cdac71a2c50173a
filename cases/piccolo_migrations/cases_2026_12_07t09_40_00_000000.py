"""Indexes for the case lists sorted by reference (cases.queries.SORTS). A creditor's list: without (organisation,
reference) PostgreSQL read and sorted every case of the organisation, or walked the references of every creditor, for
each page (152 ms at a million cases among 200 creditors; 12.7 ms with it); neither column changes once a case is
opened. Staff's list of a stage: without (stage, reference) SQLite sorted the stage's cases (222 ms at a million); the
stage is indexed already, so a move that changes it was no HOT update before either."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T09:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes for the case lists sorted by reference: a creditor's, and a stage's"

INDEXES = {
    "collection_cases_org_reference": "collection_cases (organisation, reference)",
    "collection_cases_stage_reference": "collection_cases (stage, reference)",
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
