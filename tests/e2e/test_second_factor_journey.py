"""An administrator turns on a second factor on their account page (scans the key, types the app's code, keeps the
recovery codes), signs out, and signs in again with the password and then the code; then answers a debtor's request
for their data (a Word copy of everything held) and sees that export on the case's access log."""
import io
import re
import secrets
import subprocess
import sys
import time
import zipfile
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


    # A debtor asked for a copy of their data: from one of their cases to the debtor's page, the Word copy...
    page.goto("/cases")
    page.locator("table a.mono").first.click()
    page.wait_for_load_state("networkidle")
    case_url, reference = page.url, page.locator("h1").first.inner_text()
    page.get_by_role("link", name="Datos del deudor (acceso, rectificación, supresión)").click()
    assert re.search(r"/debtors/\d+$", page.url), page.url
    debtor_name = page.locator("h1").first.inner_text().strip()
    assert page.locator("#erasure").is_visible()  # the holds, or the button to erase
    shot(page, "debtor-data-rights")
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar como documento Word").click()
    document = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())).read("word/document.xml").decode()
    assert debtor_name.split()[0] in document
    # ... and the access log of that case says who exported it, and when
    page.goto(case_url)
    page.get_by_role("link", name="Quién ha consultado este expediente").click()
    page.wait_for_load_state("networkidle")
    log = page.locator("main").inner_text()
    assert "data exported" in log and "Ana Segura" in log, log[:600]
    shot(page, "debtor-export-on-the-access-log")
