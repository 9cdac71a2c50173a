"""Bank statements over HTTP (DESIGN.md "Money that arrives by itself"): a Norma 43 file uploaded books the credits
that name a case, once (the same file again, or twice at once, books nothing more); the rest wait for a person; a
refused file keeps nothing; creditors and negotiators cannot reach any of it."""
from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from datetime import datetime, timezone
from decimal import Decimal

from agency import clock, i18n
from agency.auth import CurrentUser
from agency.roles import Role
from cases.tables import BankStatement, Case, CaseEvent, LedgerEntry, Promise, StatementLine
from tests.factories import api_token, create_user, login, post_form
from tests.http.cases.test_money import _people
from tests.http.cases.test_negotiation import _accepted_case
from tests.unit.cases.test_bank_statements import n43, r11, r22, r23, r33, r88


def _statement(reference: str, other: str, account: str | None = None) -> bytes:
    """Today's movements of an account of its own (a line already read from the same account's earlier statement is
    not read twice): 100.00 naming ``reference`` (as a bank mangles it), 45.50 naming nothing, 12.00 out, and 30.00
    naming ``other``, a reference of no case."""
    account = account or f"{secrets.randbelow(10**10):010d}"
    day = clock.today().strftime("%y%m%d")
    mangled = reference.replace("-", "").lower()
    records = [
        r11(account, day, day, "2", 100000, name="AGENCIA COBROS SL"),
        r22(day, day, "02", "099", "2", 10000, "1", "", "TRANSFERENCIA"), r23("01", "PAGO FACTURAS", f"REF {mangled}"),
        r22(day, day, "02", "099", "2", 4550, "2", "", "TRANSFERENCIA"), r23("01", "TALLERES NORTE SL", "PAGO"),
        r22(day, day, "04", "001", "1", 1200, "0", "COMISION"),
        r22(day, day, "02", "099", "2", 3000, "3", "", other),
    ]
    records += [r33(account, 1, 1200, 3, 17550, "2", 100000 + 17550 - 1200), r88(len(records) + 1)]
    return n43(records)


async def _admin(make_client):
    client = await make_client()
    admin = await create_user("admin")
    return client, await api_token(client, admin["email"]), admin


async def test_a_statement_books_what_names_a_case_once_and_the_rest_waits_for_a_person(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    other_case = await _accepted_case(c, ch, nh)
    client, ah, _admin_user = await _admin(make_client)
    data = _statement(case["reference"], "EXP-1999-999999")
    r = await client.post("/api/v1/bank-statements", files={"file": ("extracto.n43", data, "text/plain")}, headers=ah)
    assert r.status_code == 201, r.text
    done = r.json()
    assert (done["format"], done["lines"], done["matched"], done["unmatched"]) == ("n43", 4, 1, 2)
    payments = await LedgerEntry.select(LedgerEntry.amount_cents, LedgerEntry.method).where(
        (LedgerEntry.case == case["id"]) & (LedgerEntry.kind == "payment"))
    assert payments == [{"amount_cents": 10000, "method": "transfer"}]
    # the same file again: the same statement, nothing more booked
    again = await client.post("/api/v1/bank-statements", files={"file": ("otra-vez.n43", data, "text/plain")}, headers=ah)
    assert again.status_code == 200 and again.json()["id"] == done["id"] and again.json()["matched"] == 1
    assert await LedgerEntry.count().where((LedgerEntry.case == case["id"]) & (LedgerEntry.kind == "payment")) == 1
    # what each line became
    lines = {line["amount"]: line for line in (await client.get(f"/api/v1/bank-statements/{done['id']}", headers=ah)).json()["lines"]}
    assert lines["100.00"]["status"] == "booked" and lines["100.00"]["case_reference"] == case["reference"]
    assert lines["100.00"]["matched_by"] == "reference"
    assert lines["-12.00"]["status"] == "debit"
    assert lines["45.50"]["status"] == "waiting" and lines["30.00"]["status"] == "waiting" and lines["30.00"]["note"]
    # a person books one by hand and sets the other aside; each decision is taken once
    url = f"/api/v1/bank-statements/{done['id']}/lines"
    r = await client.post(f"{url}/{lines['45.50']['id']}/match", json={"case_id": other_case["id"]}, headers=ah)
    assert r.status_code == 200, r.text
    assert (await client.post(f"{url}/{lines['45.50']['id']}/match", json={"case_id": case["id"]}, headers=ah)).status_code == 409
    assert (await client.post(f"{url}/{lines['30.00']['id']}/not-ours", headers=ah)).status_code == 200
    assert (await client.post(f"{url}/{lines['30.00']['id']}/match", json={"case_id": case["id"]}, headers=ah)).status_code == 409
    booked = await LedgerEntry.select(LedgerEntry.amount_cents).where((LedgerEntry.case == other_case["id"]) & (LedgerEntry.kind == "payment"))
    assert booked == [{"amount_cents": 4550}]
    row = await StatementLine.select().where(StatementLine.id == lines["45.50"]["id"]).first()
    assert row["matched_by"] == "hand" and row["decided_by"] == _admin_user["id"] and row["decided_at"] is not None
    # the bank against the ledger: the line that left (12.00) and the one set aside (30.00) are what the bank has alone
    money = (await client.get(f"/api/v1/bank-statements/{done['id']}/money", headers=ah)).json()
    assert money["explained"] is True and Decimal(money["bank_net"]) == Decimal("163.50")
    assert sorted(line["amount"] for line in money["bank_only"]) == ["-12.00", "30.00"]
    assert not any(x["reference"] in (case["reference"], other_case["reference"]) for x in money["ledger_only"])  # both brought by the bank
    # the creditor's statement of the case shows the payment (its timeline)
    events = (await c.get(f"/api/v1/cases/{case['id']}", headers=ch)).json()["events"]
    assert any(e["kind"] == "payment" for e in events)


async def test_the_same_file_uploaded_twice_at_once_books_once(make_client, backend):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    client, ah, _ = await _admin(make_client)
    data = _statement(case["reference"], "NADA")
    results = await asyncio.gather(*[client.post("/api/v1/bank-statements", files={"file": ("x.n43", data, "text/plain")}, headers=ah)
                                     for _ in range(3)])
    assert sorted(r.status_code for r in results) == [200, 200, 201], [r.text for r in results]
    assert await BankStatement.count().where(BankStatement.file_sha256 == hashlib.sha256(data).hexdigest()) == 1
    assert await LedgerEntry.count().where((LedgerEntry.case == case["id"]) & (LedgerEntry.kind == "payment")) == 1


async def test_a_refused_statement_keeps_nothing_and_says_which_line(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    client, ah, _ = await _admin(make_client)
    statements, lines = await BankStatement.count(), await StatementLine.count()
    good = _statement(case["reference"], "NADA").decode("latin-1").split("\r\n")
    bad_totals = "\r\n".join(good[:-3] + [good[-3].replace("00003", "00002", 1)] + good[-2:]).encode("latin-1")  # the 33 record's credit count
    r = await client.post("/api/v1/bank-statements", files={"file": ("x.n43", bad_totals, "text/plain")}, headers=ah)
    line_33 = len(good) - 3 + 1
    assert r.status_code == 400 and str(line_33) in r.json()["detail"], r.text  # the line at fault, named
    truncated = "\r\n".join(good[:-2]).encode("latin-1")  # no 88
    assert (await client.post("/api/v1/bank-statements", files={"file": ("x.n43", truncated, "text/plain")}, headers=ah)).status_code == 400
    assert (await client.post("/api/v1/bank-statements", files={"file": ("x.xml", b"<Document><oops", "text/xml")}, headers=ah)).status_code == 400
    assert (await BankStatement.count(), await StatementLine.count()) == (statements, lines)
    assert await LedgerEntry.count().where(LedgerEntry.case == case["id"]) == await LedgerEntry.count().where(
        (LedgerEntry.case == case["id"]) & (LedgerEntry.kind != "payment"))


async def test_creditors_and_negotiators_never_reach_the_bank(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    data = _statement(case["reference"], "NADA")
    before = await BankStatement.count()
    for headers in (ch, nh):
        assert (await c.post("/api/v1/bank-statements", files={"file": ("x.n43", data, "text/plain")}, headers=headers)).status_code == 403
        assert (await c.get("/api/v1/bank-statements", headers=headers)).status_code == 403
    assert await BankStatement.count() == before


async def test_the_page_uploads_and_a_person_books_a_waiting_line_by_its_reference(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    other_case = await _accepted_case(c, ch, nh)
    client = await make_client()
    admin = await create_user("admin")
    await login(client, admin["email"])
    page = await client.get("/admin/bank/")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    csrf = client.cookies.get("agency_csrf")
    r = await client.post("/admin/bank/", data={"_csrf_token": csrf}, files={"file": ("extracto.n43", _statement(case["reference"], "NADA"),
                                                                                           "text/plain")})
    assert r.status_code == 303, r.text
    statement = await BankStatement.select(BankStatement.id).order_by(BankStatement.id, ascending=False).first()
    shown = await client.get(r.headers["location"])
    assert shown.status_code == 200 and case["reference"] in shown.text and "TALLERES NORTE SL" in shown.text
    waiting = await StatementLine.select(StatementLine.id).where((StatementLine.statement == statement["id"]) & (StatementLine.amount_cents == 4550)).first()
    r = await post_form(client, f"/admin/bank/{statement['id']}/lines/{waiting['id']}",
                        {"decision": "book", "case_reference": other_case["reference"].replace("-", " ")})
    assert r.status_code == 303
    assert (await StatementLine.select(StatementLine.status).where(StatementLine.id == waiting["id"]).first())["status"] == "booked"
    money = await client.get(f"/admin/bank/{statement['id']}/money")
    assert money.status_code == 200 and "<svg" in money.text and "163,50" in money.text
    assert (await LedgerEntry.select(LedgerEntry.amount_cents).where(
        (LedgerEntry.case == other_case["id"]) & (LedgerEntry.kind == "payment")).first())["amount_cents"] == 4550


async def test_a_transfer_keyed_in_by_hand_is_not_booked_again_from_the_statement(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    client, ah, _ = await _admin(make_client)
    r = await c.post(f"/api/v1/cases/{case['id']}/payments", json={"amount": "100.00", "received_on": clock.today().isoformat(),
                                                                   "method": "transfer", "reference": "justificante"}, headers=nh)
    assert r.status_code == 201, r.text
    done = (await client.post("/api/v1/bank-statements", files={"file": ("x.n43", _statement(case["reference"], "NADA"), "text/plain")},
                              headers=ah)).json()
    assert done["matched"] == 0
    lines = {line["amount"]: line for line in (await client.get(f"/api/v1/bank-statements/{done['id']}", headers=ah)).json()["lines"]}
    assert lines["100.00"]["status"] == "waiting" and lines["100.00"]["case_id"] == case["id"] and lines["100.00"]["note"]
    assert await LedgerEntry.count().where((LedgerEntry.case == case["id"]) & (LedgerEntry.kind == "payment")) == 1
    # a person who knows it is another payment books it
    r = await client.post(f"/api/v1/bank-statements/{done['id']}/lines/{lines['100.00']['id']}/match", json={"case_id": case["id"]}, headers=ah)
    assert r.status_code == 200
    assert await LedgerEntry.count().where((LedgerEntry.case == case["id"]) & (LedgerEntry.kind == "payment")) == 2
    assert (await client.post(f"/api/v1/bank-statements/{done['id']}/lines/{lines['100.00']['id']}/match", json={"case_id": 2**40},
                              headers=ah)).status_code == 400


async def test_a_statements_payments_booked_together_are_booked_as_one_payment_is(make_client):
    """book_payments (a statement's transfers, read and written a thousand cases at a time) books what record_payment
    books for one: the same entry, success fee, timeline, promise kept and score; and refuses what it refuses."""
    from cases.payments.service import Incoming, book_payments, record_payment  # (this test's subject)

    org, c, ch, nh = await _people(make_client)
    one, many, twice, closed = [await _accepted_case(c, ch, nh) for _ in range(4)]
    for case in (one, many):
        r = await c.post(f"/api/v1/cases/{case['id']}/promises", json={"promised_on": clock.today().isoformat(), "amount": "40.00"}, headers=nh)
        assert r.status_code == 201, r.text
    await Case.update({Case.closed_at: datetime.now(timezone.utc)}).where(Case.id == closed["id"])
    admin = await create_user("admin")
    user = CurrentUser(id=admin["id"], email=admin["email"], name="Admin", role=Role.admin, organisation_id=None, language="es")
    today = clock.today()
    await record_payment(user, one["id"], Decimal("40.00"), today, "transfer", "PAGO", "bank:one", today)
    owed = (await c.get(f"/api/v1/cases/{twice['id']}", headers=nh)).json()["balance"]["outstanding"]
    left = int(Decimal(owed) * 100) - 100_00
    outcome = await book_payments(user, [Incoming(many["id"], 40_00, today, "transfer", "PAGO", "pay:bank:many"),
                                         Incoming(twice["id"], 100_00, today, "transfer", "PAGO", "pay:bank:first"),
                                         Incoming(twice["id"], left + 1, today, "transfer", "PAGO", "pay:bank:second"),
                                         Incoming(closed["id"], 10_00, today, "transfer", "PAGO", "pay:bank:closed")], today)
    assert isinstance(outcome["pay:bank:many"], int) and isinstance(outcome["pay:bank:first"], int)
    # (checked after the first of the same case: what it left owed, to the cent)
    assert outcome["pay:bank:second"].startswith(f"El pago supera lo que se debe ({i18n.format_cents(left, 'EUR')})")
    assert outcome["pay:bank:closed"] == "Este expediente está cerrado."

    async def booked(case_id: int) -> tuple:
        entries = await LedgerEntry.select(LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.booked_on, LedgerEntry.method,
                                           LedgerEntry.reference, LedgerEntry.created_by).where(LedgerEntry.case == case_id).order_by(LedgerEntry.id)
        timeline = [(e["kind"], e["visible_to_creditor"], {k: v for k, v in json.loads(e["payload"]).items() if k not in ("entry_id", "promise_id")})
                    for e in await CaseEvent.select().where(CaseEvent.case == case_id).order_by(CaseEvent.id)]
        promises = await Promise.select(Promise.status).where(Promise.case == case_id)
        score = await Case.select(Case.priority, Case.priority_reasons).where(Case.id == case_id).first()
        return entries, timeline[-3:], promises, score

    alone, together = await booked(one["id"]), await booked(many["id"])
    assert alone == together
    assert [e["kind"] for e in alone[0]][-2:] == ["payment", "fee"] and alone[2] == [{"status": "kept"}]
    # the same payments again: the same entries, nothing more
    again = await book_payments(user, [Incoming(many["id"], 40_00, today, "transfer", "PAGO", "pay:bank:many")], today)
    assert again["pay:bank:many"] == outcome["pay:bank:many"]
    assert await LedgerEntry.count().where((LedgerEntry.case == twice["id"]) & (LedgerEntry.kind == "payment")) == 1


async def test_every_kind_of_line_is_written_once_as_what_it_became(make_client):
    """The import decides each line before writing it (issue 19): what every line became, with its payment, its event and
    the creditor's notification, the same file again booking nothing and an overlapping file adding only its new line."""
    from cases.tables import Notification  # (this test's)

    org, c, ch, nh = await _people(make_client)
    a, b, closed, much, by_hand, e = [await _accepted_case(c, ch, nh) for _ in range(6)]
    await Case.update({Case.closed_at: datetime(2026, 1, 1, tzinfo=timezone.utc)}).where(Case.id == closed["id"])
    r = await c.post(f"/api/v1/cases/{by_hand['id']}/payments", json={"amount": "100.00", "received_on": clock.today().isoformat(),
                                                                      "method": "transfer", "reference": "recibo"}, headers=nh)
    assert r.status_code == 201, r.text
    client, ah, admin = await _admin(make_client)
    day, account = clock.today().strftime("%y%m%d"), f"{secrets.randbelow(10**10):010d}"

    def statement(credits: list[tuple[int, str]], out: list[int]) -> bytes:
        records = [r11(account, day, day, "2", 100000, name="AGENCIA")]
        for n, (cents, text) in enumerate(credits):
            records += [r22(day, day, "02", "099", "2", cents, str(n + 1), "", "TRANSFERENCIA"), r23("01", text, "")]
        records += [r22(day, day, "04", "001", "1", cents, "0", "COMISION") for cents in out]
        cin, cout = sum(cents for cents, _t in credits), sum(out)
        records.append(r33(account, len(out), cout, len(credits), cin, "2", 100000 + cin - cout))
        return n43([*records, r88(len(records))])

    data = statement([(10000, f"PAGO {a['reference'].replace('-', '').lower()}"), (5000, f"REF {b['reference']}"), (6000, f"REF {b['reference']}"),
                      (3000, f"REF {closed['reference']}"), (999999900, f"REF {much['reference']}"), (10000, f"REF {by_hand['reference']}"),
                      (2000, f"{a['reference']} Y {b['reference']}"), (4550, "TALLERES NORTE"), (1234, f"REF {e['reference']}")], [1200])
    r = await client.post("/api/v1/bank-statements", files={"file": ("x.n43", data, "text/plain")}, headers=ah)
    assert r.status_code == 201, r.text
    assert (r.json()["lines"], r.json()["matched"], r.json()["unmatched"]) == (10, 4, 5)
    lines = await StatementLine.select().where(StatementLine.statement == r.json()["id"]).order_by(StatementLine.id)
    assert [line["position"] for line in lines] == sorted(line["position"] for line in lines)  # (written in the file's order)
    payments = {p["id"]: p for p in await LedgerEntry.select().where(LedgerEntry.kind == "payment")}
    became = [(line["amount_cents"], line["status"], line["case"], line["matched_by"], line["decided_by"], line["decided_at"] is not None)
              for line in lines]
    assert became == [(10000, "booked", a["id"], "reference", admin["id"], True), (5000, "booked", b["id"], "reference", admin["id"], True),
                      (6000, "booked", b["id"], "reference", admin["id"], True), (3000, "waiting", closed["id"], "", None, False),
                      (999999900, "waiting", much["id"], "", None, False), (10000, "waiting", by_hand["id"], "", None, False),
                      (2000, "waiting", None, "", None, False), (4550, "waiting", None, "", None, False),
                      (1234, "booked", e["id"], "reference", admin["id"], True), (-1200, "debit", None, "", None, False)], became
    # why each waits, in the agency's language
    notes = [line["note"] for line in lines]
    assert notes[:3] == ["", "", ""] and notes[8:] == ["", ""]
    assert notes[3] == "Este expediente está cerrado." and notes[4].startswith("El pago supera lo que se debe")
    assert "se anotó a mano un pago de este importe" in notes[5]
    assert notes[6] == f"Identifica varios expedientes: {', '.join(sorted([a['reference'], b['reference']]))}."
    assert notes[7] == "No identifica ningún expediente."
    for line in [*lines[:3], lines[8]]:  # each booked line names its own payment, of its case and amount, keyed by its fingerprint
        entry = payments[line["ledger_entry"]]
        assert (entry["case"], entry["amount_cents"], entry["idempotency_key"]) == (line["case"], line["amount_cents"], f"pay:bank:{line['fingerprint']}")
    assert all(line["ledger_entry"] is None for line in lines[3:8] + lines[9:])
    for case, count in ((a, 1), (b, 2), (closed, 0), (much, 0), (by_hand, 1), (e, 1)):  # (by_hand: the one keyed in)
        assert await LedgerEntry.count().where((LedgerEntry.case == case["id"]) & (LedgerEntry.kind == "payment")) == count
        assert await CaseEvent.count().where((CaseEvent.case == case["id"]) & (CaseEvent.kind == "payment")) == count
        # the creditor told of each payment, once (the notifications' subscriber, told of a round's payments at once)
        assert await Notification.count().where((Notification.case == case["id"]) & (Notification.kind == "payment_received")) == count
    fees = await LedgerEntry.select(LedgerEntry.idempotency_key).where((LedgerEntry.kind == "fee") & LedgerEntry.idempotency_key.like("fee:success:%")
                                                                     & LedgerEntry.case.is_in([a["id"], b["id"], e["id"]]))
    assert sorted(f["idempotency_key"] for f in fees) == sorted(f"fee:success:{line['ledger_entry']}" for line in [*lines[:3], lines[8]])
    # the same file again books nothing; a file repeating two of its lines and one new adds only the new one, booked
    assert (await client.post("/api/v1/bank-statements", files={"file": ("y.n43", data, "text/plain")}, headers=ah)).json()["matched"] == 4
    more = statement([(10000, f"PAGO {a['reference'].replace('-', '').lower()}"), (5000, f"REF {b['reference']}"), (777, f"REF {b['reference']}")],
                     [])
    r = await client.post("/api/v1/bank-statements", files={"file": ("z.n43", more, "text/plain")}, headers=ah)
    assert r.status_code == 201 and (r.json()["lines"], r.json()["matched"]) == (1, 1), r.text
    assert await LedgerEntry.count().where((LedgerEntry.case == b["id"]) & (LedgerEntry.kind == "payment")) == 3
    assert await LedgerEntry.count().where((LedgerEntry.case == a["id"]) & (LedgerEntry.kind == "payment")) == 1
