"""One report per case and bureau; one batch number per bureau."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-23T20:49:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A case is reported once per bureau; batch sequence numbers are unique per bureau"

INDEXES = {
    "bureau_reports_case_bureau": 'bureau_reports ("case", bureau)',
    "bureau_batches_bureau_sequence": "bureau_batches (bureau, sequence)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def create():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE UNIQUE INDEX {name} ON {target}")

    async def drop():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
