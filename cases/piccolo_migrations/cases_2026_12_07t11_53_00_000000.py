"""The notifications' indexes: the bell's unread count reads one user's rows without read_at, their list the newest by
id; the digest job reads the rows not yet emailed (a partial index: what has been dealt with drops out of it); one
preference per user and kind; one digest per user and period, so two workers never send the same period twice."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T11:53:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Notifications' indexes: the unread count, a user's newest, the rows not yet emailed, one preference per kind, one digest per period"

INDEXES = (
    'CREATE INDEX notifications_unread ON notifications ("user", read_at)',
    'CREATE INDEX notifications_user_newest ON notifications ("user", id)',
    "CREATE INDEX notifications_pending ON notifications (id) WHERE emailed_at IS NULL",
    'CREATE UNIQUE INDEX notification_preferences_user_kind ON notification_preferences ("user", kind)',
    'CREATE UNIQUE INDEX notification_digests_user_period ON notification_digests ("user", period)',
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def create():
        for sql in INDEXES:
            await engine_finder().run_ddl(sql)

    async def drop():
        for name in ("notifications_unread", "notifications_user_newest", "notifications_pending", "notification_preferences_user_kind", "notification_digests_user_period"):
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
