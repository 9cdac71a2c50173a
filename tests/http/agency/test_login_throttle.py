"""Login throttling through the real routes, from several addresses: a stranger's wrong passwords lock out only the
stranger's own address; guessing spread over many addresses still stops, at a slower limit per email."""
from contextlib import AsyncExitStack

import httpx

from tests.factories import PASSWORD, create_user, login

MAX_FAILURES_FROM_ONE_ADDRESS = 5  # agency.throttle's limits: per email and address in 15 minutes,
MAX_FAILURES_PER_EMAIL = 50  # per email from all addresses in an hour


def from_address(app, ip: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 40000)), base_url="http://testserver.local")


async def token(client, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/token", json={"email": email, "password": password})


async def test_a_stranger_cannot_lock_the_owner_out(app):
    owner = await create_user("negotiator")
    async with from_address(app, "198.51.100.66") as stranger, from_address(app, "203.0.113.10") as home:
        for _ in range(MAX_FAILURES_FROM_ONE_ADDRESS):
            assert (await token(stranger, owner["email"], "wrong-password-x")).status_code == 401
        refused = await token(stranger, owner["email"], PASSWORD)  # the stranger's address waits, even with the password
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert (await token(home, owner["email"], PASSWORD)).status_code == 200  # the owner, from home, signs in
        assert (await login(home, owner["email"])).status_code == 303  # and the page too


async def test_guessing_from_many_addresses_stops_at_the_slower_limit(app):
    owner = await create_user("negotiator")
    async with AsyncExitStack() as stack:
        async def client(ip):
            return await stack.enter_async_context(from_address(app, ip))

        office = await client("203.0.113.20")
        assert (await token(office, owner["email"], PASSWORD)).status_code == 200  # the owner signed in this hour
        guessed = 0
        for n in range(MAX_FAILURES_PER_EMAIL // (MAX_FAILURES_FROM_ONE_ADDRESS - 1) + 1):
            guesser = await client(f"192.0.2.{n + 1}")
            for _ in range(MAX_FAILURES_FROM_ONE_ADDRESS - 1):  # each address under its own limit
                if guessed < MAX_FAILURES_PER_EMAIL:
                    assert (await token(guesser, owner["email"], f"guess-{guessed}-pw")).status_code == 401
                    guessed += 1
        held = await token(await client("192.0.2.250"), owner["email"], "another-guess")
        assert held.status_code == 429 and int(held.headers["retry-after"]) > 0, held.text
        assert (await token(await client("198.51.100.99"), owner["email"], PASSWORD)).status_code == 429  # a new address, too
        assert (await token(office, owner["email"], PASSWORD)).status_code == 200  # not the one the owner signed in from
