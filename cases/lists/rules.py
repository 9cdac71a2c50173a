"""What a case list's export holds and what a bulk action asks, as plain values: the columns and their headings, the
caps, and the checks of a bulk request made once for all its cases (each case then goes through its own service)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from agency.http_utils import MAX_ID
from agency.i18n import lazy_gettext as _l
from cases.stages.rules import OUTCOME_LABELS, STAGE_LABELS, STAGES

EXPORT_CAP = 100_000  # cases in one file: past it the export is refused (400) and the list is to be narrowed
BULK_MAX = 500  # cases in one bulk request, each worked in turn before the answer
FORMATS = ("csv", "xlsx")
ACTIONS = ("assign", "move", "note", "message")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (key, heading): the list's columns, and what the list shows besides
COLUMNS = (
    ("reference", _l("Reference")),
    ("creditor_reference", _l("Creditor's reference")),
    ("debtor", _l("Debtor")),
    ("tax_id", _l("Tax id")),
    ("creditor", _l("Creditor")),
    ("stage", _l("Stage")),
    ("outcome", _l("Outcome")),
    ("owed", _l("Principal owed")),
    ("currency", _l("Currency")),
    ("next_action", _l("Next action")),
    ("negotiator", _l("Negotiator")),
    ("opened", _l("Opened")),
    ("closed", _l("Closed")),
    ("limitation", _l("Limitation date")),
)


def headings() -> list[str]:
    return [str(label) for _key, label in COLUMNS]


def day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return None


def export_row(case: dict, owed_cents: int) -> list:
    """One case as the file's row: text, a Decimal and dates (the CSV writes them as text, the XLSX as cells)."""
    return [
        case["reference"], case["creditor_reference"] or "", case["debtor_name"] or "", case["debtor_tax_id"] or "",
        case["creditor_name"] or "", str(STAGE_LABELS.get(case["stage"], case["stage"])),
        str(OUTCOME_LABELS.get(case["outcome"], "")) if case["outcome"] else "",
        Decimal(owed_cents) / 100, case["currency"], day(case["next_action_at"]), case["negotiator_name"] or "",
        day(case["created_at"]), day(case["closed_at"]), day(case["limitation_date"]),
    ]


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def cell_safe(value: object) -> object:
    """A text a spreadsheet would run as a formula (=, +, -, @ first) is kept as text: a debtor's name is the debtor's."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@dataclass(frozen=True)
class BulkRequest:
    ids: tuple[int, ...]
    action: str
    negotiator_id: int | None = None
    to: str = ""
    outcome: str | None = None
    reason: str = ""
    text: str = ""
    template: str = ""


def bulk_problems(ids: list, action: str, to: str, text: str, template: str) -> dict[str, object]:
    """What is wrong with a bulk request as a whole, per field (nothing: it may go on to each case)."""
    problems: dict[str, object] = {}
    if not ids:
        problems["ids"] = _l("Select at least one case.")
    elif len(ids) > BULK_MAX:
        problems["ids"] = _l("At most %(n)s cases at a time: select fewer.", n=f"{BULK_MAX:,}")
    elif not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in ids):
        problems["ids"] = _l("The cases are given by their ids (whole numbers).")
    if action not in ACTIONS:
        problems["action"] = _l("The action is one of: assign, move, note, message.")
    elif action == "move" and to not in STAGES:
        problems["to"] = _l("Choose the stage to move the cases to.")
    elif action == "note" and not text.strip():
        problems["text"] = _l("Write the note.")
    elif action == "note" and len(text) > 10_000:
        problems["text"] = _l("The text is too long (10,000 characters at most).")
    elif action == "message" and not template.strip():
        problems["template"] = _l("Choose the message to send.")
    return problems


def unique(ids: list[int]) -> tuple[int, ...]:
    """The ids once each, in the order given."""
    return tuple(dict.fromkeys(ids))


VIEWS_MAX = 50  # saved views per user


def view_problems(name: str, q: str) -> dict[str, object]:
    """What is wrong with a view to save, per field (its filters and order are checked as the list's are)."""
    problems: dict[str, object] = {}
    if not name.strip():
        problems["name"] = _l("Give the view a name.")
    elif len(name.strip()) > 80:
        problems["name"] = _l("The name is too long (80 characters at most).")
    if len(q) > 100:
        problems["q"] = _l("The search is too long (100 characters at most).")
    return problems
