"""Webhooks for creditors' systems: endpoints registered per organisation (an admin for any, a creditor's user for its own),
deliveries written in the transaction of the case event they tell of (``on_case_event``, subscribed at start by
agency.wiring), sent by the worker (``send_due``: claimed with a lease, signed, no redirect followed, retried with backoff
for a day), and replayed on request. Only the case's own organisation's endpoints ever receive a delivery of it."""
from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from litestar.exceptions import HTTPException, PermissionDeniedException

from agency import second_factor
from agency.accounts import FormErrors
from agency.auth import CurrentUser
from agency.db import atomic, fetch_records, transaction_memo, utcnow
from agency.http_utils import parse_id
from agency.i18n import gettext as _
from agency.roles import Role
from agency.security import derive_key
from agency.settings import Settings, get_settings
from agency.tables import Organisation
from agency.tenancy import get_visible, scoped
from cases.tables import WebhookDelivery, WebhookEndpoint
from cases.webhooks import rules

log = logging.getLogger("agency.webhooks")

SEND_LIMIT = 50  # deliveries a worker round claims at most
PER_ENDPOINT = 10  # of them for one endpoint (sent one after the other)
CONCURRENCY = 10  # endpoints sent to side by side
# A worker's claim on a delivery: longer than one endpoint's share of a round can take (PER_ENDPOINT attempts of at most
# RESOLVE_SECONDS and 3 x TIMEOUT_SECONDS each: under 6 minutes), so no other worker takes one while it is being sent.
LEASE = timedelta(minutes=10)
RESOLVE_SECONDS = 5.0
USER_AGENT = "agency-webhooks/1"

ENDPOINT_COLUMNS = (WebhookEndpoint.id, WebhookEndpoint.organisation, WebhookEndpoint.organisation.legal_name.as_alias("organisation_name"),
                    WebhookEndpoint.url, WebhookEndpoint.events, WebhookEndpoint.secret_hint, WebhookEndpoint.active,
                    WebhookEndpoint.created_at, WebhookEndpoint.removed_at)
DELIVERY_COLUMNS = (WebhookDelivery.id, WebhookDelivery.endpoint, WebhookDelivery.case, WebhookDelivery.case.reference.as_alias("reference"),
                    WebhookDelivery.event, WebhookDelivery.event_type, WebhookDelivery.payload, WebhookDelivery.status,
                    WebhookDelivery.attempts, WebhookDelivery.first_attempt_at, WebhookDelivery.next_attempt_at, WebhookDelivery.last_status,
                    WebhookDelivery.last_error, WebhookDelivery.delivered_at, WebhookDelivery.replay_of, WebhookDelivery.created_at)


def _key() -> bytes:
    return derive_key(get_settings().secret_key, "webhooks")


def _may_manage(user: CurrentUser) -> None:
    """Admins (for any organisation) and a creditor's users (for their own); the rest of the staff has no business here."""
    if user.role not in (Role.admin, Role.creditor):
        raise PermissionDeniedException(detail=_("Your role does not give access to this page."))


# --- the address -------------------------------------------------------------------------------------------------

async def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name leads to now (an IP literal: itself); none when it does not resolve in time."""
    try:
        infos = await asyncio.wait_for(asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM), RESOLVE_SECONDS)
    except (OSError, UnicodeError, asyncio.TimeoutError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))  # (the resolver's order of preference)


async def check(url: str, allow_private: bool) -> tuple[str | None, str]:
    """What is wrong with sending to this address now (its shape, or where its host leads: looked up at registration and
    again before every attempt, since what a name resolves to can change), and the address checked, to connect to."""
    if problem := rules.url_shape_problem(url):
        return problem, ""
    host, port = rules.host_of(url)
    addresses = await resolve(host, port)
    # the first IPv4 address if there is one (a server without an IPv6 route is common; a receiver without IPv4 is rare)
    ipv4 = [a for a in addresses if ":" not in a]
    return rules.address_problem(addresses, allow_private), (ipv4 or addresses or [""])[0]


@dataclass(frozen=True)
class Answer:
    status: int | None  # the receiver's HTTP status; None: no answer
    error: str  # "" when delivered


async def post(url: str, address: str, secret: str, body: bytes, event_type: str, delivery: str) -> Answer:
    """One signed POST to ``address`` (the one checked for ``url``); a redirect is not followed (it is a failure, and says
    where it leads)."""
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, rules.EVENT_HEADER: event_type, rules.DELIVERY_HEADER: delivery,
               rules.SIGNATURE_HEADER: rules.signature_header(secret, timestamp, body)}
    extensions = {}
    if address and "%" not in address:  # (an IPv6 address with a zone, only ever allowed on private networks: by name)
        url, headers["Host"], server_name = rules.pinned(url, address)
        extensions["sni_hostname"] = server_name
    try:
        async with httpx.AsyncClient(timeout=rules.TIMEOUT_SECONDS, follow_redirects=False, trust_env=False) as client:
            # streamed and not read: only the status matters, whatever size of body the receiver answers with
            async with client.stream("POST", url, content=body, headers=headers, extensions=extensions) as response:
                status, location = response.status_code, response.headers.get("location", "")
    except (httpx.HTTPError, OSError, ValueError) as exc:
        return Answer(None, f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__)
    if 200 <= status < 300:
        return Answer(status, "")
    if 300 <= status < 400:
        return Answer(status, _("The receiver answered with a redirect (HTTP %(status)s to %(location)s): redirects are not followed; "
                                "register the address it leads to.") % {"status": status, "location": location[:300] or "?"})
    return Answer(status, _("The receiver answered HTTP %(status)s.") % {"status": status})


# --- endpoints ---------------------------------------------------------------------------------------------------

async def register(user: CurrentUser, organisation_id: Any, url: Any, events: Any) -> dict:
    """A new endpoint, its secret in the answer (the only time it is shown). Refused with what to fix, nothing written:
    an address that is not http(s), leads to a private or loopback network (unless AGENCY_WEBHOOKS_ALLOW_PRIVATE) or
    answers a signed ``ping`` with a redirect; an unknown event type; no organisation (admins name one)."""
    _may_manage(user)
    errors: dict[str, str] = {}
    if user.role == Role.creditor:
        organisation = user.organisation_id
        if organisation is None:
            raise PermissionDeniedException(detail=_("Your role does not give access to this page."))
    else:
        organisation = parse_id(organisation_id) if isinstance(organisation_id, (int, str)) and not isinstance(organisation_id, bool) else None
        if organisation is None or not await Organisation.exists().where(Organisation.id == organisation):
            errors["organisation_id"] = _("Choose the creditor organisation the endpoint is for.")
    types, problem = rules.event_types(events)
    if problem:
        errors["events"] = problem
    url = url.strip() if isinstance(url, str) else ""
    problem, address = await check(url, get_settings().webhooks_allow_private)
    if problem:
        errors["url"] = problem
    secret = rules.new_secret()
    if not errors:
        ping = json.dumps(rules.envelope(f"ping_{uuid.uuid4().hex}", "ping", utcnow(), None, {}), separators=(",", ":")).encode()
        answer = await post(url, address, secret, ping, "ping", "ping")
        if answer.status is not None and 300 <= answer.status < 400:
            errors["url"] = answer.error
    if errors:
        raise FormErrors(errors)
    row = (await WebhookEndpoint.insert(WebhookEndpoint(
        organisation=organisation, url=url, secret_sealed=second_factor.seal(secret, _key()), secret_hint=secret[-4:],
        events=",".join(types), created_by=user.id or None)).returning(WebhookEndpoint.id))[0]
    return {**await endpoint(user, row["id"]), "secret": secret}


async def organisation_choices() -> list[dict]:
    """For an admin's form: the organisations, by name."""
    return await Organisation.select(Organisation.id, Organisation.legal_name).order_by(Organisation.legal_name)


def _visible_endpoints(user: CurrentUser):
    return scoped(WebhookEndpoint.select(*ENDPOINT_COLUMNS), user, WebhookEndpoint.organisation)


async def endpoints(user: CurrentUser, organisation_id: int | None = None) -> list[dict]:
    """The active endpoints the caller may manage (an admin: all, or one organisation's), newest first."""
    _may_manage(user)
    query = _visible_endpoints(user).where(WebhookEndpoint.active == True)  # noqa: E712
    if organisation_id is not None:
        query = query.where(WebhookEndpoint.organisation == organisation_id)
    return await query.order_by(WebhookEndpoint.id, ascending=False)


async def endpoint(user: CurrentUser, endpoint_id: int) -> dict:
    _may_manage(user)
    return await get_visible(_visible_endpoints(user).where(WebhookEndpoint.id == endpoint_id), user, WebhookEndpoint.organisation)


async def remove(user: CurrentUser, endpoint_id: int) -> None:
    """No more deliveries to it: it stops taking events, and what waited for it is given up. Its log stays readable."""
    await endpoint(user, endpoint_id)
    now = utcnow()
    async with atomic():
        await WebhookEndpoint.update({WebhookEndpoint.active: False, WebhookEndpoint.removed_at: now}).where(
            (WebhookEndpoint.id == endpoint_id) & (WebhookEndpoint.active == True))  # noqa: E712
        await WebhookDelivery.update({WebhookDelivery.status: "failed", WebhookDelivery.next_attempt_at: None,
                                      WebhookDelivery.last_error: _("The endpoint was removed.")}).where(
            (WebhookDelivery.endpoint == endpoint_id) & (WebhookDelivery.status == "pending"))


async def deliveries(user: CurrentUser, endpoint_id: int, limit: int = 200) -> list[dict]:
    """The endpoint's delivery log, newest first."""
    await endpoint(user, endpoint_id)
    return await WebhookDelivery.select(*DELIVERY_COLUMNS).where(WebhookDelivery.endpoint == endpoint_id).order_by(
        WebhookDelivery.id, ascending=False).limit(limit)


async def replay(user: CurrentUser, delivery_id: int) -> dict:
    """The same event sent again to the same endpoint, as a new delivery (the body's ``id`` is the event's, so a receiver
    that already has it can tell; ``Agency-Delivery`` is the new one's)."""
    _may_manage(user)
    found = await get_visible(WebhookDelivery.select(*DELIVERY_COLUMNS, WebhookDelivery.endpoint.active.as_alias("endpoint_active")).where(
        WebhookDelivery.id == delivery_id), user, WebhookDelivery.endpoint.organisation)
    if not found["endpoint_active"]:
        raise HTTPException(status_code=409, detail=_("The endpoint was removed: register it again to receive events."))
    row = (await WebhookDelivery.insert(WebhookDelivery(
        endpoint=found["endpoint"], case=found["case"], event=found["event"], event_type=found["event_type"],
        idempotency_key=f"{found['endpoint']}:replay:{uuid.uuid4().hex}", payload=found["payload"], replay_of=found["id"],
        created_by=user.id or None)).returning(WebhookDelivery.id))[0]
    return await WebhookDelivery.select(*DELIVERY_COLUMNS).where(WebhookDelivery.id == row["id"]).first()


# --- producing deliveries ----------------------------------------------------------------------------------------

# The endpoints of the case's own organisation (the join is the tenancy: no other organisation's endpoint is read), with
# what the payload says of the case; and the event the subscriber was called for (the latest of its kind on the case, in
# this transaction: its id is the delivery's idempotency, and only what the creditor may read on the timeline goes out).
ENDPOINTS_SQL = ("SELECT e.id, e.events, c.reference, c.creditor_reference, c.stage, c.currency, c.bureau_authorised_at "
                 "FROM webhook_endpoints e JOIN collection_cases c ON c.organisation = e.organisation WHERE c.id = {} AND e.active = {} "
                 "ORDER BY e.id")
EVENT_SQL = 'SELECT id, at, visible_to_creditor FROM case_events WHERE "case" = {} AND kind = {} ORDER BY id DESC LIMIT 1'
DELIVERY_SQL = ('INSERT INTO webhook_deliveries (endpoint, "case", event, event_type, idempotency_key, payload, status, attempts, '
                "last_error, created_at) VALUES ({}, {}, {}, {}, {}, {}, 'pending', 0, '', {}) ON CONFLICT (idempotency_key) DO NOTHING")


ANY_ACTIVE_SQL = "SELECT 1 FROM webhook_endpoints WHERE active = {} LIMIT 1"

# Whether any endpoint is active at all, asked once per transaction: an import or a bank statement publishes thousands of
# events in one transaction, and most organisations have no endpoint (a query per event cost an import of 10,000 cases
# 2 s on PostgreSQL, 5 s on SQLite). Kept in the atomic() block's memo (agency.db.transaction_memo), which goes with the
# block. (Kept with the transaction in a context variable, the transaction, its token and the context made a reference
# cycle left to the garbage collector after every request that wrote an event: tests/http/agency/test_request_garbage.py.)
async def _any_active() -> bool:
    memo = transaction_memo()
    if memo is not None and "webhooks_any_active" in memo:
        return memo["webhooks_any_active"]
    active = bool(await fetch_records(ANY_ACTIVE_SQL, True))
    if memo is not None:
        memo["webhooks_any_active"] = active
    return active


def _as_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


async def on_case_event(case_id: int, kind: str, payload: dict[str, Any]) -> None:
    """A subscriber of the case events webhooks tell of: one delivery per active endpoint of the case's organisation that
    takes the event's type, in the event's transaction (so an event undone sends nothing)."""
    if kind not in rules.KIND_TO_TYPE or not await _any_active():
        return
    takers = await fetch_records(ENDPOINTS_SQL, case_id, True)
    if not takers:
        return
    case = takers[0]
    found = rules.webhook_event(kind, payload, case["currency"] or "EUR", case["bureau_authorised_at"] is not None)
    if found is None:
        return
    event_type, data = found
    takers = [t for t in takers if event_type in (t["events"] or "").split(",")]
    events = await fetch_records(EVENT_SQL, case_id, kind)
    if not takers or not events or not events[0]["visible_to_creditor"]:
        return
    event = events[0]
    event_id = f"evt_{event['id']}"
    body = json.dumps(rules.envelope(event_id, event_type, _as_datetime(event["at"]), rules.case_block(
        case_id, case["reference"], case["creditor_reference"], case["stage"]), data), ensure_ascii=False, separators=(",", ":"), default=str)
    now = utcnow()
    for taker in takers:
        await fetch_records(DELIVERY_SQL, taker["id"], case_id, event["id"], event_type, f"{taker['id']}:{event_id}", body, now)


# --- sending -----------------------------------------------------------------------------------------------------

def _due(now: datetime):
    return ((WebhookDelivery.status == "pending") & (WebhookDelivery.next_attempt_at.is_null() | (WebhookDelivery.next_attempt_at <= now))
            & (WebhookDelivery.claimed_until.is_null() | (WebhookDelivery.claimed_until < now)))


async def _claim(limit: int, now: datetime) -> list[dict]:
    """Take due deliveries so that no other worker takes them meanwhile (a conditional update, as the outbox's claim:
    PostgreSQL re-checks each row a concurrent claim locked first, SQLite runs one writer at a time)."""
    ids, taken = [], {}
    for r in await WebhookDelivery.select(WebhookDelivery.id, WebhookDelivery.endpoint).where(_due(now)).order_by(WebhookDelivery.id).limit(limit):
        taken[r["endpoint"]] = taken.get(r["endpoint"], 0) + 1
        if taken[r["endpoint"]] <= PER_ENDPOINT:  # (the rest of a busy endpoint's at the next round)
            ids.append(r["id"])
    if not ids:
        return []
    rows = await WebhookDelivery.update({WebhookDelivery.claimed_until: now + LEASE}).where(WebhookDelivery.id.is_in(ids) & _due(now)).returning(
        WebhookDelivery.id, WebhookDelivery.endpoint, WebhookDelivery.event_type, WebhookDelivery.payload, WebhookDelivery.attempts,
        WebhookDelivery.first_attempt_at)
    return sorted(rows, key=lambda r: r["id"])


async def _attempt(row: dict, target: dict | None, settings: Settings, gate: asyncio.Semaphore) -> tuple[Answer, bool]:
    """One attempt; and whether it is the last (nothing can change by waiting)."""
    if target is None or not target["active"]:
        return Answer(None, _("The endpoint was removed.")), True
    secret = second_factor.unseal(target["secret_sealed"], _key())
    if secret is None:
        return Answer(None, _("The endpoint's secret cannot be read (AGENCY_SECRET_KEY changed): register the endpoint again.")), True
    async with gate:
        problem, address = await check(target["url"], settings.webhooks_allow_private)
        if problem:
            return Answer(None, problem), False
        try:
            answer = await asyncio.wait_for(post(target["url"], address, secret, row["payload"].encode(), row["event_type"], str(row["id"])),
                                            rules.TIMEOUT_SECONDS * 3)
        except asyncio.TimeoutError:
            answer = Answer(None, _("The receiver did not answer in time."))
    return answer, False


async def _record(row: dict, answer: Answer, last: bool, now: datetime) -> bool:
    attempts = row["attempts"] + 1
    first = _as_datetime(row["first_attempt_at"]) if row["first_attempt_at"] else now
    values: dict = {WebhookDelivery.attempts: attempts, WebhookDelivery.first_attempt_at: first, WebhookDelivery.claimed_until: None,
                    WebhookDelivery.last_status: answer.status, WebhookDelivery.last_error: answer.error[:1000]}
    delivered = not answer.error
    if delivered:
        values |= {WebhookDelivery.status: "delivered", WebhookDelivery.delivered_at: now, WebhookDelivery.next_attempt_at: None}
    else:
        retry = None if last else rules.next_attempt(first, attempts, now)
        values |= {WebhookDelivery.next_attempt_at: retry} if retry else {WebhookDelivery.status: "failed", WebhookDelivery.next_attempt_at: None}
    await WebhookDelivery.update(values).where(WebhookDelivery.id == row["id"])
    return delivered


async def send_due(settings: Settings, limit: int = SEND_LIMIT, now: datetime | None = None) -> int:
    """The worker's job: send the deliveries that are due; how many were delivered. ``now``: a test's clock (the
    attempts are then recorded at it, too)."""
    moment = (lambda: given) if (given := now) is not None else utcnow
    now = now or utcnow()
    rows = await _claim(limit, now)
    if not rows:
        return 0
    targets = {t["id"]: t for t in await WebhookEndpoint.select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.secret_sealed,
                                                                 WebhookEndpoint.active).where(
        WebhookEndpoint.id.is_in(sorted({r["endpoint"] for r in rows})))}
    gate = asyncio.Semaphore(CONCURRENCY)
    by_endpoint: dict[int, list[dict]] = {}
    for row in rows:
        by_endpoint.setdefault(row["endpoint"], []).append(row)

    async def in_order(queue: list[dict]) -> list[tuple[Answer, bool]]:
        # one endpoint's deliveries one after the other, oldest first (a receiver hears of a case's events in their order,
        # unless one is retried); endpoints side by side
        return [await _attempt(row, targets.get(row["endpoint"]), settings, gate) for row in queue]

    queues = list(by_endpoint.values())
    answered = await asyncio.gather(*(in_order(queue) for queue in queues))
    delivered = 0
    for row, (answer, last) in zip([r for q in queues for r in q], [a for group in answered for a in group]):  # written one after the other (SQLite: one writer)
        delivered += await _record(row, answer, last, moment())
        if answer.error:
            log.info("webhook delivery %s failed: %s", row["id"], answer.error)
    return delivered
