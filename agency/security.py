"""Passwords, opaque tokens and key derivation (pure)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from agency.i18n import lazy_gettext as _l

# argon2id with the library's defaults (RFC 9106 low-memory profile): well-kept, tuned, upgradable.
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a wrong email costs as long as a wrong password. Made on first
    use, not on import: a hash costs about 90 ms, which every command, worker and test process paid on starting."""
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, email: str = ""):
    """Why a new password is refused (translated when shown), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    if email and password.lower() == email.lower():
        return _l("The password must not be your email address.")
    return None


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    """Tokens are stored as SHA-256: they are long and random, so a slow hash buys nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


def derive_key(secret: str, purpose: str, length: int = 32) -> bytes:
    """One secret, a separate key per use (sessions, CSRF, debtor links)."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()[:length]
