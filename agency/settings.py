"""Settings from the environment: one frozen object, read once (see DESIGN.md)."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def _var_dir() -> Path:
    return Path(os.environ.get("AGENCY_VAR_DIR", ROOT / "var")).resolve()


def _secret_key(var: Path) -> str:
    """AGENCY_SECRET_KEY, or one generated into var/ on first run and kept there."""
    if key := os.environ.get("AGENCY_SECRET_KEY"):
        if len(key) < 32:
            raise ValueError("AGENCY_SECRET_KEY must be at least 32 characters long")
        return key
    path = var / "secret_key"
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def sqlite_path(database_url: str) -> Path:
    """sqlite:///var/agency.sqlite3 is relative to the project root; sqlite:////abs/path is absolute."""
    path = Path(database_url.removeprefix("sqlite:///"))
    return path if path.is_absolute() else ROOT / path


@dataclass(frozen=True)
class Settings:
    database_url: str
    storage_url: str
    s3_endpoint_url: str | None
    smtp_url: str | None
    secret_key: str
    base_url: str
    var_dir: Path
    mail_from: str
    max_upload_bytes: int
    log_level: str
    db_pool_size: int  # PostgreSQL connections each process keeps at most
    agency_name: str
    agency_iban: str
    agency_identity: dict  # the agency's letterhead in generated documents (AGENCY_TAX_ID, AGENCY_ADDRESS, ...)
    # The agency's Redsys virtual POS (debtors pay by card or Bizum); unset: no online payment is offered.
    redsys_merchant_code: str = ""
    redsys_terminal: str = "1"
    redsys_secret_key: str = ""  # base64 (Redsys's "clave SHA-256")
    redsys_url: str = "https://sis-t.redsys.es:25443/sis/realizarPago"  # Redsys's test endpoint
    # The agency's SEPA creditor identifier (ES + check digits + ZZZ + tax id), for direct-debit files; unset: none are written.
    sepa_creditor_id: str = ""
    # Days the agency has to answer a complaint: a consumer's, anyone else's (cases.complaints).
    complaint_days_consumer: int = 15
    complaint_days_other: int = 30
    # Outbound contacts with a debtor in any seven days, across channels and the debtor's cases (cases.contacts): over it,
    # one logged by hand warns, an automatic message waits for a later round.
    contact_cap_week: int = 3
    # How long what must be kept is kept (cases.privacy): the agency's books after their last money movement (Código de
    # Comercio art. 30.1: six years), and the access log (RD 1720/2007 art. 103.4 asked two years of access records).
    retention_accounting_years: int = 6
    retention_after_close_years: int = 3  # a closed case kept for claims about its handling (LOPDGDD arts. 32 and 72)
    access_log_days: int = 730
    # Webhooks may reach loopback and private addresses (tests, on-premise installs); otherwise refused (cases.webhooks).
    webhooks_allow_private: bool = False
    # The Spanish court fee's 10 % online discount taken off the whole fee, not the fixed part (Ley 10/2012 art. 10 read
    # either way: LEGAL.md marks it unconfirmed); form 696's sheet in a filing bundle follows it (legal.documents.bundles).
    court_fee_discount_on_whole: bool = False

    @property
    def redsys_enabled(self) -> bool:
        return bool(self.redsys_merchant_code and self.redsys_secret_key)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def secure_cookies(self) -> bool:
        return urlsplit(self.base_url).scheme == "https"


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a whole number of 1 or more, not {raw!r}")
    return int(raw)


def _base_url(raw: str) -> str:
    """AGENCY_BASE_URL, checked: every link in a message or a document is made from it."""
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    refusal = f"AGENCY_BASE_URL must be an http:// or https:// address with a host (and a numeric port, if any), not {raw!r}"
    try:
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        raise ValueError(refusal) from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(refusal)
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    var = _var_dir()
    return Settings(
        database_url=os.environ.get("AGENCY_DATABASE_URL", "sqlite:///var/agency.sqlite3"),
        storage_url=os.environ.get("AGENCY_STORAGE_URL", "file://var/storage"),
        s3_endpoint_url=os.environ.get("AGENCY_S3_ENDPOINT_URL") or None,
        smtp_url=os.environ.get("AGENCY_SMTP_URL") or None,
        secret_key=_secret_key(var),
        base_url=_base_url(os.environ.get("AGENCY_BASE_URL", "http://127.0.0.1:8000")),
        var_dir=var,
        mail_from=os.environ.get("AGENCY_MAIL_FROM", "Agencia <no-reply@agency.test>"),
        max_upload_bytes=int(os.environ.get("AGENCY_MAX_UPLOAD_MB", "25")) * 1024 * 1024,
        log_level=os.environ.get("AGENCY_LOG_LEVEL", "INFO"),
        db_pool_size=_positive_int("AGENCY_DB_POOL_SIZE", 4),
        agency_name=os.environ.get("AGENCY_NAME", "Agencia de Recobro"),
        # Where debtors pay: the agency's client account (a demo IBAN until set).
        agency_iban=os.environ.get("AGENCY_PAYMENT_IBAN", "ES6000491500051234567892").replace(" ", ""),
        # The letterhead of generated documents (demo values until set).
        agency_identity={
            "tax_id": os.environ.get("AGENCY_TAX_ID", "B00000000"),
            "address": os.environ.get("AGENCY_ADDRESS", "Calle Mayor 1"),
            "postal_code": os.environ.get("AGENCY_POSTAL_CODE", "28013"),
            "city": os.environ.get("AGENCY_CITY", "Madrid"),
            "email": os.environ.get("AGENCY_EMAIL", "recobro@agency.test"),
            "phone": os.environ.get("AGENCY_PHONE", "+34 910 000 000"),
            "website": os.environ.get("AGENCY_WEBSITE", ""),
        },
        redsys_merchant_code=os.environ.get("AGENCY_REDSYS_MERCHANT_CODE", "").strip(),
        redsys_terminal=os.environ.get("AGENCY_REDSYS_TERMINAL", "1").strip() or "1",
        redsys_secret_key=os.environ.get("AGENCY_REDSYS_SECRET_KEY", "").strip(),
        redsys_url=os.environ.get("AGENCY_REDSYS_URL", "").strip() or "https://sis-t.redsys.es:25443/sis/realizarPago",
        sepa_creditor_id=os.environ.get("AGENCY_SEPA_CREDITOR_ID", "").replace(" ", "").upper(),
        complaint_days_consumer=_positive_int("AGENCY_COMPLAINT_DAYS_CONSUMER", 15),
        complaint_days_other=_positive_int("AGENCY_COMPLAINT_DAYS_OTHER", 30),
        contact_cap_week=_positive_int("AGENCY_CONTACT_CAP_WEEK", 3),
        retention_accounting_years=_positive_int("AGENCY_RETENTION_ACCOUNTING_YEARS", 6),
        retention_after_close_years=_positive_int("AGENCY_RETENTION_AFTER_CLOSE_YEARS", 3),
        access_log_days=_positive_int("AGENCY_ACCESS_LOG_DAYS", 730),
        webhooks_allow_private=os.environ.get("AGENCY_WEBHOOKS_ALLOW_PRIVATE", "").strip().lower() in {"1", "true", "yes", "on"},
        court_fee_discount_on_whole=os.environ.get("AGENCY_COURT_FEE_DISCOUNT_ON_WHOLE", "").strip().lower() in {"1", "true", "yes", "on"},
    )
