"""Names as they are searched: accents, case and punctuation do not matter (cases.queries.search_key)."""
import pytest

from cases.queries import search_key


@pytest.mark.parametrize("name, typed", [
    ("Muñoz-García, S.L.", "munoz garcia"),
    ("Muñoz-García, S.L.", "munoz garcia sl"),
    ("Hermanos Peris S L", "peris s.l."),
    ("J. M. Pérez Gómez", "jm perez"),
    ("João Conceição Lda.", "joao conceicao"),
    ("FRANÇOIS Lefèvre SARL", "francois lefevre"),
    ("Ángela  Ibáñez\tÚbeda", "angela ibanez ubeda"),
    ("Straße GmbH", "strasse"),
])
def test_a_name_is_found_as_it_is_typed(name, typed):
    assert search_key(typed) in search_key(name)


def test_nothing_to_search_is_empty():
    assert search_key("%_ ,.") == "" and search_key("") == ""
