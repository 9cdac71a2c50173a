import os

from piccolo.conf.apps import AppConfig

from legal.tables import (
                          Bundle,
                          CalendarFeed,
                          Deadline,
                          DebtorAsset,
                          Document,
                          DocumentTemplate,
                          Filing,
                          FilingStep,
                          Hearing,
                          InjuncaoBatch,
                          InjuncaoRequest,
                          InterestRate,
                          LegalAction,
                          Mediation,
                          MediationSession,
)

APP_CONFIG = AppConfig(
    app_name="legal",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[InterestRate, LegalAction, DocumentTemplate, Document, Filing, FilingStep, Hearing, Deadline, Mediation, MediationSession,
                   InjuncaoBatch, InjuncaoRequest, CalendarFeed, Bundle, DebtorAsset],
    migration_dependencies=["cases.piccolo_app"],
    commands=[],
)
