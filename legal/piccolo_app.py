import os

from piccolo.conf.apps import AppConfig

from legal.tables import InterestRate

APP_CONFIG = AppConfig(
    app_name="legal",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[InterestRate],
    migration_dependencies=["cases.piccolo_app"],
    commands=[],
)
