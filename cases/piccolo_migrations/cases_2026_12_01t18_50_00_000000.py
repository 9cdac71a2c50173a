"""Open cases against French consumers, reckoned again: 2 years (Code de la consommation L218-2), not 5.
Each change is on the case's timeline with the reckoning, as any change of the date is."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T18:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "French consumer debts: limitation of 2 years"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def reckon():
        from cases.tables import Case
        from legal.limitation.service import refresh_limitation  # see ARCHITECTURE.md: the one migration left on live code

        last = 0
        while True:
            rows = await Case.select(Case.id).where(
                (Case.jurisdiction == "FR") & (Case.debtor.kind == "person") & Case.closed_at.is_null() & (Case.id > last)
            ).order_by(Case.id).limit(500)
            if not rows:
                break
            await refresh_limitation([r["id"] for r in rows])
            last = rows[-1]["id"]

    manager.add_raw(reckon)
    return manager
