"""Contract acceptances from before the tariff was kept with them: the latest of each creditor takes the
tariff the creditor is on at the upgrade (what they were working under), so a later change of tariff is
accepted again like any other."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-01T19:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Earlier contract acceptances keep the tariff in force at the upgrade"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="agency", description=DESCRIPTION)

    async def keep_tariffs():
        # Self-contained (no live code): the tariff a creditor is on is their own tariff's rules, else the
        # agency's default tariff's (the rules are stored as the JSON the snapshot is).
        engine = engine_finder()
        latest = await engine.run_querystring(QueryString(
            "SELECT organisation, MAX(id) AS id FROM contract_acceptances GROUP BY organisation"))
        default = await engine.run_querystring(QueryString("SELECT rules FROM tariffs WHERE is_default = {} LIMIT 1", True))
        for row in latest:
            own = await engine.run_querystring(QueryString(
                "SELECT t.rules FROM organisations o JOIN tariffs t ON t.id = o.tariff WHERE o.id = {}", row["organisation"]))
            rules = own[0]["rules"] if own else (default[0]["rules"] if default else "")
            if rules:
                await engine.run_querystring(QueryString(
                    "UPDATE contract_acceptances SET tariff = {} WHERE id = {} AND tariff = {}", rules, row["id"], ""))

    manager.add_raw(keep_tariffs)
    return manager
