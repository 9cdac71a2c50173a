"""Helpers that create real rows through the services, and sign people in through the real pages."""
from __future__ import annotations

import itertools
import re
import secrets
from types import SimpleNamespace

from stdnum.es import cif

from agency.security import hash_password
from agency.tables import Organisation, User

PASSWORD = "correct-horse-battery"
_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)


_issued_cifs: set[str] = set()


def unique_cif() -> str:
    """A valid CIF no other call of this run gave (seven random digits alone met twice in a long run: 5 % per thousand)."""
    while (body := f"B{secrets.randbelow(10**7):07d}") in _issued_cifs:
        pass
    _issued_cifs.add(body)
    return body + cif.calc_check_digits(body)[0]


async def create_org(name: str | None = None, contract: bool = True) -> int:
    """A creditor organisation; by default it has accepted the current service contract."""
    from cases.billing.service import CONTRACT_VERSION

    rows = await Organisation.insert(
        Organisation(
            legal_name=name or f"Acreedor {next(_seq)} S.L.", country="ES", tax_id=unique_cif(),
            address_line1="Calle Mayor 1", city="Madrid", postal_code="28013", iban="ES9121000418450200051332",
            contract_version=CONTRACT_VERSION if contract else None,
        )
    ).returning(Organisation.id)
    return rows[0]["id"]


async def create_user(role: str, organisation: int | None = None, password: str | None = PASSWORD, **extra) -> dict:
    email = extra.pop("email", None) or f"{role}-{secrets.token_hex(4)}@example.test"
    rows = await User.insert(
        User(email=email, name=extra.pop("name", f"{role.title()} {next(_seq)}"), role=role, organisation=organisation,
             password_hash=_HASH if password == PASSWORD else (hash_password(password) if password else None), **extra)
    ).returning(User.id)
    return {"id": rows[0]["id"], "email": email, "password": password}


def csrf_token(client) -> str:
    return client.cookies.get("agency_csrf")


async def login(client, email: str, password: str = PASSWORD, follow: bool = False):
    await client.get("/login")
    return await client.post(
        "/login", data={"email": email, "password": password, "_csrf_token": csrf_token(client)}, follow_redirects=follow
    )


async def post_form(client, url: str, data: dict | None = None, **kwargs):
    if not csrf_token(client):
        await client.get("/login")
    return await client.post(url, data={**(data or {}), "_csrf_token": csrf_token(client)}, **kwargs)


async def signed_in(make_client, role: str, organisation: int | None = None):
    client = await make_client()
    user = await create_user(role, organisation)
    response = await login(client, user["email"])
    assert response.status_code == 303, response.text
    return client, user


async def api_token(client, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def case_page(client, case_id: int, headers: dict | None = None):
    """The case page as a browser shows it with every part opened: the page, then each fragment it loads with htmx as it
    opens (hx-get ... hx-trigger="load", such as the phone scripts) or when a part is opened (its parts besides the
    reader's own, and legal's panel: "intersect once, open-part once"), and the fragments those load in turn, asked as
    htmx asks. Returns the response of the page with the fragments' HTML after its own."""
    page = await client.get(f"/cases/{case_id}", headers=headers)
    html, waiting, seen = page.text, [page.text], set()
    while waiting:
        for url in re.findall(r'hx-get="([^"]+)"[^>]*hx-trigger="(?:load|intersect once, open-part once)"', waiting.pop(0)):
            if url in seen:
                continue
            seen.add(url)
            fragment = await client.get(url, headers={**(headers or {}), "HX-Request": "true"})
            assert fragment.status_code == 200, (url, fragment.status_code)
            html += fragment.text
            waiting.append(fragment.text)
    return SimpleNamespace(status_code=page.status_code, text=html, headers=page.headers)


async def by_hand() -> None:
    """After a test changed cases, invoices or the ledger by hand rather than through the services (a stage, a negotiator, a
    ledger row set up directly): the report totals made again from the rows, with the migration's own SQL, as an upgrade
    makes them (every HTTP test ends by checking they agree with the rows: tests/http/conftest.py)."""
    import importlib

    from agency.db import atomic, fetch_records

    migration = importlib.import_module("cases.piccolo_migrations.cases_2026_12_07t15_10_00_000000")
    async with atomic():
        for target, select in migration.FILL.items():
            await fetch_records(f"DELETE FROM {target.split()[0]}")
            await fetch_records(f"INSERT INTO {target} {select}")
