"""What a concurso as entered must hold (pure): the court, a BOE publication date that has happened, a declaration
date (optional) no later than it. The law of the concurso is legal.rules.insolvency's."""
from __future__ import annotations

from datetime import date

from agency.i18n import lazy_gettext as _l

COURT_MIN, COURT_MAX, ADMINISTRATOR_MAX = 5, 200, 300


def clean(text: str | None, limit: int) -> str:
    return " ".join(str(text or "").split())[:limit]


def mark_problems(court: str, published_on: date | None, declared_on: date | None, administrator: str, today: date) -> dict[str, object]:
    """Field -> what to fix (lazy strings, read in the caller's language); empty when the concurso can be recorded."""
    errors: dict[str, object] = {}
    court = " ".join(str(court or "").split())
    if len(court) < COURT_MIN:
        errors["court"] = _l("Name the court of the concurso (e.g. Juzgado de lo Mercantil n.º 1 de Sevilla, concurso 123/2026).")
    elif len(court) > COURT_MAX:
        errors["court"] = _l("The court's name is too long (at most 200 characters).")
    if published_on is None:
        errors["published_on"] = _l("Give the date the declaration was published in the BOE (YYYY-MM-DD).")
    elif published_on > today:
        errors["published_on"] = _l("The BOE publication date cannot be in the future.")
    if declared_on is not None:
        if declared_on > today:
            errors["declared_on"] = _l("The declaration date cannot be in the future.")
        elif published_on is not None and declared_on > published_on:
            errors["declared_on"] = _l("The declaration (the court's order) comes before its publication in the BOE.")
    if len(" ".join(str(administrator or "").split())) > ADMINISTRATOR_MAX:
        errors["administrator"] = _l("The administrator's details are too long (at most 300 characters).")
    return errors
