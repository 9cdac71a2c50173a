"""The templates that print a settlement offer are the ones the generating form asks the offer's discount for
(legal.documents.service.OFFER_TEMPLATES): read from the shipped Word files themselves."""
import re
import zipfile
from pathlib import Path

from legal.documents.service import OFFER_TEMPLATES, TEMPLATES

SHIPPED = Path(__file__).resolve().parents[3] / "legal" / "documents" / "templates"


def _text(path: Path) -> str:
    with zipfile.ZipFile(path) as docx:
        return re.sub(r"<[^>]+>", "", docx.read("word/document.xml").decode())  # (Word may split a tag across runs)


def test_the_offer_is_asked_for_exactly_the_templates_that_print_it():
    printing = {key for key in TEMPLATES if "offer." in _text(SHIPPED / f"{key}.docx")}
    assert printing == OFFER_TEMPLATES
