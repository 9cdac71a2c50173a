import os

from piccolo.conf.apps import AppConfig

from agency.tables import (
    AccessRecord,
    ApiToken,
    ContractAcceptance,
    LoginAttempt,
    Organisation,
    OutboxMessage,
    PasswordToken,
    RecoveryCode,
    SecurityPolicy,
    Tariff,
    User,
)

APP_CONFIG = AppConfig(
    app_name="agency",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        Tariff, Organisation, User, ApiToken, PasswordToken, LoginAttempt, OutboxMessage, ContractAcceptance, RecoveryCode,
        SecurityPolicy, AccessRecord,
    ],
    migration_dependencies=[],
    commands=[],
)
