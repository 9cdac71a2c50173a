"""The report totals (cases.reports.totals), filled from the rows already there: per creditor, stage and negotiator the
cases, their invoices and what was collected on them; per creditor and due date the undisputed invoices of open cases;
per creditor, day, kind and method the ledger. The reports page and the creditor's home read these few rows instead of
every case (at a million cases the plain aggregates took seconds). From now on the services keep them, in the
transaction that changes what they sum. The SQL that fills them is cases.reports.totals' from-scratch SQL, copied here
(a migration imports no live code)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-07T15:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Report totals per creditor (stage and negotiator, due date, ledger day), filled from the existing cases, invoices and ledger"

ORG = "organisation INTEGER NOT NULL REFERENCES organisations (id) ON DELETE RESTRICT ON UPDATE CASCADE"
TABLES = {
    "report_stage_totals": f"{ORG}, stage VARCHAR(20) NOT NULL DEFAULT '', negotiator INTEGER NOT NULL DEFAULT 0, "
                           "cases INTEGER NOT NULL DEFAULT 0, principal_cents BIGINT NOT NULL DEFAULT 0, "
                           "invoiced_cents BIGINT NOT NULL DEFAULT 0, collected_cents BIGINT NOT NULL DEFAULT 0",
    "report_due_totals": f"{ORG}, due_date DATE NOT NULL, invoices INTEGER NOT NULL DEFAULT 0, cents BIGINT NOT NULL DEFAULT 0",
    "report_ledger_totals": f"{ORG}, booked_on DATE NOT NULL, kind VARCHAR(20) NOT NULL DEFAULT '', method VARCHAR(20) NOT NULL DEFAULT '', "
                            "entries INTEGER NOT NULL DEFAULT 0, cents BIGINT NOT NULL DEFAULT 0",
}
INDEXES = {
    "report_stage_totals_key": "report_stage_totals (organisation, stage, negotiator)",
    "report_due_totals_key": "report_due_totals (organisation, due_date)",
    "report_ledger_totals_key": "report_ledger_totals (organisation, booked_on, kind, method)",
}
FILL = {
    "report_stage_totals (organisation, stage, negotiator, cases, principal_cents, invoiced_cents, collected_cents)":
        "SELECT c.organisation, c.stage, COALESCE(c.negotiator, 0), COUNT(*), COALESCE(SUM(i.principal), 0), COALESCE(SUM(i.invoiced), 0), "
        "COALESCE(SUM(l.collected), 0) FROM collection_cases c "
        'LEFT JOIN (SELECT "case", SUM(CASE WHEN disputed THEN 0 ELSE amount_cents END) AS principal, SUM(amount_cents) AS invoiced '
        'FROM invoices GROUP BY "case") i ON i."case" = c.id '
        "LEFT JOIN (SELECT \"case\", SUM(amount_cents) AS collected FROM ledger_entries WHERE kind IN ('payment', 'reversal') "
        'GROUP BY "case") l ON l."case" = c.id '
        "GROUP BY c.organisation, c.stage, COALESCE(c.negotiator, 0)",
    "report_due_totals (organisation, due_date, invoices, cents)":
        'SELECT c.organisation, i.due_date, COUNT(*), SUM(i.amount_cents) FROM invoices i JOIN collection_cases c ON c.id = i."case" '
        "WHERE NOT i.disputed AND c.stage IN ('intake', 'amicable', 'mediation', 'credit_bureau', 'court') GROUP BY c.organisation, i.due_date",
    "report_ledger_totals (organisation, booked_on, kind, method, entries, cents)":
        'SELECT c.organisation, l.booked_on, l.kind, l.method, COUNT(*), SUM(l.amount_cents) FROM ledger_entries l '
        'JOIN collection_cases c ON c.id = l."case" GROUP BY c.organisation, l.booked_on, l.kind, l.method',
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        key = "id INTEGER PRIMARY KEY" if isinstance(engine, SQLiteEngine) else "id SERIAL PRIMARY KEY"
        for name, columns in TABLES.items():
            await engine.run_ddl(f"CREATE TABLE {name} ({key}, {columns})")
        for name, target in INDEXES.items():
            await engine.run_ddl(f"CREATE UNIQUE INDEX {name} ON {target}")
        for target, select in FILL.items():
            await engine.run_ddl(f"INSERT INTO {target} {select}")

    async def drop():
        for name in TABLES:
            await engine_finder().run_ddl(f"DROP TABLE IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
