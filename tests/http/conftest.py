"""Every HTTP test ends with the report totals (cases.reports.totals, kept by the services in the transactions that change
cases, invoices and the ledger) equal to their recomputation from the rows: a path that writes a case, an invoice or a ledger
entry without keeping them fails the test that took it, whatever that test is about."""
import pytest


@pytest.fixture(autouse=True)
async def report_totals_agree_with_the_rows(request):
    yield
    if "database" not in request.fixturenames:  # (a test without the database wrote nothing)
        return
    from cases.reports import totals

    kept, fresh = await totals.kept(), await totals.from_scratch()
    for name in fresh:
        assert kept[name] == fresh[name], f"report totals ({name}) differ from the rows: {sorted(kept[name] ^ fresh[name])[:6]}"
