"""Search everywhere: what a term is read as, and how what it finds is ranked (cases.search.rules)."""
from pathlib import Path

from cases.queries import search_key
from cases.search import rules
from cases.search.rules import CONTAINS, EXACT, PREFIX, Hit, classify, name_rank, problem, ranked
from cases.search.service import PHONE_KEY


def test_a_whole_reference_in_any_case_is_read_exactly():
    term = classify("exp-2026-000123", search_key)
    assert term.reference == "EXP-2026-000123" and term.reference_part == ""
    assert term.name == "" and term.tax_ids == () and term.invoice == "exp-2026-000123"  # nothing else to look through


def test_part_of_a_reference():
    for q in ("2026-000123", "000123", "EXP-2026"):
        assert classify(q, search_key).reference_part == q, q
    assert classify("Perís", search_key).reference_part == ""


def test_a_tax_id_in_any_spacing_or_case():
    for q in ("b46123451", "B-46.123.451", "b 4612 3451", "ESB46123451"):
        assert "B46123451" in classify(q, search_key).tax_ids, q
    assert classify("Peris", search_key).tax_ids == ()


def test_an_email_is_lower_case_and_nothing_else():
    term = classify("Pagos@Norte.TEST", search_key)
    assert term.email == "pagos@norte.test" and term.name == "" and term.phones == ()


def test_a_phone_in_the_forms_it_may_be_kept_in():
    forms = classify("600 12 34 56", search_key).phones
    assert {"+34600123456", "600123456", "0034600123456"} <= set(forms)
    assert "+34600123456" in classify("+34 600-123-456", search_key).phones
    assert classify("12", search_key).phones == () and classify("Perís", search_key).phones == ()


def test_a_name_is_folded_as_search_name_is():
    assert classify("Perís", search_key).name == "peris"
    assert classify("  Muñoz   García ", search_key).name == "munoz garcia"
    assert classify("12345", search_key).name == ""  # no letter: no name
    for q in ("S-500000", "b 0050 0000", "F-2025/17", "x1"):  # identifiers, not names
        assert classify(q, search_key).name == "", q
    assert classify("Talleres 2000", search_key).name == "talleres 2000"


def test_an_invoice_number_is_taken_as_typed():
    assert classify("F-2025/17", search_key).invoice == "F-2025/17"
    assert classify("two words", search_key).invoice == ""


def test_a_term_is_two_to_a_hundred_characters():
    assert problem(None) == problem("") == problem(" a ") == "short"
    assert problem("ab") is None and problem("x" * 100) is None
    assert problem("x" * 101) == "long"


def test_names_that_start_so_before_names_that_hold_it():
    assert name_rank("peris sl", "peris") == PREFIX
    assert name_rank("garcia peris", "peris") == CONTAINS


def test_ranking_exact_first_each_case_once_at_its_best():
    hits = [
        Hit("debtor", 1, "EXP-2026-000001", "Zapatos Perís", CONTAINS),
        Hit("debtor", 2, "EXP-2026-000002", "Perís Hermanos", PREFIX),
        Hit("invoice", 3, "EXP-2026-000003", "Invoice PERIS-1: Ana", EXACT),
        Hit("debtor", 3, "EXP-2026-000003", "Ana", CONTAINS),
        Hit("debtor", 4, "EXP-2026-000004", "Alba Perís", CONTAINS),
    ]
    out = ranked(hits)
    assert [h.case_id for h in out] == [3, 2, 4, 1]
    assert out[0].kind == "invoice"
    assert len(ranked(hits, limit=2)) == 2


def test_the_phone_index_and_the_query_write_the_expression_alike():
    migration = Path(__file__).parents[3] / "cases/piccolo_migrations/cases_2026_12_07t10_20_00_000000.py"
    assert f'PHONE_KEY = "{PHONE_KEY}"' in migration.read_text()
    for sep in rules.PHONE_SEPARATORS:
        assert f"'{sep}'" in PHONE_KEY
    assert rules.phone_key("+34 (600) 12-34.56/") == "+34600123456"


def test_a_reference_in_part_anchored_at_its_year():
    for part, rest in (("2026-0001", "2026-0001"), ("2026-", "2026-"), ("EXP-2026", "2026"), ("XP-2026-00", "2026-00"),
                       ("EXP-2026-000123", "2026-000123")):
        assert rules.reference_rest(part) == rest, part
    references = [f"{letters}-{year}-{n:06d}" for letters in ("EXP", "XP", "AB") for year in (2025, 2026, 2020) for n in
                  (0, 1, 123, 2026, 202600, 20260, 1234567)]
    for part in ("2026-0001", "2026-", "EXP-2026", "XP-2026-00", "EXP-2026-000123", "2020-02", "P-202"):
        rest = rules.reference_rest(part)
        assert rest and [r for r in references if part in r] == [r for r in references if r.split("-", 1)[1].startswith(rest)
                                                                  and part in r], part  # the rest's index finds every one
        assert [r for r in references if part in r], part
    for part in ("000123", "2026", "26-0001", "202-01"):  # may be anywhere in a reference: not anchored
        assert rules.reference_rest(part) == "", part


def test_the_search_indexes_and_the_queries_name_them_alike():
    from cases.search import service

    migration = (Path(__file__).parents[3] / "cases/piccolo_migrations/cases_2026_12_07t15_30_00_000000.py").read_text()
    for expression in (service.REFERENCE_REST, service.REFERENCE_REST_SQLITE):
        assert expression.replace('"collection_cases".', "").replace('"reference"', "reference") in migration
    for fts, column in service.FTS.values():
        assert f'("{fts}", ' in migration and f', "{column}")' in migration
    assert "to_tsvector('simple', search_name)" in migration and "gin (search_pairs(search_name))" in migration
