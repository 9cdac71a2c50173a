"""agency.sessions: a decrypted cookie is kept per backend (per secret key), never across keys."""
from litestar.connection import ASGIConnection

from agency.sessions import SessionConfig


def _backend(secret: bytes):
    config = SessionConfig(secret=secret, key="agency_session")
    return config._backend_class(config=config)


def _connection(cookie: str) -> ASGIConnection:
    return ASGIConnection({"type": "http", "headers": [(b"cookie", f"agency_session={cookie}".encode())], "state": {}})


async def test_a_cookie_opened_with_one_key_is_not_opened_with_another():
    first, second = _backend(b"a" * 32), _backend(b"b" * 32)
    cookie = b"".join(first.dump_data({"user": 7})).decode()
    assert await first.load_from_connection(_connection(cookie)) == {"user": 7}
    assert await first.load_from_connection(_connection(cookie)) == {"user": 7}  # from what it keeps
    assert await second.load_from_connection(_connection(cookie)) == {}
