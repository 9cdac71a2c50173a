"""Each case's limitation date, from the record: the oldest amount still owed (when payment could be
demanded), the certified demands, acknowledgements and court claims that interrupt it, and the
mediations that suspend it (legal.rules.limitation has the rule). Kept on Case.limitation_date for the
queue and the lists; the case page shows the whole reckoning."""
from __future__ import annotations

import json
import logging
from datetime import date, datetime, timezone

from piccolo.query.functions.aggregate import Min

from agency import clock
from agency.db import as_date, atomic
from agency.i18n import DISPLAY_TZ
from cases import events
from cases.billing.balances import balance_of, principal_owed
from cases.bureau.rules import due_and_owed
from cases.claims.service import initial_limitation_date
from cases.tables import Case, CaseEvent, Invoice
from legal.rules.jurisdictions import MissingRate
from legal.rules.limitation import Interruption, Limitation, Suspension, limitation
from legal.tables import Filing, Mediation

log = logging.getLogger(__name__)

INTERRUPTING_EVENTS = ("contact", "document_sent", "acknowledgement")


def _local_day(at) -> date:
    """The day (in Spain) an event happened; SQLite hands timestamps back as text."""
    moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(DISPLAY_TZ).date()


async def demand_facts(case_id: int) -> tuple[list[Interruption], date | None]:
    """What reached the debtor, from the timeline and the filings: the interruptions of limitation (a certified
    demand counts from its delivery when it is recorded, else from its sending; an acknowledgement; a court claim
    from its filing) and the day a demand first reached them (a delivered certified demand, or the court claim
    filed), from which a consumer is in default (Código Civil 1100)."""
    rows = await CaseEvent.select(CaseEvent.id, CaseEvent.kind, CaseEvent.at, CaseEvent.payload).where(
        (CaseEvent.case == case_id) & CaseEvent.kind.is_in([*INTERRUPTING_EVENTS, "delivered"])).order_by(CaseEvent.id)
    parsed = [(e, json.loads(e["payload"] or "{}") if isinstance(e["payload"], str) else (e["payload"] or {})) for e in rows]
    delivered = {tuple(p.get("of") or ()): date.fromisoformat(p["delivered_on"]) for e, p in parsed if e["kind"] == "delivered"}
    interruptions: list[Interruption] = []
    reached: list[date] = []
    for e, payload in parsed:
        if e["kind"] == "contact" and payload.get("certified") and payload.get("direction", "outbound") == "outbound":
            on = delivered.get(("contact", e["id"]))
            interruptions.append(Interruption(on or _local_day(e["at"]), "certified_demand"))
            if on:
                reached.append(on)
        elif e["kind"] == "document_sent" and payload.get("demand"):  # a demand to the debtor by a certified channel
            on = delivered.get(("document", payload.get("document"), payload.get("sent_on")))
            interruptions.append(Interruption(on or date.fromisoformat(payload["sent_on"]), "certified_demand"))
            if on:
                reached.append(on)
        elif e["kind"] == "acknowledgement":
            interruptions.append(Interruption(date.fromisoformat(payload["on"]), "acknowledgement"))
    for f in await Filing.select(Filing.filed_on).where((Filing.case == case_id) & Filing.filed_on.is_not_null()):
        interruptions.append(Interruption(as_date(f["filed_on"]), "court_claim"))
        reached.append(as_date(f["filed_on"]))
    return interruptions, min(reached, default=None)


async def limitation_facts(case_id: int, today: date, demands: tuple | None = None
                           ) -> tuple[date | None, str, list[Interruption], list[Suspension], bool]:
    """The oldest sum still owed and due, the jurisdiction, what interrupted and suspended the period, and
    whether the debtor is a consumer (a person)."""
    case = await Case.select(Case.jurisdiction, Case.debtor.kind.as_alias("debtor_kind")).where(Case.id == case_id).first()
    balance = await balance_of(case_id, today)
    _owed, oldest = due_and_owed(principal_owed(balance), today)
    interruptions, _reached = demands if demands is not None else await demand_facts(case_id)  # (a copy: appended to below)
    interruptions = list(interruptions)
    mediations = await Mediation.select(Mediation.received_on, Mediation.ended_on, Mediation.status).where(Mediation.case == case_id)
    suspensions = [Suspension(as_date(m["received_on"]), as_date(m["ended_on"])) for m in mediations]
    # An agreement the debtor signs in mediation acknowledges the debt.
    interruptions += [Interruption(as_date(m["ended_on"]), "acknowledgement") for m in mediations if m["status"] == "agreed"]
    return (oldest, case["jurisdiction"], sorted(interruptions, key=lambda i: i.on), sorted(suspensions, key=lambda s: s.start),
            case["debtor_kind"] == "person")


async def refresh_demanded_on(case_id: int, demands: tuple | None = None) -> None:
    """Keep Case.demanded_on, the day a demand first reached the debtor, as the record says (a consumer's
    interest runs from the next day): read from the deliveries and filings (``demands``: demand_facts, when the
    caller read them already), written when it changes."""
    _interruptions, reached = demands if demands is not None else await demand_facts(case_id)
    await Case.update({Case.demanded_on: reached}).where(
        (Case.id == case_id) & ((Case.demanded_on != reached) | Case.demanded_on.is_null()) if reached else
        (Case.id == case_id) & Case.demanded_on.is_not_null())


async def case_limitation(case_id: int, today: date, demands: tuple | None = None) -> Limitation | None:
    """None when nothing is owed (nothing can prescribe)."""
    demandable, country, interruptions, suspensions, consumer = await limitation_facts(case_id, today, demands)
    if demandable is None:
        return None
    return limitation(demandable, country, interruptions, suspensions, today, consumer)


async def on_case_event(case_id: int, kind: str, payload: dict) -> None:
    """The case events that restart limitation, as cases publishes them (subscribed by agency.wiring): a
    certified demand sent to the debtor (burofax, registered letter) interrupts it (CC 1973), and so does the debtor's
    acknowledgement (one accepted on their page, cases.portal)."""
    if kind == "contact" and payload.get("certified") and payload.get("direction") == "outbound":
        await refresh_limitation([case_id], date.fromisoformat(payload["on"]) if payload.get("on") else None)
    elif kind == "acknowledgement" and payload.get("portal"):
        await refresh_limitation([case_id], date.fromisoformat(payload["on"]))


async def refresh_limitation(case_ids: list[int], today: date | None = None) -> None:
    """Recompute and store the date (None while a mediation suspends the clock or nothing is owed); a
    change is on the timeline, from and to, with the reckoning (the creditor sees it)."""

    today = today or clock.today()
    for case_id in case_ids:
        demands = await demand_facts(case_id)  # read once: for the default below and for the reckoning
        await refresh_demanded_on(case_id, demands)  # a consumer's interest, so what is owed, starts from the demand
        before = as_date((await Case.select(Case.limitation_date).where(Case.id == case_id).first())["limitation_date"])
        try:
            result = await case_limitation(case_id, today, demands)
        except MissingRate:  # what is owed needs a rate not in the table yet: the date stays until it is added
            log.warning("limitation of case %s not reckoned: an interest rate is missing", case_id)
            continue
        after = result.date if result else None
        if after == before:
            continue
        await Case.update({Case.limitation_date: after}).where(Case.id == case_id)
        await events.record(case_id, "limitation", None, str(result.basis) if result else "",
                            {"from": before, "to": after, "suspended": bool(result and result.suspended)}, visible_to_creditor=True)


async def backfill_limitation_dates(today: date | None = None, batch: int = 1000) -> int:
    """Open cases without a limitation date (opened before the date was kept) get the first one: five
    years (per jurisdiction) from their oldest due date. Run by `agency migrate`; nothing to do later."""

    today = today or clock.today()
    done, last = 0, 0
    while True:
        rows = await Case.select(Case.id, Case.jurisdiction, Case.debtor.kind.as_alias("debtor_kind")).where(
            Case.limitation_date.is_null() & Case.closed_at.is_null() & (Case.id > last)).order_by(Case.id).limit(batch)
        if not rows:
            return done
        last = rows[-1]["id"]
        oldest = {r["case"]: as_date(r["oldest"]) for r in await Invoice.select(Invoice.case, Min(Invoice.due_date, alias="oldest")).where(
            Invoice.case.is_in([r["id"] for r in rows])).group_by(Invoice.case)}
        # One statement per distinct date in the batch (an upgrade of a million cases is a thousand-odd statements, not a million).
        by_date: dict[date, list[int]] = {}
        for r in rows:
            if oldest.get(r["id"]):
                day = initial_limitation_date([oldest[r["id"]]], r["jurisdiction"], today, r["debtor_kind"] == "person")
                by_date.setdefault(day, []).append(r["id"])
        async with atomic():
            for day, ids in by_date.items():
                done += len(await Case.update({Case.limitation_date: day}).where(
                    Case.id.is_in(ids) & Case.limitation_date.is_null()).returning(Case.id))
