"""A direct-debit mandate's reference is unique (SQLite cannot add a UNIQUE column, so it is an index on both)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-06T23:52:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "A unique index on plans' mandate references"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def create():
        await engine_finder().run_ddl("CREATE UNIQUE INDEX payment_plans_mandate_reference ON payment_plans (mandate_reference)")

    async def drop():
        await engine_finder().run_ddl("DROP INDEX payment_plans_mandate_reference")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
