"""A bank statement imported by a process of its own, as the server would: `python -m tests.bench.bank_import FILE
USER_ID` prints what it booked, how long the import took and the process's peak memory, as JSON (the benchmark's
own process holds a million cases' setup, which is not the import's memory)."""
import asyncio
import json
import os
import resource
import sys
import time
from pathlib import Path

from agency import clock, db
from agency.auth import CurrentUser
from agency.roles import Role
from agency.tables import User
from agency.wiring import wire
from cases.bank import service


async def main(path: str, user_id: int) -> dict:
    wire()
    await db.start()
    try:
        row = await User.select().where(User.id == user_id).first()
        user = CurrentUser(id=row["id"], email=row["email"], name=row["name"], role=Role(row["role"]), organisation_id=None, language="es")
        data = Path(path).read_bytes()
        start = time.perf_counter()
        done = await service.import_statement(user, Path(path).name, data, clock.today())
        seconds = time.perf_counter() - start
    finally:
        await db.stop()
    return {"lines": done.lines, "matched": done.matched, "seconds": seconds, "peak_mb": peak_mb()}


def peak_mb() -> float:
    """The most memory this process has held: its own address space's high-water mark (VmHWM), which starts anew at exec.
    Not getrusage's ru_maxrss: Linux carries that across fork and exec, so a child of the benchmark (which holds a million
    cases' setup, about 440 MB) reported its parent's size, not its own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # (no /proc: not Linux)


if __name__ == "__main__":
    if os.environ.get("AGENCY_BENCH_PROFILE"):  # where the import's time goes: a cProfile file to read with pstats
        import cProfile  # (only when asked)

        with cProfile.Profile() as profile:
            result = asyncio.run(main(sys.argv[1], int(sys.argv[2])))
        profile.dump_stats(os.environ["AGENCY_BENCH_PROFILE"])
    else:
        result = asyncio.run(main(sys.argv[1], int(sys.argv[2])))
    print(json.dumps(result))
