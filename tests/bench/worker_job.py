"""One worker job, or one worker tick, run by a process of its own, as ``agency worker`` would: ``python -m
tests.bench.worker_job JOB`` runs the job once (the names of agency.worker._jobs) and prints how long it took, what it
returned and the process's peak memory, as JSON; ``python -m tests.bench.worker_job tick`` runs rounds until one has
nothing left to do (at most a few hundred), then times one more round: the tick with nothing due.

The contact window and the office's hours are held open (the jobs' own rules would otherwise make the figures depend on
the hour the benchmark runs at): the jobs do the day's work whenever they are measured."""
import asyncio
import json
import os
import sys
import time

from agency import db, mail
from agency.settings import get_settings
from agency.wiring import wire
from agency.worker import _jobs, run_round
from cases.messages.rules import JURISDICTION_ZONES
from cases.messages.service import reminders_job
from cases.notifications.rules import WorkingHours
from cases.notifications.service import digest_job
from tests.bench.bank_import import peak_mb


class Open(WorkingHours):
    """A contact window (and office hours) open at every hour of every day."""

    def allows(self, now) -> bool:
        return True


def _open_jurisdictions(now) -> frozenset[str]:
    return frozenset(JURISDICTION_ZONES)


def jobs() -> dict:
    found = dict(_jobs())
    found["reminders"] = lambda settings: reminders_job(settings, window=Open())
    found["outbox"] = lambda settings: mail.send_pending(settings, window=_open_jurisdictions)
    found["notification_digests"] = lambda settings: digest_job(settings, hours=Open())
    return found


async def main(name: str) -> dict:
    wire()
    await db.start()
    settings = get_settings()
    try:
        if name == "tick":
            rounds, start = 0, time.perf_counter()
            # what the day's jobs queued, sent before the rounds (the outbox sends a hundred a round: at a million cases its
            # thousands would take a few hundred rounds to go)
            while await mail.send_pending(settings, limit=5000, window=_open_jurisdictions):
                pass
            while rounds < int(os.environ.get("AGENCY_BENCH_TICK_ROUNDS", "400")):
                rounds += 1
                done = await run_round(settings)
                print(f"round {rounds}: {done}", file=sys.stderr, flush=True)
                if not any(done.values()):
                    break
            settle = time.perf_counter() - start
            start = time.perf_counter()
            done = await run_round(settings)
            return {"seconds": time.perf_counter() - start, "done": done, "rounds_before": rounds, "settle_seconds": settle,
                    "peak_mb": peak_mb()}
        job = jobs()[name]
        start = time.perf_counter()
        done = await job(settings)
        return {"seconds": time.perf_counter() - start, "done": done, "peak_mb": peak_mb()}
    finally:
        await db.stop()


if __name__ == "__main__":
    if os.environ.get("AGENCY_BENCH_PROFILE"):  # where a job's time goes: a cProfile file to read with pstats
        import cProfile

        with cProfile.Profile() as profile:
            result = asyncio.run(main(sys.argv[1]))
        profile.dump_stats(os.environ["AGENCY_BENCH_PROFILE"])
    else:
        result = asyncio.run(main(sys.argv[1]))
    print(json.dumps(result))
