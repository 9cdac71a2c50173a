"""agency.db.fetch_records: a short read on SQLite runs at hand on the calling thread (its own connection, no hand-off to
a reading thread) and answers what the reading threads answer; on PostgreSQL ``short`` changes nothing."""
import threading

from agency.db import engine, fetch_records, is_sqlite
from tests.factories import create_org


async def test_a_short_read_answers_as_any_read_and_keeps_its_connection_at_hand(database):
    org = await create_org("Lecturas S.L.")
    sql = "SELECT id, legal_name FROM organisations WHERE id = {}"
    at_hand = await fetch_records(sql, org, short=True)
    handed_off = await fetch_records(sql, org)
    assert [dict(r) for r in at_hand] == [dict(r) for r in handed_off] == [{"id": org, "legal_name": "Lecturas S.L."}]
    if is_sqlite():
        kept = engine().at_hand
        assert kept is not None and kept[1] == threading.get_ident()  # the event loop's thread, its own connection
        await fetch_records(sql, org, short=True)
        assert engine().at_hand[2] is kept[2]  # kept, not opened again
