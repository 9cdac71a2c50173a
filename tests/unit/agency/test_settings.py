import pytest

from agency.settings import _base_url, _positive_int


def test_pool_size_defaults_and_refuses_nonsense(monkeypatch):
    monkeypatch.delenv("AGENCY_DB_POOL_SIZE", raising=False)
    assert _positive_int("AGENCY_DB_POOL_SIZE", 4) == 4
    monkeypatch.setenv("AGENCY_DB_POOL_SIZE", " 8 ")
    assert _positive_int("AGENCY_DB_POOL_SIZE", 4) == 8
    for bad in ("0", "-2", "many", "2.5"):
        monkeypatch.setenv("AGENCY_DB_POOL_SIZE", bad)
        with pytest.raises(ValueError, match="AGENCY_DB_POOL_SIZE must be a whole number of 1 or more"):
            _positive_int("AGENCY_DB_POOL_SIZE", 4)


def test_serving_at_another_port_than_the_base_url_names_is_warned_of():
    from agency.cli import base_url_warning

    assert base_url_warning("http://127.0.0.1:8000", "127.0.0.1", 8000) is None
    warning = base_url_warning("http://127.0.0.1:8000", "127.0.0.1", 8099)
    assert warning and "AGENCY_BASE_URL=http://127.0.0.1:8099" in warning
    assert base_url_warning("http://localhost", "0.0.0.0", 80) is None  # the scheme's port
    assert base_url_warning("http://localhost", "0.0.0.0", 8000) is not None
    assert base_url_warning("https://cobros.example.es", "127.0.0.1", 8000) is None  # behind a proxy
    assert base_url_warning("https://127.0.0.1", "127.0.0.1", 8000) is None  # TLS: a proxy in front


def test_the_base_url_is_an_address_links_can_be_made_from():
    assert _base_url("https://cobros.example.es/") == "https://cobros.example.es"
    assert _base_url(" http://127.0.0.1:8099 ") == "http://127.0.0.1:8099"
    for bad in ("http://127.0.0.1:80x", "cobros.example.es", "ftp://example.es", "http://"):
        with pytest.raises(ValueError, match="AGENCY_BASE_URL must be an http:// or https:// address"):
            _base_url(bad)
