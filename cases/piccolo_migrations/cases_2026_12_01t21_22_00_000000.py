"""One message of each kind per instalment, however many workers run (created after the table: raw steps run first)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T21:22:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "An instalment is announced once and reported missed once"

INDEXES = {"instalment_reminders_instalment_kind": "instalment_reminders (instalment, kind)"}


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
