"""The one Jinja2 environment: pages, htmx fragments and emails, all translated through gettext."""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, select_autoescape

from agency import i18n
from agency.settings import ROOT

TEMPLATES_DIR = ROOT / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "htm", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the code: a server reads each once, not its mtime on every render.
        # Tests and `make run` change nothing under it; a template edit needs a restart, as code does.
        auto_reload=False,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(money=i18n.format_money, cents=i18n.format_cents, filesize=i18n.format_size, day=i18n.format_day, moment=i18n.format_moment, number=i18n.format_number)
    from cases.stages import STAGE_LABELS  # lazy strings: translated when shown, built once
    from legal.court import STATUS_LABELS as FILING_STATUS_LABELS
    from legal.deadlines import DEADLINE_RULES
    from legal.documents import TEMPLATES as DOCUMENT_TEMPLATES
    from legal.procedures import PROCEDURES

    env.globals.update(LANGUAGES=i18n.LANGUAGES, get_language=i18n.get_language, STAGE_LABELS=STAGE_LABELS,
                       DOCUMENT_TEMPLATES=DOCUMENT_TEMPLATES, PROCEDURES=PROCEDURES, FILING_STATUS_LABELS=FILING_STATUS_LABELS,
                       DEADLINE_RULES=DEADLINE_RULES)
    return env


def render_text(template: str, **context) -> str:
    """Render a template outside a request (emails, documents), in the current language."""
    return environment().get_template(template).render(**context)
