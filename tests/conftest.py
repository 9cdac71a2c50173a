"""The test harness: a fresh database per run (SQLite file or a throwaway PostgreSQL database),
built by running the migrations, never by create_table, so a missing migration fails the suite.

AGENCY_TEST_DB=sqlite|postgres picks the backend (`make test` runs both). PostgreSQL must be
reachable at 127.0.0.1:5432; if it is not, the run fails: it never skips."""
from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest

PG_ADMIN_DSN = os.environ.get("AGENCY_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
_state: dict[str, str] = {}


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pytest_configure(config: pytest.Config) -> None:
    backend = os.environ.get("AGENCY_TEST_DB", "sqlite")
    tmp = Path(tempfile.mkdtemp(prefix="agency-test-"))
    _state["tmp"] = str(tmp)
    os.environ["AGENCY_VAR_DIR"] = str(tmp / "var")
    os.environ["AGENCY_SECRET_KEY"] = secrets.token_urlsafe(48)
    os.environ["AGENCY_STORAGE_URL"] = f"file://{tmp}/storage"
    os.environ["AGENCY_BASE_URL"] = "http://testserver.local"
    os.environ.pop("AGENCY_SMTP_URL", None)
    os.environ.pop("AGENCY_S3_ENDPOINT_URL", None)
    if backend == "postgres":
        name = f"agency_test_{os.getpid()}_{secrets.token_hex(3)}"
        try:
            asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001
            raise pytest.UsageError(f"PostgreSQL at {PG_ADMIN_DSN} is not usable ({exc!r}); the suite does not skip it") from exc
        _state["pg_db"] = name
        os.environ["AGENCY_DATABASE_URL"] = PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
    elif backend == "sqlite":
        os.environ["AGENCY_DATABASE_URL"] = f"sqlite:///{tmp}/agency.sqlite3"
    else:
        raise pytest.UsageError("AGENCY_TEST_DB must be sqlite or postgres")
    config.stash[backend_key] = backend

    from agency.cli import migrate

    asyncio.run(migrate())


backend_key = pytest.StashKey[str]()


def pytest_report_header(config: pytest.Config) -> str:
    return f"agency database: {config.stash.get(backend_key, '?')} ({os.environ.get('AGENCY_DATABASE_URL')})"


def pytest_unconfigure(config: pytest.Config) -> None:
    if name := _state.pop("pg_db", None):
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    if tmp := _state.pop("tmp", None):
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def backend(pytestconfig: pytest.Config) -> str:
    return pytestconfig.stash[backend_key]


@pytest.fixture(scope="session")
async def database():
    """The connection pool for the whole run (PostgreSQL); nothing to open on SQLite."""
    from agency import db

    await db.start()
    yield db.engine()
    await db.stop()


@pytest.fixture(scope="session")
def app(database):
    from agency.app import create_app

    return create_app(manage_database=False)


def _client(app):
    """httpx on the ASGI app in this very event loop (Litestar's test client runs the app in another
    thread and loop, which a PostgreSQL pool opened here cannot follow)."""
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local", follow_redirects=False)


@pytest.fixture
async def client(app):
    async with _client(app) as c:
        yield c


@pytest.fixture
async def make_client(app):
    """For tests that need several people signed in at once."""
    from contextlib import AsyncExitStack

    async with AsyncExitStack() as stack:

        async def make():
            return await stack.enter_async_context(_client(app))

        yield make
