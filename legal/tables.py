"""Persistence of the legal side: statutory rates, the hand-off to legal, document templates and the
documents made from them, court filings with their hearings, deadlines, and mediations."""
from piccolo.columns import BigInt, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from agency.tables import User
from cases.tables import Case, InterestRate  # noqa: F401  (InterestRate: declared in cases, migrated with legal)


class LegalAction(Table, tablename="legal_actions"):
    """A proposal to take a case to court: the estimate the creditor saw, their answer, the lawyer who
    took it. One row per proposal; a declined or withdrawn one stays as it was."""

    case = ForeignKey(references=Case, null=False, index=True, on_delete=OnDelete.restrict)
    status = Varchar(length=12, default="proposed", index=True)  # proposed | authorised | declined | taken | withdrawn
    procedure = Varchar(length=30)
    estimate = Text()  # JSON: the procedure proposal and the fees, exactly as shown to the creditor
    note = Text(default="")
    proposed_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    proposed_at = Timestamptz(default=TimestamptzNow())
    answered_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    answered_at = Timestamptz(null=True, default=None)
    answer_note = Text(default="")
    taken_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    taken_at = Timestamptz(null=True, default=None)


class DocumentTemplate(Table, tablename="document_templates"):
    """An uploaded version of a document template (the shipped .docx files are version 1). Only a
    version that rendered against the sample case with every variable known is ever active."""

    key = Varchar(length=40, index=True)
    version = Integer()
    storage_key = Varchar(length=200, unique=True)
    sha256 = Varchar(length=64)
    size = Integer()
    original_name = Varchar(length=200)
    active = Boolean(default=True)
    uploaded_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


# The filename of a document whose file was deleted with its debtor's data (legal.personal_data); downloads answer 410.
ERASED_FILENAME = ""


class Document(Table, tablename="documents"):
    """A document generated for a case: the exact bytes (by SHA-256), the template version and the date
    its figures were computed to. Regenerating makes a new version; none is overwritten."""

    case = ForeignKey(references=Case, null=False, index=True, on_delete=OnDelete.restrict)
    template = Varchar(length=40)
    template_version = Integer()
    version = Integer()  # per case and template
    storage_key = Varchar(length=200, unique=True)
    filename = Varchar(length=200)
    sha256 = Varchar(length=64)
    size = BigInt()
    data_date = Date()
    visible_to_creditor = Boolean(default=False)
    pdf_storage_key = Varchar(length=200, null=True, default=None)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class Bundle(Table, tablename="bundles"):
    """A filing bundle made of a petition (legal.documents.bundles): the ZIP kept in storage by its SHA-256, who
    made it and when, how many PDFs it holds and the documents it could not include (JSON: [{title, reason}])."""

    case = ForeignKey(references=Case, null=False, index=True, on_delete=OnDelete.restrict)
    document = ForeignKey(references=Document, null=False, index=True, on_delete=OnDelete.restrict)
    storage_key = Varchar(length=200, unique=True)
    filename = Varchar(length=200)
    sha256 = Varchar(length=64)
    size = BigInt()
    pdfs = Integer()
    omitted = Text(default="[]")
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class Filing(Table, tablename="filings"):
    """A claim before a court. Status changes are case events (with from and to), so the history stays."""

    case = ForeignKey(references=Case, null=False, index=True, on_delete=OnDelete.restrict)
    procedure = Varchar(length=30)
    court = Varchar(length=200)
    status = Varchar(length=12, default="prepared")
    filed_on = Date(null=True, default=None)
    court_case_number = Varchar(length=60, default="")
    served_on = Date(null=True, default=None)
    outcome = Text(default="")
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class FilingStep(Table, tablename="filing_steps"):
    """What the court did, on the day it did it (legal.court.steps checks the order and opens the deadlines):
    admitted, served, paid, no_answer, opposed, decree, enforcement_requested, attachment, judgment...
    Appended, never updated: a step recorded by mistake is followed by a correcting one, with its note."""

    filing = ForeignKey(references=Filing, null=False, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(references=Case, null=False, index=True, on_delete=OnDelete.restrict)
    step = Varchar(length=24)
    on = Date()
    note = Text(default="")
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class DebtorAsset(Table, tablename="debtor_assets"):
    """What the lawyer knows the debtor owns, to designate for attachment at enforcement (LEC 549.1.3, 589): a bank
    account (its IBAN), a salary (the employer), a vehicle (its plate), a property (its cadastral reference)..."""

    case = ForeignKey(references=Case, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=16)  # legal.enforcement.rules.ASSET_KINDS
    description = Varchar(length=200)
    identifier = Varchar(length=100, default="")
    found_on = Date(null=True, default=None)
    note = Text(default="")
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class Hearing(Table, tablename="hearings"):
    filing = ForeignKey(references=Filing, null=False, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(references=Case, null=False, index=True, on_delete=OnDelete.restrict)
    at = Timestamptz(index=True)
    kind = Varchar(length=40, default="")
    place = Varchar(length=200, default="")
    notes = Text(default="")
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class Deadline(Table, tablename="deadlines"):
    """A date by which something must happen (legal.rules.deadlines computes it from the event)."""

    case = ForeignKey(references=Case, null=False, index=True, on_delete=OnDelete.restrict)
    filing = ForeignKey(references=Filing, null=True, default=None, on_delete=OnDelete.restrict)
    rule = Varchar(length=40)  # legal.rules.deadlines.DEADLINE_RULES key
    starts_on = Date()
    due_on = Date(index=True)
    status = Varchar(length=10, default="open", index=True)  # open | done | cancelled
    source_key = Varchar(length=80, unique=True)  # what created it: one deadline per event, even if asked twice
    done_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Mediation(Table, tablename="mediations"):
    """A mediation (Ley 5/2012): it suspends limitation from the mediator's receipt of the request
    until the agreement or the closing record."""

    case = ForeignKey(references=Case, null=False, index=True, on_delete=OnDelete.restrict)
    mediator = Varchar(length=200)
    requested_on = Date()
    received_on = Date()
    status = Varchar(length=10, default="running")  # running | agreed | failed
    ended_on = Date(null=True, default=None)
    agreement = Text(default="")
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class MediationSession(Table, tablename="mediation_sessions"):
    mediation = ForeignKey(references=Mediation, null=False, index=True, on_delete=OnDelete.restrict)
    held_on = Date()
    mediator = Varchar(length=200, default="")
    notes = Text(default="")
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class InjuncaoBatch(Table, tablename="injuncao_batches"):
    """A file of requerimentos de injunção for the Balcão Nacional de Injunções (Portaria 220-A/2008 art. 6): the layout
    it was written in (legal.injunctions.rules.BNI_LAYOUT), how many and how much, the stored file and its SHA-256."""

    reference = Varchar(length=40, unique=True)  # the file's own name, written in it: BNI-20261207-1A2B3C4D
    layout = Varchar(length=20)
    requests = Integer()  # how many requerimentos (cases) it holds
    total_cents = BigInt()
    sha256 = Varchar(length=64)
    storage_key = Varchar(length=200, unique=True)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class InjuncaoRequest(Table, tablename="injuncao_requests"):
    """One case's requerimento in a batch, with the amount claimed. ``case`` is unique: a case goes into one batch only
    (two lawyers at once: one file takes it, the other is told)."""

    batch = ForeignKey(references=InjuncaoBatch, null=False, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(references=Case, null=False, unique=True, on_delete=OnDelete.restrict)
    amount_cents = BigInt()


class CalendarFeed(Table, tablename="calendar_feeds"):
    """A lawyer's (or admin's) personal iCal feed: calendar apps cannot log in, so the URL's token is the credential.
    Stored as its SHA-256; the page shows the URL again from the nonce and the server's secret (legal.court.calendar).
    Renewing replaces the nonce and the hash (the old URL stops working); revoking deletes the row."""

    user = ForeignKey(references=User, null=False, unique=True, on_delete=OnDelete.cascade)
    nonce = Varchar(length=64)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
