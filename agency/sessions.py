"""The browser session: Litestar's encrypted cookie (AES-GCM, 12 hours from when it was last sent),
re-sent only when its content changed or it is a few minutes old.

Litestar's backend re-encrypts and re-sends the same cookie on every response; a negotiator's pages
(the queue above all, tests/bench/test_queue_speed.py) paid for that on each load. The expiry still
slides: a cookie in use is renewed at most REFRESH_SECONDS after it was sent."""
from __future__ import annotations

import binascii
import time
from base64 import b64decode
from dataclasses import dataclass
from typing import Any

from litestar.middleware.session.client_side import AAD, ClientSideSessionBackend, CookieBackendConfig
from litestar.serialization import decode_json

REFRESH_SECONDS = 300
_SEEN = "agency.session_seen"  # scope key: (the session as it came in, serialised; when its cookie expires)


class RenewingSessionBackend(ClientSideSessionBackend):
    async def load_from_connection(self, connection) -> dict[str, Any]:
        if not any(name == b"cookie" for name, _ in connection.scope["headers"]):
            return {}  # an API call with a token, or a first visit: nothing to read
        session = await super().load_from_connection(connection)
        if session:
            try:
                raw = b64decode(b"".join(connection.cookies[k].encode() for k in self.get_cookie_keys(connection)))
                expires_at = decode_json(raw[raw.find(AAD) + len(AAD):])["expires_at"]
            except (binascii.Error, ValueError, KeyError, TypeError):
                return session
            connection.scope[_SEEN] = (self.serialize_data(session, connection.scope), expires_at)  # type: ignore[literal-required]
        return session

    async def store_in_message(self, scope_session, message, connection) -> None:
        if not scope_session and not any(name == b"cookie" for name, _ in connection.scope["headers"]):
            return  # no session came in and none goes out: nothing to send or clear
        seen = connection.scope.get(_SEEN)
        if (seen and scope_session and seen[1] - time.time() > self.config.max_age - REFRESH_SECONDS
                and self.serialize_data(scope_session, connection.scope) == seen[0]):
            return  # the browser holds this very session, sent moments ago
        await super().store_in_message(scope_session, message, connection)


@dataclass
class SessionConfig(CookieBackendConfig):
    _backend_class = RenewingSessionBackend  # type: ignore[assignment]
