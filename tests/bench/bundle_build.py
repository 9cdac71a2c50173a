"""A filing bundle built by a process of its own, as the server would: `python -m tests.bench.bundle_build DOCUMENT_ID
USER_ID` prints how long the bundle took, how many PDFs it holds, what it left out and the process's peak memory
(VmHWM, as tests.bench.bank_import measures it), as JSON."""
import asyncio
import json
import sys
import time

from agency import clock, db
from agency.auth import CurrentUser
from agency.roles import Role
from agency.tables import User
from agency.wiring import wire
from legal.documents.bundles import build_bundle
from tests.bench.bank_import import peak_mb


async def main(document_id: int, user_id: int) -> dict:
    wire()
    await db.start()
    try:
        row = await User.select().where(User.id == user_id).first()
        user = CurrentUser(id=row["id"], email=row["email"], name=row["name"], role=Role(row["role"]), organisation_id=None, language="es")
        start = time.perf_counter()
        made = await build_bundle(user, document_id, clock.today())
        seconds = time.perf_counter() - start
    finally:
        await db.stop()
    return {"seconds": seconds, "pdfs": made["pdfs"], "omitted": [o["original"] for o in made["omitted"]], "size": made["size"],
            "peak_mb": peak_mb()}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))))
