"""Credit-bureau reporting, read from and written to the database; the rules are cases.bureau.rules.

A case that enters the credit-bureau stage is queued at every active bureau that takes its debtor's
kind; ``produce_batches`` (the worker, or an admin's button) writes one file per bureau with the new
inclusions, the balance updates and the withdrawals, stores it with its SHA-256 and moves each report
in the same transaction, with an event on the case. Every status change is conditional on the status
it read, so two workers never send one inclusion twice."""
from __future__ import annotations

import hashlib
from datetime import date

from litestar.exceptions import ClientException, HTTPException

from agency import clock
from agency.accounts import FormErrors
from agency.auth import CurrentUser
from agency.db import as_date, atomic, is_unique_violation, utcnow
from agency.i18n import gettext as _
from agency.roles import Role
from agency.settings import Settings
from agency.storage import storage
from agency.tenancy import get_visible, scoped
from cases import events
from cases.billing.balances import balances_of_many, principal_owed
from cases.bureau.rules import (
    CERTIFIED_CHANNELS,
    BatchRow,
    BureauFacts,
    checks,
    due_and_owed,
    eligible,
    eligible_from,
    render_csv,
    render_fixed,
    withdrawal_reason,
)
from cases.home.rules import Decision
from cases.negotiation.service import rescore
from cases.queries import open_case
from cases.reports import totals
from cases.tables import Bureau, BureauBatch, BureauReport, Case, Invoice
from legal.rules.jurisdictions import MissingRate

KINDS = ("individuals", "companies")
FORMATS = ("csv", "fixed")
# The stages whose case page offers the creditor the authorisation (templates/cases/detail.html shows the bureau panel there).
AUTHORISABLE_STAGES = ("amicable", "credit_bureau")


async def facts_for(case_id: int, today: date) -> BureauFacts:
    return (await facts_of_many([case_id], today))[case_id]


async def facts_of_many(case_ids: list[int], today: date) -> dict[int, BureauFacts]:
    """facts_for of many cases at once: three reads and one bulk balance (cases.billing.balances.balances_of_many) for all
    of them, not a balance read per case (a daily batch checks every case a bureau holds)."""
    if not case_ids:
        return {}
    cases = {r["id"]: r for r in await Case.select(Case.id, Case.stage, Case.bureau_notice_on, Case.bureau_authorised_at).where(
        Case.id.is_in(case_ids))}
    disputed: dict[int, int] = {}
    for r in await Invoice.select(Invoice.case).where(Invoice.case.is_in(case_ids) & (Invoice.disputed == True)):  # noqa: E712
        disputed[r["case"]] = disputed.get(r["case"], 0) + 1
    balances = await balances_of_many([(case_id, today) for case_id in case_ids])
    found = {}
    for case_id in case_ids:
        case = cases[case_id]
        owed_due, oldest = due_and_owed(principal_owed(balances[(case_id, today)]), today)
        found[case_id] = BureauFacts(
            principal_outstanding_cents=owed_due, oldest_due_date=oldest, disputed_invoices=disputed.get(case_id, 0),
            notice_delivered_on=as_date(case["bureau_notice_on"]), authorised=case["bureau_authorised_at"] is not None,
            closed=case["stage"] == "closed", in_bureau_stage=case["stage"] == "credit_bureau",
        )
    return found


async def bureau_view(user: CurrentUser, case_id: int, today: date) -> dict:
    """What the case page and GET /api/v1/cases/{id}/bureau show: the checks, the status per bureau."""

    await get_visible(Case.select(Case.id).where(Case.id == case_id), user, Case.organisation)
    try:
        f = await facts_for(case_id, today)
    except MissingRate:  # what is owed waits for a rate (the case page names it): nothing to check until then
        f = None
    reports = await BureauReport.select(BureauReport.status, BureauReport.reported_on, BureauReport.withdrawn_on,
                                        BureauReport.withdrawal_reason, BureauReport.reported_cents,
                                        BureauReport.bureau.name.as_alias("bureau")).where(BureauReport.case == case_id)
    statuses = {r["status"] for r in reports}
    can = f is not None and eligible(f, today)
    status = ("reported" if "reported" in statuses else "queued" if "queued" in statuses
              else "withdrawn" if "withdrawn" in statuses else "eligible" if can else "not_eligible")
    if f is None:
        case = await Case.select(Case.bureau_notice_on, Case.bureau_authorised_at).where(Case.id == case_id).first()
        return {"status": status, "eligible": False, "eligible_from": None, "checks": [], "reports": reports,
                "notice_on": as_date(case["bureau_notice_on"]), "authorised": case["bureau_authorised_at"] is not None}
    return {"status": status, "eligible": can, "eligible_from": eligible_from(f),
            "checks": checks(f, today), "reports": reports, "notice_on": f.notice_delivered_on, "authorised": f.authorised}


async def record_notice(user: CurrentUser, case_id: int, delivered_on: date, channel: str, today: date) -> None:
    await open_case(user, case_id)
    if channel not in CERTIFIED_CHANNELS:
        raise ClientException(detail=_("The prior notice goes by a certified channel: %(channels)s.") % {"channels": ", ".join(CERTIFIED_CHANNELS)})
    if delivered_on > today:
        raise ClientException(detail=_("The notice cannot be delivered in the future."))
    async with atomic():
        await Case.update({Case.bureau_notice_on: delivered_on, Case.bureau_notice_channel: channel, Case.updated_at: utcnow()}).where(
            Case.id == case_id)
        await events.record(case_id, "bureau_notice", user, channel, {"delivered_on": delivered_on.isoformat(), "channel": channel},
                            visible_to_creditor=True)


async def authorise(user: CurrentUser, case_id: int) -> None:
    if user.role != Role.creditor:
        raise HTTPException(status_code=403, detail=_("Only the creditor authorises reporting its debts."))
    await open_case(user, case_id)
    async with atomic():
        changed = await Case.update({Case.bureau_authorised_at: utcnow()}).where(
            (Case.id == case_id) & Case.bureau_authorised_at.is_null()).returning(Case.id)
        if changed:
            await events.record(case_id, "bureau_authorised", user, "", {}, visible_to_creditor=True)


async def queue_reports(case_id: int) -> int:
    """Inside the stage move's transaction: the case waits for the next batch of every bureau that takes it."""
    case = await Case.select(Case.debtor.kind.as_alias("kind")).where(Case.id == case_id).first()
    kind = "individuals" if case["kind"] == "person" else "companies"
    bureaus = await Bureau.select(Bureau.id).where((Bureau.active == True) & (Bureau.kind == kind))  # noqa: E712
    if not bureaus:
        raise HTTPException(status_code=409, detail=_("No active credit bureau takes this debtor (%(kind)s): an admin adds one first.") % {
            "kind": kind})
    queued = 0
    for b in bureaus:
        existing = await BureauReport.select(BureauReport.id, BureauReport.status).where(
            (BureauReport.case == case_id) & (BureauReport.bureau == b["id"])).first()
        if existing is None:
            await BureauReport.insert(BureauReport(case=case_id, bureau=b["id"], status="queued"))
            queued += 1
        elif existing["status"] in {"withdrawn", "cancelled"}:
            await BureauReport.update({BureauReport.status: "queued", BureauReport.withdrawn_on: None,
                                       BureauReport.withdrawal_reason: ""}).where(BureauReport.id == existing["id"])
            queued += 1
    return queued


async def _row(report: dict, operation: str, cents: int, reason: str = "") -> BatchRow:
    return BatchRow(operation=operation, reference=report["reference"], tax_id=report["tax_id"] or "", name=report["name"],
                    address=report["address"], postal_code=report["postal_code"], city=report["city"], country=report["country"],
                    amount_cents=cents, currency=report["currency"], due_date=report["due"], reason=reason)


async def produce_batches(today: date | None = None, *, daily: bool = True) -> int:
    """One file per active bureau with something to say; returns the number of files written. The
    worker writes at most one a day per bureau (``daily``); an admin's button can add another."""
    today = today or clock.today()
    written = 0
    # An inactive bureau still gets its last batch: what it holds must be withdrawn.
    holding = BureauReport.select(BureauReport.bureau).where(BureauReport.status.is_in(["queued", "reported"]))
    for bureau in await Bureau.select().where((Bureau.active == True) | Bureau.id.is_in(holding)).order_by(Bureau.id):  # noqa: E712
        if daily and not await Bureau.update({Bureau.checked_on: today}).where(
                (Bureau.id == bureau["id"]) & (Bureau.checked_on.is_null() | (Bureau.checked_on != today))).returning(Bureau.id):
            continue  # the worker looks once a day, not every round; the day is claimed before looking
        if await _batch(bureau, today):
            written += 1
        await Bureau.update({Bureau.checked_on: today}).where(Bureau.id == bureau["id"])
    return written


REPORTS_AT_ONCE = 1000  # the reports a batch reads, and checks, together


async def _batch(bureau: dict, today: date) -> int | None:
    async with atomic():
        plan: list[tuple[dict, str, int, str]] = []  # (report, operation, cents, reason): only what changes, never every report
        after = 0
        while True:  # the bureau's reports a thousand at a time (by id), their cases' facts read together
            reports = await BureauReport.select(
                BureauReport.id, BureauReport.case, BureauReport.status, BureauReport.reported_cents,
                BureauReport.case.reference.as_alias("reference"), BureauReport.case.currency.as_alias("currency"),
                BureauReport.case.debtor.tax_id.as_alias("tax_id"), BureauReport.case.debtor.name.as_alias("name"),
                BureauReport.case.debtor.address_line1.as_alias("address"), BureauReport.case.debtor.postal_code.as_alias("postal_code"),
                BureauReport.case.debtor.city.as_alias("city"), BureauReport.case.debtor.country.as_alias("country"),
            ).where((BureauReport.bureau == bureau["id"]) & BureauReport.status.is_in(["queued", "reported"]) & (BureauReport.id > after)
                    ).order_by(BureauReport.id).limit(REPORTS_AT_ONCE)
            if not reports:
                break
            after = reports[-1]["id"]
            facts = await facts_of_many(sorted({r["case"] for r in reports}), today)
            for r in reports:
                f = facts[r["case"]]
                r["due"] = f.oldest_due_date or today
                if not bureau["active"]:  # the agency stopped reporting there: everything leaves
                    plan.append((r, "withdraw", 0, "bureau_inactive") if r["status"] == "reported" else (r, "cancel", 0, "bureau_inactive"))
                elif r["status"] == "queued":
                    ok = f.in_bureau_stage and eligible(f, today)
                    plan.append((r, "include", f.principal_outstanding_cents, "") if ok else (r, "cancel", 0, "not_eligible"))
                elif reason := withdrawal_reason(f, today):
                    plan.append((r, "withdraw", 0, reason))
                elif f.principal_outstanding_cents != r["reported_cents"]:
                    plan.append((r, "update", f.principal_outstanding_cents, ""))
        if not plan:
            return None
        sequence = (await Bureau.update({Bureau.sequence: Bureau.sequence + 1}).where(Bureau.id == bureau["id"]).returning(
            Bureau.sequence))[0]["sequence"]
        batch_id = (await BureauBatch.insert(BureauBatch(bureau=bureau["id"], sequence=sequence, day=today, storage_key="", filename="",
                                                         sha256="")).returning(BureauBatch.id))[0]["id"]
        rows: list[BatchRow] = []
        counts = {"include": 0, "update": 0, "withdraw": 0}
        for r, operation, cents, reason in plan:
            expected = "queued" if operation in {"include", "cancel"} else "reported"
            values = {
                "include": {BureauReport.status: "reported", BureauReport.reported_cents: cents, BureauReport.reported_on: today,
                            BureauReport.included_in: batch_id},
                "update": {BureauReport.reported_cents: cents},
                "withdraw": {BureauReport.status: "withdrawn", BureauReport.withdrawn_on: today, BureauReport.withdrawal_reason: reason,
                             BureauReport.withdrawn_in: batch_id},
                "cancel": {BureauReport.status: "cancelled", BureauReport.withdrawal_reason: reason},
            }[operation]
            still = (BureauReport.id == r["id"]) & (BureauReport.status == expected)
            if operation == "update":  # two workers must not both send the same change
                still = still & (BureauReport.reported_cents == r["reported_cents"])
            if not await BureauReport.update(values).where(still).returning(BureauReport.id):
                continue  # another worker got there first
            if operation == "cancel":
                await events.record(r["case"], "bureau_cancelled", None, bureau["name"], {"bureau": bureau["name"]}, visible_to_creditor=True)
                continue
            counts[operation] += 1
            rows.append(await _row(r, operation, cents, reason))
            if operation != "update":
                await events.record(r["case"], "bureau_reported" if operation == "include" else "bureau_withdrawn", None, bureau["name"],
                                    {"bureau": bureau["name"], "batch": sequence, "reason": reason, "amount_cents": cents},
                                    visible_to_creditor=True)
        if not rows:
            await BureauBatch.delete().where(BureauBatch.id == batch_id)
            await Bureau.update({Bureau.sequence: sequence - 1}).where(Bureau.id == bureau["id"])
            return None
        render = render_fixed if bureau["file_format"] == "fixed" else render_csv
        data = render(sequence, bureau["entity_code"], today, rows)
        extension = "txt" if bureau["file_format"] == "fixed" else "csv"
        filename = f"{bureau['name'].lower().replace(' ', '-')[:40]}-{sequence:06d}-{today.isoformat()}.{extension}"
        key = f"bureau/{bureau['id']}/{sequence:06d}-{hashlib.sha256(data).hexdigest()[:16]}.{extension}"
        await storage().put_bytes(key, data, "text/plain")
        await BureauBatch.update({BureauBatch.storage_key: key, BureauBatch.filename: filename, BureauBatch.sha256: hashlib.sha256(data).hexdigest(),
                                  BureauBatch.inclusions: counts["include"], BureauBatch.updates: counts["update"],
                                  BureauBatch.withdrawals: counts["withdraw"]}).where(BureauBatch.id == batch_id)
        return batch_id


async def produce_due_batches(settings: Settings) -> int:
    """The worker's job: today's batch of each bureau, once."""
    return await produce_batches()


# --- bureaus (admin) -------------------------------------------------------------------------------------

async def save_bureau(data: dict, bureau_id: int | None = None) -> int:
    values = {k: str(data.get(k, "") or "").strip() for k in ("name", "kind", "file_format", "entity_code")}
    errors: dict[str, str] = {}
    if not values["name"] or len(values["name"]) > 100:
        errors["name"] = _("Give the bureau's name (up to 100 characters).")
    if values["kind"] not in KINDS:
        errors["kind"] = _("Choose whether it takes individuals or companies.")
    if values["file_format"] not in FORMATS:
        errors["file_format"] = _("Choose the file format: CSV or fixed width.")
    code = values["entity_code"]
    if not code or len(code) > 12 or not (code.isascii() and code.isalnum()):
        errors["entity_code"] = _("Give the agency's reporting-entity code at this bureau (letters and digits, up to 12).")
    if not errors:
        clash = Bureau.select(Bureau.id).where(Bureau.name == values["name"])
        if bureau_id is not None:
            clash = clash.where(Bureau.id != bureau_id)
        if await clash.first():
            errors["name"] = _("Another bureau already has this name.")
    if errors:
        raise FormErrors(errors)
    active = bool(data.get("active"))
    try:
        if bureau_id is None:
            return (await Bureau.insert(Bureau(**values, active=active)).returning(Bureau.id))[0]["id"]
        await Bureau.update({**{getattr(Bureau, k): v for k, v in values.items()}, Bureau.active: active}).where(Bureau.id == bureau_id)
    except Exception as exc:  # two admins saving the same name at once: the unique index decides, the loser is told

        if is_unique_violation(exc):
            raise FormErrors({"name": _("Another bureau already has this name.")}) from None
        raise
    return bureau_id


async def mark_disputed(user: CurrentUser, case_id: int, invoice_id: int, reason: str) -> None:
    """The debtor disputes an invoice: it leaves dunning and the balance, and a reported debt is
    withdrawn from the bureaus in their next batch (LOPDGDD art. 20)."""

    await open_case(user, case_id)
    reason = reason.strip()
    if len(reason) < 5:
        raise ClientException(detail=_("Say what the debtor disputes (a few words)."))
    async with atomic():
        await totals.leave([case_id])  # (the report totals count undisputed invoices)
        changed = await Invoice.update({Invoice.disputed: True}).where(
            (Invoice.id == invoice_id) & (Invoice.case == case_id) & (Invoice.disputed == False)).returning(Invoice.number)  # noqa: E712
        await totals.enter([case_id])
        if not changed:
            if not await Invoice.exists().where((Invoice.id == invoice_id) & (Invoice.case == case_id)):
                raise HTTPException(status_code=404, detail=_("This case has no such invoice."))
            raise HTTPException(status_code=409, detail=_("This invoice is already disputed."))
        await events.record(case_id, "invoice_disputed", user, reason[:500], {"invoice": changed[0]["number"], "reason": reason},
                            visible_to_creditor=True)
        await rescore([case_id])


async def waiting_authorisations(user: CurrentUser, case_ids: list[int] | None = None, limit: int = 200) -> list[Decision]:
    """The creditor's cases waiting for them to authorise reporting (cases.home's decisions): the prior notice was
    delivered, reporting not authorised, the case open in a stage whose page offers the authorisation. Read through
    the partial index of migration 2026-12-07T12:20 (only such cases are in it); ``case_ids`` narrows to a page of cases."""
    query = scoped(Case.select(Case.id, Case.reference, Case.bureau_notice_on, Case.limitation_date, Case.debtor.name.as_alias("debtor")).where(
        Case.bureau_notice_on.is_not_null() & Case.bureau_authorised_at.is_null() & Case.closed_at.is_null()
        & Case.stage.is_in(list(AUTHORISABLE_STAGES))), user, Case.organisation)
    if case_ids is not None:
        if not case_ids:
            return []
        query = query.where(Case.id.is_in(case_ids))
    rows = await query.order_by(Case.bureau_notice_on).order_by(Case.id).limit(limit)
    return [Decision(kind="bureau_authorisation", case_id=r["id"], reference=r["reference"], debtor=r["debtor"] or "",
                     since=as_date(r["bureau_notice_on"]), limitation_date=as_date(r["limitation_date"]),
                     asked=_("Authorise reporting this debt to the credit bureaus: the prior notice reached the debtor."),
                     url=f"/cases/{r['id']}#bureau") for r in rows]
