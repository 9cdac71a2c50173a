"""Persistence of the case lifecycle."""
from piccolo.columns import Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from agency.tables import Organisation, User


class Debtor(Table, tablename="debtors"):
    """A debtor as known to one creditor organisation (tenancy: never shared across creditors)."""

    organisation = ForeignKey(references=Organisation, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=10)  # company | person
    name = Varchar(length=200)
    tax_id = Varchar(length=20, default="", index=True)
    country = Varchar(length=2, default="ES")
    address_line1 = Varchar(length=200)
    city = Varchar(length=100)
    postal_code = Varchar(length=16)
    email = Varchar(length=254, default="")
    phone = Varchar(length=32, default="")
    language = Varchar(length=5, default="es")
    classification = Varchar(length=20, default="unknown")
    created_at = Timestamptz(default=TimestamptzNow())


class Case(Table, tablename="collection_cases"):
    """One creditor against one debtor. ``case`` is reserved in SQL, hence the table name."""

    reference = Varchar(length=20, unique=True)  # EXP-2026-000123
    organisation = ForeignKey(references=Organisation, index=True, on_delete=OnDelete.restrict)
    debtor = ForeignKey(references=Debtor, index=True, on_delete=OnDelete.restrict)
    creditor_reference = Varchar(length=100, default="")
    stage = Varchar(length=20, default="intake", index=True)
    outcome = Varchar(length=20, null=True, default=None)
    negotiator = ForeignKey(references=User, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    lawyer = ForeignKey(references=User, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    jurisdiction = Varchar(length=2, default="ES")
    currency = Varchar(length=3, default="EUR")
    next_action_at = Timestamptz(null=True, default=None)
    priority = Integer(default=0)
    limitation_date = Date(null=True, default=None)
    notes = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)
