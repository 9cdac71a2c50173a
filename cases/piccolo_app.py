import os

from piccolo.conf.apps import AppConfig

from cases.tables import (
    BankStatement,
    Bureau,
    BureauBatch,
    BureauReport,
    Case,
    CaseEvent,
    CaseSequence,
    Complaint,
    Debtor,
    DebtorLink,
    DirectDebit,
    DirectDebitBatch,
    Evidence,
    ImportJob,
    Instalment,
    InstalmentReminder,
    Invoice,
    LedgerEntry,
    MessageTemplate,
    OnlinePayment,
    PaymentPlan,
    PlanRules,
    PortalAttempt,
    PortalSession,
    Promise,
    ReminderSent,
    ReminderStep,
    Remittance,
    RemittanceExport,
    SavedView,
    StatementLine,
)

APP_CONFIG = AppConfig(
    app_name="cases",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Debtor, Case, CaseSequence, Invoice, Evidence, CaseEvent, ImportJob, Promise, PaymentPlan, Instalment, LedgerEntry,
                   MessageTemplate, ReminderStep, ReminderSent, InstalmentReminder, Remittance, RemittanceExport, Bureau, BureauBatch, BureauReport,
                   DebtorLink, PortalAttempt, PortalSession, OnlinePayment, PlanRules, BankStatement, StatementLine,
                   DirectDebitBatch, DirectDebit, Complaint, SavedView],
    migration_dependencies=["agency.piccolo_app"],
    commands=[],
)
