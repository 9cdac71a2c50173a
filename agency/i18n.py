"""Translations and locale-aware formatting.

The interface speaks Spanish first and English in full. Source strings are English msgids; the
catalogs live in ``agency/locale`` (compiled to .mo by the build). The language of the current
request sits in a context variable, so ``gettext`` works the same in controllers, templates and
services, and formatting (money, dates) follows the reader."""
from __future__ import annotations

import contextvars
import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as _format_datetime
from babel.dates import parse_pattern
from babel.numbers import format_decimal
from babel.support import LazyProxy, NullTranslations, Translations
from jinja2 import Undefined

_CENT = Decimal("0.01")

LANGUAGES = {"es": "Español", "en": "English"}  # the staff's and creditors' interface
# Everything a debtor reads (their page, their messages) is also in French and Portuguese.
DEBTOR_LANGUAGES = {**LANGUAGES, "fr": "Français", "pt": "Português"}
DEFAULT_LANGUAGE = "es"
LOCALE_DIR = Path(__file__).parent / "locale"
# Formatting locales: Spanish of Spain; English as written in Europe (23 Nov 2026, €1,234.56); French of France,
# Portuguese of Portugal.
_FORMAT_LOCALE = {"es": "es_ES", "en": "en_IE", "fr": "fr_FR", "pt": "pt_PT"}
_DATE_PATTERN = {"es": "dd/MM/yyyy", "en": "d MMM yyyy", "fr": "dd/MM/yyyy", "pt": "dd/MM/yyyy"}
DISPLAY_TZ = ZoneInfo("Europe/Madrid")

_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)


def set_language(language: str | None) -> str:
    lang = language if language in DEBTOR_LANGUAGES else DEFAULT_LANGUAGE
    _language.set(lang)
    return lang


def get_language() -> str:
    return _language.get()


@lru_cache(maxsize=None)
def translations(language: str) -> NullTranslations:
    found = Translations.load(str(LOCALE_DIR), [language], domain="messages")
    return found


def gettext(message: str, **variables) -> str:
    text = translations(get_language()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    """Like gettext, formatting only when given variables (Jinja's newstyle gettext formats itself)."""
    text = translations(get_language()).ungettext(singular, plural, n)
    if variables:
        variables.setdefault("num", n)
        return text % variables
    return text


def lazy_gettext(message: str, **variables) -> LazyProxy:
    """For messages made before the language is known (module level, pure rules): resolved when shown."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


def lazy_join(parts, separator: str = ", ") -> LazyProxy:
    """Lazy labels joined when shown, each in the reader's language then (a message's parameter made of labels must not
    be translated when the message is made: the reader may read it in another language)."""
    parts = list(parts)
    return LazyProxy(lambda: separator.join(str(p) for p in parts), enable_cache=False)


_ = gettext


class CountryName:
    """A country (ISO code) named in the reader's language when shown: "ES" reads "España" or "Spain"."""

    def __init__(self, code: str):
        self.code = code.upper()

    def __str__(self) -> str:
        return Locale.parse(_FORMAT_LOCALE[get_language()]).territories.get(self.code, self.code)


def as_codes(text):
    """A message made with lazy_gettext (and its parameters: money, numbers, countries, other such messages) as plain
    data to keep, so that it is written out in the language of whoever reads it, when read (``from_codes``), never kept
    as a sentence in the language of whoever made it. What it cannot take apart is kept as it reads now."""
    if isinstance(text, LazyProxy):
        func, args, kwargs = text._func, text._args, text._kwargs
        if func is gettext and args:
            return {"msgid": args[0], "params": {k: as_codes(v) for k, v in kwargs.items()}}
        if func is format_money and args:
            return {"money": str(args[0]), **({"currency": args[1]} if len(args) > 1 else {})}
        if func is format_number and args:
            return {"number": str(args[0]), **({"digits": args[1]} if len(args) > 1 else {})}
        return str(text)
    if isinstance(text, CountryName):
        return {"country": text.code}
    if isinstance(text, (int, str)) and not isinstance(text, bool):
        return text
    return str(text)


def from_codes(data) -> str:
    """What ``as_codes`` kept, in the current language."""
    if isinstance(data, dict):
        if "msgid" in data:
            return gettext(data["msgid"], **{k: from_codes(v) for k, v in data.get("params", {}).items()})
        if "money" in data:
            return format_money(Decimal(data["money"]), data.get("currency", "EUR"))
        if "number" in data:
            return format_number(Decimal(data["number"]), data.get("digits"))
        if "country" in data:
            return str(CountryName(data["country"]))
    return data if isinstance(data, (int, str)) else str(data)


def pick_language(user_language: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The user's saved choice, then the anonymous cookie, then the browser's wish, then Spanish."""
    for candidate in (user_language, cookie):
        if candidate in LANGUAGES:
            return candidate
    if accept_language:
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip().lower()[:2]
            if tag in LANGUAGES:
                return tag
    return DEFAULT_LANGUAGE


@lru_cache(maxsize=None)
def _money_format(language: str):
    locale = Locale.parse(_FORMAT_LOCALE[language])
    return locale, locale.currency_formats["standard"]


@lru_cache(maxsize=None)
def _date_format(language: str):
    return Locale.parse(_FORMAT_LOCALE[language]), parse_pattern(_DATE_PATTERN[language])


@lru_cache(maxsize=None)
def _money_shape(language: str, currency: str) -> tuple[str, str, str, str, dict] | None:
    """How babel writes amounts of ``currency`` in ``language``, learnt once from two probes: the
    text around the number (positive, negative) and the group and decimal marks. None when the
    currency does not have two decimals or the shape is not the plain one (then babel writes each)."""
    locale, pattern = _money_format(language)
    shapes = []
    for probe in ("1234567.89", "-1234567.89"):
        text = pattern.apply(Decimal(probe), locale, currency=currency, currency_digits=True)
        found = re.search(r"1(?P<group>\D)234(?P=group)567(\D)89", text)
        if found is None:
            return None
        shapes.append((text[:found.start()], text[found.end():], found.group(1), found.group(2)))
    (pre, post, group, mark), (npre, npost, ngroup, nmark) = shapes
    if (group, mark) != (ngroup, nmark):
        return None
    return pre, post, npre, npost, str.maketrans({",": group, ".": mark})


def format_money(amount: Decimal | int | str | None, currency: str = "EUR") -> str:
    """babel's currency format in the reader's language. Pages list many amounts, so an amount in
    whole cents is written from the shape babel uses (learnt once per language and currency; a test
    holds the two to the same output); anything else goes through babel itself."""
    if amount is None:
        return ""
    if isinstance(amount, Undefined):  # a figure the page could not compute (it says why)
        return "—"
    value = Decimal(amount)
    language = get_language()
    shape = _money_shape(language, currency)
    if shape is None or value != value.quantize(_CENT):
        locale, pattern = _money_format(language)
        return pattern.apply(value, locale, currency=currency, currency_digits=True)
    pre, post, npre, npost, marks = shape
    digits = f"{abs(value):,.2f}".translate(marks)
    return f"{npre}{digits}{npost}" if value < 0 else f"{pre}{digits}{post}"


def format_cents(cents: int | None, currency: str = "EUR") -> str:
    """Money stored as integer cents, shown exactly (no float on the way)."""
    return "" if cents is None else format_money(Decimal(int(cents)) / 100, currency)


def format_size(size: int | None) -> str:
    """File sizes as people read them: 391,2 KB / 1,4 MB."""
    if size is None:
        return ""
    if size < 1024 * 1024:
        return f"{format_number(round(size / 1024, 1), 1)} KB"
    return f"{format_number(round(size / (1024 * 1024), 1), 1)} MB"


def format_number(value, digits: int | None = None) -> str:
    fmt = None if digits is None else "#,##0." + "0" * digits
    return format_decimal(value, format=fmt, locale=_FORMAT_LOCALE[get_language()])


def format_day(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # ISO dates kept in event data
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.astimezone(DISPLAY_TZ).date()
    locale, pattern = _date_format(get_language())
    return pattern.apply(value, locale)


def format_month(value: str | date, width: str = "abbreviated", with_year: bool = False) -> str:
    """A month (YYYY-MM or a date) by its name in the reader's language: "dic" / "Dec", or "dic 2026" with the year
    (babel's stand-alone names: the chart's axis, not a date in a sentence)."""
    day = date.fromisoformat(value[:7] + "-01") if isinstance(value, str) else value
    names = Locale.parse(_FORMAT_LOCALE[get_language()]).months["stand-alone"][width]
    name = names[day.month].rstrip(".")
    return f"{name} {day.year}" if with_year else name


def format_moment(value: datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # ISO moments kept in event data (a hearing's time, with its offset)
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
        if value.tzinfo is None:
            value = value.replace(tzinfo=DISPLAY_TZ)
    lang = get_language()
    return _format_datetime(value, _DATE_PATTERN[lang] + " HH:mm", tzinfo=DISPLAY_TZ, locale=_FORMAT_LOCALE[lang])


def language_name(code: str) -> str:
    return Locale.parse(code).get_display_name(code).capitalize()
