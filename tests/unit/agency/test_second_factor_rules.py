"""The second factor's pure rules: RFC 6238's own test vectors, a code once, the secret sealed, recovery codes."""
import base64
import os

from agency import second_factor
from agency.second_factor import cleaned, is_recovery_shaped, is_totp_shaped, matching_step, seal, unseal

# RFC 6238 appendix B: the SHA-1 key "12345678901234567890"; its 8-digit codes end in the 6-digit ones (RFC 4226 truncation).
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


def test_rfc_6238_vectors():
    assert matching_step(RFC_SECRET, "287082", now=59, last_step=0) == 1  # 94287082 at T=59
    assert matching_step(RFC_SECRET, "081804", now=1111111109, last_step=0) == 1111111109 // 30  # 07081804
    assert matching_step(RFC_SECRET, "050471", now=1111111111, last_step=0) == 1111111111 // 30  # 14050471
    assert matching_step(RFC_SECRET, "005924", now=1234567890, last_step=0) == 1234567890 // 30  # 89005924
    assert matching_step(RFC_SECRET, "005924", now=2000000000, last_step=0) is None  # 69279037 then


def test_a_step_either_side_and_never_twice():
    assert matching_step(RFC_SECRET, "287082", now=59 + 30, last_step=0) == 1  # the phone a step behind
    assert matching_step(RFC_SECRET, "287082", now=59 - 30, last_step=0) == 1  # or ahead
    assert matching_step(RFC_SECRET, "287082", now=59 + 60, last_step=0) is None  # two steps: too old
    assert matching_step(RFC_SECRET, "287082", now=59, last_step=1) is None  # used already
    assert matching_step(RFC_SECRET, "28708", now=59, last_step=0) is None


def test_what_is_typed_is_cleaned():
    assert cleaned(" 287 082 ") == "287082" and is_totp_shaped(cleaned(" 287 082 "))
    assert cleaned("ABCDE-FGHJK") == "abcdefghjk" and is_recovery_shaped("abcdefghjk")
    assert not is_recovery_shaped("abcdefghj0")  # 0 is not in the alphabet (read as o)
    assert not is_totp_shaped("２８７０８２")  # digits of other scripts are not a code


def test_recovery_codes_are_ten_distinct_and_readable():
    codes = second_factor.new_recovery_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(c) == 11 and c[5] == "-" and is_recovery_shaped(cleaned(c)) for c in codes)


def test_the_secret_is_sealed_with_the_key_and_only_opens_with_it():
    key, other = os.urandom(32), os.urandom(32)
    secret = second_factor.new_secret()
    sealed = seal(secret, key)
    assert secret not in sealed and seal(secret, key) != sealed  # a fresh IV each time
    assert unseal(sealed, key) == secret
    assert unseal(sealed, other) is None
    assert unseal(sealed[:-4] + "AAAA", key) is None


def test_the_link_and_its_qr_code():
    url = second_factor.otpauth_url(RFC_SECRET, "ana@example.test", "Agencia de Recobro")
    assert url == f"otpauth://totp/Agencia%20de%20Recobro:ana%40example.test?secret={RFC_SECRET}&issuer=Agencia%20de%20Recobro"
    assert second_factor.qr_svg(url).startswith("<svg")
    assert second_factor.grouped("JBSWY3DPEHPK3PXP") == "JBSW Y3DP EHPK 3PXP"
