"""An index for the creditor's home (cases.home): the cases waiting for the creditor to authorise reporting to a credit
bureau (the prior notice delivered, no authorisation yet). Partial, so it holds only those few cases: the home reads
them for an organisation without walking its other cases (a creditor with a million cases would otherwise have each
read to find the handful waiting). Both columns are written once each, so the index changes rarely."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T12:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A partial index of the cases waiting for their creditor's authorisation to report to a credit bureau"

INDEXES = {
    "collection_cases_bureau_waiting": "collection_cases (organisation, bureau_notice_on) "
                                       "WHERE bureau_notice_on IS NOT NULL AND bureau_authorised_at IS NULL",
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
