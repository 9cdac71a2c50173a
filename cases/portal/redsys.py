"""Redsys's hosted payment page ("redirección"), the published protocol (pure): the signed request the debtor's
browser carries to Redsys, and the signed notification Redsys sends back to the merchant URL.

Signature HMAC_SHA256_V1: the merchant's secret (base64, 24 bytes) encrypts the order number with 3DES in CBC mode,
a zero IV and the order zero-padded to a multiple of 8 bytes; that is the key of an HMAC-SHA256 over the
``Ds_MerchantParameters`` string (the base64 of the JSON parameters), sent base64-encoded. Redsys signs its
notifications the same way with the order of the notification, in URL-safe base64."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

SIGNATURE_VERSION = "HMAC_SHA256_V1"
EURO = "978"
PAYMENT = "0"  # Ds_Merchant_TransactionType: an authorisation (a payment)
PAY_METHODS = {"card": "C", "bizum": "z"}  # Ds_Merchant_PayMethods
LANGUAGES = {"es": "001", "en": "002", "fr": "004", "pt": "009"}  # Ds_Merchant_ConsumerLanguage
TEST_URL = "https://sis-t.redsys.es:25443/sis/realizarPago"  # Redsys's test endpoint (the default of AGENCY_REDSYS_URL)


class SignatureError(ValueError):
    """A notification whose signature does not match its parameters (forged or damaged)."""


def order_key(secret_b64: str, order: str) -> bytes:
    """The key of one order: the order number, zero-padded to 8-byte blocks, encrypted with 3DES-CBC (zero IV)
    under the merchant's secret."""
    key = base64.b64decode(secret_b64)
    data = order.encode("ascii")
    data += b"\0" * (-len(data) % 8)
    encryptor = Cipher(TripleDES(key), modes.CBC(b"\0" * 8)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def sign(secret_b64: str, order: str, merchant_parameters: str) -> bytes:
    """The raw HMAC-SHA256 of ``merchant_parameters`` under the order's key."""
    return hmac.new(order_key(secret_b64, order), merchant_parameters.encode("ascii"), hashlib.sha256).digest()


def encode_parameters(parameters: dict[str, str]) -> str:
    return base64.b64encode(json.dumps(parameters, separators=(",", ":")).encode()).decode("ascii")


def decode_parameters(merchant_parameters: str) -> dict:
    """The JSON of a ``Ds_MerchantParameters`` (standard or URL-safe base64)."""
    try:
        raw = base64.urlsafe_b64decode(merchant_parameters.replace("+", "-").replace("/", "_") + "=" * (-len(merchant_parameters) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested a thousand deep
        raise SignatureError("the parameters are not base64 JSON") from exc
    if not isinstance(data, dict):
        raise SignatureError("the parameters are not a JSON object")
    return data


@dataclass(frozen=True)
class PaymentRequest:
    """What the debtor's browser posts to Redsys: ``url`` and the three form fields."""
    url: str
    fields: dict[str, str]


def payment_request(*, url: str, secret_b64: str, merchant_code: str, terminal: str, order: str, amount_cents: int, method: str,
                    notification_url: str, ok_url: str, ko_url: str, language: str = "es", description: str = "") -> PaymentRequest:
    parameters = {
        "DS_MERCHANT_AMOUNT": str(amount_cents), "DS_MERCHANT_ORDER": order, "DS_MERCHANT_MERCHANTCODE": merchant_code,
        "DS_MERCHANT_CURRENCY": EURO, "DS_MERCHANT_TRANSACTIONTYPE": PAYMENT, "DS_MERCHANT_TERMINAL": terminal,
        "DS_MERCHANT_MERCHANTURL": notification_url, "DS_MERCHANT_URLOK": ok_url, "DS_MERCHANT_URLKO": ko_url,
        "DS_MERCHANT_PAYMETHODS": PAY_METHODS[method], "DS_MERCHANT_CONSUMERLANGUAGE": LANGUAGES.get(language, LANGUAGES["es"]),
        "DS_MERCHANT_PRODUCTDESCRIPTION": description[:125],
    }
    encoded = encode_parameters(parameters)
    return PaymentRequest(url, {"Ds_SignatureVersion": SIGNATURE_VERSION, "Ds_MerchantParameters": encoded,
                                "Ds_Signature": base64.b64encode(sign(secret_b64, order, encoded)).decode("ascii")})


@dataclass(frozen=True)
class Notification:
    """A verified notification: the order, the amount in cents, Redsys's response code and authorisation code."""
    order: str
    amount_cents: int
    currency: str
    response: int
    authorisation: str
    merchant_code: str
    parameters: dict

    @property
    def approved(self) -> bool:
        """Ds_Response 0000 to 0099: an authorised payment (anything else is a refusal or an error)."""
        return 0 <= self.response <= 99


def verify_notification(secret_b64: str, signature_version: str, merchant_parameters: str, signature: str) -> Notification:
    """The notification, if its signature is Redsys's for its own order; else SignatureError."""
    if signature_version != SIGNATURE_VERSION:
        raise SignatureError("unknown signature version")
    data = decode_parameters(merchant_parameters)
    lowered = {k.lower(): v for k, v in data.items()}
    order = str(lowered.get("ds_order", ""))
    if not order or not order.isascii() or len(order) > 12:
        raise SignatureError("no order in the parameters")
    expected = base64.urlsafe_b64encode(sign(secret_b64, order, merchant_parameters))
    given = signature.strip().replace("+", "-").replace("/", "_").encode("ascii", "replace")
    if not hmac.compare_digest(expected.rstrip(b"="), given.rstrip(b"=")):
        raise SignatureError("the signature does not match")
    try:
        return Notification(order=order, amount_cents=int(str(lowered.get("ds_amount", "")).strip()), currency=str(lowered.get("ds_currency", "")),
                             response=int(str(lowered.get("ds_response", "")).strip()),
                             authorisation=str(lowered.get("ds_authorisationcode", "")).strip()[:10],
                             merchant_code=str(lowered.get("ds_merchantcode", "")), parameters=data)
    except ValueError as exc:
        raise SignatureError("the amount or the response is not a number") from exc


def notification_fields(secret_b64: str, parameters: dict[str, str]) -> dict[str, str]:
    """A notification as Redsys sends it (for the loopback double and the tests): the parameters signed with the
    order's key, the signature in URL-safe base64."""
    encoded = encode_parameters(parameters)
    signature = base64.urlsafe_b64encode(sign(secret_b64, parameters["Ds_Order"], encoded)).decode("ascii")
    return {"Ds_SignatureVersion": SIGNATURE_VERSION, "Ds_MerchantParameters": encoded, "Ds_Signature": signature}
