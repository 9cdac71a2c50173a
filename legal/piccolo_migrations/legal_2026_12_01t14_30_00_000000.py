"""At most one open legal action and one running mediation per case; one number per template version."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T14:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One open legal action and one running mediation per case; unique template versions"

INDEXES = {
    "legal_actions_one_open": "CREATE UNIQUE INDEX legal_actions_one_open ON legal_actions (\"case\") "
                              "WHERE status IN ('proposed', 'authorised', 'taken')",
    "mediations_one_running": "CREATE UNIQUE INDEX mediations_one_running ON mediations (\"case\") WHERE status = 'running'",
    "document_templates_key_version": "CREATE UNIQUE INDEX document_templates_key_version ON document_templates (key, version)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="legal", description=DESCRIPTION)

    async def create():
        for ddl in INDEXES.values():
            await engine_finder().run_ddl(ddl)

    async def drop():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
