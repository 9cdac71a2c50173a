"""A case list as a file (CSV streamed a thousand cases at a time; XLSX written in openpyxl's write-only mode), and a
bulk action on the cases selected: each case through the service its single action uses (the stage guards, the
assignment's checks, the note's and the message's), each in its own transaction, so one refusal undoes nothing else."""
from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date

from litestar.exceptions import HTTPException, NotFoundException

from agency import access, clock
from agency.accounts import FormErrors
from agency.auth import CurrentUser
from agency.db import atomic, utcnow
from agency.i18n import gettext as _
from agency.tenancy import scoped
from cases.contacts.rules import ActivityErrors, ActivityInput
from cases.contacts.service import log_activity
from cases.lists.rules import EXPORT_CAP, VIEWS_MAX, BulkRequest, as_text, cell_safe, export_row, headings, view_problems
from cases.messages.service import send_message
from cases.negotiation import service as negotiation
from cases.negotiation.service import outstanding_by_case
from cases.queries import CaseFilter, case_chunks, count_cases, message_choices
from cases.stages.rules import MoveRequest
from cases.stages.service import StageRefused, advance_stage
from cases.tables import Case, SavedView

# --- the export ----------------------------------------------------------------------------------------------

def export_name(f: CaseFilter, extension: str, today: date) -> str:
    """The file's name in the reader's language ("casos-todos-2026-12-07.csv", "cases-all-2026-12-07.csv"), the stage by
    its code."""
    # Translators: the start of an exported case list's file name (lower case, no spaces): "cases-all-2026-12-07.csv"
    cases = _("cases")
    # Translators: in an exported case list's file name, a list of every stage (lower case, no spaces)
    every = _("all")
    return f"{cases}-{f.stage or every}-{today.isoformat()}.{extension}"


async def start_export(user: CurrentUser, f: CaseFilter, extension: str) -> tuple[str, int]:
    """The file's name and how many cases it holds, noted once on the access log (what was exported: the filters);
    a list longer than EXPORT_CAP is refused (a 400 saying to narrow it)."""
    n = await count_cases(user, f)
    if n > EXPORT_CAP:
        raise FormErrors({"stage": _("An export holds at most %(cap)s cases and this list has %(n)s: narrow it with the stage or a search.")
                          % {"cap": f"{EXPORT_CAP:,}", "n": f"{n:,}"}})
    name = export_name(f, extension, clock.today())
    what = f"stage={f.stage or ''} q={(f.q or '').strip()[:60]} sort={f.sort}"
    access.note(user, f"export: {name} {what} ({n} cases)")
    return name, n


async def rows_of(user: CurrentUser, f: CaseFilter) -> AsyncIterator[list[list]]:
    """The list's rows, a thousand cases at a time (never more than EXPORT_CAP), with what each still owes."""
    async for chunk in case_chunks(user, f, limit=EXPORT_CAP):
        owed = await outstanding_by_case([c["id"] for c in chunk])
        yield [export_row(c, owed.get(c["id"], 0)) for c in chunk]


async def csv_lines(user: CurrentUser, f: CaseFilter) -> AsyncIterator[bytes]:
    """The CSV as it is read: the headings (after a BOM, for Excel), then each thousand cases; never the whole list held."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings())
    yield ("\ufeff" + out.getvalue()).encode("utf-8")
    async for rows in rows_of(user, f):
        out.seek(0)
        out.truncate()
        writer.writerows([as_text(cell_safe(v)) for v in row] for row in rows)  # (a number stays a number: -12.00 owed back)
        yield out.getvalue().encode("utf-8")


async def xlsx_file(user: CurrentUser, f: CaseFilter) -> bytes:
    """The XLSX (openpyxl's write-only mode: rows are written out as they come, not kept as cells)."""
    from openpyxl import Workbook  # lazy: XLSX only when an XLSX file is read or written

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Cases"))
    sheet.append(headings())

    def append(rows: list[list]) -> None:
        for row in rows:
            sheet.append([cell_safe(v) for v in row])

    # openpyxl's work is CPU (some ten seconds for 100,000 cases): in a thread, a chunk at a time, so that the
    # server's other requests are not held while it writes (one thread at a time touches the book)
    async for rows in rows_of(user, f):
        await asyncio.to_thread(append, rows)
    buf = io.BytesIO()
    await asyncio.to_thread(book.save, buf)
    return buf.getvalue()


# --- bulk actions --------------------------------------------------------------------------------------------

@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)  # {id, reasons: [{code, message}]}
    warnings: list[dict] = field(default_factory=list)  # {id, messages}: done, with what the service warned of (the week's contact cap)


def reasons_of(exc: Exception) -> list[dict]:
    """Why one case was refused, as codes and words: the stage guards' own codes, or what the service said."""
    if isinstance(exc, StageRefused):
        return [{"code": r.code, "message": str(r)} for r in exc.decision.refusals]
    if isinstance(exc, NotFoundException):
        return [{"code": "not_found", "message": _("No such case, or not yours to see.")}]
    if isinstance(exc, (ActivityErrors, FormErrors)):
        return [{"code": "invalid", "message": str(v)} for v in exc.errors.values()]
    if isinstance(exc, HTTPException):
        code = {403: "forbidden", 409: "conflict"}.get(exc.status_code, "invalid")
        return [{"code": code, "message": str(exc.detail)}]
    raise exc


async def check_bulk(request: BulkRequest) -> None:
    """What the whole request names must exist (a 400 naming the field), before any case is touched."""
    if request.action == "assign" and request.negotiator_id is not None and request.negotiator_id not in {
            n["id"] for n in await negotiation.negotiators_list()}:
        raise FormErrors({"negotiator_id": _("Choose an active negotiator.")})
    if request.action == "message" and request.template not in {m["key"] for m in await message_choices()}:
        raise FormErrors({"template": _("Choose one of the messages in use.")})


async def one_case(user: CurrentUser, case_id: int, request: BulkRequest, today: date) -> list[str]:
    """The action on one case; what its service warned of (a message over the week's contact cap is sent, and says so)."""
    if request.action == "assign":
        await negotiation.assign(user, case_id, request.negotiator_id)
    elif request.action == "move":
        await advance_stage(user, case_id, MoveRequest(to=request.to, outcome=request.outcome, reason=request.reason), today)
    elif request.action == "note":
        return list((await log_activity(user, case_id, ActivityInput(kind="note", body=request.text), today)).get("warnings") or [])
    else:
        async with atomic():
            return list((await send_message(user, case_id, request.template, today)).get("warnings") or [])
    return []


async def run_bulk(user: CurrentUser, request: BulkRequest) -> BulkResult:
    """Each case in turn, in its own transaction, through its single action's service (never around a guard)."""
    await check_bulk(request)
    today = clock.today()
    result = BulkResult()
    for case_id in request.ids:
        try:
            warnings = await one_case(user, case_id, request, today)
        except (HTTPException, ActivityErrors, FormErrors) as exc:
            result.refused.append({"id": case_id, "reasons": reasons_of(exc)})
        else:
            result.done.append(case_id)
            if warnings:
                result.warnings.append({"id": case_id, "messages": [str(w) for w in warnings]})
    return result


async def named(request: BulkRequest) -> dict:
    """What the summary page says was applied: the action and its stage, negotiator or message by name."""
    said: dict = {"action": request.action, "to": request.to, "outcome": request.outcome, "reason": request.reason, "text": request.text}
    if request.action == "assign" and request.negotiator_id is not None:
        said["negotiator"] = next((n["name"] for n in await negotiation.negotiators_list() if n["id"] == request.negotiator_id),
                                  f"#{request.negotiator_id}")  # (not an active negotiator: each case said why not)
    if request.action == "message":
        said["message"] = next((m["name"] for m in await message_choices() if m["key"] == request.template), request.template)
    return said


async def references(user: CurrentUser, ids: list[int]) -> dict[int, str]:
    """The references of the cases the caller may see among ``ids`` (for the summary page)."""
    if not ids:
        return {}
    rows = await scoped(Case.select(Case.id, Case.reference).where(Case.id.is_in(ids)), user, Case.organisation)
    return {r["id"]: r["reference"] for r in rows}


# --- saved views ---------------------------------------------------------------------------------------------

async def saved_views(user: CurrentUser) -> list[dict]:
    """The user's saved views, by name."""
    return await SavedView.select(SavedView.id, SavedView.name, SavedView.stage, SavedView.q, SavedView.sort, SavedView.descending).where(
        SavedView.user == user.id).order_by(SavedView.name).order_by(SavedView.id)


async def save_view(user: CurrentUser, name: str, f: CaseFilter) -> dict:
    """Keep the list's filters and order under ``name`` for ``user`` (the same name again replaces it); FormErrors
    (a 400) for a name or search that does not fit, or past VIEWS_MAX views."""
    q = (f.q or "").strip()
    problems = view_problems(name, q)
    if problems:
        raise FormErrors({k: str(v) for k, v in problems.items()})
    name = name.strip()
    values = {SavedView.stage: f.stage or "", SavedView.q: q, SavedView.sort: f.sort, SavedView.descending: f.descending}
    async with atomic():
        same = await SavedView.select(SavedView.id).where((SavedView.user == user.id) & (SavedView.name == name)).first()
        if same:
            await SavedView.update(values).where(SavedView.id == same["id"])
            view_id = same["id"]
        else:
            if await SavedView.count().where(SavedView.user == user.id) >= VIEWS_MAX:
                raise FormErrors({"name": _("At most %(n)s saved views: delete one first.") % {"n": VIEWS_MAX}})
            view_id = (await SavedView.insert(SavedView(user=user.id, name=name, created_at=utcnow(), **{c._meta.name: v for c, v in values.items()}))
                       .returning(SavedView.id))[0]["id"]
    return (await SavedView.select(SavedView.id, SavedView.name, SavedView.stage, SavedView.q, SavedView.sort, SavedView.descending).where(
        SavedView.id == view_id).first())


async def delete_view(user: CurrentUser, view_id: int) -> None:
    """Delete one of the user's views (another user's, or none, is a 404)."""
    async with atomic():
        gone = await SavedView.delete().where((SavedView.id == view_id) & (SavedView.user == user.id)).returning(SavedView.id)
    if not gone:
        raise NotFoundException(detail=_("No such saved view."))
