"""The insolvency watch: a debtor marked as in concurso (the court, the BOE publication, the administrator) by an admin or a
lawyer. The record, an event on each of the debtor's open cases (seen by the creditor) and the email to the creditor's
users in one transaction; the legal side hears the event and opens the month to communicate the claim
(legal.court.service.on_insolvency). While the concurso is open the debtor's cases get no contact: the reminders and
instalment messages pass them by (cases.messages), a message or an outbound contact by hand is refused (ContactRefused,
409), and no new court filing is made (legal.court.service). ``insolvency_of`` is the one question the others ask."""
from __future__ import annotations

from datetime import date

from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException

from agency.accounts import FormErrors
from agency.auth import CurrentUser
from agency.db import as_date, atomic, fetch_records, is_sqlite, is_unique_violation, utcnow
from agency.i18n import format_day
from agency.i18n import gettext as _
from agency.roles import Role
from cases import events
from cases.claims.service import notify_creditors
from cases.insolvency.rules import ADMINISTRATOR_MAX, COURT_MAX, clean, mark_problems
from cases.tables import Case, Debtor, Insolvency
from legal.rules.insolvency import claim_deadline

COLUMNS = (Insolvency.id, Insolvency.debtor, Insolvency.court, Insolvency.published_on, Insolvency.declared_on, Insolvency.administrator,
           Insolvency.marked_by, Insolvency.marked_by.name.as_alias("marked_by_name"), Insolvency.marked_at, Insolvency.ended_on)
MARKERS = (Role.admin, Role.lawyer)


def _shaped(row: dict | None) -> dict | None:
    if row is None:
        return None
    row["published_on"] = as_date(row["published_on"])
    row["declared_on"] = as_date(row["declared_on"])
    row["ended_on"] = as_date(row["ended_on"])
    row["claim_deadline"] = claim_deadline(row["published_on"])
    return row


async def insolvency_of(debtor_id: int) -> dict | None:
    """The debtor's open concurso (court, published_on, declared_on, administrator, claim_deadline...), or None."""
    if is_sqlite():
        return _shaped(await Insolvency.select(*COLUMNS).where((Insolvency.open_debtor == debtor_id)).first())
    # (asked on every load of a case page: fixed SQL, COLUMNS' own, tests/bench/test_case_page_speed.py)
    rows = await fetch_records("SELECT i.id, i.debtor, i.court, i.published_on, i.declared_on, i.administrator, i.marked_by,"
                               " u.name AS marked_by_name, i.marked_at, i.ended_on FROM insolvencies i LEFT JOIN users u ON u.id = i.marked_by"
                               " WHERE i.open_debtor = {} LIMIT 1", debtor_id)
    return _shaped(dict(rows[0])) if rows else None


async def insolvency_of_case(case_id: int) -> dict | None:
    """The open concurso of the case's debtor, or None (the caller has checked the case is theirs to read)."""
    row = await Case.select(Case.debtor).where(Case.id == case_id).first()
    return await insolvency_of(row["debtor"]) if row else None


async def insolvent_debtors(debtor_ids: list[int]) -> set[int]:
    """The debtors among these with an open concurso (one query, for a round of many cases)."""
    wanted, found = sorted(set(debtor_ids)), set()
    for start in range(0, len(wanted), 1000):  # (a direct-debit file may name 50,000: asyncpg takes 32,767 arguments a statement)
        found |= {r["open_debtor"] for r in await Insolvency.select(Insolvency.open_debtor).where(
            Insolvency.open_debtor.is_in(wanted[start:start + 1000]))}
    return found


async def insolvent_cases(case_ids: list[int]) -> set[int]:
    """The cases among these whose debtor is in an open concurso (a thousand cases a query)."""
    wanted, found = sorted(set(case_ids)), set()
    for start in range(0, len(wanted), 1000):
        rows = await Case.select(Case.id, Case.debtor).where(Case.id.is_in(wanted[start:start + 1000]))
        held = await insolvent_debtors([r["debtor"] for r in rows])
        found |= {r["id"] for r in rows if r["debtor"] in held}
    return found


class InsolvencyRefused(ClientException):
    """What the concurso forbids (contact, a new filing, marking it twice): a 409 that names the concurso."""
    status_code = 409


def refusal_text(found: dict, what: str) -> str:
    return _("%(what)s: the debtor is in insolvency proceedings (concurso at %(court)s, published in the BOE on %(day)s). "
             "The claim goes to the insolvency administrator instead.") % {"what": what, "court": found["court"],
                                                                            "day": format_day(found["published_on"])}


async def refuse_contact(case_id: int) -> None:
    """A 409 when the case's debtor is in concurso: no message and no outbound contact by hand (an inbound call or a note
    is still recorded)."""
    found = await insolvency_of_case(case_id)
    if found is not None:
        raise InsolvencyRefused(detail=refusal_text(found, _("No contact with the debtor")), extra={"insolvency_id": found["id"]})


async def mark(user: CurrentUser, debtor_id: int, court: str, published_on: date | None, declared_on: date | None, administrator: str,
               today: date) -> dict:
    """Record the debtor's concurso: the row, an ``insolvency`` event on each of their open cases (the creditor sees it; the
    legal side opens the claim deadline on it) and the email to the creditor's users, in one transaction. Marked already:
    409, nothing written."""
    if user.role not in MARKERS:
        raise PermissionDeniedException(detail=_("Only an admin or a lawyer marks a debtor as in insolvency proceedings."))
    debtor = await Debtor.select(Debtor.id, Debtor.name, Debtor.organisation).where(Debtor.id == debtor_id).first()
    if debtor is None:
        raise NotFoundException(detail=_("Not found."))
    errors = mark_problems(court, published_on, declared_on, administrator, today)
    if errors:
        raise FormErrors({k: str(v) for k, v in errors.items()})
    court, administrator = clean(court, COURT_MAX), clean(administrator, ADMINISTRATOR_MAX)
    already = await insolvency_of(debtor_id)
    if already is not None:
        raise _marked_twice(already)
    deadline = claim_deadline(published_on)
    try:
        async with atomic():
            row = (await Insolvency.insert(Insolvency(
                debtor=debtor_id, open_debtor=debtor_id, court=court, published_on=published_on, declared_on=declared_on,
                administrator=administrator, marked_by=user.id, marked_at=utcnow())).returning(Insolvency.id))[0]
            cases = await Case.select(Case.id, Case.reference).where((Case.debtor == debtor_id) & Case.closed_at.is_null()).order_by(Case.id)
            payload = {"insolvency_id": row["id"], "court": court, "published_on": published_on.isoformat(),
                       "declared_on": declared_on.isoformat() if declared_on else None, "administrator": administrator,
                       "claim_deadline": deadline.isoformat()}
            summary = _("Debtor in insolvency proceedings: %(court)s, published in the BOE on %(day)s.") % {
                "court": court, "day": format_day(published_on)}
            for c in cases:
                await events.record(c["id"], "insolvency", user, summary[:500], payload, visible_to_creditor=True)
            if cases:  # the creditor's users, in their language: what happened and what the agency does next
                await notify_creditors(debtor["organisation"], "insolvency", debtor=debtor["name"], court=court, published_on=published_on,
                                       administrator=administrator, claim_deadline=deadline,
                                       references=[c["reference"] for c in cases], case_id=cases[0]["id"])
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        raise _marked_twice(await insolvency_of(debtor_id) or {"court": court, "published_on": published_on, "id": None}) from None
    return {**(await insolvency_of(debtor_id)), "cases": [c["id"] for c in cases]}


def _marked_twice(found: dict) -> InsolvencyRefused:
    return InsolvencyRefused(detail=_("This debtor is already marked as in insolvency proceedings (concurso at %(court)s, published in "
                                      "the BOE on %(day)s): nothing was changed. To correct it, end that record first.") % {
        "court": found["court"], "day": format_day(found["published_on"])}, extra={"insolvency_id": found["id"]})


async def end(user: CurrentUser, debtor_id: int, ended_on: date, today: date) -> None:
    """The concurso ended (concluded, or the mark was wrong): contact and filings are allowed again. An event on each open
    case; no concurso open: 409."""
    if user.role not in MARKERS:
        raise PermissionDeniedException(detail=_("Only an admin or a lawyer marks a debtor as in insolvency proceedings."))
    if ended_on > today:
        raise FormErrors({"ended_on": _("The end date cannot be in the future.")})
    found = await insolvency_of(debtor_id)
    if found is None:
        raise InsolvencyRefused(detail=_("This debtor is not marked as in insolvency proceedings."))
    if ended_on < found["published_on"]:
        raise FormErrors({"ended_on": _("The end date cannot be before the BOE publication.")})
    async with atomic():
        done = await Insolvency.update({Insolvency.ended_on: ended_on, Insolvency.open_debtor: None}).where(
            (Insolvency.id == found["id"]) & (Insolvency.open_debtor == debtor_id)).returning(Insolvency.id)
        if not done:
            raise InsolvencyRefused(detail=_("The record changed meanwhile: reload the page and try again."))
        for c in await Case.select(Case.id).where((Case.debtor == debtor_id) & Case.closed_at.is_null()):
            await events.record(c["id"], "insolvency_ended", user, "", {"insolvency_id": found["id"], "ended_on": ended_on.isoformat()},
                                visible_to_creditor=True)


async def history(debtor_id: int) -> list[dict]:
    """Every concurso recorded for the debtor, the latest first."""
    rows = await Insolvency.select(*COLUMNS).where(Insolvency.debtor == debtor_id).order_by(Insolvency.id, ascending=False)
    return [_shaped(r) for r in rows]


__all__ = ["InsolvencyRefused", "end", "history", "insolvency_of", "insolvency_of_case", "insolvent_cases", "insolvent_debtors", "mark",
           "refuse_contact", "refusal_text"]
