"""Webhooks for creditors' systems (pure): which case events become which webhook event and with what data, the
signature (HMAC-SHA256 over "<timestamp>.<body>", the scheme Stripe's users know), the retry schedule, and which
addresses may be registered. Plain Python: no tables, no I/O (the service resolves host names and passes the addresses).
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from agency.i18n import gettext as _
from agency.i18n import lazy_gettext as _l

# The event types a creditor's system can take (DESIGN.md's contract), in the order the pages list them.
EVENT_TYPES = {
    "case.opened": _l("A case is opened"),
    "case.stage_changed": _l("A case changes stage"),
    "payment.received": _l("A payment is received"),
    "document.generated": _l("A document is generated"),
    "decision.needed": _l("A decision of yours is needed (legal action, reporting to a credit bureau)"),
}

# The case events (cases.events kinds) each webhook event comes from.
KIND_TO_TYPE = {
    "claim_opened": "case.opened",
    "stage_changed": "case.stage_changed",
    "payment": "payment.received",
    "document": "document.generated",
    "legal_proposed": "decision.needed",
    "bureau_notice": "decision.needed",
}

SIGNATURE_HEADER = "Agency-Signature"
EVENT_HEADER = "Agency-Event"
DELIVERY_HEADER = "Agency-Delivery"
SIGNATURE_TOLERANCE = 300  # seconds a receiver should accept a timestamp either side of its clock (replays beyond are refused)

RETRY_WINDOW = timedelta(hours=24)  # retried for a day after the first attempt, then given up
MAX_DELAY = timedelta(hours=1)
TIMEOUT_SECONDS = 10.0  # a receiver answers in this time or the attempt failed
MAX_URL_LENGTH = 2000


def new_secret() -> str:
    """The signing secret: 256 random bits, prefixed as Stripe's are (whsec_) so it is recognisable in a vault."""
    return "whsec_" + secrets.token_urlsafe(32)


def event_types(raw: Any) -> tuple[list[str], str | None]:
    """The event types asked for (a list, or comma-separated text), known and without repeats; or what is wrong."""
    if isinstance(raw, str):
        raw = [part for part in raw.split(",")]
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) for x in raw):
        return [], _("Name one event type or more: %(types)s.") % {"types": ", ".join(EVENT_TYPES)}
    chosen = [x.strip() for x in raw if x.strip()]
    unknown = [x for x in chosen if x not in EVENT_TYPES]
    if unknown or not chosen:
        return [], _("Unknown event type %(unknown)s: the types are %(types)s.") % {
            "unknown": ", ".join(unknown) or '""', "types": ", ".join(EVENT_TYPES)}
    return [t for t in EVENT_TYPES if t in chosen], None


def url_shape_problem(url: str) -> str | None:
    """What is wrong with the address itself (before its host is looked up), or None."""
    if not url:
        return _("Give the address (https://...) your system receives the events at.")
    if len(url) > MAX_URL_LENGTH:
        return _("The address is longer than %(n)s characters.") % {"n": MAX_URL_LENGTH}
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return _("The address contains spaces or control characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        return _("This is not a valid web address.")
    if parts.scheme.lower() not in ("http", "https"):
        return _("The address must start with https:// (or http://).")
    if not parts.hostname:
        return _("The address has no host name.")
    if parts.username is not None or parts.password is not None:
        return _("Put no user name or password in the address: deliveries are signed with the secret instead.")
    return None


def host_of(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme.lower() == "https" else 80)


def pinned(url: str, address: str) -> tuple[str, str, str]:
    """The address to connect to (the URL with its host replaced by the address it was checked to resolve to, so the
    connection goes where the check looked, whatever the name resolves to a moment later), with the Host header and the TLS
    server name of the URL's own host (the certificate is checked against the name, not the address)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    bracket = (lambda h: f"[{h}]" if ":" in h else h)  # noqa: E731 - an IPv6 literal in a URL or a Host header
    return urlunsplit((parts.scheme, bracket(address) + port, parts.path or "/", parts.query, "")), bracket(host) + port, host


def is_public(address: str) -> bool:
    """A globally routable unicast address: not loopback, private, link-local, shared, reserved or multicast
    (an IPv4 address written as IPv6, ::ffff:10.0.0.1, is judged as the IPv4 address it is)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def address_problem(addresses: Iterable[str], allow_private: bool) -> str | None:
    """What is wrong with where the host name leads (``addresses``: what it resolved to), or None."""
    addresses = list(addresses)
    if not addresses:
        return _("The host name does not resolve to any address.")
    if allow_private:
        return None
    private = [a for a in addresses if not is_public(a)]
    if private:
        return _("The address leads to a private, loopback or link-local network address (%(address)s): give a public address.") % {
            "address": private[0]}
    return None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256, keyed with the secret, of "<timestamp>.<body>"."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = SIGNATURE_TOLERANCE) -> bool:
    """What a receiver does: the header's timestamp within ``tolerance`` of its clock and one of its v1 signatures right."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields.get("t", [""])[0])
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))


def delay_after(failures: int) -> timedelta:
    """How long after the n-th failed attempt the next one is: 1, 2, 4, ... minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(failures - 1, 0)), MAX_DELAY)


def next_attempt(first_attempt_at: datetime, failures: int, now: datetime) -> datetime | None:
    """When to try again after ``failures`` failed attempts, or None: the day since the first attempt is over."""
    at = now + delay_after(failures)
    return at if at <= first_attempt_at + RETRY_WINDOW else None


def webhook_event(kind: str, payload: dict[str, Any], currency: str = "EUR", bureau_authorised: bool = False) -> tuple[str, dict] | None:
    """The webhook event type and its ``data`` for a case event, or None when it is not one creditors' systems are told of.

    Only what the creditor gave or may read on its timeline: no debtor's name, address or identifiers, no staff notes."""
    kind_type = KIND_TO_TYPE.get(kind)
    if kind_type is None:
        return None
    if kind == "claim_opened":
        invoices = payload.get("invoices")
        count = len(invoices) if isinstance(invoices, list) else invoices
        return kind_type, {"invoices": count, "total": payload.get("total"), "currency": currency,
                           "via": "import" if payload.get("import") else "claim"}
    if kind == "stage_changed":
        return kind_type, {"from": payload.get("from"), "to": payload.get("to"), "outcome": payload.get("outcome") or None}
    if kind == "payment":
        return kind_type, {"amount": payload.get("amount"), "currency": currency, "received_on": payload.get("received_on"),
                           "method": payload.get("method")}
    if kind == "document":
        return kind_type, {"document_id": payload.get("document"), "template": payload.get("template"), "version": payload.get("version"),
                           "sha256": payload.get("sha256")}
    if kind == "legal_proposed":
        estimate = payload.get("estimate") if isinstance(payload.get("estimate"), dict) else {}
        return kind_type, {"decision": "legal_action", "procedure": estimate.get("procedure"), "claim_amount": estimate.get("claim_amount"),
                           "court_fee": estimate.get("court_fee"), "legal_fee": estimate.get("legal_fee"), "currency": currency}
    if kind == "bureau_notice":
        if bureau_authorised:  # already authorised: nothing to decide
            return None
        return kind_type, {"decision": "bureau_authorisation", "notice_delivered_on": payload.get("delivered_on")}
    return None


def case_block(case_id: int, reference: str, creditor_reference: str | None, stage: str) -> dict:
    return {"id": case_id, "reference": reference, "creditor_reference": creditor_reference or None, "stage": stage}


def envelope(event_id: str, event_type: str, created_at: datetime, case: dict | None, data: dict) -> dict:
    """The JSON body: {id, type, created_at, data} (DESIGN.md), the case in ``data.case``."""
    return {"id": event_id, "type": event_type, "created_at": created_at.isoformat().replace("+00:00", "Z"),
            "data": {"case": case, **data} if case is not None else data}
