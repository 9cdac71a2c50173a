"""The GDPR art. 14 information a letter or page to an individual carries (LEGAL.md "Data protection in letters"),
pure: who is the controller (the creditor) and the processor (the agency, under an art. 28 contract), the purpose
and legal basis, where the data came from, who receives it, how long it is kept, the rights and whom to ask.
In Spanish, as the documents are; the portal will render the same keys in the debtor's language."""
from __future__ import annotations

LIMITATION_AND_ACCOUNTS_YEARS = 6  # Código de Comercio art. 30: accounting records kept six years
# Whom a debtor complains to (GDPR art. 77): the data protection authority of the case's country.
DATA_AUTHORITIES = {"ES": "Agencia Española de Protección de Datos (www.aepd.es)",
                    "FR": "Commission nationale de l'informatique et des libertés (www.cnil.fr)",
                    "PT": "Comissão Nacional de Proteção de Dados (www.cnpd.pt)"}


def privacy_notice(creditor: dict, agency: dict, bureau_files: str = "") -> dict[str, str]:
    """The keys of DESIGN.md's portal ``privacy`` object, as sentences: controller, processor, purpose, legal_basis,
    source, recipients, retention, rights, contact. ``creditor`` and ``agency``: name, tax_id, address, city (and
    the agency's email)."""
    bureaus = f"; los ficheros de solvencia patrimonial {bureau_files}, si la deuda llegara a comunicarse a ellos con los requisitos legales" \
        if bureau_files else ""
    return {
        "controller": f"{creditor['name']} (NIF {creditor['tax_id']}), {creditor['address']}, {creditor['city']}, acreedor de la deuda.",
        "processor": f"{agency['name']} (NIF {agency['tax_id']}), que gestiona el cobro por cuenta del acreedor como encargada del "
                     "tratamiento (artículo 28 del RGPD).",
        "purpose": "Gestionar el cobro de la deuda: comunicarnos con usted, acordar el pago y, en su caso, reclamarla judicialmente.",
        "legal_basis": "El interés legítimo del acreedor en cobrar lo que se le debe (artículo 6.1.f del RGPD) y la ejecución del "
                       "contrato del que nace la deuda (artículo 6.1.b).",
        "source": "El acreedor nos comunicó sus datos identificativos y de contacto y los de la deuda (facturas, importes y fechas).",
        "recipients": "El acreedor; abogados, procuradores y tribunales si hubiera que reclamar judicialmente" + bureaus + ".",
        "retention": "Mientras dure la gestión del cobro y, después, bloqueados durante los plazos de prescripción de las acciones "
                     f"y los {LIMITATION_AND_ACCOUNTS_YEARS} años que exige la legislación mercantil.",
        "rights": "Puede ejercer los derechos de acceso, rectificación, supresión, oposición, limitación del tratamiento y "
                  "portabilidad, y reclamar ante la Agencia Española de Protección de Datos (www.aepd.es).",
        "contact": f"{agency['name']}, {agency.get('email', '')}".rstrip(", "),
    }
