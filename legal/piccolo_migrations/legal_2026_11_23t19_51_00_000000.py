"""One published rate per country and half-year."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-23T19:51:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One interest rate per country and half-year"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="legal", description=DESCRIPTION)

    async def create():
        await engine_finder().run_ddl("CREATE UNIQUE INDEX interest_rates_country_starts_on ON interest_rates (country, starts_on)")

    async def drop():
        await engine_finder().run_ddl("DROP INDEX interest_rates_country_starts_on")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
