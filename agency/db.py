"""The database engine for either backend, and the one way services open a writing transaction."""
from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from datetime import date, datetime, timezone
from functools import lru_cache
from urllib.parse import urlsplit

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.querystring import QueryString

from agency.settings import get_settings, sqlite_path


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite:"):
        path = sqlite_path(database_url)
        path.parent.mkdir(parents=True, exist_ok=True)
        # WAL is a property of the file: set it once, before any pooled use.
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
        return KeptSQLiteEngine(path=str(path), timeout=30)
    parts = urlsplit(database_url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"AGENCY_DATABASE_URL: unsupported scheme {parts.scheme!r} (use sqlite:/// or postgresql://)")
    # JIT off: PostgreSQL compiles a query whose estimated cost passes jit_above_cost, and the queue score's read of a
    # thousand cases (nine correlated subqueries: a large estimate, 2 ms of work) took 460 ms of LLVM inlining and
    # optimisation every time once the timeline had grown (worker benchmark at 1,000,000 cases: the daily pass did not
    # finish in 10 minutes). Nothing here runs long enough to win the compilation back.
    return PostgresEngine(config={"dsn": database_url, "server_settings": {"jit": "off"}}, log_queries=False)


# What each kept SQLite connection sets once: reads through a memory map of the file (no read() call and copy per page;
# the pages are the kernel's, shared by every connection and process) and a larger page cache of its own than the 2 MB
# default. Durability is untouched: these connections only read (synchronous stays SQLite's FULL for the writers).
READ_PRAGMAS = ("PRAGMA foreign_keys = 1", "PRAGMA mmap_size = 268435456", "PRAGMA cache_size = -16000")


def is_read(sql: str) -> bool:
    """A statement that only reads: a SELECT (a WITH may lead to a write, and a PRAGMA may set something)."""
    return sql.lstrip()[:6].upper() == "SELECT"


class KeptSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, with its reads outside a transaction on kept connections.

    Piccolo opens a connection for every query outside a transaction (aiosqlite: a new thread, the schema read again,
    an empty page cache, five hand-offs between threads) and closes it after. Here a read outside a transaction runs
    on a connection kept by one of a few threads of this process (``AGENCY_DB_POOL_SIZE``, as PostgreSQL's pool),
    the statement and its rows in one hand-off. What a read sees is the same: each statement outside a transaction is
    its own snapshot of what was committed (WAL), on a kept connection as on a new one. Writes outside a transaction,
    and every transaction (``atomic()``, ``read_together``), go through Piccolo as before, each on a connection of its
    own."""

    __slots__ = ("kept", "kept_lock", "at_hand", "at_hand_opened")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kept: tuple[int, ThreadPoolExecutor, list[sqlite3.Connection]] | None = None  # (pid, threads, their connections)
        self.kept_lock = threading.Lock()
        self.at_hand = threading.local()  # .conn: (pid, connection) of the thread reading at hand (read_at_hand)
        self.at_hand_opened: list[tuple[int, sqlite3.Connection]] = []  # every one, closed with the kept ones

    def reader(self) -> ThreadPoolExecutor:
        kept = self.kept
        if kept is None or kept[0] != os.getpid():  # (a forked child makes its own: a connection is never shared across a fork)
            kept = self.kept = (os.getpid(), ThreadPoolExecutor(get_settings().db_pool_size, thread_name_prefix="sqlite-read",
                                                                 initializer=self.open_kept), [])
        return kept[1]

    def reading_connection(self) -> sqlite3.Connection:
        conn = sqlite3.connect(**self.connection_kwargs, check_same_thread=False)
        conn.row_factory = dict_factory
        for pragma in READ_PRAGMAS:
            conn.execute(pragma)
        return conn

    def open_kept(self) -> None:
        conn = self.reading_connection()
        kept_connection.conn = conn
        with self.kept_lock:
            self.kept[2].append(conn)

    def close_kept(self) -> None:
        kept, self.kept = self.kept, None
        if kept is not None and kept[0] == os.getpid():
            kept[1].shutdown(wait=True)
            for conn in kept[2]:
                conn.close()
        with self.kept_lock:
            opened, self.at_hand_opened = self.at_hand_opened, []
        for pid, conn in opened:
            if pid == os.getpid():
                conn.close()
        self.at_hand = threading.local()

    async def read(self, sql: str, args) -> list[dict]:
        """A read outside a transaction, on a kept connection: its rows as dicts, as Piccolo returns them."""
        return await asyncio.get_running_loop().run_in_executor(self.reader(), run_kept, sql, args)

    def read_at_hand(self, sql: str, args) -> list[dict]:
        """A short read (bounded by an index and a LIMIT) on the calling thread, the event loop's: its own kept connection,
        no hand-off to a reading thread. In WAL a read waits for no writer; the hand-off cost more than such a query
        (the queue's page: 16 % more pages a second). Not for a read whose length grows with the data."""
        at_hand = getattr(self.at_hand, "conn", None)
        if at_hand is None or at_hand[0] != os.getpid():  # (a forked child opens its own)
            at_hand = self.at_hand.conn = (os.getpid(), self.reading_connection())
            with self.kept_lock:
                self.at_hand_opened.append(at_hand)
        return fetch_on(at_hand[1], sql, args)

    async def _run_in_new_connection(self, query: str, args=None, query_type: str = "generic", table=None):
        if is_read(query):
            return await self.read(query, args or [])
        return await super()._run_in_new_connection(query, args, query_type, table)


kept_connection = threading.local()  # each reading thread's kept connection


def fetch_on(conn: sqlite3.Connection, sql: str, args) -> list[dict]:
    cursor = conn.execute(sql, args)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def run_kept(sql: str, args) -> list[dict]:
    return fetch_on(kept_connection.conn, sql, args)


@lru_cache(maxsize=1)
def engine() -> Engine:
    """piccolo_conf.DB, found once (Piccolo's finder looks the module up again on every call)."""
    db = engine_finder()
    assert db is not None, "piccolo_conf.DB is not configured"
    return db


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


# What the current atomic() block has worked out once and may ask again (cases.webhooks: whether any endpoint is active):
# a dict set when the block opens and dropped when it ends. Nothing in it refers back to the transaction, so no reference
# cycle outlives the block (a transaction kept in a context variable made one, left to the garbage collector).
_memo: ContextVar[dict | None] = ContextVar("agency_transaction_memo", default=None)


class Atomic:
    """Piccolo's transaction, with the block's memo."""

    __slots__ = ("inner", "token")

    def __init__(self, inner):
        self.inner, self.token = inner, None

    async def __aenter__(self):
        entered = await self.inner.__aenter__()
        self.token = _memo.set({})
        return entered

    async def __aexit__(self, *exc):
        _memo.reset(self.token)
        return await self.inner.__aexit__(*exc)


def atomic() -> Atomic:
    """A writing transaction: IMMEDIATE on SQLite (so writers queue instead of failing), plain on PostgreSQL.

    Keep the writes inside sequential (see DESIGN.md's pitfalls)."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return Atomic(db.transaction(transaction_type=TransactionType.immediate))
    return Atomic(db.transaction())


class _Snapshot(PostgresTransaction):
    """PostgreSQL's REPEATABLE READ, READ ONLY transaction: every query in it sees the database as of its first."""

    async def begin(self):
        self.transaction = self.connection.transaction(isolation="repeatable_read", readonly=True)
        await self.transaction.start()


def snapshot() -> Atomic:
    """A read of several queries that must agree with each other (a creditor's statement, read a few thousand cases at a
    time while payments go on being booked): on PostgreSQL a REPEATABLE READ, READ ONLY transaction; on SQLite a
    DEFERRED one (in WAL mode a reader sees the database as of its first read until it ends, and holds no writer back).
    ``fetch_records`` and Piccolo's queries inside it run in it, as inside ``atomic()``."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return Atomic(db.transaction(transaction_type=TransactionType.deferred))
    return Atomic(_Snapshot(db))


def transaction_memo() -> dict | None:
    """The current atomic() block's memo (None outside one): for what a transaction works out once."""
    return _memo.get()


@lru_cache(maxsize=256)
def _numbered(template: str) -> str:
    """A "{}"-placeholder query as asyncpg wants it ($1, $2...), worked out once per query shape."""
    parts = template.split("{}")
    return "".join(part + (f"${n}" if n < len(parts) else "") for n, part in enumerate(parts, start=1))


async def fetch_records(template: str, *args, short: bool = False) -> list:
    """Rows of a query written with "{}" placeholders (like Piccolo's QueryString), for hot paths, as the
    driver hands them back (read-only mappings: asyncpg Records, or dicts on SQLite). On PostgreSQL straight
    to the driver, the SQL numbered once per shape (Piccolo rebuilds it, weighs every argument and copies every
    row on each call: a thousand ids cost it more than the query): on the current transaction's connection
    inside ``atomic()``, else from the pool; on SQLite a read outside a transaction straight to a kept
    connection (``KeptSQLiteEngine``; ``short``: a read bounded by an index and a LIMIT, run at hand on the event
    loop's thread), anything else through Piccolo."""
    db = engine()
    if isinstance(db, PostgresEngine):
        transaction = db.current_transaction.get()
        if transaction is not None:
            return await transaction.connection.fetch(_numbered(template), *args)
        if db.pool is not None:
            async with db.pool.acquire() as conn:
                return await conn.fetch(_numbered(template), *args)
    elif isinstance(db, KeptSQLiteEngine) and db.current_transaction.get() is None:
        sql = _questioned(template, len(args))
        if is_read(sql) and not any(isinstance(a, QueryString) for a in args):
            return db.read_at_hand(sql, args) if short else await db.read(sql, args)

    return await db.run_querystring(QueryString(template, *args))


@lru_cache(maxsize=256)
def _questioned(template: str, count: int) -> str:
    """A "{}"-placeholder query as sqlite3 wants it (?), as Piccolo's QueryString writes it, once per query shape."""
    return QueryString(template, *([None] * count)).compile_string(engine_type="sqlite")[0]


async def read_together(*queries):
    """Several independent reads, as fast as the backend allows: side by side on PostgreSQL (each on
    its own pooled connection), one after the other in one read transaction on SQLite (one snapshot for
    all of them, on a connection of its own: each read alone would go to a kept connection, KeptSQLiteEngine,
    and may see a commit made between two of them). Outside a writing transaction only."""
    if not is_sqlite():
        return await asyncio.gather(*queries)
    results = []
    async with engine().transaction():  # a deferred transaction: one connection, no write lock
        for query in queries:
            results.append(await query)
    return results


async def keep_session(connection) -> None:
    """A pool's reset for this application: asyncpg rolls back an open transaction itself; its default
    reset adds a round trip per query (UNLISTEN, RESET ALL, advisory unlocks, CLOSE ALL) to undo
    session state this application never creates (no LISTEN, SET, advisory locks or cursors)."""


async def start() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        # A few connections per process: queries beyond them wait in the pool, which costs less than
        # PostgreSQL switching between more busy backends than it has cores (the queue's p99 halved
        # with 4 instead of 20 per process, tests/bench/test_queue_speed.py).
        await db.start_connection_pool(min_size=1, max_size=get_settings().db_pool_size, reset=keep_session)


async def stop() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()
    elif isinstance(db, KeptSQLiteEngine):
        db.close_kept()


def utcnow() -> datetime:
    """Every stored time is UTC (SQLite compares timestamps as text: one zone, one format)."""
    return datetime.now(timezone.utc)


async def bulk_insert(table, columns: list[str], rows: list[tuple]) -> None:
    """Many rows through the driver's own bulk path, inside the current ``atomic()`` transaction:
    COPY on PostgreSQL, executemany on SQLite. For imports, where Piccolo's per-object insert costs
    more than the database does. Values must already be what the columns store (cents, dates, JSON text)."""
    db = engine()
    transaction = db.current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk_insert must run inside atomic()")
    name = table._meta.tablename
    if isinstance(db, PostgresEngine):
        await transaction.connection.copy_records_to_table(name, columns=columns, records=rows)
    else:
        placeholders = ", ".join("?" for _ in columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        await transaction.connection.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({placeholders})', rows)


def as_date(value):
    """Aggregates (MIN, MAX) of date columns come back as text on SQLite: make them dates again."""

    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def is_unique_violation(exc: Exception) -> bool:
    try:
        from asyncpg.exceptions import UniqueViolationError  # lazy: asyncpg is installed only for PostgreSQL
    except ImportError:  # pragma: no cover
        UniqueViolationError = ()  # type: ignore[assignment]
    return isinstance(exc, UniqueViolationError) or (isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc))


@lru_cache(maxsize=1)
def shipped_migrations() -> frozenset[tuple[str, str]]:
    """(app, migration id) of every migration this code ships, read once per process (by Piccolo's own reader)."""
    manager = BaseMigrationManager()
    shipped = set()
    for module in manager.get_app_modules():
        config = module.APP_CONFIG
        modules = manager.get_migration_modules(config.resolved_migrations_folder_path)
        shipped.update((config.app_name, migration_id) for migration_id in manager.get_migration_ids(modules))
    return frozenset(shipped)


class MigrationCheck:
    """Whether the database has run every migration this code ships (Piccolo's ``migration`` table). Once it has,
    this process does not ask again: migrations only go forwards while it serves (``current`` is that answer)."""

    def __init__(self) -> None:
        self.current = False

    async def missing(self) -> list[str]:
        """The shipped migrations not run yet ("app id"), all of them on a database never migrated."""
        if self.current:
            return []
        try:
            ran = {(r["app_name"], r["name"]) for r in await Migration.select(Migration.app_name, Migration.name)}
        except Exception as exc:  # noqa: BLE001 - the drivers differ; only "no such table" is an answer here
            if not _undefined_table(exc):
                raise
            ran = set()
        missing = sorted(f"{app} {migration_id}" for app, migration_id in shipped_migrations() - ran)
        self.current = not missing
        return missing


def _undefined_table(exc: Exception) -> bool:
    return "no such table" in str(exc) or getattr(exc, "sqlstate", None) == "42P01"


migrations = MigrationCheck()
