"""Piccolo's configuration: the engine from AGENCY_DATABASE_URL, and the three apps."""
from piccolo.conf.apps import AppRegistry

from agency.db import make_engine
from agency.settings import get_settings

DB = make_engine(get_settings().database_url)

APP_REGISTRY = AppRegistry(apps=["agency.piccolo_app", "cases.piccolo_app", "legal.piccolo_app"])
