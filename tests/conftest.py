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

from tests.netutil import free_port, wait_until_up

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
    # Redsys's published test merchant key and a test merchant (the loopback double plays Redsys: tests/e2e)
    os.environ["AGENCY_REDSYS_MERCHANT_CODE"] = "999008881"
    os.environ["AGENCY_REDSYS_TERMINAL"] = "1"
    os.environ["AGENCY_REDSYS_SECRET_KEY"] = "sq7HjrUOBfKmC576ILgskD5srU870gJ7"
    os.environ["AGENCY_WEBHOOKS_ALLOW_PRIVATE"] = "1"  # the receivers of tests/http/cases/test_webhooks.py are on loopback
    os.environ["AGENCY_SEPA_CREDITOR_ID"] = "ES81ZZZB00000000"  # the demo agency's tax id (B00000000), its check digits by AT-02
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser journeys last: the fast tests speak first."""
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))


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


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3-protocol server on loopback, as a real process; the run fails if it cannot start."""
    import subprocess
    import sys

    port = free_port()
    exe = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/moto-api/", proc, 20, "moto's S3 server could not be started on loopback")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def s3_bucket(s3_server):
    import boto3

    name = f"agency-{secrets.token_hex(4)}"
    boto3.client("s3", endpoint_url=s3_server).create_bucket(Bucket=name)
    return name


@pytest.fixture
def smtp_server():
    """aiosmtpd on loopback: a real SMTP server that keeps what it receives."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    controller = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield {"url": f"smtp://127.0.0.1:{controller.port}", "received": received}
    finally:
        controller.stop()
