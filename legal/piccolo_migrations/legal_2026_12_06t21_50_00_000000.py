"""One published rate per series and period: the index that allowed one rate per country and day would refuse
Spain's legal rate for a 1 January that has a late-payment rate too (a 500 before this)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-06T21:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One interest rate per kind, country and period"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="legal", description=DESCRIPTION)

    async def replace():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS interest_rates_country_starts_on")
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX interest_rates_kind_country_starts_on ON interest_rates (kind, country, starts_on)")

    async def back():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS interest_rates_kind_country_starts_on")
        await engine_finder().run_ddl("CREATE UNIQUE INDEX interest_rates_country_starts_on ON interest_rates (country, starts_on)")

    manager.add_raw(replace)
    manager.add_raw_backwards(back)
    return manager
