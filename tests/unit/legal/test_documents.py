"""The template rules without a database: which values a template uses, which are missing for a case,
which uploaded versions are refused, and that values are escaped into the Word XML."""
import io

import docx
import pytest
from docx import Document as WordDocument

from legal.documents.sample import sample_context
from legal.documents.service import SHIPPED, TEMPLATES, TemplateRefused, check_template, missing_data, render, template_source, used_paths


def test_used_paths_follow_loops_and_conditions():
    source = ("{% for i in invoices %}{{ i.number }}{% endfor %}{{ debtor.name|upper }}"
              "{% if plan %}{{ plan.total }}{% endif %}{{ amounts.outstanding }}")
    assert used_paths(source) == {"invoices", "debtor.name", "plan", "plan.total", "amounts.outstanding"}


def test_missing_data_names_what_the_case_lacks():
    ctx = sample_context()
    ctx["debtor"] = {**ctx["debtor"], "address": "", "email": ""}
    ctx["plan"] = None
    paths = {"debtor.name", "debtor.address", "debtor.email", "plan", "plan.total"}
    assert missing_data(paths, ctx, "reminder_letter") == ["debtor.address"]  # email is optional; the plan is not this letter's
    assert missing_data(paths, ctx, "debt_acknowledgement") == ["debtor.address", "plan"]
    ctx["invoices"] = []
    assert "invoices" in missing_data({"invoices"}, ctx, "payment_demand")


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_shipped_template_passes_the_upload_checks(key):
    data = (SHIPPED / f"{key}.docx").read_bytes()
    check_template(data, sample_context())
    assert missing_data(used_paths(template_source(data)), sample_context(), key) == []


def _with_paragraph(text: str) -> bytes:
    d = WordDocument(str(SHIPPED / "reminder_letter.docx"))
    d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_versions_with_unknown_values_or_broken_tags_are_refused():
    with pytest.raises(TemplateRefused, match="debtor.shoe_size"):
        check_template(_with_paragraph("{{ debtor.shoe_size }}"), sample_context())
    with pytest.raises(TemplateRefused):
        check_template(_with_paragraph("{{ debtor.name "), sample_context())
    with pytest.raises(TemplateRefused):
        check_template(b"PK\x03\x04 not really a document", sample_context())


def test_a_template_cannot_reach_python_internals(tmp_path):
    """Admins' templates are rendered in Jinja's sandbox: this one would run a shell command otherwise."""
    marker = tmp_path / "pwned.txt"
    evil = ("{{ (''.__class__.__mro__[1].__subclasses__()|selectattr('__name__','equalto','_wrap_close')|first)"
            f".__init__.__globals__.popen('id > {marker}').read() }}}}")
    with pytest.raises(TemplateRefused):
        check_template(_with_paragraph(evil), sample_context())
    with pytest.raises(TemplateRefused):
        check_template(_with_paragraph("{{ debtor.name.format.__globals__ }}"), sample_context())
    assert not marker.exists()


def test_values_are_escaped_into_the_xml():
    ctx = sample_context()
    ctx["debtor"] = {**ctx["debtor"], "name": 'Tuercas <b>&"Hnos"</b> S.L.'}
    out = render(_with_paragraph("Deudor: {{ debtor.name }}"), ctx)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(out)).paragraphs)
    assert 'Deudor: Tuercas <b>&"Hnos"</b> S.L.' in text


def test_the_privacy_notice_names_every_item_of_gdpr_article_14():
    from legal.rules.privacy import privacy_notice

    notice = privacy_notice({"name": "Construcciones Turia S.L.", "tax_id": "B46123451", "address": "C/ Colón 1", "city": "Valencia"},
                            {"name": "Recobros Ibéricos S.L.", "tax_id": "B12345674", "address": "C/ Mayor 1", "city": "Madrid",
                             "email": "privacidad@recobros.test"}, "ASNEF-Equifax y Experian BADEXCUG")
    assert list(notice) == ["controller", "processor", "purpose", "legal_basis", "source", "recipients", "retention", "rights", "contact"]
    assert notice["controller"].startswith("Construcciones Turia S.L. (NIF B46123451)")
    assert "artículo 28" in notice["processor"] and "6.1.f" in notice["legal_basis"]
    assert "BADEXCUG" in notice["recipients"] and "aepd" in notice["rights"] and "privacidad@recobros.test" in notice["contact"]
