"""Uniqueness the reminder flow and the template versions rely on (two workers, one message)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-23T18:02:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "A reminder step fires once per case; one version number per template"

INDEXES = {
    "reminders_sent_case_step": 'reminders_sent ("case", step)',
    "message_templates_key_language_version": "message_templates (key, language, version)",
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
