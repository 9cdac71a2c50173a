"""Persistence of the case lifecycle."""
from piccolo.columns import JSON, BigInt, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from agency.tables import Organisation, User


class Debtor(Table, tablename="debtors"):
    """A debtor as known to one creditor organisation (tenancy: never shared across creditors)."""

    organisation = ForeignKey(null=False, references=Organisation, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=10)  # company | person
    name = Varchar(length=200)
    search_name = Varchar(length=200, default="")  # the name as searched (cases.queries.search_key), written with it
    tax_id = Varchar(length=20, default="", index=True)
    country = Varchar(length=2, default="ES")
    address_line1 = Varchar(length=200)
    city = Varchar(length=100)
    postal_code = Varchar(length=16)
    email = Varchar(length=254, default="")
    phone = Varchar(length=32, default="")
    language = Varchar(length=5, default="es")
    classification = Varchar(length=20, default="unknown")
    # Vulnerable (illness, bereavement, hardship): no automatic message, and the cases go to a senior negotiator
    # (cases.contacts.service.set_vulnerable, who set it and why on each case's timeline).
    vulnerable = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    anonymised_at = Timestamptz(null=True, default=None)  # the person erased (cases.privacy): name, identifiers and contacts blanked


class Case(Table, tablename="collection_cases"):
    """One creditor against one debtor. ``case`` is reserved in SQL, hence the table name."""

    reference = Varchar(length=20, unique=True)  # EXP-2026-000123
    organisation = ForeignKey(null=False, references=Organisation, index=True, on_delete=OnDelete.restrict)
    debtor = ForeignKey(null=False, references=Debtor, index=True, on_delete=OnDelete.restrict)
    creditor_reference = Varchar(length=100, default="")
    stage = Varchar(length=20, default="intake", index=True)
    outcome = Varchar(length=20, null=True, default=None)
    negotiator = ForeignKey(references=User, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    lawyer = ForeignKey(references=User, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    jurisdiction = Varchar(length=2, default="ES")
    currency = Varchar(length=3, default="EUR")
    next_action_at = Timestamptz(null=True, default=None)
    priority = Integer(default=0)  # cases.negotiation.queue.score, kept current by the services and the worker
    priority_reasons = Varchar(length=200, default="")  # the score's reason codes, comma-separated
    accepted_at = Timestamptz(null=True, default=None)
    last_contact_at = Timestamptz(null=True, default=None)
    limitation_date = Date(null=True, default=None)
    notes = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)
    tariff_snapshot = Text(default="")  # cases.billing.fees.to_json of the creditor's tariff when the case was opened
    bureau_notice_on = Date(null=True, default=None)  # the certified prior notice (naming the files) was delivered
    bureau_notice_channel = Varchar(length=20, default="")
    bureau_authorised_at = Timestamptz(null=True, default=None)  # the creditor authorised reporting this case
    court_authorised_at = Timestamptz(null=True, default=None)  # the creditor authorised legal action (legal.LegalAction)
    settlement_offer_on = Date(null=True, default=None)  # a settlement offer or mediation request reached the debtor (LO 1/2025)
    # The first demand for payment that reached the debtor (a delivered burofax or certified letter) or the court
    # claim filed: a consumer is in default, and owes interest, from the next day (Código Civil 1100).
    demanded_on = Date(null=True, default=None)
    settlement_answer_on = Date(null=True, default=None)  # the debtor answered it (refused) or the mediation ended without agreement
    # The creditor (or the agency) put the case on hold: no automatic contact, out of the negotiators' queue, until resumed
    held_at = Timestamptz(null=True, default=None)
    held_reason = Varchar(length=500, default="")
    held_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)


class CaseSequence(Table, tablename="case_sequences"):
    """The last case number used per year: EXP-<year>-<6 digits>, handed out inside the writing transaction."""

    year = Integer(unique=True)
    last = Integer(default=0)


class Invoice(Table, tablename="invoices"):
    case = ForeignKey(null=False, references=Case, index=True, on_delete=OnDelete.restrict)
    number = Varchar(length=64)  # indexed with the case: invoices_number_case (the claims' duplicate check reads by both)
    issue_date = Date()
    due_date = Date()
    amount_cents = BigInt()  # money is integer cents in the database (DESIGN.md)
    currency = Varchar(length=3, default="EUR")
    disputed = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class Evidence(Table, tablename="evidence"):
    """A stored file. ``case`` is empty while an upload waits for its claim to be submitted."""

    organisation = ForeignKey(null=False, references=Organisation, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(references=Case, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    storage_key = Varchar(length=200, unique=True)  # made by the product, never from user input
    original_name = Varchar(length=200)  # sanitised
    content_type = Varchar(length=100)  # sniffed from the content
    kind = Varchar(length=20, default="other")
    size = BigInt()
    sha256 = Varchar(length=64, index=True)
    uploaded_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class CaseEvent(Table, tablename="case_events"):
    """The append-only timeline of a case: who, when, what."""

    case = ForeignKey(null=False, references=Case, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=30)
    actor = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    summary = Text(default="")
    payload = JSON(default="{}")
    visible_to_creditor = Boolean(default=False)


class ImportJob(Table, tablename="import_jobs"):
    """An uploaded invoice file: previewed first, committed all-or-nothing."""

    organisation = ForeignKey(null=False, references=Organisation, index=True, on_delete=OnDelete.restrict)
    uploaded_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    storage_key = Varchar(length=200, unique=True)
    filename = Varchar(length=200)
    status = Varchar(length=20, default="previewed")  # previewed | refused | committed
    row_count = Integer(default=0)
    case_count = Integer(default=0)
    total_cents = BigInt(default=0)
    errors = JSON(default="[]")
    created_at = Timestamptz(default=TimestamptzNow())
    committed_at = Timestamptz(null=True, default=None)


class Promise(Table, tablename="promises"):
    """A promise to pay: kept or broken is decided from the payments recorded by its date."""

    case = ForeignKey(null=False, references=Case, index=True, on_delete=OnDelete.restrict)
    promised_on = Date()
    amount_cents = BigInt()
    status = Varchar(length=10, default="open")  # open | kept | broken | replaced
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
    resolved_at = Timestamptz(null=True, default=None)


class PaymentPlan(Table, tablename="payment_plans"):
    case = ForeignKey(null=False, references=Case, index=True, on_delete=OnDelete.restrict)
    total_cents = BigInt()
    instalment_count = Integer()
    frequency = Varchar(length=10, default="monthly")  # weekly | fortnightly | monthly
    first_due_on = Date()
    status = Varchar(length=10, default="active")  # active | completed | broken | cancelled
    # Interest keeps running while the plan is kept (printed in the acknowledgement). By default the plan fixes
    # what is owed at its signature: no interest while it is kept, again from the first missed instalment.
    interest_runs = Boolean(default=False)
    # The debtor agreed that payments from the signature pay the agency's costs first (printed in the acknowledgement);
    # otherwise costs come after principal (Código Civil 1173-1174, LEGAL.md "Paying what is owed").
    costs_first = Boolean(default=False)
    # How it is paid (agreed with staff, or chosen by the debtor on their page: transfer | card | sepa_direct_debit), and
    # for a direct debit the mandate the debtor signed there (collected by the direct-debit files).
    method = Varchar(length=20, default="agreed")
    mandate_reference = Varchar(length=35, null=True, default=None)  # unique (an index: migration cases_2026_12_06t23_52)
    debtor_iban = Varchar(length=34, default="")
    account_holder = Varchar(length=140, default="")
    # A plan the debtor chose on their page: their acceptance of the acknowledgement's exact text is the signature.
    accepted_at = Timestamptz(null=True, default=None)
    accepted_from = Varchar(length=64, default="")
    accepted_agent = Varchar(length=200, default="")
    acknowledgement_sha256 = Varchar(length=64, default="")
    acknowledgement_text = Text(default="")
    # The document legal made of that text and its acceptance (legal.tables.Document; cases does not reference legal's tables).
    acknowledgement_document = Integer(null=True, default=None)
    mandate_signed_on = Date(null=True, default=None)  # the direct-debit mandate's signature date
    mandate_stopped = Varchar(length=4, default="")  # the return code that stopped collecting under the mandate (MD01, AC04...)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class Instalment(Table, tablename="instalments"):
    plan = ForeignKey(null=False, references=PaymentPlan, index=True, on_delete=OnDelete.restrict)
    number = Integer()
    due_on = Date(index=True)
    amount_cents = BigInt()
    status = Varchar(length=10, default="due")  # due | paid | missed


class LedgerEntry(Table, tablename="ledger_entries"):
    """Append-only money of a case. Amounts are signed cents: what the debtor owes goes up with
    principal, interest, compensation and recoverable costs, and down with payments. A correction
    is a new entry that names the one it reverses; nothing is edited."""

    case = ForeignKey(null=False, references=Case, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=20)  # principal | interest | compensation | cost | payment | fee | remittance | reversal
    amount_cents = BigInt()
    booked_on = Date()
    invoice = ForeignKey(references=Invoice, null=True, default=None, on_delete=OnDelete.restrict)
    method = Varchar(length=20, default="")
    reference = Varchar(length=100, default="")
    idempotency_key = Varchar(length=100, null=True, default=None, unique=True)
    reverses = Integer(null=True, default=None)
    remittance = Integer(null=True, default=None, index=True)  # the Remittance that paid this to the creditor
    # A payment the debtor said is for these invoices (Código Civil art. 1172): their ids, comma-separated, "" for none.
    applies_to = Varchar(length=500, default="")
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class Remittance(Table, tablename="remittances"):
    """Money the agency pays a creditor: what it collected for them, less its fees, up to a date.
    Created with a ``remittance`` ledger entry per case; marked paid once with the transfer's reference."""

    organisation = ForeignKey(null=False, references=Organisation, index=True, on_delete=OnDelete.restrict)
    period_end = Date()
    amount_cents = BigInt()
    currency = Varchar(length=3, default="EUR")
    iban = Varchar(length=34)  # the creditor's IBAN when it was created
    status = Varchar(length=10, default="pending")  # pending | paid
    transfer_reference = Varchar(length=100, default="")
    paid_at = Timestamptz(null=True, default=None)
    paid_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class RemittanceExport(Table, tablename="remittance_exports"):
    """A remittance put into a SEPA transfer file: when, by whom, for which execution day, and the file's
    SHA-256. A second file for the same remittance needs saying so (the bank refused the first)."""

    remittance = ForeignKey(null=False, references=Remittance, index=True, on_delete=OnDelete.restrict)
    execution_date = Date()
    file_sha256 = Varchar(length=64)
    exported_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    exported_at = Timestamptz(default=TimestamptzNow())


class Bureau(Table, tablename="bureaus"):
    """A credit-bureau file the agency reports to (ASNEF-Equifax, Experian BADEXCUG, RAI...)."""

    name = Varchar(length=100, unique=True)
    kind = Varchar(length=12)  # individuals | companies (which debtors it takes)
    file_format = Varchar(length=10, default="csv")  # csv | fixed (cases.bureau.rules.FIELDS)
    entity_code = Varchar(length=12)  # the agency's reporting-entity code at that bureau
    sequence = Integer(default=0)  # the last batch number used
    checked_on = Date(null=True, default=None)  # the worker's last daily look (with or without a batch)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class BureauBatch(Table, tablename="bureau_batches"):
    """One file sent to a bureau: its sequence number, the stored file and its SHA-256 (the proof)."""

    bureau = ForeignKey(null=False, references=Bureau, index=True, on_delete=OnDelete.restrict)
    sequence = Integer()
    day = Date()
    storage_key = Varchar(length=200)
    filename = Varchar(length=120)
    sha256 = Varchar(length=64)
    inclusions = Integer(default=0)
    updates = Integer(default=0)
    withdrawals = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class BureauReport(Table, tablename="bureau_reports"):
    """A case at one bureau: queued when the case enters the credit-bureau stage, reported by a
    batch, updated when the balance changes, withdrawn by a later batch."""

    case = ForeignKey(null=False, references=Case, index=True, on_delete=OnDelete.restrict)
    bureau = ForeignKey(null=False, references=Bureau, index=True, on_delete=OnDelete.restrict)
    status = Varchar(length=12, default="queued", index=True)  # queued | reported | withdrawn | cancelled
    reported_cents = BigInt(default=0)
    reported_on = Date(null=True, default=None)
    withdrawn_on = Date(null=True, default=None)
    withdrawal_reason = Varchar(length=20, default="")
    included_in = Integer(null=True, default=None)  # BureauBatch ids
    withdrawn_in = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class MessageTemplate(Table, tablename="message_templates"):
    """Emails, letters, WhatsApp texts and phone scripts with merge fields. Every save is a new
    version; the active one is used, the older ones are kept."""

    key = Varchar(length=40, index=True)
    language = Varchar(length=5)
    channel = Varchar(length=10)  # email | letter | whatsapp | sms | script
    name = Varchar(length=100)
    subject = Varchar(length=300, default="")
    body = Text()
    version = Integer(default=1)
    active = Boolean(default=True)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class ReminderStep(Table, tablename="reminder_steps"):
    """One step of the automatic reminder flow: the agency's default (no organisation) or a creditor's own."""

    organisation = ForeignKey(references=Organisation, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    position = Integer()
    anchor = Varchar(length=10, default="due")  # due | accepted
    offset_days = Integer()
    channel = Varchar(length=10, default="email")
    template_key = Varchar(length=40)
    active = Boolean(default=True)


class InstalmentReminder(Table, tablename="instalment_reminders"):
    """A message about one instalment (due | missed) that went out: unique per (instalment, kind), so once."""

    instalment = ForeignKey(null=False, references=Instalment, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=10)
    sent_at = Timestamptz(default=TimestamptzNow())


class ReminderSent(Table, tablename="reminders_sent"):
    """A step that fired for a case: unique per (case, step), so it fires exactly once."""

    case = ForeignKey(null=False, references=Case, on_delete=OnDelete.restrict)
    step = ForeignKey(null=False, references=ReminderStep, on_delete=OnDelete.restrict)
    sent_at = Timestamptz(default=TimestamptzNow())


class InterestRate(Table, tablename="interest_rates"):
    """A published late-payment rate for a half-year (Spain: the Treasury's BOE resolution), added
    to the table shipped in legal.rules.jurisdictions. Basis points keep the rate exact (10.15 % = 1015).
    Declared here because the ledger reads it (cases may not import legal); its migrations are the legal
    app's, which lists it (legal.piccolo_app), so the schema and its history are unchanged."""

    country = Varchar(length=2)  # "EU" for an ECB decision
    kind = Varchar(length=12, default="late_payment")  # late_payment (Spain, BOE) | legal (interés legal) | ecb
    starts_on = Date()  # the first day of the period (1 January or 1 July), or the day an ECB decision took effect
    rate_bp = Integer()
    source = Varchar(length=200, default="")
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class DebtorLink(Table, tablename="debtor_links"):
    """A signed link to the debtor's page of a case (cases.portal): only the token's SHA-256 is kept; valid until
    ``expires_on``, revocable. The link carries no personal data."""

    case = ForeignKey(null=False, references=Case, index=True, on_delete=OnDelete.restrict)
    token_hash = Varchar(length=64, unique=True)
    expires_on = Date()
    revoked_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)  # None: made for a message
    created_at = Timestamptz(default=TimestamptzNow())


class PortalAttempt(Table, tablename="portal_attempts"):
    """Every try to open a link with the debtor's tax id or postal code (the throttle counts the wrong ones)."""

    link = ForeignKey(null=False, references=DebtorLink, index=True, on_delete=OnDelete.restrict)
    at = Timestamptz(default=TimestamptzNow())
    succeeded = Boolean(default=False)
    address = Varchar(length=64, default="")
    user_agent = Varchar(length=200, default="")


class PortalSession(Table, tablename="portal_sessions"):
    """A debtor's proven visit: a bearer token (only its SHA-256 kept) for that one case, until ``expires_at`` or
    until the debtor ends it."""

    link = ForeignKey(null=False, references=DebtorLink, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(null=False, references=Case, on_delete=OnDelete.restrict)
    token_hash = Varchar(length=64, unique=True)
    expires_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class OnlinePayment(Table, tablename="online_payments"):
    """A payment a debtor started on their page (card or Bizum through Redsys): pending until Redsys's signed
    notification says paid (booked once as a ledger payment) or failed; a notification whose amount differs from
    the order is kept as a mismatch and books nothing."""

    case = ForeignKey(null=False, references=Case, index=True, on_delete=OnDelete.restrict)
    order_number = Varchar(length=12, null=True, default=None, unique=True)  # Ds_Merchant_Order
    amount_cents = BigInt()
    method = Varchar(length=10)  # card | bizum
    status = Varchar(length=10, default="pending")  # pending | paid | failed | mismatch
    response = Varchar(length=4, default="")  # Ds_Response
    authorisation = Varchar(length=10, default="")
    ledger_entry = Integer(null=True, default=None)
    notified_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class PlanRules(Table, tablename="plan_rules"):
    """The plans a creditor's debtors may choose on their page (cases.portal.rules.Bracket, as JSON), and the days to
    the first payment; ``organisation`` None: the agency's default. A change is a new row: the latest one applies and
    the earlier ones stay as a record."""

    organisation = ForeignKey(references=Organisation, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    brackets = Text()  # [{"up_to_cents": int | null, "max_instalments": int, "min_first_percent": int}, ...]
    first_due_days = Integer(default=30)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class BankStatement(Table, tablename="bank_statements"):
    """One account's statement from a file uploaded (Norma 43 or ISO 20022 camt.053; a Norma 43 file may hold several
    accounts): the file kept by its SHA-256, the period and the balances the bank gave. The same file again is the same
    statements (``source`` is unique: nothing booked twice)."""

    format = Varchar(length=10)  # n43 | camt053
    filename = Varchar(length=200)
    file_sha256 = Varchar(length=64, index=True)
    source = Varchar(length=100, unique=True)  # "<file SHA-256>/<account>"
    storage_key = Varchar(length=200)
    account = Varchar(length=34)  # the IBAN, or a Norma 43 file's bank, branch and account number
    starts_on = Date()
    ends_on = Date()
    opening_cents = BigInt()
    closing_cents = BigInt()
    uploaded_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class StatementLine(Table, tablename="statement_lines"):
    """One movement of a statement and what it became: a payment of a case (booked by its reference, its mandate, or
    by hand), waiting for someone to match it, not ours, or a debit (money out). Its fingerprint books it once, even
    when the file is uploaded again; a decision is taken once (who, when) and never overwritten."""

    statement = ForeignKey(null=False, references=BankStatement, index=True, on_delete=OnDelete.restrict)
    fingerprint = Varchar(length=64, unique=True)
    position = Integer()  # the line's number in the file
    booked_on = Date()
    value_on = Date()
    amount_cents = BigInt()  # signed: a credit positive, a debit negative
    concept = Text(default="")
    reference = Varchar(length=140, default="")
    end_to_end_id = Varchar(length=35, default="")
    mandate_id = Varchar(length=35, default="")
    counterparty_name = Varchar(length=140, default="")
    counterparty_iban = Varchar(length=34, default="")
    return_reason = Varchar(length=4, default="")
    status = Varchar(length=10, default="waiting")  # booked | waiting | not_ours | debit
    case = ForeignKey(references=Case, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    ledger_entry = Integer(null=True, default=None)
    matched_by = Varchar(length=12, default="")  # reference | mandate | iban | hand
    note = Varchar(length=300, default="")  # why it waits (a reference of no case, more than is owed...), in the agency's language
    decided_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    decided_at = Timestamptz(null=True, default=None)


class DirectDebitBatch(Table, tablename="direct_debit_batches"):
    """A SEPA Direct Debit file (pain.008.001.02) for the agency's bank: the instalments collected on one day, the file
    kept with its SHA-256."""

    collect_on = Date()
    count = Integer()
    total_cents = BigInt()
    sha256 = Varchar(length=64)
    storage_key = Varchar(length=200)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class DirectDebit(Table, tablename="direct_debits"):
    """One instalment collected by direct debit in a batch. ``slot`` ("<instalment>:<attempt>") is unique: an instalment
    goes into one batch only, and into another only as the retry its return allows. Booked as a payment on its
    collection day; a return (R-transaction) reverses that payment."""

    batch = ForeignKey(null=False, references=DirectDebitBatch, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(null=False, references=Case, index=True, on_delete=OnDelete.restrict)
    plan = ForeignKey(null=False, references=PaymentPlan, index=True, on_delete=OnDelete.restrict)
    instalment = ForeignKey(null=False, references=Instalment, index=True, on_delete=OnDelete.restrict)
    slot = Varchar(length=30, unique=True)
    attempt = Integer(default=1)
    end_to_end_id = Varchar(length=35, unique=True)
    mandate_reference = Varchar(length=35)
    sequence = Varchar(length=4)  # FRST | RCUR
    instrument = Varchar(length=4)  # CORE | B2B
    amount_cents = BigInt()
    status = Varchar(length=10, default="sent")  # sent | collected | returned
    ledger_entry = Integer(null=True, default=None)
    return_reason = Varchar(length=4, default="")
    returned_at = Timestamptz(null=True, default=None)
    notified_at = Timestamptz(null=True, default=None)  # when the debtor was told the amount and the day (the worker, once)


class Complaint(Table, tablename="complaints"):
    """A complaint against the agency's conduct (cases.complaints): from the debtor, the creditor or staff, about a case
    or none; its owner answers by ``due_on``. The answer and the outcome are written once; who did what is on the
    case's timeline."""

    case = ForeignKey(references=Case, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    organisation = ForeignKey(references=Organisation, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    source = Varchar(length=10)  # debtor | creditor | staff
    cause = Varchar(length=10)  # contact | amount | data | conduct | other
    body = Text()
    consumer = Boolean(default=False)  # the complainant is a consumer (the shorter deadline)
    received_on = Date()
    due_on = Date(index=True)
    owner = ForeignKey(references=User, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    status = Varchar(length=10, default="open", index=True)  # open | answered
    answer = Text(default="")
    outcome = Varchar(length=10, default="")  # upheld | partly | rejected
    answered_on = Date(null=True, default=None)
    answered_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    answer_sent_to = Varchar(length=254, default="")  # the address the answer was emailed to; "" = none on file (sent by post, or staff's own)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)  # None: the debtor, from their page
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookEndpoint(Table, tablename="webhook_endpoints"):
    """A creditor's system that is told what happens to its cases (cases.webhooks): an address, the event types it
    takes, and the secret its deliveries are signed with (sealed with a key derived from AGENCY_SECRET_KEY; shown once).
    Removed ones stay (``active`` false) so their delivery log can still be read."""

    organisation = ForeignKey(references=Organisation, null=False, index=True, on_delete=OnDelete.restrict)
    url = Varchar(length=2000)
    secret_sealed = Text()
    secret_hint = Varchar(length=12, default="")  # the secret's last characters, to tell it apart
    events = Text(default="")  # the event types it takes, comma-separated (case.opened, payment.received, ...)
    active = Boolean(default=True, index=True)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
    removed_at = Timestamptz(null=True, default=None)


class WebhookDelivery(Table, tablename="webhook_deliveries"):
    """One event for one endpoint: written in the event's transaction, sent by the worker (claimed with a lease),
    retried with backoff for a day. ``idempotency_key`` (endpoint and event) makes each event one delivery per
    endpoint; a replay is a new delivery of the same event (``replay_of``)."""

    endpoint = ForeignKey(references=WebhookEndpoint, null=False, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(references=Case, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    event = BigInt(null=True, default=None)  # the case event (case_events.id) it tells of
    event_type = Varchar(length=40)
    idempotency_key = Varchar(length=100, unique=True)
    payload = Text()  # the exact JSON body sent, signed on every attempt
    status = Varchar(length=10, default="pending", index=True)  # pending | delivered | failed
    attempts = Integer(default=0)
    first_attempt_at = Timestamptz(null=True, default=None)
    next_attempt_at = Timestamptz(null=True, default=None, index=True)
    claimed_until = Timestamptz(null=True, default=None)
    last_status = Integer(null=True, default=None)  # the receiver's last HTTP status
    last_error = Text(default="")
    delivered_at = Timestamptz(null=True, default=None)
    replay_of = BigInt(null=True, default=None)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)  # who replayed it
    created_at = Timestamptz(default=TimestamptzNow())


class SavedView(Table, tablename="saved_views"):
    """A case list's filters and order saved under a name by one user (cases.lists), shown on their list."""

    user = ForeignKey(null=False, references=User, index=True, on_delete=OnDelete.cascade)
    name = Varchar(length=80)
    stage = Varchar(length=20, default="")
    q = Varchar(length=100, default="")
    sort = Varchar(length=20, default="opened")
    descending = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ConversationMessage(Table, tablename="conversation_messages"):
    """A message between the creditor and the agency on a case (cases.conversation), seen by both. A creditor's message is
    a question the agency answers by ``due_on`` (two business days); the agency's next message on the case answers it
    (``answered_at``, ``answered_by``). Written once, never edited."""

    case = ForeignKey(null=False, references=Case, index=True, on_delete=OnDelete.restrict)
    side = Varchar(length=10)  # creditor | agency
    author = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())
    due_on = Date(null=True, default=None, index=True)  # a creditor's question: the day the answer is due
    answered_at = Timestamptz(null=True, default=None)
    answered_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)


class ConversationFile(Table, tablename="conversation_files"):
    """A file attached to a message: one of the case's evidence (kept, checked and hashed as every document is)."""

    message = ForeignKey(null=False, references=ConversationMessage, index=True, on_delete=OnDelete.restrict)
    evidence = ForeignKey(null=False, references=Evidence, index=True, on_delete=OnDelete.restrict)


class Notification(Table, tablename="notifications"):
    """Something a user is told of (cases.notifications): its kind and parameters, never a sentence (the text is rendered in
    the reader's language when read). Emailed at most once: ``emailed_at`` set, with ``email`` (the outbox message) when it
    went out in a digest, without when the reader's preference or their reading it first made a mail needless. The unread
    count's index: migration ``notifications_unread`` (user, read_at); the digest's: ``notifications_pending``."""

    user = ForeignKey(null=False, references=User, on_delete=OnDelete.restrict)
    kind = Varchar(length=30)  # payment_received | stage_changed | decision_waiting | ... (cases.notifications.rules.KINDS)
    case = ForeignKey(references=Case, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    event = BigInt(null=True, default=None)  # the case event (case_events.id) it tells of
    params = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())
    read_at = Timestamptz(null=True, default=None)
    emailed_at = Timestamptz(null=True, default=None)
    email = BigInt(null=True, default=None)  # the outbox message (outbox_messages.id) that carried it


class NotificationPreference(Table, tablename="notification_preferences"):
    """How a user wants one kind of notification emailed: immediately, daily or never (none: the kind's default).
    Unique per (user, kind): migration index ``notification_preferences_user_kind``."""

    user = ForeignKey(null=False, references=User, on_delete=OnDelete.cascade)
    kind = Varchar(length=30)
    mode = Varchar(length=12)  # immediately | daily | never


class NotificationDigest(Table, tablename="notification_digests"):
    """One email of notifications to one user for one period (``daily:<local day>`` or ``now:<first notification>``):
    unique per (user, period), so two workers never send the same period twice."""

    user = ForeignKey(null=False, references=User, on_delete=OnDelete.restrict)
    period = Varchar(length=40)
    email = BigInt(null=True, default=None)  # the outbox message
    items = Integer(default=0)  # how many notifications it listed
    created_at = Timestamptz(default=TimestamptzNow())


class Insolvency(Table, tablename="insolvencies"):
    """A debtor in insolvency proceedings (concurso, cases.insolvency): the court, the BOE publication that starts the
    month to communicate the claim (legal.rules.insolvency), the administrator. While open (``ended_on`` empty) the
    debtor's cases get no contact and no new filing. ``open_debtor`` is the debtor's id while open and empty once ended:
    unique, so a debtor has one open concurso on both databases, even when two people mark it at once."""

    debtor = ForeignKey(null=False, references=Debtor, index=True, on_delete=OnDelete.restrict)
    open_debtor = Integer(null=True, default=None, unique=True)
    court = Varchar(length=200)
    published_on = Date()
    declared_on = Date(null=True, default=None)  # the court's order (auto): interest stops that day (TRLC art. 152)
    administrator = Varchar(length=300, default="")
    marked_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    marked_at = Timestamptz(default=TimestamptzNow())
    ended_on = Date(null=True, default=None)


# --- report totals (cases.reports.totals): kept by the services that change what they sum, in the same transaction ----

class StageTotal(Table, tablename="report_stage_totals"):
    """Per creditor, stage and negotiator (0: none): the cases there now, their invoices (undisputed, and all) and what
    was collected on them (payments net of reversals). The reports page and the creditor's home read these few rows
    instead of a million cases."""

    organisation = ForeignKey(null=False, references=Organisation, on_delete=OnDelete.restrict)
    stage = Varchar(length=20)
    negotiator = Integer(default=0)
    cases = Integer(default=0)
    principal_cents = BigInt(default=0)
    invoiced_cents = BigInt(default=0)
    collected_cents = BigInt(default=0)


class DueTotal(Table, tablename="report_due_totals"):
    """Per creditor and due date: the undisputed invoices of open cases (the ageing of what is owed)."""

    organisation = ForeignKey(null=False, references=Organisation, on_delete=OnDelete.restrict)
    due_date = Date()
    invoices = Integer(default=0)
    cents = BigInt(default=0)


class LedgerTotal(Table, tablename="report_ledger_totals"):
    """Per creditor, day, kind and method: the ledger's entries summed (collections and fees per month, the home's sums)."""

    organisation = ForeignKey(null=False, references=Organisation, on_delete=OnDelete.restrict)
    booked_on = Date()
    kind = Varchar(length=20)
    method = Varchar(length=20, default="")
    entries = Integer(default=0)
    cents = BigInt(default=0)
