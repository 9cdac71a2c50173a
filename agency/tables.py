"""Persistence of the workspace: organisations, users, tokens, second factors, login attempts, the outbox."""
from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from agency.roles import Role


class Tariff(Table, tablename="tariffs"):
    """How the agency charges a creditor (rules in cases.billing.fees): bands and percentages as JSON text of
    decimal strings. Cases keep a snapshot of the tariff they were opened under, so editing one
    changes what new cases pay, never an old case's fees."""

    name = Varchar(length=100, unique=True)
    rules = Text()  # cases.billing.fees.to_json
    is_default = Boolean(default=False)
    updated_at = Timestamptz(default=TimestamptzNow())


class Organisation(Table, tablename="organisations"):
    """A creditor company, client of the agency."""

    legal_name = Varchar(length=200)
    country = Varchar(length=2, default="ES")
    tax_id = Varchar(length=20, unique=True)  # compact, validated (python-stdnum)
    address_line1 = Varchar(length=200)
    city = Varchar(length=100)
    postal_code = Varchar(length=16)
    iban = Varchar(length=34)  # compact, validated (schwifty)
    email = Varchar(length=254, default="")
    contract_version = Varchar(length=20, null=True, default=None)
    contract_accepted_at = Timestamptz(null=True, default=None)
    tariff = ForeignKey(references=Tariff, null=True, default=None, on_delete=OnDelete.restrict)  # None: the default tariff
    created_at = Timestamptz(default=TimestamptzNow())


class User(Table, tablename="users"):
    email = Varchar(length=254, unique=True)  # always lower case
    name = Varchar(length=200)
    role = Varchar(length=20, choices=Role)
    organisation = ForeignKey(references=Organisation, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    password_hash = Varchar(length=200, null=True, default=None)  # None until the user sets one
    language = Varchar(length=5, default="es")
    bar_number = Varchar(length=40, default="")  # a lawyer's bar membership (colegiación), printed under court writs
    senior = Boolean(default=False)  # a senior negotiator: the cases of vulnerable debtors go to one (cases.contacts)
    active = Boolean(default=True)
    # Bumped when the password or the second factor changes or an admin signs the user out: every older session dies.
    session_epoch = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    # The second factor (TOTP, agency.second_factor): its secret sealed with a key derived from AGENCY_SECRET_KEY, so a
    # dump of the database alone does not give it away; "" = none. On once confirmed with a code (mfa_on_since).
    mfa_secret = Varchar(length=255, default="")
    mfa_pending_secret = Varchar(length=255, default="")  # issued for setting up, not yet confirmed with a code
    mfa_on_since = Timestamptz(null=True, default=None)
    mfa_last_step = Integer(default=0)  # the 30-second step of the last code accepted: a code works once (RFC 6238 5.2)


class ApiToken(Table, tablename="api_tokens"):
    user = ForeignKey(null=False, references=User, index=True, on_delete=OnDelete.restrict)
    name = Varchar(length=100, default="")
    token_hash = Varchar(length=64, unique=True)  # SHA-256 of the token; the token itself is shown once
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


class RecoveryCode(Table, tablename="recovery_codes"):
    """The one-use codes that stand in for the authenticator app (ten, shown once when the second factor is turned on)."""

    user = ForeignKey(null=False, references=User, index=True, on_delete=OnDelete.restrict)
    code_hash = Varchar(length=64)  # SHA-256, as for API tokens
    used_at = Timestamptz(null=True, default=None)


class SecurityPolicy(Table, tablename="security_policies"):
    """Whether staff must have a second factor, as an administrator set it: each change a new row, the latest in force."""

    staff_mfa_required = Boolean(default=False)
    changed_by = ForeignKey(null=True, references=User, on_delete=OnDelete.restrict)
    changed_at = Timestamptz(default=TimestamptzNow())


class PasswordToken(Table, tablename="password_tokens"):
    """A one-use link to set a password (new users, resets)."""

    user = ForeignKey(null=False, references=User, index=True, on_delete=OnDelete.restrict)
    token_hash = Varchar(length=64, unique=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class LoginAttempt(Table, tablename="login_attempts"):
    """Every login attempt, for throttling across app processes (and for the record)."""

    email = Varchar(length=254, index=True)
    ip = Varchar(length=64, index=True)
    succeeded = Boolean(default=False)
    at = Timestamptz(default=TimestamptzNow(), index=True)


class AccessRecord(Table, tablename="access_records"):
    """A read of a case (and its debtor's data), an evidence file or a document, or an export of many cases, by a
    user: who, when, what, from where (agency.access). Written in batches; never changed."""

    user = ForeignKey(references=User, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    at = Timestamptz(default=TimestamptzNow())
    case = Integer(null=True, default=None, index=True)  # the case read (its id: cases' table is not the foundation's)
    what = Varchar(length=200)
    address = Varchar(length=64, default="")
    via = Varchar(length=8, default="")  # page | api | job


class OutboxMessage(Table, tablename="outbox_messages"):
    """Every email the product sends is written here first, in the transaction that caused it."""

    to_address = Varchar(length=254)
    subject = Varchar(length=300)
    body_text = Text()
    kind = Varchar(length=50, index=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    sent_at = Timestamptz(null=True, default=None, index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None)  # after a failure: backoff
    last_error = Text(default="")
    case_id = Integer(null=True, default=None, index=True)  # the case a message to a debtor is about (cases.tables.Case)
    message_id = Varchar(length=200, default="")  # one Message-ID per message, the same on every attempt
    claimed_until = Timestamptz(null=True, default=None)  # a worker is sending it: others leave it alone until then
    given_up_at = Timestamptz(null=True, default=None)  # not sent, and no longer tried: given_up_reason says why
    given_up_reason = Varchar(length=30, default="")  # attempts | left_amicable | nothing_owed


class ContractAcceptance(Table, tablename="contract_acceptances"):
    """Who accepted which version of the service contract for an organisation, when and from where
    (append-only: the organisation's contract_version/accepted_at mirror the latest)."""

    organisation = ForeignKey(null=False, references=Organisation, index=True, on_delete=OnDelete.restrict)
    user = ForeignKey(null=False, references=User, on_delete=OnDelete.restrict)
    version = Varchar(length=20)
    accepted_at = Timestamptz(default=TimestamptzNow())
    ip = Varchar(length=45, default="")
    tariff = Text(default="")  # the tariff accepted with it, as cases.billing.fees.to_json writes it ("" before it was kept)
