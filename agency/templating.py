"""The one Jinja2 environment: pages, htmx fragments and emails, all translated through gettext."""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from litestar.template.base import csrf_token
from markupsafe import Markup, escape

from agency import i18n
from agency.settings import ROOT

TEMPLATES_DIR = ROOT / "templates"


_translated: dict[tuple[str, str, bool], str] = {}


@pass_context
def template_gettext(__context, __string: str, **variables):
    """Jinja's newstyle gettext (Markup when autoescaping, always %-formatted so "%%" reads "%"), with a
    string without variables translated once per language: a page calls ``_()`` dozens of times."""
    autoescape = __context.eval_ctx.autoescape
    if variables:
        text = i18n.translations(i18n.get_language()).ugettext(__string)
        return (Markup(text) if autoescape else text) % variables
    key = (i18n.get_language(), __string, autoescape)
    done = _translated.get(key)
    if done is None:
        text = i18n.translations(key[0]).ugettext(__string)
        done = _translated[key] = (Markup(text) if autoescape else text) % {}
    return done


@pass_context
def csrf_field(context) -> Markup:
    """The form's hidden CSRF field. A global rather than a macro: the shared macros are then imported
    without the page's context, which Jinja compiles once instead of on every render."""

    return Markup('<input type="hidden" name="_csrf_token" value="%s">') % csrf_token(context)


class _Reader(tuple):
    """What the top bar shows of the person reading (name and role): part of its cache key."""

    name = property(lambda self: self[0])
    role = property(lambda self: self[1])


# Stands for the reader's CSRF token in HTML that is kept (a private-use character, which nothing a
# template writes contains and escaping leaves alone); put in on the way out.
TOKEN = "\ue001token\ue001"


@lru_cache(maxsize=4096)
def _topbar_html(language: str, path: str, reader: _Reader | None) -> str:
    return environment().get_template("_topbar.html").render(path=path, user=reader, token=TOKEN)


@pass_context
def topbar(context) -> Markup:
    """The page's top bar (navigation, language, account), rendered once per reader, language and page,
    the CSRF token put in on each use: it is the same on every load of a page, and rendering it was an
    eighth of the queue page's time (tests/bench/test_queue_speed.py)."""

    user = context.get("user")
    request = context.get("request")
    path = request.url.path if request is not None else ""
    reader = _Reader((user.name, user.role)) if user else None
    token = str(escape(csrf_token(context))) if request is not None else ""
    return Markup(_topbar_html(i18n.get_language(), path, reader).replace(TOKEN, token))


class Translated(Mapping):
    """Labels (lazy strings) handed to templates as plain text in the reader's language: escaping a lazy
    string asks it for ``__html__``, which translates it again each time (the queue shows one per row)."""

    def __init__(self, labels: Mapping):
        self._labels = labels
        self._by_language: dict[str, dict[str, str]] = {}

    def _current(self) -> dict[str, str]:
        language = i18n.get_language()
        table = self._by_language.get(language)
        if table is None:
            table = self._by_language[language] = {key: str(label) for key, label in self._labels.items()}
        return table

    def __getitem__(self, key):
        return self._current()[key]

    def __iter__(self):
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


def in_language(name: str) -> str:
    """A name written "Spanish / English" (the starting message templates are), as the reader's language
    has it; any other name as written."""
    parts = name.split(" / ")
    if len(parts) != 2:
        return name
    return parts[1] if i18n.get_language() == "en" else parts[0]


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
    env.globals.update(_=template_gettext, gettext=template_gettext)  # Jinja's newstyle gettext, with the plain strings kept
    env.globals.update(csrf=csrf_field, topbar=topbar)
    env.filters.update(money=i18n.format_money, cents=i18n.format_cents, filesize=i18n.format_size, day=i18n.format_day, moment=i18n.format_moment, month=i18n.format_month,
                       number=i18n.format_number, in_language=in_language)
    env.globals.update(LANGUAGES=i18n.LANGUAGES, get_language=i18n.get_language)
    return env


def register_globals(**values) -> None:
    """Names every template may use that the foundation does not know (stage labels, procedures...): the
    shell registers them at start (agency.app.wire), so the foundation imports no case and no law."""
    environment().globals.update(values)


def render_text(template: str, **context) -> str:
    """Render a template outside a request (emails, documents), in the current language."""
    return environment().get_template(template).render(**context)
