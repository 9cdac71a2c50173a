import os

from piccolo.conf.apps import AppConfig

from agency.tables import ApiToken, LoginAttempt, Organisation, OutboxMessage, PasswordToken, User

APP_CONFIG = AppConfig(
    app_name="agency",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Organisation, User, ApiToken, PasswordToken, LoginAttempt, OutboxMessage],
    migration_dependencies=[],
    commands=[],
)
