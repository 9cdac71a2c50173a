"""Existing cases under the revised law (LEGAL.md, 6 December 2026), carrying the tables and logic they need:

- a court claim already filed is a demand: Case.demanded_on takes the earliest filing date (a consumer owes interest
  from the next day); deliveries were not recorded before, so there is nothing else to read;
- open Portuguese cases were reckoned at 5 years: a business debt prescribes in 20 (Código Civil 309), so 15 years
  are added; a consumer debt in 2 (art. 317 b), so 3 are taken off, unless the debtor acknowledged it in writing
  (art. 313: the ordinary 20 years, so 15 added). Each change is on the case's timeline, from and to."""
import json
from datetime import date, datetime, timezone

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString
from piccolo.table import Table

ID = "2026-12-06T21:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Filed claims count as demands; Portuguese limitation dates reckoned at 20 years, 2 for a consumer"


class Debtor(Table, tablename="debtors"):
    kind = Varchar(length=10)


class Case(Table, tablename="collection_cases"):
    debtor = ForeignKey(references=Debtor)
    jurisdiction = Varchar(length=2)
    limitation_date = Date(null=True)
    closed_at = Timestamptz(null=True)


class CaseEvent(Table, tablename="case_events"):
    case = Integer()
    kind = Varchar(length=30)
    actor = Integer(null=True)
    at = Timestamptz()
    summary = Text()
    payload = JSON()
    visible_to_creditor = Boolean()


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="legal", description=DESCRIPTION)

    async def demands():
        await engine_finder().run_querystring(QueryString(
            'UPDATE collection_cases SET demanded_on = (SELECT MIN(f.filed_on) FROM filings f WHERE f."case" = collection_cases.id'
            ' AND f.filed_on IS NOT NULL) WHERE demanded_on IS NULL AND EXISTS (SELECT 1 FROM filings f WHERE f."case" = collection_cases.id'
            ' AND f.filed_on IS NOT NULL)'))

    async def portugal():
        rows = await Case.select(Case.id, Case.limitation_date, Case.debtor.kind.as_alias("debtor_kind")).where(
            (Case.jurisdiction == "PT") & Case.closed_at.is_null() & Case.limitation_date.is_not_null())
        acknowledged = {r["case"] for r in await CaseEvent.select(CaseEvent.case).where(CaseEvent.kind == "acknowledgement")}
        for r in rows:
            before = r["limitation_date"] if isinstance(r["limitation_date"], date) else date.fromisoformat(str(r["limitation_date"])[:10])
            consumer = r["debtor_kind"] == "person" and r["id"] not in acknowledged
            after = add_years(before, -3 if consumer else 15)
            await Case.update({Case.limitation_date: after}).where(Case.id == r["id"])
            await CaseEvent.insert(CaseEvent(
                case=r["id"], kind="limitation", actor=None, at=datetime.now(timezone.utc),
                summary="Código Civil art. 317 b): 2 years for a consumer" if consumer else "Código Civil art. 309: 20 years",
                payload=json.dumps({"from": before.isoformat(), "to": after.isoformat(), "suspended": False}), visible_to_creditor=True))

    manager.add_raw(demands)
    manager.add_raw(portugal)
    return manager
