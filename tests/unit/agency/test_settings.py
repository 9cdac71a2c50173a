import pytest

from agency.settings import _positive_int


def test_pool_size_defaults_and_refuses_nonsense(monkeypatch):
    monkeypatch.delenv("AGENCY_DB_POOL_SIZE", raising=False)
    assert _positive_int("AGENCY_DB_POOL_SIZE", 4) == 4
    monkeypatch.setenv("AGENCY_DB_POOL_SIZE", " 8 ")
    assert _positive_int("AGENCY_DB_POOL_SIZE", 4) == 8
    for bad in ("0", "-2", "many", "2.5"):
        monkeypatch.setenv("AGENCY_DB_POOL_SIZE", bad)
        with pytest.raises(ValueError, match="AGENCY_DB_POOL_SIZE must be a whole number of 1 or more"):
            _positive_int("AGENCY_DB_POOL_SIZE", 4)
