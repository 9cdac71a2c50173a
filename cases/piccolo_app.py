import os

from piccolo.conf.apps import AppConfig

from cases.tables import (
    Case, CaseEvent, CaseSequence, Debtor, Evidence, ImportJob, Instalment, Invoice, LedgerEntry, MessageTemplate, PaymentPlan,
    Promise, ReminderSent, InstalmentReminder, ReminderStep, Remittance, RemittanceExport, Bureau, BureauBatch, BureauReport,
)

APP_CONFIG = AppConfig(
    app_name="cases",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Debtor, Case, CaseSequence, Invoice, Evidence, CaseEvent, ImportJob, Promise, PaymentPlan, Instalment, LedgerEntry,
                   MessageTemplate, ReminderStep, ReminderSent, InstalmentReminder, Remittance, RemittanceExport, Bureau, BureauBatch, BureauReport],
    migration_dependencies=["agency.piccolo_app"],
    commands=[],
)
