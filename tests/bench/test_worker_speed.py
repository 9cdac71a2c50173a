"""The worker at a million open cases (issue 24): every job of agency.worker's round run once on the day's work, each by a
process of its own (its time and its peak memory are the job's, not this setup's), then a tick with nothing left to do.
Targets: every job within 5 minutes and under 500 MB; a tick with nothing due under 1 s.

The portfolio is a day in the life of an agency that has run its worker every day (scale with AGENCY_BENCH_CASES):

- 1,000,000 open cases, each with its own debtor (an email on file) and one invoice: half in amicable collection (accepted
  over the last 200 days, the default flow's steps -- on acceptance, 7 and 21 days later -- already sent up to yesterday,
  so the ones accepted today, 7 and 21 days ago are due one today: 3 % of them, 15,000 at a million), 15 % in mediation,
  15 % reported to a credit bureau, 10 % in court, 10 % in intake;
- 2 % with a promise to pay (yesterday's rounds settled those past their date and grace; one in ten falls due today), 4 %
  on a three-instalment plan (first instalments spread over thirty days around today: those past grace already missed and
  their messages sent, a thirtieth announced today and a thirtieth missed today), and for one in thirty of the plans paid
  by direct debit (half the amicable ones) a debit collected today (its pre-notification still to send);
- the queue scores yesterday's rounds left (the day's pass rewrites those that moved since: days overdue, acceptance);
- the credit-bureau cases reported at their bureau (a balance each to check: a payment on one in twenty of them moves it,
  an update), and one in two hundred of all cases queued for inclusion (notice delivered, creditor's authorisation given):
  all of these are individuals, so one of the two bureaus gets a file and the companies' bureau has nothing to say;
- 0.25 % more cases closed eight years ago and past limitation (about what an agency this size closes in a day): their
  debtors are past retention;
- a thousand uploads never sent with a claim, a thousand reminders waiting in the outbox for cases that have left amicable
  collection, and one notification per hundred cases for twenty staff users, from yesterday, not yet emailed.

The raw baseline, in the same run: the queue score's own read (every open case's score inputs, the one query
cases.negotiation.service.rescore runs per thousand cases) over all open cases, streamed raw through the driver."""
import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from pathlib import Path

import pytest

from agency import clock
from agency.db import atomic, bulk_insert, fetch_records
from agency.tables import OutboxMessage
from agency.worker import _jobs
from cases.messages.service import ensure_seeds
from cases.negotiation.queue import ENGAGED_FOR, QUEUE_STAGES, QueueFacts, score
from cases.negotiation.service import RESCORE_SQL
from cases.tables import (
    Bureau,
    BureauReport,
    Case,
    Debtor,
    DirectDebit,
    DirectDebitBatch,
    Evidence,
    Instalment,
    InstalmentReminder,
    Invoice,
    LedgerEntry,
    Notification,
    PaymentPlan,
    Promise,
    ReminderSent,
    ReminderStep,
)
from tests.factories import create_org, create_user

TOTAL = int(os.environ.get("AGENCY_BENCH_CASES", "1000000"))
ORGS = 50
CHUNK = 50_000
JOB_SECONDS = 300
JOB_MB = 500
TICK_SECONDS = 1.0
STAGE_OF = ["amicable"] * 10 + ["mediation"] * 3 + ["credit_bureau"] * 3 + ["court"] * 2 + ["intake"] * 2  # by n % 20


def first_due(n: int) -> date:
    """A plan's first instalment: due over the thirty days around today (from twenty days ago to nine days ahead)."""
    return clock.today() - timedelta(days=20) + timedelta(days=(n // 50) % 30)


def yesterdays_score(n: int, stage: str, accepted: datetime | None, now: datetime) -> tuple[int, tuple[str, ...]]:
    """The queue score the worker left yesterday (cases.negotiation.queue.score of what the case is made of here): the
    day's pass rewrites only the scores that moved since."""
    today = clock.today()
    broken = 1 if n % 50 == 5 and today - timedelta(days=(n // 50) % 10) < today - timedelta(days=4) else 0
    missed = 1 if n % 50 in (2, 11) and first_due(n) < today - timedelta(days=4) else 0
    return score(QueueFacts(stage=stage, outstanding_cents=100_00 + (n % 5000) * 100, oldest_due_date=today - timedelta(days=30 + n % 365),
                            next_action_at=None, broken_promises=broken, missed_instalments=missed, classification="unknown",
                            limitation_date=today + timedelta(days=700), accepted_at=accepted, last_contact_at=None), now - timedelta(days=1))


def _stage(n: int) -> str:
    return STAGE_OF[n % 20]


async def _first_id(table, column, value) -> int:
    return (await table.select(table.id).where(column == value).first())["id"]


async def fill(orgs: list[int], staff: list[int]) -> dict:
    today = clock.today()
    now = datetime.now(timezone.utc)
    at = datetime(2025, 1, 1, tzinfo=timezone.utc)
    await ensure_seeds()
    steps = [(r["id"], r["offset_days"]) for r in await ReminderStep.select(ReminderStep.id, ReminderStep.offset_days).where(
        ReminderStep.organisation.is_null() & (ReminderStep.anchor == "accepted")).order_by(ReminderStep.position)]
    counts = {"due_steps": 0, "promises": 0, "plans": 0, "debits": 0, "reports": 0, "retention": 0}
    bureaus = {}
    for kind in ("individuals", "companies"):
        bureaus[kind] = (await Bureau.insert(Bureau(name=f"Bench {kind}", kind=kind, file_format="csv", entity_code="B1"))
                         .returning(Bureau.id))[0]["id"]
    batch = (await DirectDebitBatch.insert(DirectDebitBatch(collect_on=today, count=0, total_cents=0, sha256="x", storage_key="x"))
             .returning(DirectDebitBatch.id))[0]["id"]
    closed = TOTAL // 400  # past retention, beside the open ones: about the cases an agency this size closes in a day
    for chunk in range(0, TOTAL + closed, CHUNK):
        span = range(chunk, min(chunk + CHUNK, TOTAL + closed))
        async with atomic():
            await bulk_insert(Debtor, ["organisation", "kind", "name", "search_name", "tax_id", "country", "address_line1", "city", "postal_code",
                                       "email", "phone", "language", "classification", "vulnerable", "created_at"],
                              [(orgs[n % ORGS], "company" if n % 4 == 3 else "person", f"Deudor {n}", f"deudor {n}", f"B{n:08d}", "ES", "Calle 1",
                                "Valencia", "46001", f"d{n}@bench.test", f"+34 6{n:08d}", "es", "unknown", False, at) for n in span])
        first_debtor = await _first_id(Debtor, Debtor.tax_id, f"B{chunk:08d}")
        rows = []
        for n in span:
            if n >= TOTAL:  # closed eight years ago
                old = now - timedelta(days=8 * 366)
                rows.append((f"EXP-1996-{n:07d}", orgs[n % ORGS], first_debtor + n - chunk, "", "closed", "ES", "EUR", "", 0, "", old, old, old, old,
                             (today - timedelta(days=5 * 366)), None, None))
                continue
            stage = _stage(n)
            accepted = None if stage == "intake" else datetime.combine(today - timedelta(days=n % 200), dtime(7, 0), tzinfo=timezone.utc)
            notice = today - timedelta(days=60) if stage == "credit_bureau" or n % 200 == 13 else None
            points, reasons = yesterdays_score(n, stage, accepted, now) if stage in QUEUE_STAGES else (0, ())
            rows.append((f"EXP-1996-{n:07d}", orgs[n % ORGS], first_debtor + n - chunk, "", stage, "ES", "EUR", "", points, ",".join(reasons),
                         at, at, accepted, None, today + timedelta(days=700), notice, at if notice else None))
        async with atomic():
            await bulk_insert(Case, ["reference", "organisation", "debtor", "creditor_reference", "stage", "jurisdiction", "currency", "notes",
                                     "priority", "priority_reasons", "created_at", "updated_at", "accepted_at", "closed_at", "limitation_date",
                                     "bureau_notice_on", "bureau_authorised_at"], rows)
        first = await _first_id(Case, Case.reference, f"EXP-1996-{chunk:07d}")
        ids = {n: first + n - chunk for n in span}
        async with atomic():
            await bulk_insert(Invoice, ["case", "number", "issue_date", "due_date", "amount_cents", "currency", "disputed", "created_at"],
                              [(ids[n], f"W-{n}", today - timedelta(days=60 + n % 365), today - timedelta(days=30 + n % 365),
                                100_00 + (n % 5000) * 100, "EUR", False, at) for n in span])
            sent, promises, reports, payments = [], [], [], []
            for n in span:
                if n >= TOTAL:
                    continue
                stage = _stage(n)
                if stage == "amicable":
                    accepted_on = today - timedelta(days=n % 200)
                    done = [(ids[n], step, datetime.combine(accepted_on + timedelta(days=offset), dtime(9, 0), tzinfo=timezone.utc))
                            for step, offset in steps if accepted_on + timedelta(days=offset) < today]
                    sent += done
                    counts["due_steps"] += any(accepted_on + timedelta(days=offset) == today for _s, offset in steps)
                if n % 50 == 5:  # those whose date and grace passed before today were settled by yesterday's rounds
                    promised_on = today - timedelta(days=(n // 50) % 10)
                    promises.append((ids[n], promised_on, 50_00, "open" if promised_on >= today - timedelta(days=4) else "broken", at))
                    counts["promises"] += 1
                if stage == "credit_bureau" or n % 200 == 13:
                    bureau = bureaus["companies" if n % 4 == 3 else "individuals"]
                    reported = stage == "credit_bureau" and n % 200 != 13
                    reports.append((ids[n], bureau, "reported" if reported else "queued", 100_00 + (n % 5000) * 100 if reported else 0,
                                    today - timedelta(days=30) if reported else None, at))
                    counts["reports"] += 1
                    if reported and n % 400 == 33:  # a payment since the last batch: the reported amount moves
                        payments.append((ids[n], "payment", -10_00, today - timedelta(days=2), "transfer", "", f"bench:{n}", now))
            await bulk_insert(ReminderSent, ["case", "step", "sent_at"], sent)
            await bulk_insert(Promise, ["case", "promised_on", "amount_cents", "status", "created_at"], promises)
            await bulk_insert(BureauReport, ["case", "bureau", "status", "reported_cents", "reported_on", "created_at"], reports)
            await bulk_insert(LedgerEntry, ["case", "kind", "amount_cents", "booked_on", "method", "reference", "idempotency_key", "created_at"],
                              payments)
            plans = [n for n in span if n < TOTAL and n % 50 in (2, 11)]
            await bulk_insert(PaymentPlan, ["case", "total_cents", "instalment_count", "frequency", "first_due_on", "status", "created_at", "method",
                                            "mandate_reference", "debtor_iban", "account_holder", "interest_runs", "costs_first", "mandate_stopped",
                                            "mandate_signed_on"],
                              [(ids[n], 90_00, 3, "monthly", first_due(n), "active", at,
                                "sepa_direct_debit" if n % 100 == 2 else "agreed", f"WM-{n}" if n % 100 == 2 else None,
                                "ES9121000418450200051332" if n % 100 == 2 else "", f"Titular {n}" if n % 100 == 2 else "", False, False, "",
                                today - timedelta(days=45) if n % 100 == 2 else None) for n in plans])
            counts["plans"] += len(plans)
        if plans:
            plan_ids = {r["case"]: r["id"] for r in await PaymentPlan.select(PaymentPlan.id, PaymentPlan.case).where(
                PaymentPlan.case.is_in([ids[n] for n in plans]))}
            async with atomic():
                await bulk_insert(Instalment, ["plan", "number", "due_on", "amount_cents", "status"],
                                  [(plan_ids[ids[n]], k, first_due(n) + timedelta(days=30 * (k - 1)), 30_00,
                                    "missed" if first_due(n) + timedelta(days=30 * (k - 1)) < today - timedelta(days=4) else "due")
                                   for n in plans for k in (1, 2, 3)])
            # the messages about the first instalment that yesterday's rounds sent: announced three days before it, missed
            # after three days' grace (cases.negotiation.rules.instalment_message)
            firsts = {r["plan"]: r["id"] for r in await Instalment.select(Instalment.id, Instalment.plan).where(
                Instalment.plan.is_in(list(plan_ids.values())) & (Instalment.number == 1))}
            told = []
            for n in plans:
                if ids[n] in plan_ids:  # (every plan: those in amicable collection are the ones told)
                    due_on, instalment = first_due(n), firsts[plan_ids[ids[n]]]
                    if due_on - timedelta(days=3) < today:
                        told.append((instalment, "due", now - timedelta(days=1)))
                    if due_on + timedelta(days=3) < today - timedelta(days=1):
                        told.append((instalment, "missed", now - timedelta(days=1)))
            async with atomic():
                await bulk_insert(InstalmentReminder, ["instalment", "kind", "sent_at"], told)
            # a direct debit collected today for one in thirty of the plans paid so (monthly: a thirtieth of them each day)
            debited = [n for n in plans if n % 100 == 2 and (n // 100) % 30 == 7]
            seconds = {r["plan"]: r["id"] for r in await Instalment.select(Instalment.id, Instalment.plan).where(
                Instalment.plan.is_in([plan_ids[ids[n]] for n in debited] or [0]) & (Instalment.number == 2))}
            async with atomic():
                await bulk_insert(DirectDebit, ["batch", "case", "plan", "instalment", "slot", "attempt", "end_to_end_id", "mandate_reference",
                                                "sequence", "instrument", "amount_cents", "status"],
                                  [(batch, ids[n], plan_ids[ids[n]], seconds[plan_ids[ids[n]]], f"{seconds[plan_ids[ids[n]]]}:1", 1, f"WE2E-{n}",
                                    f"WM-{n}", "FRST", "CORE", 30_00, "sent") for n in debited])
            counts["debits"] += len(debited)
    counts["retention"] = closed
    # the day's other waiting work: uploads never claimed, reminders for cases that left amicable collection, notifications
    first = await _first_id(Case, Case.reference, f"EXP-1996-{0:07d}")
    old = now - timedelta(days=2)
    async with atomic():
        await bulk_insert(Evidence, ["organisation", "case", "storage_key", "original_name", "content_type", "kind", "size", "sha256", "created_at"],
                          [(orgs[0], None, f"staged/bench-{n}", "x.pdf", "application/pdf", "other", 1, "0" * 64, old) for n in range(1000)])
        await bulk_insert(OutboxMessage, ["to_address", "subject", "body_text", "kind", "created_at", "attempts", "last_error", "case_id",
                                          "message_id", "given_up_reason"],
                          [(f"d{n}@bench.test", "Recordatorio", "x", "reminder:1", old, 0, "", first + n, "", "")
                           for n in range(10, 20 * 1000, 20)])  # (n % 20 == 10: mediation)
        await bulk_insert(Notification, ["user", "kind", "case", "params", "created_at"],
                          [(staff[n % len(staff)], "payment_received", first + n, "{}", now - timedelta(hours=20)) for n in range(0, TOTAL, 100)])
    await fetch_records("ANALYZE")
    return counts


async def raw_scores() -> tuple[float, int]:
    """Every open case's score inputs, read raw: the rescore's own query over a thousand cases at a time, by id."""
    since = datetime.now(timezone.utc) - ENGAGED_FOR
    stages = ", ".join(f"'{s}'" for s in QUEUE_STAGES)
    start, read, last = time.perf_counter(), 0, 0
    while True:
        ids = [r["id"] for r in await fetch_records(f"SELECT id FROM collection_cases WHERE stage IN ({stages}) AND id > {{}} ORDER BY id LIMIT 1000",
                                                    last)]
        if not ids:
            return time.perf_counter() - start, read
        read += len(await fetch_records(RESCORE_SQL.replace("{ids}", ", ".join(["{}"] * len(ids))), since, since, since, *ids))
        last = ids[-1]


def run(job: str, limit: float = 2 * JOB_SECONDS) -> dict:
    """The job by a process of its own; one still running after ``limit`` seconds is stopped (and reported as over)."""
    try:
        out = subprocess.run([sys.executable, "-m", "tests.bench.worker_job", job], capture_output=True, text=True, env=dict(os.environ),
                             cwd=Path(__file__).resolve().parents[2], timeout=limit)
    except subprocess.TimeoutExpired:
        return {"seconds": float(limit), "peak_mb": float("nan"), "done": "stopped: still running", "rounds_before": 0, "settle_seconds": limit}
    if os.environ.get("AGENCY_BENCH_VERBOSE"):
        print(out.stderr[-5000:])
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


@pytest.fixture
def smtp_url(smtp_server, monkeypatch):
    monkeypatch.setenv("AGENCY_SMTP_URL", smtp_server["url"])
    return smtp_server


async def test_the_worker_at_a_million_open_cases(database, backend, smtp_url):
    orgs = [await create_org(f"Worker bench {n}") for n in range(ORGS)]
    staff = [(await create_user("negotiator"))["id"] for _ in range(20)]
    started = time.perf_counter()
    counts = await fill(orgs, staff)
    if backend == "postgres":
        await fetch_records("VACUUM ANALYZE")
        await fetch_records("CHECKPOINT")
    print(f"\n[bench] worker on {backend}: {TOTAL:,} open cases filled in {time.perf_counter() - started:.0f} s: {counts}")
    raw, read = await raw_scores()
    print(f"[bench]   raw: every open case's score inputs read ({read:,} cases) in {raw:.1f} s")
    results = {}
    only = os.environ.get("AGENCY_BENCH_JOBS")  # (while working on some: their names, comma-separated; the targets still asserted)
    for name in [n for n, _job in _jobs() if not only or n in only.split(",")]:
        results[name] = run(name)
        r = results[name]
        print(f"[bench]   {name:22s} {r['seconds']:8.2f} s  {r['peak_mb']:6.0f} MB  did {r['done']}  load {loadavg()}"
              f"{'' if r['seconds'] < JOB_SECONDS and r['peak_mb'] < JOB_MB else '  OVER'}", flush=True)
    kinds = {r["kind"]: r["n"] for r in await fetch_records("SELECT kind, COUNT(*) AS n FROM outbox_messages GROUP BY kind")}
    print(f"[bench]   the outbox by kind after the jobs: {kinds}")
    if only:
        slow = {n: (round(r["seconds"], 1), round(r["peak_mb"])) for n, r in results.items() if not r["seconds"] < JOB_SECONDS or not r["peak_mb"] < JOB_MB}
        assert not slow, f"over 5 minutes or 500 MB: {slow}"
        return
    tick = run("tick", 3 * JOB_SECONDS)
    print(f"[bench]   tick with nothing due: {tick['seconds']:.3f} s (after {tick['rounds_before']} rounds, {tick['settle_seconds']:.0f} s, "
          f"to finish what was left), {tick['peak_mb']:.0f} MB, did {tick['done']}  load {loadavg()}")
    # the work was done, and done once
    slow = {n: (round(r["seconds"], 1), round(r["peak_mb"])) for n, r in results.items() if not r["seconds"] < JOB_SECONDS or not r["peak_mb"] < JOB_MB}
    assert not slow, f"over 5 minutes or 500 MB: {slow}"
    done = {name: r["done"] for name, r in results.items()}
    assert done["reminders"] >= counts["due_steps"] * 0.9, done
    assert done["commitments"] > 0 and done["bureau_batches"] == 1 and done["direct_debits"] == counts["debits"], done
    assert done["retention"] == counts["retention"], done
    assert isinstance(tick["done"], dict) and not any(tick["done"].values()), tick["done"]
    assert tick["seconds"] < TICK_SECONDS, f"a tick with nothing due took {tick['seconds']:.2f} s"
