"""``agency worker``: background jobs in rounds, until SIGTERM or SIGINT.

Each job is idempotent (running a round twice does no harm), so a restarted or duplicated
worker never charges, sends or reports anything twice."""
from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

from agency import db, logs, mail
from agency.settings import Settings, get_settings
from agency.wiring import wire
from cases.bank.debits import collect_due_job, send_notices_job
from cases.bureau.service import produce_due_batches
from cases.claims.service import purge_staged_uploads
from cases.messages.rules import open_jurisdictions
from cases.messages.service import reminders_job, withdraw_stale_reminders
from cases.negotiation.service import rescore_open_cases, settle_due_commitments
from cases.notifications.service import digest_job as notification_digests
from cases.privacy.service import retention_job
from cases.webhooks.service import send_due as send_webhooks

log = logging.getLogger("agency.worker")

Job = Callable[[Settings], Awaitable[int]]


async def send_outbox(settings: Settings) -> int:
    """The outbox, with automatic reminders inside the contact window of each debtor's country."""
    return await mail.send_pending(settings, window=open_jurisdictions)



def _jobs() -> list[tuple[str, Job]]:
    return [
        ("reminders", reminders_job),  # each case once a day, and in each round those that changed
        ("stale_reminders", withdraw_stale_reminders),
        ("outbox", send_outbox),
        ("staged_uploads", purge_staged_uploads),
        ("commitments", settle_due_commitments),
        ("queue_scores", rescore_open_cases),  # each case once a day, and in each round those whose score a moment moved
        ("bureau_batches", produce_due_batches),
        ("direct_debit_notices", send_notices_job),
        ("direct_debits", collect_due_job),
        ("retention", retention_job),
        ("webhooks", send_webhooks),
        ("notification_digests", notification_digests),  # inside working hours only; each notification emailed once
    ]


async def run_round(settings: Settings) -> dict[str, int]:
    done: dict[str, int] = {}
    for name, job in _jobs():
        try:
            done[name] = await job(settings)
        except Exception:  # one failing job must not stop the others, nor the worker
            log.exception("job failed", extra={"route": name})
            done[name] = -1
    return done


async def run_worker(interval: float = 10.0, once: bool = False, stopped_early: Callable[[], bool] = lambda: False) -> None:
    """``stopped_early``: whether a SIGTERM came while the command was still loading (then: stop before any round)."""
    settings = get_settings()
    logs.configure(settings.log_level)
    wire()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if stopped_early():
        log.info("worker stopped before its first round")
        return
    await db.start()
    log.info("worker started")
    try:
        while not stop.is_set():
            result = await run_round(settings)
            if any(result.values()):
                log.info("round done: %s", result)
            if once:
                break
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except asyncio.TimeoutError:
                pass
    finally:
        await db.stop()
        log.info("worker stopped")
