"""Tax ids and IBANs: validated and normalised by python-stdnum and schwifty (pure, no I/O).

Each function returns the compact canonical form or raises ``InvalidIdentifier`` with a message
that names what is wrong, ready to show next to the field."""
from __future__ import annotations

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.es import nif as es_nif
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.fr import tva as fr_tva
from stdnum.pt import nif as pt_nif

from agency.i18n import lazy_gettext as _l

COUNTRIES = ("ES", "FR", "PT")


class InvalidIdentifier(ValueError):
    pass


def normalise_tax_id(country: str, value: str) -> str:
    """Spanish NIF/CIF/NIE, French SIREN or SIRET (or the VAT number, kept as its SIREN), Portuguese NIF."""
    country = (country or "").upper()
    raw = (value or "").strip()
    if not raw:
        raise InvalidIdentifier(_l("Enter the tax id."))
    # A VAT-style country prefix (ESB12345674) is accepted and dropped.
    if raw[:2].upper() == country:
        raw = raw[2:]
    try:
        if country == "ES":
            return es_nif.validate(raw)
        if country == "FR":
            compact = fr_siret.compact(raw)
            if len(compact) == 11:  # the intra-EU VAT number (FR + a 2-character key + the SIREN): the SIREN it names
                return fr_tva.validate("FR" + compact)[-9:]
            return fr_siret.validate(compact) if len(compact) == 14 else fr_siren.validate(compact)
        if country == "PT":
            return pt_nif.validate(raw)
    except ValidationError:
        messages = {
            "ES": _l("This is not a valid Spanish NIF, CIF or NIE."),
            "FR": _l("This is not a valid French SIREN or SIRET."),
            "PT": _l("This is not a valid Portuguese NIF."),
        }
        raise InvalidIdentifier(messages[country]) from None
    raise InvalidIdentifier(_l("Country must be one of ES, FR or PT."))


def normalise_iban(value: str) -> str:
    try:
        return IBAN(value or "").compact
    except SchwiftyException:
        raise InvalidIdentifier(_l("This is not a valid IBAN: check the country code, length and check digits.")) from None


def format_iban(compact: str) -> str:
    return IBAN(compact).formatted if compact else ""
