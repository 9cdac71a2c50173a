"""The four kinds of staff and client users (pure)."""
from enum import Enum


class Role(str, Enum):
    admin = "admin"
    negotiator = "negotiator"
    lawyer = "lawyer"
    creditor = "creditor"


STAFF = frozenset({Role.admin, Role.negotiator, Role.lawyer})
