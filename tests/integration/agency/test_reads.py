"""agency.db.fetch_records: a short read on SQLite runs at hand on the calling thread (its own connection, no hand-off to
a reading thread) and answers what the reading threads answer; on PostgreSQL ``short`` changes nothing."""
import threading

from agency.db import _questioned, engine, fetch_records, is_sqlite
from tests.factories import create_org


async def test_a_short_read_answers_as_any_read_and_keeps_its_connection_at_hand(database):
    org = await create_org("Lecturas S.L.")
    sql = "SELECT id, legal_name FROM organisations WHERE id = {}"
    at_hand = await fetch_records(sql, org, short=True)
    handed_off = await fetch_records(sql, org)
    assert [dict(r) for r in at_hand] == [dict(r) for r in handed_off] == [{"id": org, "legal_name": "Lecturas S.L."}]
    if is_sqlite():
        kept = engine().at_hand.conn  # this thread's (the event loop's), its own connection
        assert kept is not None and all(conn is not kept[1] for conn in engine().kept[2])
        await fetch_records(sql, org, short=True)
        assert engine().at_hand.conn[1] is kept[1]  # kept, not opened again
        seen = []
        other = threading.Thread(target=lambda: seen.append(engine().read_at_hand(_questioned(sql, 1), [org])))
        other.start()
        other.join()
        assert [dict(r) for r in seen[0]] == [dict(r) for r in at_hand] and engine().at_hand.conn[1] is kept[1]  # another thread: its own
