"""The searched name of the debtors already there, written from their names (a thousand per statement)."""
import unicodedata

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-01T18:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Fill debtors.search_name from the names"


def search_key(text: str) -> str:
    """The search key as cases.queries.search_key wrote it on 1 December 2026, carried here (a migration never
    imports live code: what it writes must not change when that code does)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words: list[str] = []
    run = False
    for word in "".join(ch if ch.isalnum() else " " for ch in plain).split():
        single = len(word) == 1 and word.isalpha()
        if single and run:
            words[-1] += word
        else:
            words.append(word)
            run = single
    return " ".join(words)[:200]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def fill():
        engine = engine_finder()
        last = 0
        while True:
            rows = await engine.run_querystring(QueryString("SELECT id, name FROM debtors WHERE id > {} ORDER BY id LIMIT 1000", last))
            if not rows:
                break
            cases = " ".join("WHEN {} THEN {}" for _ in rows)
            args = [v for r in rows for v in (r["id"], search_key(r["name"]))]
            await engine.run_querystring(QueryString(
                f"UPDATE debtors SET search_name = CASE id {cases} END WHERE id >= {{}} AND id <= {{}}", *args, rows[0]["id"], rows[-1]["id"]))
            last = rows[-1]["id"]

    manager.add_raw(fill)
    return manager
