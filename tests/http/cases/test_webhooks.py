"""Webhooks for creditors' systems over HTTP (issue 22 item 5): endpoints registered per organisation, a delivery per
endpoint for each event of its own organisation's cases, sent by the worker's job to a real receiver on loopback that
checks the signature, retried after a 5xx, a redirect a failure, replayed on request; another organisation's endpoints
and deliveries do not exist for a creditor."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agency.db import atomic, utcnow
from agency.settings import get_settings
from cases import events
from cases.tables import WebhookDelivery, WebhookEndpoint
from cases.webhooks import rules, service
from tests.factories import api_token, create_org, create_user, login, post_form
from tests.http.cases.test_money import _pay, _people
from tests.http.cases.test_negotiation import _accepted_case
from tests.http.cases.test_stages import _case
from tests.netutil import free_port

ALL = list(rules.EVENT_TYPES)


class Receiver:
    """A creditor's system on loopback: keeps every request (headers and raw body), answers the statuses queued (then 200)."""

    def __init__(self):
        self.received: list[dict] = []
        self.answers: list[tuple[int, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[dict]:
        """What arrived but the registration's ping, each with its body parsed, by delivery (the order they were written)."""
        got = [{**r, "json": json.loads(r["body"])} for r in self.received if r["headers"].get("Agency-Event") != "ping"]
        return sorted(got, key=lambda r: int(r["headers"]["Agency-Delivery"]))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make() -> Receiver:
        made.append(Receiver())
        return made[-1]

    yield make
    for r in made:
        r.close()


def signature_ok(secret: str, request: dict) -> bool:
    """The receiver's check, written here as a creditor's developer would from the README (not with the code's rules)."""
    fields = dict(part.split("=", 1) for part in request["headers"]["Agency-Signature"].split(","))
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(fields["t"])) < 300


async def _register(c, h, url, events=ALL, **extra):
    r = await c.post("/api/v1/webhooks", json={"url": url, "events": events, **extra}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


async def _deliveries(endpoint_id: int) -> list[dict]:
    return await WebhookDelivery.select().where(WebhookDelivery.endpoint == endpoint_id).order_by(WebhookDelivery.id)


async def _send(now=None) -> int:
    return await service.send_due(get_settings(), now=now)


async def test_bad_addresses_and_event_types_are_refused_naming_the_field_and_nothing_is_written(make_client, receivers, monkeypatch):
    org, c, ch, nh = await _people(make_client)
    before = await WebhookEndpoint.count()
    for body, field in (({"url": "ftp://files.example.com/x", "events": ALL}, "url"),
                        ({"url": "https://user:secret@example.com/x", "events": ALL}, "url"),
                        ({"url": "not an address", "events": ALL}, "url"),
                        ({"url": 5, "events": ALL}, "url"),
                        ({"url": "https://example.com/x", "events": ["payment.sent"]}, "events"),
                        ({"url": "https://example.com/x", "events": []}, "events")):
        r = await c.post("/api/v1/webhooks", json=body, headers=ch)
        assert r.status_code == 400 and field in r.json()["errors"], (body, r.text)
    # in production settings a loopback or private address is refused (the suite allows them for its receivers)
    monkeypatch.setattr(service, "get_settings", lambda: replace(get_settings(), webhooks_allow_private=False))
    for url, address in (("http://127.0.0.1:9/hooks", "127.0.0.1"), ("http://10.0.0.7/hooks", "10.0.0.7"), ("http://[::1]/x", "::1"),
                         ("http://169.254.169.254/latest/meta-data", "169.254.169.254"), ("http://localhost/x", "")):
        r = await c.post("/api/v1/webhooks", json={"url": url, "events": ALL}, headers=ch)
        assert r.status_code == 400 and set(r.json()["errors"]) == {"url"} and address in r.json()["errors"]["url"], (url, r.text)
    monkeypatch.undo()
    # an address that answers with a redirect (to its https twin, say) is refused, naming where it leads
    moved = receivers()
    moved.answers.append((301, {"Location": "https://elsewhere.example.com/hooks"}))
    r = await c.post("/api/v1/webhooks", json={"url": moved.url, "events": ALL}, headers=ch)
    assert r.status_code == 400 and "https://elsewhere.example.com/hooks" in r.json()["errors"]["url"], r.text
    assert moved.received and moved.received[0]["headers"]["Agency-Event"] == "ping"
    assert await WebhookEndpoint.count() == before
    # staff other than admins have no business here; an admin names the organisation
    assert (await c.post("/api/v1/webhooks", json={"url": "https://example.com/x", "events": ALL}, headers=nh)).status_code == 403
    admin = await create_user("admin")
    ah = await api_token(c, admin["email"])
    r = await c.post("/api/v1/webhooks", json={"url": moved.url, "events": ALL}, headers=ah)
    assert r.status_code == 400 and set(r.json()["errors"]) == {"organisation_id"}
    assert await WebhookEndpoint.count() == before


async def test_each_event_is_one_signed_delivery_per_endpoint_of_the_cases_own_organisation(make_client, receivers):
    org, c, ch, nh = await _people(make_client)
    _org2, c2, ch2, _nh2 = await _people(make_client)
    everything, payments, stranger = receivers(), receivers(), receivers()
    a = await _register(c, ch, everything.url)
    assert a["secret"].startswith("whsec_") and a["organisation_id"] == org and a["events"] == ALL
    b = await _register(c, ch, payments.url, ["payment.received"])
    x = await _register(c2, ch2, stranger.url)  # another creditor's endpoint, taking everything
    # the secret is shown once: never in a list or a read
    listed = (await c.get("/api/v1/webhooks", headers=ch)).json()["items"]
    assert {e["id"] for e in listed} == {a["id"], b["id"]} and all("secret" not in e for e in listed)
    assert "secret" not in (await c.get(f"/api/v1/webhooks/{a['id']}", headers=ch)).json()

    case = await _accepted_case(c, ch, nh)  # case.opened, then case.stage_changed (intake -> amicable)
    assert (await _pay(c, case["id"], "100.00", nh)).status_code == 201
    assert [d["event_type"] for d in await _deliveries(a["id"])] == ["case.opened", "case.stage_changed", "payment.received"]
    assert [d["event_type"] for d in await _deliveries(b["id"])] == ["payment.received"]
    assert await _deliveries(x["id"]) == []  # never another organisation's case

    assert await _send() == 4
    got = everything.events()
    arrived = [r["headers"]["Agency-Delivery"] for r in everything.received if r["headers"]["Agency-Event"] != "ping"]
    assert arrived == [r["headers"]["Agency-Delivery"] for r in got]  # one endpoint's deliveries in the order of the events
    assert [r["json"]["type"] for r in got] == ["case.opened", "case.stage_changed", "payment.received"]
    for r in got:
        assert signature_ok(a["secret"], r) and rules.verify(a["secret"], r["headers"]["Agency-Signature"], r["body"], int(time.time()))
        assert r["headers"]["Agency-Event"] == r["json"]["type"] and r["headers"]["Content-Type"] == "application/json"
        assert r["json"]["data"]["case"]["id"] == case["id"] and r["json"]["data"]["case"]["reference"] == case["reference"]
        assert b"Talleres" not in r["body"] and b"B46123451" not in r["body"]  # nothing of the debtor
    assert not signature_ok(b["secret"], got[0])  # each endpoint its own secret
    opened, moved, paid = (r["json"] for r in got)
    assert opened["data"]["total"] == "1300.00" and opened["data"]["case"]["creditor_reference"] == "REF-1"
    assert moved["data"]["from"] == "intake" and moved["data"]["to"] == "amicable" and moved["data"]["case"]["stage"] == "amicable"
    assert paid["data"]["amount"] == "100.00" and paid["data"]["currency"] == "EUR" and paid["id"].startswith("evt_")
    assert set(opened) == {"id", "type", "created_at", "data"}
    assert [r["json"]["type"] for r in payments.events()] == ["payment.received"]
    assert payments.events()[0]["json"]["id"] == paid["id"]  # the same event, the same id at every endpoint
    assert signature_ok(b["secret"], payments.events()[0])
    assert stranger.events() == []
    log = (await c.get(f"/api/v1/webhooks/{a['id']}/deliveries", headers=ch)).json()["items"]
    assert [d["status"] for d in log] == ["delivered"] * 3 and log[0]["last_status"] == 200 and log[0]["attempts"] == 1
    assert str(log[0]["id"]) == got[-1]["headers"]["Agency-Delivery"]
    assert await _send() == 0  # nothing twice


async def test_a_failing_receiver_is_retried_with_backoff_a_redirect_fails_and_a_day_later_it_is_given_up(make_client, receivers):
    org, c, ch, nh = await _people(make_client)
    flaky = receivers()
    endpoint = await _register(c, ch, flaky.url, ["case.opened"])
    flaky.answers += [(500, {}), (200, {})]
    case = await _case(c, ch)
    assert await _send() == 0
    [d] = await _deliveries(endpoint["id"])
    assert d["status"] == "pending" and d["attempts"] == 1 and d["last_status"] == 500 and "500" in d["last_error"]
    assert timedelta(seconds=50) < d["next_attempt_at"] - d["first_attempt_at"] <= timedelta(minutes=1, seconds=5)
    assert await _send() == 0  # not due yet
    assert await _send(now=utcnow() + timedelta(minutes=2)) == 1
    [d] = await _deliveries(endpoint["id"])
    assert d["status"] == "delivered" and d["attempts"] == 2 and d["last_error"] == ""
    assert [r["json"]["data"]["case"]["id"] for r in flaky.events()] == [case["id"]] * 2  # the same body twice
    assert flaky.events()[0]["body"] == flaky.events()[1]["body"]

    # a redirect is not followed: a failure that says where it leads
    flaky.answers += [(302, {"Location": "https://other.example.com/in"})] * 100
    await _case(c, ch)
    assert await _send() == 0
    d = (await _deliveries(endpoint["id"]))[-1]
    assert d["status"] == "pending" and d["last_status"] == 302 and "https://other.example.com/in" in d["last_error"]
    # retried within the day, then given up
    later = utcnow()
    while (await _deliveries(endpoint["id"]))[-1]["status"] == "pending":
        later += timedelta(hours=1, minutes=1)
        await _send(now=later)
        assert later < utcnow() + timedelta(hours=26)
    d = (await _deliveries(endpoint["id"]))[-1]
    assert d["status"] == "failed" and d["next_attempt_at"] is None and d["attempts"] >= 3
    log = (await c.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=ch)).json()["items"]
    assert log[0]["status"] == "failed" and "https://other.example.com/in" in log[0]["last_error"]

    # replayed on request: a new delivery of the same event, sent again
    flaky.answers.clear()
    r = await c.post(f"/api/v1/webhooks/deliveries/{d['id']}/replay", headers=ch)
    assert r.status_code == 201 and r.json()["replay_of"] == d["id"] and r.json()["status"] == "pending"
    assert await _send() == 1
    last = flaky.events()[-1]
    assert last["body"] == d["payload"].encode() and last["headers"]["Agency-Delivery"] == str(r.json()["id"])


async def test_another_organisations_endpoints_and_deliveries_do_not_exist_for_a_creditor(make_client, receivers):
    org, c, ch, nh = await _people(make_client)
    _org2, c2, ch2, _nh2 = await _people(make_client)
    mine = receivers()
    endpoint = await _register(c, ch, mine.url)
    await _case(c, ch)
    [d] = await _deliveries(endpoint["id"])
    assert (await c2.get(f"/api/v1/webhooks/{endpoint['id']}", headers=ch2)).status_code == 404
    assert (await c2.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=ch2)).status_code == 404
    assert (await c2.post(f"/api/v1/webhooks/deliveries/{d['id']}/replay", headers=ch2)).status_code == 404
    assert (await c2.delete(f"/api/v1/webhooks/{endpoint['id']}", headers=ch2)).status_code == 404
    assert endpoint["id"] not in [e["id"] for e in (await c2.get("/api/v1/webhooks", headers=ch2)).json()["items"]]
    # a creditor cannot register for another organisation, whatever it says
    other = await _register(c2, ch2, mine.url, organisation_id=org)
    assert other["organisation_id"] == _org2
    # an admin sees every organisation's, or one's
    admin = await create_user("admin")
    ah = await api_token(c, admin["email"])
    assert {endpoint["id"], other["id"]} <= {e["id"] for e in (await c.get("/api/v1/webhooks", headers=ah)).json()["items"]}
    assert [e["id"] for e in (await c.get(f"/api/v1/webhooks?organisation_id={org}", headers=ah)).json()["items"]] == [endpoint["id"]]
    made = await _register(c, ah, mine.url, ["payment.received"], organisation_id=org)
    assert made["organisation_id"] == org
    # removed: no more deliveries, what waited is given up, the log stays
    assert (await c.delete(f"/api/v1/webhooks/{endpoint['id']}", headers=ch)).status_code == 204
    [d] = await _deliveries(endpoint["id"])
    assert d["status"] == "failed" and d["next_attempt_at"] is None and d["last_error"]
    await _case(c, ch)
    assert len(await _deliveries(endpoint["id"])) == 1
    assert (await c.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=ch)).status_code == 200
    assert (await c.post(f"/api/v1/webhooks/deliveries/{d['id']}/replay", headers=ch)).status_code == 409
    assert endpoint["id"] not in [e["id"] for e in (await c.get("/api/v1/webhooks", headers=ch)).json()["items"]]


async def test_the_page_registers_an_endpoint_shows_its_secret_once_and_its_log_with_replay(make_client, receivers):
    org = await create_org()
    user = await create_user("creditor", org)
    c = await make_client()
    assert (await login(c, user["email"])).status_code == 303
    r = await c.get("/webhooks")
    assert r.status_code == 200 and 'href="/webhooks"' in r.text
    # refused: the reasons beside the fields, what was typed kept
    r = await post_form(c, "/webhooks", {"url": "ftp://x.example.com/in"})
    assert r.status_code == 400 and 'id="e-url"' in r.text and 'id="f-url"' in r.text and "ftp://x.example.com/in" in r.text
    hook = receivers()
    r = await post_form(c, "/webhooks", {"url": hook.url, "events": ["case.opened", "payment.received"]})
    assert r.status_code == 200 and "whsec_" in r.text
    [endpoint] = await WebhookEndpoint.select().where(WebhookEndpoint.organisation == org)
    assert endpoint["events"] == "case.opened,payment.received"
    assert "whsec_" not in (await c.get("/webhooks")).text  # once
    ch = await api_token(c, user["email"])
    await _case(c, ch)
    await _send()
    [d] = await _deliveries(endpoint["id"])
    page = await c.get(f"/webhooks/{endpoint['id']}")
    assert page.status_code == 200 and f'action="/webhooks/deliveries/{d["id"]}/replay"' in page.text
    r = await post_form(c, f"/webhooks/deliveries/{d['id']}/replay")
    assert r.status_code == 303 and r.headers["location"] == f"/webhooks/{endpoint['id']}"
    assert len(await _deliveries(endpoint["id"])) == 2
    r = await post_form(c, f"/webhooks/{endpoint['id']}/remove")
    assert r.status_code == 303 and not (await WebhookEndpoint.select(WebhookEndpoint.active).where(WebhookEndpoint.id == endpoint["id"]).first())["active"]
    # a negotiator has no such page
    negotiator = await create_user("negotiator")
    n = await make_client()
    await login(n, negotiator["email"])
    assert (await n.get("/webhooks")).status_code == 403


async def test_documents_and_the_decisions_waiting_for_the_creditor_are_told(make_client, receivers):
    org, c, ch, nh = await _people(make_client)
    hook = receivers()
    endpoint = await _register(c, ch, hook.url, ["document.generated", "decision.needed"])
    cid = (await _accepted_case(c, ch, nh))["id"]
    doc = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "payment_demand"}, headers=nh)
    assert doc.status_code == 201, doc.text
    r = await c.post(f"/api/v1/cases/{cid}/bureau/notice", json={"delivered_on": utcnow().date().isoformat(), "channel": "burofax"}, headers=nh)
    assert r.status_code in (200, 201, 204), r.text
    r = await c.post(f"/api/v1/cases/{cid}/legal/proposal", json={"note": "Nota interna del negociador"}, headers=nh)
    assert r.status_code == 201, r.text
    assert await _send() == 3
    generated, bureau, legal = (e["json"] for e in hook.events())
    assert generated["type"] == "document.generated" and generated["data"]["document_id"] == doc.json()["id"]
    assert generated["data"]["template"] == "payment_demand" and generated["data"]["sha256"] == doc.json()["sha256"]
    assert bureau["type"] == "decision.needed" and bureau["data"]["decision"] == "bureau_authorisation"
    assert legal["type"] == "decision.needed" and legal["data"]["decision"] == "legal_action" and legal["data"]["procedure"]
    assert b"Nota interna" not in hook.events()[2]["body"]
    # once the creditor authorised reporting, a later notice asks nothing
    assert (await c.post(f"/api/v1/cases/{cid}/bureau/authorisation", headers=ch)).status_code in (200, 201, 204)
    await c.post(f"/api/v1/cases/{cid}/bureau/notice", json={"delivered_on": utcnow().date().isoformat(), "channel": "burofax"}, headers=nh)
    assert len(await _deliveries(endpoint["id"])) == 3


async def test_whether_any_endpoint_is_active_is_asked_again_in_each_transaction(make_client, receivers):
    """The subscriber asks once per transaction whether any endpoint is active (an import's thousands of events): an
    endpoint registered after one transaction hears the events of the next, in the same task."""
    await WebhookEndpoint.update({WebhookEndpoint.active: False}, force=True)  # (the other tests' endpoints: none is active)
    org, c, ch, nh = await _people(make_client)
    case = await _case(c, ch)
    moved = {"from": "intake", "to": "amicable", "outcome": None}
    async with atomic():
        await events.record(case["id"], "stage_changed", None, "", moved)
        await events.record(case["id"], "stage_changed", None, "", moved)
    hook = receivers()
    endpoint = await _register(c, ch, hook.url, ["case.stage_changed"])
    assert await _deliveries(endpoint["id"]) == []
    async with atomic():
        await events.record(case["id"], "stage_changed", None, "", moved)
    assert [d["event_type"] for d in await _deliveries(endpoint["id"])] == ["case.stage_changed"]


async def test_a_delivery_goes_to_the_address_checked_with_the_names_host_header(make_client, receivers):
    """The name is looked up and checked before the attempt, and the connection goes to that address (a name that resolves
    elsewhere a moment later changes nothing); the receiver sees its own name in Host."""
    org, c, ch, nh = await _people(make_client)
    hook = receivers()
    by_name = hook.url.replace("127.0.0.1", "localhost")
    endpoint = await _register(c, ch, by_name, ["case.opened"])
    assert endpoint["url"] == by_name
    await _case(c, ch)
    assert await _send() == 1
    [got] = hook.events()
    assert got["headers"]["Host"] == f"localhost:{hook.server.server_port}" and got["path"] == "/hooks"


async def test_a_round_sends_one_endpoint_at_most_its_share_and_the_rest_at_the_next(make_client, receivers):
    org, c, ch, nh = await _people(make_client)
    hook = receivers()
    endpoint = await _register(c, ch, hook.url, ["case.stage_changed"])
    case = await _case(c, ch)
    async with atomic():
        for _ in range(service.PER_ENDPOINT + 2):
            await events.record(case["id"], "stage_changed", None, "", {"from": "intake", "to": "amicable", "outcome": None})
    assert await _send() == service.PER_ENDPOINT
    assert await _send() == 2
    assert [d["status"] for d in await _deliveries(endpoint["id"])] == ["delivered"] * (service.PER_ENDPOINT + 2)
    assert [int(r["headers"]["Agency-Delivery"]) for r in hook.received if r["headers"]["Agency-Event"] != "ping"] == [
        d["id"] for d in await _deliveries(endpoint["id"])]  # in order
