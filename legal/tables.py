"""Persistence of the legal side: the statutory rates admins add as they are published."""
from piccolo.columns import Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from agency.tables import User


class InterestRate(Table, tablename="interest_rates"):
    """A published late-payment rate for a half-year (Spain: the Treasury's BOE resolution), added
    to the table shipped in legal.jurisdictions. Basis points keep the rate exact (10.15 % = 1015)."""

    country = Varchar(length=2)
    starts_on = Date()  # 1 January or 1 July
    rate_bp = Integer()
    source = Varchar(length=200, default="")
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
