"""Who read what: every view of a case (and its debtor's data), an evidence file or a document, and every export of
many cases, by any user, through any page, API call or download — who, when, what, from where.

Reads are many and must stay cheap: a read is noted in memory (``note``) and the notes of this process are written
together, once a second or every few hundred, in one transaction of one bulk insert (``flush``; the app's lifespan
runs the flusher and flushes at shutdown). A process killed outright loses at most the last second's notes; a reader
of the log flushes this process's notes first. Which request a note belongs to (its user's address, the page or the
API) comes from the request itself (``begin``, called by the authentication middleware)."""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from contextvars import ContextVar
from datetime import datetime
from typing import Protocol

from agency.db import atomic, bulk_insert, utcnow
from agency.tables import AccessRecord, User


class Reader(Protocol):  # (agency.auth.CurrentUser; named so that auth, which begins each request here, is not imported back)
    id: int


log = logging.getLogger("agency.access")

FLUSH_SECONDS = 1.0
FLUSH_AT = 500  # notes kept before they are written, whatever the time

# (address, "page" | "api") of the request being served
_request: ContextVar[tuple[str, str]] = ContextVar("agency_access_request", default=("", ""))
_pending: list[tuple[int | None, datetime, int | None, str, str, str]] = []
_writing: set[asyncio.Task] = set()
COLUMNS = ["user", "at", "case", "what", "address", "via"]


def begin(address: str, path: str) -> None:
    """The request being served: where it comes from, and whether it is the API or a page."""
    _request.set((address[:64], "api" if path.startswith("/api/") else "page"))


def note(user: Reader | None, what: str, case_id: int | None = None) -> None:
    """Record that ``user`` read ``what`` (of case ``case_id``, if it is one case's): written with the next flush."""
    address, via = _request.get()
    _pending.append((user.id if user else None, utcnow(), case_id, what[:200], address, via or "job"))
    if len(_pending) >= FLUSH_AT:
        with contextlib.suppress(RuntimeError):  # (no running loop: the next flush takes them)
            # (a context of its own: a note taken inside a request's transaction must not write into that transaction)
            task = asyncio.get_running_loop().create_task(flush(), context=contextvars.Context())
            _writing.add(task)
            task.add_done_callback(_writing.discard)


async def flush() -> int:
    """Write the notes taken so far (one transaction, one bulk insert); how many."""
    if not _pending:
        return 0
    taken = _pending[:]
    del _pending[:len(taken)]
    try:
        async with atomic():
            await bulk_insert(AccessRecord, COLUMNS, taken)
    except Exception:
        _pending[:0] = taken  # written with the next flush (the database was away a moment)
        raise
    return len(taken)


async def flusher() -> None:
    """The app's background task: write the notes once a second, until cancelled (then the last ones)."""
    try:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await flush()
            except Exception:  # a database hiccup must not end the log: the notes wait for the next round
                log.exception("access log not written; trying again")
    finally:
        with contextlib.suppress(Exception):
            await flush()


async def case_log(case_id: int, limit: int = 500) -> list[dict]:
    """The reads of one case, newest first: who, when, what, from where."""
    await flush()
    rows = await AccessRecord.select(AccessRecord.user.name.as_alias("user"), AccessRecord.user.email.as_alias("email"), AccessRecord.at,
                                     AccessRecord.what, AccessRecord.address, AccessRecord.via).where(
        AccessRecord.case == case_id).order_by(AccessRecord.id, ascending=False).limit(limit)
    return rows


async def recent(limit: int = 200, user_id: int | None = None, case_id: int | None = None) -> list[dict]:
    """The latest reads of anything (exports too), for the admin's page; of one user or one case if given."""
    await flush()
    query = AccessRecord.select(AccessRecord.id, AccessRecord.user, AccessRecord.user.name.as_alias("user_name"), AccessRecord.at,
                                AccessRecord.case, AccessRecord.what, AccessRecord.address, AccessRecord.via)
    if user_id is not None:
        query = query.where(AccessRecord.user == user_id)
    if case_id is not None:
        query = query.where(AccessRecord.case == case_id)
    return await query.order_by(AccessRecord.id, ascending=False).limit(limit)


async def users() -> list[dict]:
    return await User.select(User.id, User.name).order_by(User.name)


async def purge(before: datetime) -> int:
    """Drop the reads recorded before ``before`` (their retention is over: AGENCY_ACCESS_LOG_DAYS); how many."""
    async with atomic():
        gone = await AccessRecord.delete().where(AccessRecord.at < before).returning(AccessRecord.id)
    return len(gone)
