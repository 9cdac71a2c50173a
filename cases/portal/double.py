"""A loopback stand-in for Redsys's hosted payment page, playing the published protocol ("redirección"), for the
tests and the demo: the real endpoint cannot be reached from these machines.

It takes the signed form the debtor's browser posts (Ds_SignatureVersion, Ds_MerchantParameters, Ds_Signature),
checks the merchant's signature with the merchant's key as Redsys does, and shows a page to pay with Redsys's test
card or to cancel. Then, as Redsys does, it sends the merchant a signed notification (server to server, to
DS_MERCHANT_MERCHANTURL: Ds_Response 0000 paid, 9915 cancelled) and sends the browser back to DS_MERCHANT_URLOK or
URLKO. Run it with ``agency redsys-double --port 8766`` and point AGENCY_REDSYS_URL at http://127.0.0.1:8766/sis/realizarPago."""
from __future__ import annotations

import base64
import html
import secrets
import threading
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cases.portal import redsys

PATH = "/sis/realizarPago"
TEST_CARD = "4548 8120 4940 0004"  # Redsys's published test card


def notification_for(secret_b64: str, request: dict, response: str) -> dict[str, str]:
    now = datetime.now(timezone.utc)
    params = {
        "Ds_Date": now.strftime("%d/%m/%Y"), "Ds_Hour": now.strftime("%H:%M"), "Ds_SecurePayment": "1",
        "Ds_Amount": str(request["DS_MERCHANT_AMOUNT"]), "Ds_Currency": str(request.get("DS_MERCHANT_CURRENCY", redsys.EURO)),
        "Ds_Order": str(request["DS_MERCHANT_ORDER"]), "Ds_MerchantCode": str(request["DS_MERCHANT_MERCHANTCODE"]),
        "Ds_Terminal": str(request.get("DS_MERCHANT_TERMINAL", "1")), "Ds_Response": response,
        "Ds_TransactionType": str(request.get("DS_MERCHANT_TRANSACTIONTYPE", redsys.PAYMENT)), "Ds_MerchantData": "",
        "Ds_AuthorisationCode": f"{secrets.randbelow(10**6):06d}" if response == "0000" else "", "Ds_Card_Country": "724",
        "Ds_ConsumerLanguage": str(request.get("DS_MERCHANT_CONSUMERLANGUAGE", "1")),
    }
    return redsys.notification_fields(secret_b64, params)


def make_handler(secret_b64: str):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("content-length") or 0)
            return {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode("ascii", "replace")).items()}

        def _send(self, status: int, body: str, headers: dict | None = None) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _checked(self, form: dict) -> dict | None:
            params = form.get("Ds_MerchantParameters", "")
            try:
                request = redsys.decode_parameters(params)
                order = str(request.get("DS_MERCHANT_ORDER", ""))
                expected = redsys.sign(secret_b64, order, params)
                given = base64.b64decode(form.get("Ds_Signature", "") + "==")
            except (redsys.SignatureError, ValueError):
                return None
            if form.get("Ds_SignatureVersion") != redsys.SIGNATURE_VERSION or not secrets.compare_digest(expected, given):
                return None
            return request

        def do_GET(self) -> None:
            self._send(200, "Redsys loopback double")

        def do_POST(self) -> None:
            form = self._form()
            request = self._checked(form)
            if request is None:
                self._send(400, "<p>SIS0042: the signature is not valid</p>")
                return
            if self.path == PATH:
                amount = int(request["DS_MERCHANT_AMOUNT"]) / 100
                hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(form[k])}">' for k in
                                 ("Ds_SignatureVersion", "Ds_MerchantParameters", "Ds_Signature"))
                method = "Bizum" if request.get("DS_MERCHANT_PAYMETHODS") == "z" else f"card {TEST_CARD}"
                self._send(200, f"""<!doctype html><meta name="viewport" content="width=device-width">
<title>Redsys (test)</title><h1>Redsys · test</h1>
<p>Merchant {html.escape(str(request["DS_MERCHANT_MERCHANTCODE"]))} · order {html.escape(str(request["DS_MERCHANT_ORDER"]))}</p>
<p id="amount">{amount:.2f} EUR</p><p>{html.escape(method)}</p>
<form method="post" action="/sis/pay">{hidden}<button id="pay" name="action" value="pay">Pagar</button>
<button id="cancel" name="action" value="cancel">Cancelar</button></form>""")
                return
            if self.path == "/sis/pay":
                paid = form.get("action") == "pay"
                fields = notification_for(secret_b64, request, "0000" if paid else "9915")
                notify = urllib.request.Request(str(request["DS_MERCHANT_MERCHANTURL"]), data=urllib.parse.urlencode(fields).encode(),
                                                headers={"content-type": "application/x-www-form-urlencoded"})
                try:
                    urllib.request.urlopen(notify, timeout=10).read()  # noqa: S310 - the merchant's own URL, as Redsys calls it
                except OSError:
                    pass  # Redsys retries later; the merchant's page keeps saying "being confirmed"
                back = str(request["DS_MERCHANT_URLOK" if paid else "DS_MERCHANT_URLKO"])
                self._send(303, "", {"location": back + ("&" if "?" in back else "?") + urllib.parse.urlencode(fields)})
                return
            self._send(404, "not found")

    return Handler


def serve(port: int, secret_b64: str, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Start the double in a thread; stop it with ``.shutdown()``."""
    server = ThreadingHTTPServer((host, port), make_handler(secret_b64))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
