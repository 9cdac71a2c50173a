import os

from piccolo.conf.apps import AppConfig

from cases.tables import Case, Debtor

APP_CONFIG = AppConfig(
    app_name="cases",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Debtor, Case],
    migration_dependencies=["agency.piccolo_app"],
    commands=[],
)
