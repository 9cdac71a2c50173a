"""The case page per role (issue 23): the header carries the facts and flags that decide the next action, a bar jumps
between the page's parts, and each reader lands on their own part: negotiators on Work, lawyers on Legal, admins and
creditors on the summary at the top."""
from __future__ import annotations

import re

from agency import clock
from cases.reports import totals
from cases.tables import Invoice
from tests.factories import create_user, login
from tests.http.cases.test_money import _people
from tests.http.cases.test_negotiation import _accepted_case


async def _page_as(make_client, role: str, case_id: int, organisation: int | None = None) -> str:
    client = await make_client()
    user = await create_user(role, organisation)
    assert (await login(client, user["email"])).status_code == 303
    r = await client.get(f"/cases/{case_id}")
    assert r.status_code == 200, r.text[:300]
    return r.text


def _header(page: str) -> str:
    return page.split('<header class="case-header', 1)[1].split("</header>", 1)[0]


def _landing(page: str) -> str:
    return re.search(r'<nav class="case-parts"[^>]*data-landing="([^"]*)"', page).group(1)


async def test_each_reader_lands_on_their_part_and_the_bar_names_the_parts(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    negotiator = await _page_as(make_client, "negotiator", case["id"])
    assert _landing(negotiator) == "part-work"
    for part in ("part-work", "part-money", "part-legal", "part-documents", "part-timeline"):
        assert f'id="{part}"' in negotiator and f'href="#{part}"' in negotiator
    assert 'data-key="c"' in negotiator and 'action="/queue/take"' in negotiator  # log a call, next case: from the keyboard

    admin = await _page_as(make_client, "admin", case["id"])
    assert _landing(admin) == ""
    creditor = await _page_as(make_client, "creditor", case["id"], org)
    assert _landing(creditor) == "" and 'href="#part-work"' not in creditor and 'action="/queue/take"' not in creditor


async def test_a_disputed_invoice_shows_in_the_header(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    page = await _page_as(make_client, "negotiator", case["id"])
    header = _header(page)
    assert 'href="#invoices"' not in header
    await totals.leave([case["id"]])  # (disputed by hand, as the dispute route would: the report totals follow)
    await Invoice.update({Invoice.disputed: True}).where(Invoice.case == case["id"])
    await totals.enter([case["id"]])
    header = _header(await _page_as(make_client, "negotiator", case["id"]))
    assert 'href="#invoices"' in header


async def test_the_ledger_names_the_agencys_fees_in_the_readers_language(make_client):
    """A success fee booked while a Spanish-speaking negotiator recorded the payment reads in English for an English
    reader (from what booked it, not the stored words), with its percentage of the payment."""
    from cases.tables import LedgerEntry

    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    r = await c.post(f"/api/v1/cases/{case['id']}/payments", json={"amount": "100.00", "received_on": clock.today().isoformat(),
                                                                    "method": "transfer"}, headers={**nh, "Idempotency-Key": f"fee-words-{case['id']}"})
    assert r.status_code == 201, r.text
    fee = await LedgerEntry.select().where((LedgerEntry.case == case["id"]) & LedgerEntry.idempotency_key.like("fee:success:%")).first()
    assert fee and fee["amount_cents"] == 1500 and "éxito" in fee["reference"]  # stored as the Spanish booker's words
    client = await make_client()
    reader = await create_user("admin", language="en")
    assert (await login(client, reader["email"])).status_code == 303
    page = (await client.get(f"/cases/{case['id']}")).text
    ledger = page.split('id="ledger"', 1)[1].split("</table>", 1)[0]
    assert "Success fee: 15 % of the payment" in ledger and "éxito" not in ledger


async def test_each_part_is_a_fragment_of_its_own_scoped_as_the_page(make_client):
    """Only the reader's own part comes with the page; every other part is a fragment loaded when opened (htmx), or the
    page with that part in it without JavaScript; read through the tenancy scope as the page is."""
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    cid = case["id"]
    client = await make_client()
    assert (await login(client, (await create_user("negotiator"))["email"])).status_code == 303
    first = (await client.get(f"/cases/{cid}")).text
    assert 'id="log-contact"' in first and 'id="timeline"' not in first and 'id="ledger"' not in first  # Work only
    assert f'hx-get="/cases/{cid}/part/timeline"' in first and f'href="/cases/{cid}/part/timeline#part-timeline"' in first
    fragment = await client.get(f"/cases/{cid}/part/timeline", headers={"hx-request": "true"})
    assert fragment.status_code == 200 and 'id="part-timeline"' in fragment.text and 'id="timeline"' in fragment.text
    assert "<html" not in fragment.text and "case-header" not in fragment.text and "hx-get" not in fragment.text.split("\n", 3)[1]
    whole = (await client.get(f"/cases/{cid}/part/money")).text  # without JavaScript: the page, with Money in it
    assert "case-header" in whole and 'id="invoices"' in whole
    assert 'id="log-contact"' not in whole and f'hx-get="/cases/{cid}/part/work"' in whole
    assert (await client.get(f"/cases/{cid}/part/nothing")).status_code == 404
    legal = await client.get(f"/cases/{cid}/part/legal", follow_redirects=False)
    assert legal.status_code in (301, 302, 303, 307) and legal.headers["location"].endswith(f"/cases/{cid}/legal/")

    # a creditor: their own organisation's case only (another's is a 404, every part), and no Work part
    mine = await make_client()
    assert (await login(mine, (await create_user("creditor", org))["email"])).status_code == 303
    assert (await mine.get(f"/cases/{cid}/part/timeline", headers={"hx-request": "true"})).status_code == 200
    assert (await mine.get(f"/cases/{cid}/part/work", headers={"hx-request": "true"})).status_code == 404
    from tests.factories import create_org

    stranger = await make_client()
    assert (await login(stranger, (await create_user("creditor", await create_org()))["email"])).status_code == 303
    for name in ("money", "documents", "timeline", "legal"):
        r = await stranger.get(f"/cases/{cid}/part/{name}", headers={"hx-request": "true"}, follow_redirects=False)
        assert r.status_code == 404, (name, r.status_code)
    assert (await stranger.get(f"/cases/{cid}/part/money")).status_code == 404


async def test_a_case_taken_from_the_queue_reads_in_the_readers_language(make_client):
    """Issue 23 item 5: the timeline's "took the case from the queue" is written from the event's kind, payload and actor
    when read, not from the sentence kept in the language of the negotiator who took it."""
    from agency.auth import CurrentUser
    from agency.db import atomic
    from agency.roles import Role
    from cases import events

    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    taker = await create_user("negotiator", language="es", name="Marta Ruiz")
    async with atomic():  # as take_next records it for a Spanish-speaking negotiator
        await events.record(case["id"], "assigned", CurrentUser(id=taker["id"], email=taker["email"], name="Marta Ruiz", role=Role.negotiator,
                                                                 organisation_id=None, language="es"),
                            "Marta Ruiz ha tomado el expediente de la cola de trabajo.", {"negotiator": taker["id"], "via": "take_next"})
    client = await make_client()
    assert (await login(client, (await create_user("admin", language="en"))["email"])).status_code == 303
    timeline = (await client.get(f"/cases/{case['id']}/part/timeline", headers={"hx-request": "true"})).text
    assert "Marta Ruiz took the case from the queue." in timeline and "ha tomado" not in timeline
