"""The claims' duplicate check reads the claim's invoices by number and each one's case by its id: an index on
(number, case) answers the first part from the index alone, and replaces the one on number."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T05:20:13:096433"
VERSION = "1.38.0"
DESCRIPTION = "Invoices indexed by (number, case) for the claims' duplicate check, instead of by number alone"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="cases", description=DESCRIPTION
    )

    async def create():  # before the index on number goes (raw steps run first)
        await engine_finder().run_ddl('CREATE INDEX invoices_number_case ON invoices (number, "case")')

    async def drop():  # before the index on number comes back
        await engine_finder().run_ddl("DROP INDEX IF EXISTS invoices_number_case")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)

    manager.alter_column(
        table_class_name="Invoice",
        tablename="invoices",
        column_name="number",
        db_column_name="number",
        params={"index": False},
        old_params={"index": True},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
