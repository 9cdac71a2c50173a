"""The negotiator's use-cases: the queue (score, take next, assign), classification, promises,
instalment plans and payments. Each writes its rows, the case event and the new score in ONE
transaction."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import NamedTuple

from litestar.exceptions import ClientException, HTTPException
from piccolo.query.functions.aggregate import Sum
from piccolo.querystring import QueryString

from agency import clock
from agency.auth import CurrentUser
from agency.db import as_date, atomic, engine, fetch_records, is_sqlite, utcnow
from agency.i18n import gettext as _
from agency.roles import Role
from agency.tables import User
from agency.tenancy import get_visible
from cases import events
from cases.billing.balances import balance_of
from cases.money import to_cents
from cases.negotiation.queue import (
    ACT_FAST_AFTER,
    ANSWERED_KINDS,
    CLASSIFICATIONS,
    ENGAGED_FOR,
    ENGAGED_KINDS,
    LEFT_FOR,
    QUEUE_STAGES,
    QueueFacts,
    score,
)
from cases.negotiation.rules import (
    Payment,
    check_promise,
    instalment_paid,
    instalment_statuses,
    plan_after_reversal,
    promise_after_reversal,
    promise_status,
    split_plan,
)
from cases.queries import open_case
from cases.reports import totals
from cases.tables import Case, Debtor, Instalment, Invoice, LedgerEntry, PaymentPlan, Promise
from legal.rules.jurisdictions import JURISDICTIONS, negotiation_by_lawyers_only

# --- money (until the ledger issue extends it) ------------------------------------------------------

async def outstanding_by_case(case_ids: list[int]) -> dict[int, int]:
    """Undisputed principal minus payments, in cents, per case: a bulk approximation for ranking and
    for "is anything still owed"; what is owed to the cent comes from cases.billing.balances."""
    if not case_ids:
        return {}
    principal = {r["case"]: int(r["cents"] or 0) for r in await Invoice.select(Invoice.case, Sum(Invoice.amount_cents, alias="cents")).where(
        Invoice.case.is_in(case_ids) & (Invoice.disputed == False)).group_by(Invoice.case)}  # noqa: E712
    paid = await paid_by_case(case_ids)
    return {c: principal.get(c, 0) - paid.get(c, 0) for c in case_ids}


async def paid_by_case(case_ids: list[int]) -> dict[int, int]:
    if not case_ids:
        return {}
    rows = await LedgerEntry.select(LedgerEntry.case, Sum(LedgerEntry.amount_cents, alias="cents")).where(
        LedgerEntry.case.is_in(case_ids) & LedgerEntry.kind.is_in(["payment", "reversal"])).group_by(LedgerEntry.case)  # reversals are negative
    return {r["case"]: int(r["cents"] or 0) for r in rows}


async def payments_of(case_id: int) -> list[Payment]:
    rows = await fetch_records("SELECT id, kind, booked_on, amount_cents, reverses, created_at FROM ledger_entries WHERE \"case\" = {} "
                               "AND kind IN ('payment', 'reversal')", case_id)
    return payments_from(rows)


def payments_from(rows) -> list[Payment]:
    """The payments of a case's ledger rows read already (id, kind, booked_on, amount_cents, reverses, created_at; other kinds
    ignored), less those a reversal undid."""
    undone = {r["reverses"] for r in rows if r["kind"] == "reversal"}
    return [Payment(as_date(r["booked_on"]), r["amount_cents"], as_datetime(r["created_at"])) for r in rows
            if r["kind"] == "payment" and r["id"] not in undone]


# --- the score ---------------------------------------------------------------------------------------

# What the score of each case is made of, in one query (the cases, what they owe, their oldest invoice, their broken
# promises and missed instalments); "{ids}" stands for the cases' placeholders.
RESCORE_SQL = (
    "SELECT c.id, c.stage, c.next_action_at, c.limitation_date, c.accepted_at, c.last_contact_at, d.classification, "
    "CAST(COALESCE((SELECT SUM(i.amount_cents) FROM invoices i WHERE i.\"case\" = c.id AND i.disputed = false), 0) "
    "- COALESCE((SELECT SUM(l.amount_cents) FROM ledger_entries l WHERE l.\"case\" = c.id AND l.kind IN ('payment', 'reversal')), 0) "
    "AS BIGINT) AS outstanding_cents, "  # reversals are negative
    "(SELECT MIN(i.due_date) FROM invoices i WHERE i.\"case\" = c.id) AS oldest, "
    "(SELECT COUNT(*) FROM promises p WHERE p.\"case\" = c.id AND p.status = 'broken') AS broken, "
    "(SELECT COUNT(*) FROM instalments n JOIN payment_plans pp ON pp.id = n.plan WHERE pp.\"case\" = c.id AND n.status = 'missed' "
    "AND pp.status = 'active') AS missed, "
    # the debtor's own moves of the last days (the score's "engaged" and "opened and left"); the kinds are the queue's
    # constants, written in, and each "{}" here is the earliest moment that counts
    + ", ".join(f"(SELECT MAX(e.at) FROM case_events e WHERE e.\"case\" = c.id AND e.kind IN ({', '.join(repr(k) for k in kinds)}) "
                f"AND e.at >= {{}}) AS {name}"
                for name, kinds in (("engaged_at", ENGAGED_KINDS), ("visited_at", ("portal_opened",)), ("answered_at", ANSWERED_KINDS)))
    # the creditor's oldest question the agency has not answered (cases.conversation)
    + ", (SELECT MIN(q.created_at) FROM conversation_messages q WHERE q.\"case\" = c.id AND q.side = 'creditor' AND q.answered_at IS NULL) "
    "AS question_at"
    + " FROM collection_cases c LEFT JOIN debtors d ON d.id = c.debtor WHERE c.id IN ({ids})")


def as_datetime(value):
    """A timestamp as SQLite may hand it back from a raw query (text), or as PostgreSQL does."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


async def rescore(case_ids: list[int], now: datetime | None = None) -> None:
    """Recompute the queue score of these cases: a thousand at a time, one query to read them and one to write their scores."""
    now = now or utcnow()
    for start in range(0, len(case_ids), 1000):
        ids = case_ids[start:start + 1000]
        since = now - ENGAGED_FOR
        scores = []
        for c in await fetch_records(RESCORE_SQL.replace("{ids}", ", ".join(["{}"] * len(ids))), since, since, since, *ids):
            points, reasons = score(QueueFacts(
                stage=c["stage"], outstanding_cents=int(c["outstanding_cents"] or 0), oldest_due_date=as_date(c["oldest"]),
                next_action_at=as_datetime(c["next_action_at"]), broken_promises=int(c["broken"]), missed_instalments=int(c["missed"]),
                classification=c["classification"] or "unknown", limitation_date=as_date(c["limitation_date"]),
                accepted_at=as_datetime(c["accepted_at"]), last_contact_at=as_datetime(c["last_contact_at"]),
                engaged_at=as_datetime(c["engaged_at"]), visited_at=as_datetime(c["visited_at"]), answered_at=as_datetime(c["answered_at"]),
                question_at=as_datetime(c["question_at"]),
            ), now)
            scores += [c["id"], points, ",".join(reasons)]
        if scores:  # every score in one statement (a VALUES list names its columns column1, column2... on both databases);
            # only the rows whose score moved are written: each write of a case touches all its indexes (the queue's too)
            rows = ", ".join(["(CAST({} AS BIGINT), CAST({} AS INTEGER), CAST({} AS TEXT))"] * (len(scores) // 3))
            await fetch_records(f"UPDATE collection_cases SET priority = v.column2, priority_reasons = v.column3 FROM (VALUES {rows}) AS v "
                                "WHERE collection_cases.id = v.column1 AND (collection_cases.priority <> v.column2 "
                                "OR collection_cases.priority_reasons <> v.column3) RETURNING collection_cases.id", *scores)


# What the worker's queue-score job has done in this process: the agency day of its last pass over every open case, and
# the moment of its last round (a restarted worker scores every case again first).
_rescored: dict = {}


async def rescore_open_cases(settings=None, now: datetime | None = None) -> int:
    """Worker job: scores move with time, so refresh them. Every open case once a day (what moves by the day: days
    overdue, the limitation date near, contacted today), a thousand at a time; in every other round only the cases whose
    score a moment has changed since the last round (score_moved_since): a million cases are not re-read every ten
    seconds to find the few that moved. A change a service makes rescores its case then and there (cases.events'
    callers). Returns how many cases were scored."""
    now = now or utcnow()
    day, last = clock.day_of(now), _rescored.get("at")
    if _rescored.get("day") != day or last is None:
        done = await rescore_all(now)
        _rescored.update(day=day, at=now)
        return done
    ids = await score_moved_since(last, now)
    for start in range(0, len(ids), 1000):
        async with atomic():
            await rescore(ids[start:start + 1000], now)
    _rescored["at"] = now
    return len(ids)


async def rescore_all(now: datetime | None = None) -> int:
    """Every case in the queue's stages scored again, a thousand at a time (by id), each thousand in its own transaction."""
    done, last_id = 0, 0
    while True:
        ids = [r["id"] for r in await Case.select(Case.id).where(Case.stage.is_in(list(QUEUE_STAGES)) & (Case.id > last_id))
               .order_by(Case.id).limit(1000)]
        if not ids:
            return done
        async with atomic():
            await rescore(ids, now)
        done += len(ids)
        last_id = ids[-1]


async def score_moved_since(last: datetime, now: datetime) -> list[int]:
    """The open cases whose score changed between ``last`` and ``now`` by time alone (cases.negotiation.queue.score's
    moments): a next action fell due, 24 hours passed since acceptance without contact (act fast), a payment, plan or
    promise turned 7 days old (engaged), a visit to the debtor's page 3 days old (opened and left). Each found by a range
    of an index (the partial ones of migration 2026-12-07T15:10, and case_events' ``at``)."""
    stages = ", ".join(f"'{s}'" for s in QUEUE_STAGES)
    engaged = ", ".join(f"'{k}'" for k in ENGAGED_KINDS)
    rows = await fetch_records(
        f"SELECT id FROM collection_cases WHERE next_action_at > {{}} AND next_action_at <= {{}} AND stage IN ({stages}) "
        f"UNION SELECT id FROM collection_cases WHERE accepted_at > {{}} AND accepted_at <= {{}} AND last_contact_at IS NULL "
        f"AND stage IN ({stages}) "
        f"UNION SELECT e.\"case\" FROM case_events e JOIN collection_cases c ON c.id = e.\"case\" WHERE e.at > {{}} AND e.at <= {{}} "
        f"AND e.kind IN ({engaged}) AND c.stage IN ({stages}) "
        f"UNION SELECT e.\"case\" FROM case_events e JOIN collection_cases c ON c.id = e.\"case\" WHERE e.at > {{}} AND e.at <= {{}} "
        f"AND e.kind = 'portal_opened' AND c.stage IN ({stages})",
        last, now, last - ACT_FAST_AFTER, now - ACT_FAST_AFTER, last - ENGAGED_FOR, now - ENGAGED_FOR, last - LEFT_FOR, now - LEFT_FOR)
    return sorted({r["id"] for r in rows})


# --- the queue ---------------------------------------------------------------------------------------

class Taken(NamedTuple):
    case_id: int
    already_theirs: bool  # handed back rather than newly assigned


async def take_next(user: CurrentUser) -> Taken | None:
    """The highest-scored case whose next action is due, among the unassigned ones and the caller's own:
    an unassigned one is assigned to ``user``; one of theirs that outranks every unassigned case is
    simply handed back (a negotiator's own case waiting at the top is the next thing to do, not
    "nothing is due"). Twenty people pressing at once get twenty different cases: FOR UPDATE SKIP
    LOCKED on PostgreSQL, the IMMEDIATE write lock on SQLite."""
    now = utcnow()
    stages = ", ".join(f"'{s}'" for s in QUEUE_STAGES)
    lawyers_only = f" AND jurisdiction NOT IN ({', '.join(repr(c) for c in LAWYERS_ONLY)})" if LAWYERS_ONLY and user.role == Role.negotiator else ""
    sql = (f"SELECT id, negotiator FROM collection_cases WHERE stage IN ({stages}) AND held_at IS NULL AND (negotiator IS NULL OR negotiator = {{}}){lawyers_only} "
           "AND (next_action_at IS NULL OR next_action_at <= {}) ORDER BY priority DESC, id LIMIT 1")
    async with atomic():
        rows = await engine().run_querystring(_qs(sql if is_sqlite() else sql + " FOR UPDATE SKIP LOCKED", user.id, now))
        if not rows:
            return None
        case_id = rows[0]["id"]
        if rows[0]["negotiator"] == user.id:
            return Taken(case_id, True)
        await totals.leave([case_id])  # (the report totals per negotiator)
        await Case.update({Case.negotiator: user.id, Case.updated_at: now}).where(Case.id == case_id)
        await totals.enter([case_id])
        await events.record(case_id, "assigned", user, _("%(name)s took the case from the queue.") % {"name": user.name},
                            {"negotiator": user.id, "via": "take_next"})
    return Taken(case_id, False)


def _qs(template: str, *args):
    return QueryString(template, *args)


async def assign(user: CurrentUser, case_id: int, negotiator_id: int | None) -> None:
    if negotiator_id is not None and not await User.exists().where(
            (User.id == negotiator_id) & (User.role == Role.negotiator.value) & (User.active == True)):  # noqa: E712
        raise ClientException(detail=_("Choose an active negotiator."))
    case = await get_visible(Case.select(Case.id, Case.jurisdiction).where(Case.id == case_id), user, Case.organisation)
    if negotiator_id is not None and negotiation_by_lawyers_only(case["jurisdiction"]):
        raise HTTPException(status_code=409, detail=_("In Portugal only a lawyer may negotiate a debt (Lei 49/2004): a lawyer of the "
                                                      "agency works this case."))
    async with atomic():
        await totals.leave([case_id])  # (the report totals per negotiator)
        await Case.update({Case.negotiator: negotiator_id, Case.updated_at: utcnow()}).where(Case.id == case_id)
        await totals.enter([case_id])
        await events.record(case_id, "assigned", user, "", {"negotiator": negotiator_id, "via": "admin"})


# --- classification ------------------------------------------------------------------------------------

async def classify(user: CurrentUser, case_id: int, classification: str) -> None:
    if classification not in CLASSIFICATIONS:
        raise ClientException(detail=_("The classification is intentional, negligent, circumstantial or unknown."))
    case = await get_visible(Case.select(Case.id, Case.debtor).where(Case.id == case_id), user, Case.organisation)
    async with atomic():
        await Debtor.update({Debtor.classification: classification}).where(Debtor.id == case["debtor"])
        await events.record(case_id, "classified", user, classification, {"classification": classification})
        await rescore([case_id])


# --- promises, plans, payments -----------------------------------------------------------------------------


def check_may_negotiate(user: CurrentUser, jurisdiction: str) -> None:
    """Portugal (Lei 49/2004): negotiating the collection of a debt is reserved to lawyers, so a negotiator may not
    contact the debtor, agree a promise or a plan on a Portuguese case (a 403 that says so)."""
    if user.role == Role.negotiator and negotiation_by_lawyers_only(jurisdiction):
        raise HTTPException(status_code=403, detail=_("In Portugal only a lawyer may negotiate a debt (Lei 49/2004): a lawyer of the "
                                                      "agency works this case."))


# The jurisdictions whose cases are not offered to negotiators in the queue (written into its SQL).
LAWYERS_ONLY = tuple(sorted(c for c in JURISDICTIONS if negotiation_by_lawyers_only(c)))


async def add_promise(user: CurrentUser, case_id: int, promised_on: date, amount: Decimal, today: date) -> int:
    case = await open_case(user, case_id)
    check_may_negotiate(user, case["jurisdiction"])
    cents = to_cents(amount)
    async with atomic():
        outstanding = to_cents((await balance_of(case_id, today)).outstanding)
        check_promise(promised_on, cents, outstanding, today, case["currency"])
        replaced = await Promise.update({Promise.status: "replaced", Promise.resolved_at: utcnow()}).where(
            (Promise.case == case_id) & (Promise.status == "open")).returning(Promise.id)
        row = (await Promise.insert(Promise(case=case_id, promised_on=promised_on, amount_cents=cents, created_by=user.id)).returning(
            Promise.id))[0]
        await Case.update({Case.next_action_at: datetime.combine(promised_on + timedelta(days=1), time(9), tzinfo=timezone.utc)}).where(
            Case.id == case_id)
        await events.record(case_id, "promise", user, "", {"promise_id": row["id"], "promised_on": promised_on.isoformat(),
                                                           "amount": str(amount), "replaces": [r["id"] for r in replaced]})
        await rescore([case_id])
    return row["id"]


async def add_plan(user: CurrentUser, case_id: int, count: int, frequency: str, first_due_on: date, today: date,
                   interest_runs: bool = False, costs_first: bool = False) -> int:
    """A plan for everything owed today. By default it fixes that amount: no interest while it is kept, again from
    the first missed instalment (cases.billing.ledger); ``interest_runs`` when the plan says interest keeps running;
    ``costs_first`` when the debtor agrees that payments pay the agency's costs before the debt (Código Civil 1173-1174
    put them after principal otherwise)."""
    check_may_negotiate(user, (await open_case(user, case_id))["jurisdiction"])
    async with atomic():
        # The plan covers everything owed today: principal, interest and compensation.
        outstanding = to_cents((await balance_of(case_id, today)).outstanding)
        parts = split_plan(outstanding, count, first_due_on, frequency, today)
        return await create_plan(case_id, outstanding, parts, frequency, user, interest_runs=interest_runs, costs_first=costs_first)


async def create_plan(case_id: int, total_cents: int, parts: list[tuple[int, date, int]], frequency: str, actor: CurrentUser | None, *,
                      interest_runs: bool = False, costs_first: bool = False, **terms) -> int:
    """Record a plan of these instalments (number, due date, cents) for ``total_cents``, in the caller's transaction:
    it replaces the active plan and any open promise. ``actor`` None: the debtor chose it on their page
    (cases.portal); ``terms``: more PaymentPlan columns (how it is paid, the debtor's acceptance)."""
    cancelled = await PaymentPlan.update({PaymentPlan.status: "cancelled"}).where(
        (PaymentPlan.case == case_id) & (PaymentPlan.status == "active")).returning(PaymentPlan.id)
    # The plan covers the whole debt: an open promise is part of it now, not a date of its own to chase.
    replaced = await Promise.update({Promise.status: "replaced", Promise.resolved_at: utcnow()}).where(
        (Promise.case == case_id) & (Promise.status == "open")).returning(Promise.id)
    plan_id = (await PaymentPlan.insert(PaymentPlan(case=case_id, total_cents=total_cents, instalment_count=len(parts), frequency=frequency,
                                                    first_due_on=parts[0][1], interest_runs=interest_runs, costs_first=costs_first,
                                                    created_by=actor.id if actor else None, **terms)
                                        ).returning(PaymentPlan.id))[0]["id"]
    await Instalment.insert(*[Instalment(plan=plan_id, number=n, due_on=d, amount_cents=c) for n, d, c in parts])
    await Case.update({Case.next_action_at: datetime.combine(parts[0][1] + timedelta(days=1), time(9), tzinfo=timezone.utc)}).where(
        Case.id == case_id)
    await events.record(case_id, "plan", actor, "", {
        "plan_id": plan_id, "replaces": [r["id"] for r in cancelled], "replaces_promises": [r["id"] for r in replaced],
        "total": str(Decimal(total_cents) / 100), "interest_runs": interest_runs, "costs_first": costs_first,
        **({"by_debtor": True} if actor is None else {}), "instalments": [
            {"number": n, "due_on": d.isoformat(), "amount": str(Decimal(c) / 100)} for n, d, c in parts]})
    await rescore([case_id])
    return plan_id


async def settle_commitments(case_ids: list[int], today: date, actor: CurrentUser | None) -> int:
    """Decide open promises and due instalments from the payments recorded; each change once, with its event."""
    changed = 0
    committed = set()
    for start in range(0, len(case_ids), 1000):  # (only the cases with an open promise or an active plan have anything to decide)
        chunk = case_ids[start:start + 1000]
        marks = ", ".join(["{}"] * len(chunk))
        committed |= {r["case"] for r in await fetch_records(
            f"SELECT \"case\" FROM promises WHERE status = 'open' AND \"case\" IN ({marks}) UNION "
            f"SELECT \"case\" FROM payment_plans WHERE status = 'active' AND \"case\" IN ({marks})", *chunk, *chunk)}
    for case_id in dict.fromkeys(c for c in case_ids if c in committed):
        payments = await payments_of(case_id)
        for p in await fetch_records("SELECT id, promised_on, amount_cents, created_at FROM promises WHERE \"case\" = {} AND status = 'open' "
                                     "ORDER BY id", case_id):
            p = {**p, "promised_on": as_date(p["promised_on"]), "created_at": as_datetime(p["created_at"])}
            status = promise_status(p["promised_on"], p["amount_cents"], p["created_at"], payments, today)
            if status != "open":
                done = await Promise.update({Promise.status: status, Promise.resolved_at: utcnow()}).where(
                    (Promise.id == p["id"]) & (Promise.status == "open")).returning(Promise.id)
                if done:
                    changed += 1
                    await events.record(case_id, f"promise_{status}", actor, "", {"promise_id": p["id"], "amount": str(Decimal(p["amount_cents"]) / 100),
                                                                                  "promised_on": p["promised_on"].isoformat()})
        for plan in await fetch_records("SELECT id, created_at FROM payment_plans WHERE \"case\" = {} AND status = 'active' ORDER BY id",
                                        case_id):
            plan = {**plan, "created_at": as_datetime(plan["created_at"])}
            rows = [{**r, "due_on": as_date(r["due_on"])} for r in await fetch_records(
                "SELECT id, number, due_on, amount_cents, status FROM instalments WHERE plan = {} ORDER BY number", plan["id"])]
            statuses = instalment_statuses([(r["number"], r["due_on"], r["amount_cents"]) for r in rows], payments, plan["created_at"], today)
            for r, status in zip(rows, statuses):
                if status != r["status"]:
                    await Instalment.update({Instalment.status: status}).where(Instalment.id == r["id"])
                    if status == "missed":
                        changed += 1
                        await events.record(case_id, "instalment_missed", actor, "", {"plan_id": plan["id"], "number": r["number"],
                                                                                      "due_on": r["due_on"].isoformat()})
            if statuses and all(s == "paid" for s in statuses):
                done = await PaymentPlan.update({PaymentPlan.status: "completed"}).where(
                    (PaymentPlan.id == plan["id"]) & (PaymentPlan.status == "active")).returning(PaymentPlan.id)
                if done:
                    changed += 1
                    await events.record(case_id, "plan_completed", actor, "", {"plan_id": plan["id"]}, visible_to_creditor=True)
    return changed


async def reopen_commitments(case_id: int, payment_id: int, today: date, actor: CurrentUser | None) -> None:
    """After a payment is reversed: what it had settled is decided again from the payments that stand.
    A kept promise is open again (broken, if its date and the grace days have passed; replaced, if a
    later promise is open or a plan agreed since is in force); a plan paid in full is active again with its instalments due or missed
    (cancelled, if a later plan is active). Each change once, with its event, in the reversal's
    transaction; the case's score follows (the caller rescores)."""
    payments = await payments_of(case_id)
    # One plan active and, beside no plan, one promise open at a time (add_plan replaces the open promise,
    # add_promise and add_plan the older ones of their kind): a commitment made since stays in force, and
    # the one this payment had settled gives way to it rather than coming back beside it. Plans first, as
    # a plan in force (agreed after the promise) is such a commitment for a promise too.
    newer_plan = await PaymentPlan.select(PaymentPlan.id).where((PaymentPlan.case == case_id) & (PaymentPlan.status == "active")).first()
    for plan in await PaymentPlan.select().where((PaymentPlan.case == case_id) & (PaymentPlan.status == "completed")).order_by(
            PaymentPlan.id, ascending=False):
        rows = await Instalment.select().where(Instalment.plan == plan["id"]).order_by(Instalment.number)
        statuses = instalment_statuses([(r["number"], r["due_on"], r["amount_cents"]) for r in rows], payments, as_datetime(plan["created_at"]),
                                       today)
        status = plan_after_reversal(statuses, newer_plan is not None)
        if status == "completed":
            continue
        done = await PaymentPlan.update({PaymentPlan.status: status}).where(
            (PaymentPlan.id == plan["id"]) & (PaymentPlan.status == "completed")).returning(PaymentPlan.id)
        if done:
            await events.record(case_id, "plan_reopened", actor, "", {"plan_id": plan["id"], "payment_id": payment_id, "status": status,
                                                                      "active_plan": newer_plan["id"] if newer_plan else None})
            newer_plan = newer_plan or {"id": plan["id"]}  # the newest reopened plan stands; older ones are cancelled
    in_force = await PaymentPlan.select(PaymentPlan.created_at).where((PaymentPlan.case == case_id) & (PaymentPlan.status == "active")).first()
    newer_promise = await Promise.exists().where((Promise.case == case_id) & (Promise.status == "open"))
    for p in await Promise.select().where((Promise.case == case_id) & (Promise.status == "kept")).order_by(Promise.id, ascending=False):
        superseded = newer_promise or (in_force is not None and in_force["created_at"] >= p["created_at"])
        status = promise_after_reversal(promise_status(p["promised_on"], p["amount_cents"], as_datetime(p["created_at"]), payments, today), superseded)
        if status == "kept":
            continue
        newer_promise = newer_promise or status == "open"  # the newest reopened one stands; older ones are replaced
        done = await Promise.update({Promise.status: status, Promise.resolved_at: None if status == "open" else utcnow()}).where(
            (Promise.id == p["id"]) & (Promise.status == "kept")).returning(Promise.id)
        if done:
            await events.record(case_id, "promise_broken" if status == "broken" else "promise_reopened", actor, "",
                                {"promise_id": p["id"], "amount": str(Decimal(p["amount_cents"]) / 100),
                                 "promised_on": p["promised_on"].isoformat(), "payment_id": payment_id, "status": status})
    await settle_commitments([case_id], today, actor)  # the instalments of a plan active again: due or missed


async def settle_due_commitments(settings=None, today: date | None = None) -> int:
    """Worker job: promises and instalments whose date has passed are marked once; their cases rise."""
    today = today or clock.today()
    cutoff = today - timedelta(days=3)
    promise_cases = [r["case"] for r in await Promise.select(Promise.case).where((Promise.status == "open") & (Promise.promised_on < cutoff))]
    plan_cases = [r["case"] for r in await Instalment.select(Instalment.plan.case.as_alias("case")).where(
        (Instalment.status == "due") & (Instalment.due_on < cutoff) & (Instalment.plan.status == "active"))]
    case_ids = sorted(set(promise_cases) | set(plan_cases))
    changed = 0
    for start in range(0, len(case_ids), 200):
        ids = case_ids[start:start + 200]
        async with atomic():
            changed += await settle_commitments(ids, today, None)
            await rescore(ids)
    return changed


async def case_commitments(case_id: int) -> dict:
    if is_sqlite():  # (Piccolo's select turns SQLite's stored text into dates)
        promises = await Promise.select().where(Promise.case == case_id).order_by(Promise.id, ascending=False)
        plan = await PaymentPlan.select().where((PaymentPlan.case == case_id) & PaymentPlan.status.is_in(["active", "completed"])).order_by(
            PaymentPlan.id, ascending=False).first()
    else:  # the case page's Work part reads these on every load: fixed SQL (tests/bench/test_case_page_speed.py)
        promises = [dict(r) for r in await fetch_records('SELECT * FROM promises WHERE "case" = {} ORDER BY id DESC', case_id)]
        plans = await fetch_records("SELECT * FROM payment_plans WHERE \"case\" = {} AND status IN ('active', 'completed') ORDER BY id DESC LIMIT 1",
                                    case_id)
        plan = dict(plans[0]) if plans else None
    instalments = await Instalment.select().where(Instalment.plan == plan["id"]).order_by(Instalment.number) if plan else []
    if instalments:  # what was paid towards each, so a part payment shows on the instalment it went to
        paid = instalment_paid([(i["number"], i["due_on"], i["amount_cents"]) for i in instalments], await payments_of(case_id),
                               as_datetime(plan["created_at"]))
        for i, cents in zip(instalments, paid):
            i["paid_cents"] = cents
    return {"promises": promises, "plan": plan, "instalments": instalments}


async def negotiators_list() -> list[dict]:
    return await User.select(User.id, User.name).where((User.role == Role.negotiator.value) & (User.active == True)).order_by(User.name)  # noqa: E712
