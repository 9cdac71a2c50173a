"""Contract acceptances from before the tariff was kept with them: the latest of each creditor takes the
tariff the creditor is on at the upgrade (what they were working under), so a later change of tariff is
accepted again like any other."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T19:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Earlier contract acceptances keep the tariff in force at the upgrade"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="agency", description=DESCRIPTION)

    async def keep_tariffs():
        from agency.tables import ContractAcceptance
        from cases.billing import snapshot_for

        latest: dict[int, int] = {}
        for row in await ContractAcceptance.select(ContractAcceptance.id, ContractAcceptance.organisation).order_by(ContractAcceptance.id):
            latest[row["organisation"]] = row["id"]
        for organisation, acceptance in latest.items():
            await ContractAcceptance.update({ContractAcceptance.tariff: await snapshot_for(organisation)}).where(
                (ContractAcceptance.id == acceptance) & (ContractAcceptance.tariff == ""))

    manager.add_raw(keep_tariffs)
    return manager
