"""The browser session: Litestar's encrypted cookie (AES-GCM, 12 hours from when it was last sent),
re-sent only when its content changed or it is a few minutes old, and decrypted once per cookie.

Litestar's backend re-encrypts and re-sends the same cookie on every response; a negotiator's pages
(the queue above all, tests/bench/test_queue_speed.py) paid for that on each load. The expiry still
slides: a cookie in use is renewed at most REFRESH_SECONDS after it was sent."""
from __future__ import annotations

import binascii
import time
from base64 import b64decode
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from litestar.exceptions import SerializationException
from litestar.middleware.session.client_side import AAD, ClientSideSessionBackend, CookieBackendConfig
from litestar.serialization import decode_json

REFRESH_SECONDS = 300
OPENED_KEPT = 4096  # cookies kept opened per process
_SEEN = "agency.session_seen"  # scope key: (the session as it came in, serialised; when its cookie expires)


class RenewingSessionBackend(ClientSideSessionBackend):
    def __init__(self, config) -> None:
        super().__init__(config)
        # cookie value -> (the session it holds, serialised; when it expires); per backend, so per secret key
        self._opened: dict[str, tuple[bytes, int]] = {}

    async def load_from_connection(self, connection) -> dict[str, Any]:
        if not any(name == b"cookie" for name, _ in connection.scope["headers"]):
            return {}  # an API call with a token, or a first visit: nothing to read
        keys = self.get_cookie_keys(connection)
        if not keys:
            return {}
        value = "".join(connection.cookies[k] for k in keys)
        # A cookie already opened is not decrypted again until it expires: the same browser sends the
        # same cookie on every page (it is only re-sent when the session changes). The value is
        # authenticated (AES-GCM), so only a cookie that decrypted once is ever found here.
        opened = self._opened.get(value)
        if opened is None or opened[1] <= time.time():
            try:
                session = self.load_data([value.encode()])  # {} when expired
                raw = b64decode(value)
                expires_at = decode_json(raw[raw.find(AAD) + len(AAD):])["expires_at"]
            except (InvalidTag, binascii.Error, SerializationException, ValueError, KeyError, TypeError):
                return {}  # tampered with or damaged (Litestar's own reading answered 500 to a damaged expiry)
            if not session:
                return {}
            if len(self._opened) >= OPENED_KEPT:
                del self._opened[next(iter(self._opened))]
            opened = self._opened[value] = (self.serialize_data(session), expires_at)
        connection.scope[_SEEN] = opened  # type: ignore[literal-required]
        return self.deserialize_data(opened[0])

    async def store_in_message(self, scope_session, message, connection) -> None:
        if not scope_session and not any(name == b"cookie" for name, _ in connection.scope["headers"]):
            return  # no session came in and none goes out: nothing to send or clear
        seen = connection.scope.get(_SEEN)
        if (seen and scope_session and seen[1] - time.time() > self.config.max_age - REFRESH_SECONDS
                and self.serialize_data(scope_session) == seen[0]):
            return  # the browser holds this very session, sent moments ago
        await super().store_in_message(scope_session, message, connection)


@dataclass
class SessionConfig(CookieBackendConfig):
    _backend_class = RenewingSessionBackend  # type: ignore[assignment]
