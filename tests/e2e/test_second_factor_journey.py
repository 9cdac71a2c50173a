"""An administrator turns on a second factor on their account page (scans the key, types the app's code, keeps the
recovery codes), signs out, and signs in again with the password and then the code."""
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e

PASSWORD = "journey-password-2fa"


def app_code(secret: str, steps: int = 0) -> str:
    """What the authenticator app shows (``steps`` away from now), never in the last seconds of a step."""
    if 30 - time.time() % 30 < 3:
        time.sleep(3.2)
    return pyotp.TOTP(secret).at(time.time(), counter_offset=steps)


def test_admin_turns_on_a_second_factor_and_signs_in_with_it(page):
    # An administrator of their own: the demo admin signs in with a password alone in the other journeys.
    email = f"admin-2fa-{secrets.token_hex(3)}@example.test"
    subprocess.run([str(Path(sys.executable).parent / "agency"), "user", "add", "--email", email, "--name", "Ana Segura",
                    "--role", "admin", "--password", PASSWORD], check=True, capture_output=True, timeout=60)
    sign_in(page, email, PASSWORD)
    assert page.url.endswith("/admin")

    page.goto("/account")
    section = page.locator("#second-factor")
    section.get_by_role("button", name="Configurar el segundo factor").click()
    page.wait_for_load_state("networkidle")
    assert section.locator(".qr svg").is_visible()
    secret = section.locator("#mfa-secret").inner_text().replace(" ", "")
    shot(page, "second-factor-setup")
    # Typed just as the app moved to its next code: the one before is still taken, and the next sign-in uses now's.
    section.get_by_label("Código de la aplicación").fill(app_code(secret, -1))
    section.get_by_role("button", name="Activar el segundo factor").click()
    page.wait_for_load_state("networkidle")
    codes = page.locator("#recovery-codes li")
    assert codes.count() == 10
    assert re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", codes.first.inner_text().strip())
    assert "Activado" in section.inner_text()
    shot(page, "second-factor-recovery-codes")

    page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_url(re.compile(r"/login$"))

    sign_in(page, email, PASSWORD)
    assert page.url.endswith("/login/code"), page.url
    page.goto("/admin")  # the password alone opened nothing
    assert "/login" in page.url
    sign_in(page, email, PASSWORD)
    near = {app_code(secret, k) for k in (-1, 0, 1)}
    page.locator("#f-code").fill(next(c for c in ("000000", "111111", "222222", "333333") if c not in near))
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#e-code").is_visible()  # a wrong code is refused, saying what to type
    shot(page, "second-factor-wrong-code")
    page.locator("#f-code").fill(app_code(secret))
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(re.compile(r"/admin$"))
    assert page.locator("h1").first.inner_text().strip() == "Panel"
    page.goto("/account")
    assert "Activado" in page.locator("#second-factor").inner_text()
    page.goto("/admin/users")  # the administrators' list says who has one
    assert "Activado" in page.locator("tr", has_text=email).inner_text()
    assert page.locator("#second-factor-policy").get_by_role("button", name="Exigir el segundo factor al personal").is_visible()
    shot(page, "second-factor-users")
