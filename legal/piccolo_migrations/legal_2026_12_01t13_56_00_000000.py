"""One number per version of a case's document; the deadlines and hearings a lawyer's agenda reads."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T13:56:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique document versions; agenda indexes"

INDEXES = (
    'CREATE UNIQUE INDEX documents_case_template_version ON documents ("case", template, version)',
    "CREATE INDEX deadlines_status_due_on ON deadlines (status, due_on)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="legal", description=DESCRIPTION)

    async def create():
        for ddl in INDEXES:
            await engine_finder().run_ddl(ddl)

    async def drop():
        for name in ("documents_case_template_version", "deadlines_status_due_on"):
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
