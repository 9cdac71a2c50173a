"""The second factor's rules (pure): TOTP codes (RFC 6238, by pyotp), recovery codes, the secret sealed at rest, the QR code.

A code is accepted for the 30-second step it belongs to and the steps either side (a phone's clock a little off),
and only for a step after the last one accepted: the same code never works twice (RFC 6238 section 5.2)."""
from __future__ import annotations

import base64
import hmac
import io
import re
import secrets

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken

RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper
_RECOVERY_LENGTH = 10
_TOTP_SHAPE = re.compile(r"[0-9]{6}")
DRIFT_STEPS = 1  # one step (30 s) either side


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits, as RFC 4226 recommends


def otpauth_url(secret: str, account: str, issuer: str) -> str:
    """The link an authenticator app reads from the QR code (Google Authenticator's Key Uri Format)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def grouped(secret: str) -> str:
    """The secret for typing by hand: groups of four."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_svg(url: str) -> str:
    """The otpauth link as an inline SVG QR code."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgclass="qr", title="QR")
    return buffer.getvalue().decode()


def cleaned(raw: str) -> str:
    """What was typed, without spaces and dashes, in lower case."""
    return re.sub(r"[\s-]+", "", str(raw or "")).lower()


def is_totp_shaped(code: str) -> bool:
    return bool(_TOTP_SHAPE.fullmatch(code))


def is_recovery_shaped(code: str) -> bool:
    return len(code) == _RECOVERY_LENGTH and all(ch in _RECOVERY_ALPHABET for ch in code)


def matching_step(secret: str, code: str, now: float, last_step: int) -> int | None:
    """The time step whose code this is (now or one step either side), if it is later than the last one accepted."""
    if not is_totp_shaped(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        if current + offset > last_step and hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return current + offset
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes of ten characters (some 49 bits each), shown as two groups of five."""
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH)) for _ in range(RECOVERY_CODES)]
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def _fernet(key: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str, key: bytes) -> str:
    """The secret encrypted and authenticated (Fernet: AES-128-CBC and HMAC-SHA256) with a key of 32 bytes."""
    return _fernet(key).encrypt(secret.encode()).decode()


def unseal(sealed: str, key: bytes) -> str | None:
    """The secret, or None when it was sealed with another key (the secret key changed) or is damaged."""
    try:
        return _fernet(key).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None
