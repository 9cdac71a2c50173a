"""Bank statements (pure): Norma 43 files built field by field from the cuaderno's record layouts, with totals
counted by hand; a camt.053 written from the ISO 20022 message definition; the refusals of each; the references a
bank line carries."""
from __future__ import annotations

import hashlib
from datetime import date

import pytest

from cases.bank.camt053 import parse_camt053, parse_statement
from cases.bank.norma43 import StatementError, parse_norma43
from cases.bank.rules import references_in

# --- Norma 43 records, field by field (positions as the cuaderno prints them, 1-based) ----------------------------

def n(value: int | str, length: int) -> str:
    """A numeric field: right-aligned, zero-filled."""
    text = str(value)
    assert len(text) <= length and text.isdigit(), (value, length)
    return text.rjust(length, "0")


def a(value: str, length: int) -> str:
    """An alphanumeric field: left-aligned, space-filled."""
    assert len(value) <= length, (value, length)
    return value.ljust(length)


def record(*fields: str) -> str:
    text = "".join(fields)
    assert len(text) == 80, len(text)
    return text


def r11(account: str, start: str, end: str, sign: str, cents: int, *, currency: str = "978", name: str = "",
        bank: str = "2100", branch: str = "0418") -> str:
    # 1-2 "11", 3-6 bank, 7-10 branch, 11-20 account, 21-26 start YYMMDD, 27-32 end, 33 sign, 34-47 initial balance,
    # 48-50 currency, 51 information mode, 52-77 short name, 78-80 free
    return record("11", n(bank, 4), n(branch, 4), n(account, 10), start, end, sign, n(cents, 14), n(currency, 3), "3",
                  a(name, 26), a("", 3))


def r22(operation: str, value: str, common: str, own: str, sign: str, cents: int, document: str = "0",
        ref1: str = "", ref2: str = "", branch: str = "0418") -> str:
    # 1-2 "22", 3-6 free, 7-10 branch of origin, 11-16 operation date, 17-22 value date, 23-24 common concept,
    # 25-27 own concept, 28 sign (1 debit, 2 credit), 29-42 amount, 43-52 document, 53-64 reference 1,
    # 65-80 reference 2
    return record("22", a("", 4), n(branch, 4), operation, value, n(common, 2), n(own, 3), sign, n(cents, 14),
                  n(document, 10), a(ref1, 12), a(ref2, 16))


def r23(code: str, first: str, second: str = "") -> str:
    # 1-2 "23", 3-4 data code 01-05, 5-42 concept, 43-80 concept
    return record("23", code, a(first, 38), a(second, 38))


def r24(currency: str, cents: int) -> str:
    # 1-2 "24", 3-4 data code "01", 5-7 original currency, 8-21 amount, 22-80 free
    return record("24", "01", n(currency, 3), n(cents, 14), a("", 59))


def r33(account: str, debits: int, debit_cents: int, credits: int, credit_cents: int, sign: str, cents: int,
        *, currency: str = "978", bank: str = "2100", branch: str = "0418") -> str:
    # 1-2 "33", 3-6 bank, 7-10 branch, 11-20 account, 21-25 number of debits, 26-39 their total, 40-44 number of
    # credits, 45-58 their total, 59 final balance sign, 60-73 final balance, 74-76 currency, 77-80 free
    return record("33", n(bank, 4), n(branch, 4), n(account, 10), n(debits, 5), n(debit_cents, 14), n(credits, 5),
                  n(credit_cents, 14), sign, n(cents, 14), n(currency, 3), a("", 4))


def r88(count: int) -> str:
    # 1-2 "88", 3-20 nines, 21-26 number of records (all but the 88), 27-80 free
    return record("88", "9" * 18, n(count, 6), a("", 54))


ACCOUNT_1, ACCOUNT_2 = "0200051332", "0200051340"

# Account 1 opens at 1,500.00 EUR in credit. Credits 250.00 + 100.00 = 350.00 (2); debits 75.30 (1).
# Closing 1,500.00 + 350.00 - 75.30 = 1,774.70.
# Account 2 opens 200.00 overdrawn. Credits 500.00 (1); debits 10.00 + 10.00 = 20.00 (2), the same movement twice
# on one day. Closing -200.00 + 500.00 - 20.00 = 280.00 in credit.
WORKED = [
    r11(ACCOUNT_1, "260101", "260131", "2", 150000, name="AGENCIA COBROS SL"),                  # 1
    r22("260105", "260105", "02", "099", "2", 25000, "1", "000000000123", "EXP2026000123"),     # 2
    r23("01", "TRANSFERENCIA DE JUAN PEREZ GARCIA", "EXP-2026-000123 FACTURA 77"),              # 3
    r23("02", "ES7620770024003102575766"),                                                     # 4
    r22("260110", "260111", "03", "012", "1", 7530, "4567", "RECIBO LUZ"),                      # 5
    r22("260115", "260116", "02", "099", "2", 10000),                                           # 6
    r24("840", 11000),                                                                          # 7
    r33(ACCOUNT_1, 1, 7530, 2, 35000, "2", 177470),                                             # 8
    r11(ACCOUNT_2, "260101", "260131", "1", 20000),                                             # 9
    r22("260120", "260120", "04", "001", "1", 1000, "0", "COMISION"),                           # 10
    r22("260120", "260120", "04", "001", "1", 1000, "0", "COMISION"),                           # 11
    r22("260125", "260125", "02", "099", "2", 50000),                                           # 12
    r33(ACCOUNT_2, 2, 2000, 1, 50000, "2", 28000),                                              # 13
    r88(13),                                                                                    # 14
]


def n43(records: list[str], *, newline: str = "\r\n", encoding: str = "latin-1") -> bytes:
    return (newline.join(records) + newline).encode(encoding)


def refused(data: bytes, parse=parse_norma43) -> StatementError:
    with pytest.raises(StatementError) as caught:
        parse(data)
    return caught.value


def with_record(index: int, replacement: str | None, records: list[str] = WORKED) -> list[str]:
    changed = list(records)
    if replacement is None:
        del changed[index]
    else:
        changed[index] = replacement
    return changed


# --- Norma 43: the worked example ----------------------------------------------------------------------------------

def test_norma43_worked_example_two_accounts():
    statement = parse_norma43(n43(WORKED))
    first, second = statement.accounts

    assert (first.bank, first.branch, first.number, first.currency) == ("2100", "0418", ACCOUNT_1, "EUR")
    assert (first.start, first.end) == (date(2026, 1, 1), date(2026, 1, 31))
    assert (first.opening_cents, first.closing_cents) == (150000, 177470)
    assert first.name == "AGENCIA COBROS SL"
    assert [line.amount_cents for line in first.lines] == [25000, -7530, 10000]
    assert [line.number_in_file for line in first.lines] == [2, 5, 6]
    credit = first.lines[0]
    assert (credit.operation_date, credit.value_date) == (date(2026, 1, 5), date(2026, 1, 5))
    assert (credit.common_concept, credit.own_concept) == ("02", "099")
    assert (credit.document, credit.reference1, credit.reference2) == ("0000000001", "000000000123", "EXP2026000123")
    assert credit.concepts == ("TRANSFERENCIA DE JUAN PEREZ GARCIA", "EXP-2026-000123 FACTURA 77",
                               "ES7620770024003102575766")
    debit = first.lines[1]
    assert (debit.value_date, debit.reference1, debit.concepts) == (date(2026, 1, 11), "RECIBO LUZ", ())
    assert (credit.end_to_end_id, credit.mandate_id, credit.counterparty_iban, credit.return_reason) == ("", "", "", "")

    assert (second.number, second.opening_cents, second.closing_cents) == (ACCOUNT_2, -20000, 28000)
    assert [line.amount_cents for line in second.lines] == [-1000, -1000, 50000]
    assert [line.number_in_file for line in second.lines] == [10, 11, 12]
    assert (second.credits_cents, second.debits_cents) == (50000, 2000)


def test_norma43_reads_latin1_cp1252_lf_and_stripped_trailing_spaces():
    named = with_record(0, r11(ACCOUNT_1, "260101", "260131", "2", 150000, name="PEÑA Y MUÑOZ SL"))
    assert parse_norma43(n43(named, encoding="latin-1")).accounts[0].name == "PEÑA Y MUÑOZ SL"
    euro_sign = with_record(2, r23("01", "CUOTA 10€"))
    assert parse_norma43(n43(euro_sign, encoding="cp1252")).accounts[0].lines[0].concepts[0] == "CUOTA 10€"
    # A bank that strips trailing spaces and ends lines with LF: the same statement, the same fingerprints.
    stripped = parse_norma43(n43([r.rstrip() for r in WORKED], newline="\n"))
    assert stripped == parse_norma43(n43(WORKED))


def test_norma43_reads_the_tape_layout_and_a_file_header():
    tape = "".join(WORKED).encode("ascii")
    assert parse_norma43(tape) == parse_norma43(n43(WORKED))
    header = record("00", "2100", "260201", a("", 68))  # 1986-2003 editions: not counted in the 88
    assert len(parse_norma43(n43([header, *WORKED])).accounts) == 2


def test_norma43_empty_account_block():
    statement = parse_norma43(n43([r11(ACCOUNT_1, "260101", "260131", "2", 500), r33(ACCOUNT_1, 0, 0, 0, 0, "2", 500),
                                   r88(2)]))
    assert statement.accounts[0].lines == () and statement.accounts[0].closing_cents == 500


# --- Norma 43: fingerprints ----------------------------------------------------------------------------------------

def test_fingerprints_are_stable_and_tell_identical_movements_apart():
    once = [line.fingerprint for account in parse_norma43(n43(WORKED)).accounts for line in account.lines]
    again = [line.fingerprint for account in parse_norma43(n43(WORKED)).accounts for line in account.lines]
    assert once == again
    assert len(set(once)) == len(once)  # lines 10 and 11 are the same records, in different places

    # SHA-256 of the account (bank, branch, number), how many identical movements came before it (0) and its raw records.
    expected = hashlib.sha256("\x1f".join(("2100" "0418" + ACCOUNT_1, "0", WORKED[1], WORKED[2], WORKED[3]))
                              .encode("utf-8")).hexdigest()
    assert once[0] == expected


def test_the_same_movement_in_a_days_statement_and_the_months_has_the_same_fingerprint():
    """A day's statement and the month's both hold the first movement of account 1: booked once, whichever comes first."""
    day = [WORKED[0], WORKED[1], WORKED[2], WORKED[3], r33(ACCOUNT_1, 0, 0, 1, 25000, "2", 175000), r88(5)]
    daily = parse_norma43(n43(day)).accounts[0].lines[0].fingerprint
    monthly = parse_norma43(n43(WORKED)).accounts[0].lines[0].fingerprint
    assert daily == monthly


# --- Norma 43: refusals --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"\r\n   \r\n"])
def test_norma43_refuses_an_empty_file(data):
    assert refused(data).line is None


def test_norma43_refuses_a_record_longer_than_80():
    assert refused(n43(with_record(4, WORKED[4] + "X"))).line == 5


def test_norma43_refuses_a_record_short_of_its_fields():
    assert refused(n43(with_record(4, WORKED[4][:40]))).line == 5  # cut inside the amount
    assert refused(n43(with_record(7, WORKED[7][:70]))).line == 8  # a 33 without its final balance and currency


def test_norma43_refuses_an_unknown_record_code():
    assert refused(n43(with_record(5, "21" + WORKED[5][2:]))).line == 6
    assert refused(n43(with_record(5, ""))).line == 6  # a blank line inside the file


def test_norma43_refuses_a_movement_before_any_account():
    assert refused(n43([WORKED[1], *WORKED])).line == 1
    after_end = WORKED[:8] + [WORKED[9]] + WORKED[8:]  # a 22 after the first 33, before the next 11
    assert refused(n43(after_end)).line == 9


def test_norma43_refuses_a_complementary_record_without_its_movement():
    assert refused(n43([WORKED[0], WORKED[2], *WORKED[1:]])).line == 2
    assert refused(n43([WORKED[0], r24("840", 100), *WORKED[1:]])).line == 2


def test_norma43_refuses_a_sixth_or_repeated_concept_record():
    assert refused(n43(with_record(3, r23("01", "AGAIN")))).line == 4
    assert refused(n43(with_record(3, r23("06", "SIXTH")))).line == 4


def test_norma43_refuses_bad_dates_and_amounts():
    bad_date = WORKED[4][:10] + "261332" + WORKED[4][16:]  # operation date 32 Dec... month 13
    assert refused(n43(with_record(4, bad_date))).line == 5
    bad_amount = WORKED[4][:28] + "0000000 753000" + WORKED[4][42:]
    assert refused(n43(with_record(4, bad_amount))).line == 5
    bad_sign = WORKED[4][:27] + "3" + WORKED[4][28:]
    assert refused(n43(with_record(4, bad_sign))).line == 5
    bad_start = WORKED[0][:20] + "26AB01" + WORKED[0][26:]
    assert refused(n43(with_record(0, bad_start))).line == 1


def test_norma43_refuses_end_of_account_totals_that_do_not_match():
    assert refused(n43(with_record(7, r33(ACCOUNT_1, 2, 7530, 2, 35000, "2", 177470)))).line == 8  # debit count
    assert refused(n43(with_record(7, r33(ACCOUNT_1, 1, 7531, 2, 35000, "2", 177470)))).line == 8  # debit sum
    assert refused(n43(with_record(7, r33(ACCOUNT_1, 1, 7530, 1, 35000, "2", 177470)))).line == 8  # credit count
    assert refused(n43(with_record(7, r33(ACCOUNT_1, 1, 7530, 2, 34999, "2", 177470)))).line == 8  # credit sum
    # The 33 of another account than the one opened.
    assert refused(n43(with_record(7, r33(ACCOUNT_2, 1, 7530, 2, 35000, "2", 177470)))).line == 8


def test_norma43_refuses_a_final_balance_that_does_not_add_up():
    assert refused(n43(with_record(7, r33(ACCOUNT_1, 1, 7530, 2, 35000, "2", 177471)))).line == 8
    assert refused(n43(with_record(7, r33(ACCOUNT_1, 1, 7530, 2, 35000, "1", 177470)))).line == 8  # wrong sign


def test_norma43_refuses_a_wrong_record_count():
    assert refused(n43(with_record(13, r88(14)))).line == 14  # a bank counting the 88 itself is refused too
    assert refused(n43(with_record(13, r88(12)))).line == 14


def test_norma43_refuses_a_truncated_file():
    assert refused(n43(with_record(7, None))).line == 8  # account 1 has no 33: the next 11 (now line 8) says so
    assert refused(n43(WORKED[:-2])).line is None  # cut before the last 33
    assert refused(n43(WORKED[:-1])).line is None  # no 88
    assert refused(n43(WORKED + [WORKED[1]])).line == 15  # a record after the 88
    assert refused(n43([r88(0)])).line is None  # no account at all


def test_norma43_refuses_another_currency_than_the_euro():
    dollars = with_record(8, r11(ACCOUNT_2, "260101", "260131", "1", 20000, currency="840"))
    error = refused(n43(dollars))
    assert error.line == 9 and "978" in str(error.reason)
    assert refused(n43(with_record(12, r33(ACCOUNT_2, 2, 2000, 1, 50000, "2", 28000, currency="840")))).line == 13


# --- camt.053 --------------------------------------------------------------------------------------------------------

OWN_IBAN = "ES9121000418450200051332"

# Opening 1,500.00 CRDT; a transfer in of 250.00, a direct debit collected for 60.00, the same collection returned
# (AM04, insufficient funds): closing 1,500.00 + 250.00 + 60.00 - 60.00 = 1,750.00.
CAMT_02 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-20260201</MsgId><CreDtTm>2026-02-01T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-2026-01</Id>
      <CreDtTm>2026-02-01T06:00:00</CreDtTm>
      <FrToDt><FrDtTm>2026-01-01T00:00:00</FrDtTm><ToDtTm>2026-01-31T23:59:59</ToDtTm></FrToDt>
      <Acct><Id><IBAN>ES9121000418450200051332</IBAN></Id><Ccy>EUR</Ccy><Ownr><Nm>AGENCIA COBROS SL</Nm></Ownr></Acct>
      <Bal>
        <Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="EUR">1500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-12-31</Dt></Dt>
      </Bal>
      <Bal>
        <Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="EUR">{closing}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-01-31</Dt></Dt>
      </Bal>
      <Ntry>
        <Amt Ccy="{currency}">250.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-01-05</Dt></BookgDt><ValDt><Dt>2026-01-05</Dt></ValDt>
        <AcctSvcrRef>2026010500001</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>E2E-0001</EndToEndId></Refs>
          <RltdPties>
            <Dbtr><Nm>JUAN PEREZ GARCIA</Nm></Dbtr>
            <DbtrAcct><Id><IBAN>ES7620770024003102575766</IBAN></Id></DbtrAcct>
            <Cdtr><Nm>AGENCIA COBROS SL</Nm></Cdtr>
            <CdtrAcct><Id><IBAN>ES9121000418450200051332</IBAN></Id></CdtrAcct>
          </RltdPties>
          <RmtInf><Ustrd>EXP-2026-000123 FACTURA 77</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">60.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-01-10</Dt></BookgDt><ValDt><Dt>2026-01-10</Dt></ValDt>
        <AcctSvcrRef>2026011000007</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>EXP-2026-000045-1</EndToEndId><MndtId>MND-000045</MndtId></Refs>
          <RltdPties>
            <Dbtr><Nm>MARIA LOPEZ</Nm></Dbtr>
            <DbtrAcct><Id><IBAN>ES1000492352082414205416</IBAN></Id></DbtrAcct>
          </RltdPties>
          <RmtInf><Ustrd>PLAZO 1 EXP-2026-000045</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">60.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-01-14</Dt></BookgDt><ValDt><Dt>2026-01-10</Dt></ValDt>
        <AcctSvcrRef>2026011400003</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>EXP-2026-000045-1</EndToEndId><MndtId>MND-000045</MndtId></Refs>
          <RltdPties>
            <Dbtr><Nm>MARIA LOPEZ</Nm></Dbtr>
            <DbtrAcct><Id><IBAN>ES1000492352082414205416</IBAN></Id></DbtrAcct>
            <Cdtr><Nm>AGENCIA COBROS SL</Nm></Cdtr>
            <CdtrAcct><Id><IBAN>ES9121000418450200051332</IBAN></Id></CdtrAcct>
          </RltdPties>
          <RtrInf><Rsn><Cd>AM04</Cd></Rsn></RtrInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def camt(closing: str = "1750.00", currency: str = "EUR") -> bytes:
    return CAMT_02.format(closing=closing, currency=currency).encode("utf-8")


def test_camt053_worked_example():
    (account,) = parse_camt053(camt()).accounts
    assert (account.iban, account.bank, account.branch, account.number) == (OWN_IBAN, "2100", "0418", ACCOUNT_1)
    assert (account.currency, account.start, account.end) == ("EUR", date(2026, 1, 1), date(2026, 1, 31))
    assert (account.opening_cents, account.closing_cents) == (150000, 175000)
    assert account.name == "AGENCIA COBROS SL"

    transfer, collection, returned = account.lines
    assert transfer.amount_cents == 25000
    assert (transfer.operation_date, transfer.value_date) == (date(2026, 1, 5), date(2026, 1, 5))
    assert transfer.concepts == ("EXP-2026-000123 FACTURA 77",)
    assert (transfer.end_to_end_id, transfer.reference1, transfer.own_concept) == ("E2E-0001", "2026010500001",
                                                                                   "PMNT/RCDT/ESCT")
    assert (transfer.counterparty_name, transfer.counterparty_iban) == ("JUAN PEREZ GARCIA", "ES7620770024003102575766")
    assert references_in(" ".join(transfer.concepts)) == ["EXP-2026-000123"]

    assert (collection.amount_cents, collection.mandate_id, collection.return_reason) == (6000, "MND-000045", "")
    assert returned.amount_cents == -6000
    assert (returned.return_reason, returned.mandate_id, returned.end_to_end_id) == ("AM04", "MND-000045",
                                                                                     "EXP-2026-000045-1")
    # The debtor of the returned collection is the other side, not the creditor (the agency's own account).
    assert (returned.counterparty_name, returned.counterparty_iban) == ("MARIA LOPEZ", "ES1000492352082414205416")
    assert (returned.operation_date, returned.value_date) == (date(2026, 1, 14), date(2026, 1, 10))
    assert [line.number_in_file for line in account.lines] == [18, 34, 47]  # the lines of the <Ntry> elements

    again = [line.fingerprint for line in parse_camt053(camt()).accounts[0].lines]
    assert again == [line.fingerprint for line in account.lines] and len(set(again)) == 3


def test_camt053_version_08():
    # 001.08: Sts is a code, a related party is a Pty, a transaction may carry its own amount.
    text = (CAMT_02.format(closing="1750.00", currency="EUR")
            .replace("camt.053.001.02", "camt.053.001.08")
            .replace("<Sts>BOOK</Sts>", "<Sts><Cd>BOOK</Cd></Sts>")
            .replace("<Dbtr><Nm>JUAN PEREZ GARCIA</Nm></Dbtr>", "<Dbtr><Pty><Nm>JUAN PEREZ GARCIA</Nm></Pty></Dbtr>"))
    (account,) = parse_camt053(text.encode("utf-8")).accounts
    assert account.closing_cents == 175000
    assert account.lines[0].counterparty_name == "JUAN PEREZ GARCIA"


def test_camt053_splits_a_batch_entry_by_its_transactions():
    batch = """<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
  <Acct><Id><IBAN>ES9121000418450200051332</IBAN></Id></Acct>
  <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-01-31</Dt></Dt></Bal>
  <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">30.5</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-02-01</Dt></Dt></Bal>
  <Ntry><Amt Ccy="EUR">30.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-02-01</Dt></BookgDt>
    <NtryDtls>
      <TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">10.00</Amt></TxAmt></AmtDtls><RmtInf><Ustrd>exp 2026 000001</Ustrd></RmtInf></TxDtls>
      <TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">20.50</Amt></TxAmt></AmtDtls><RmtInf><Ustrd>EXP2026000002</Ustrd></RmtInf></TxDtls>
    </NtryDtls></Ntry>
  <Ntry><Amt Ccy="EUR">99.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts><BookgDt><Dt>2026-02-01</Dt></BookgDt></Ntry>
</Stmt></BkToCstmrStmt></Document>"""
    (account,) = parse_camt053(batch.encode()).accounts
    assert [line.amount_cents for line in account.lines] == [1000, 2050]  # the pending entry is not a line
    assert [references_in(line.concepts[0]) for line in account.lines] == [["EXP-2026-000001"], ["EXP-2026-000002"]]
    assert (account.start, account.end) == (date(2026, 1, 31), date(2026, 2, 1))  # no FrToDt: the balances' dates
    assert account.lines[0].fingerprint != account.lines[1].fingerprint
    bad = batch.replace('"EUR">20.50', '"EUR">20.40')
    assert refused(bad.encode(), parse_camt053).line == 6  # the entry's line


def test_camt053_batch_in_version_08_with_a_transaction_the_other_way():
    # 001.08: TxDtls/Amt and TxDtls/CdtDbtInd. A credit entry of 40.00: 50.00 in, 10.00 back out.
    batch = """<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>
  <Acct><Id><IBAN>ES9121000418450200051332</IBAN></Id></Acct>
  <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2026-03-01</Dt></Dt></Bal>
  <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">35.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>
  <Ntry><Amt Ccy="EUR">40.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt>
    <NtryDtls>
      <TxDtls><Amt Ccy="EUR">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>
      <TxDtls><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd></TxDtls>
    </NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>"""
    (account,) = parse_camt053(batch.encode()).accounts
    assert (account.opening_cents, account.closing_cents) == (-500, 3500)
    assert [line.amount_cents for line in account.lines] == [5000, -1000]


def test_camt053_refuses_xml_that_is_not_well_formed():
    assert refused(camt()[:-30], parse_camt053).line is not None


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&lol3;</Id></Stmt></BkToCstmrStmt></Document>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&secret;</Id></Stmt></BkToCstmrStmt></Document>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE, BILLION_LAUGHS.decode().encode("utf-16")])
def test_camt053_refuses_a_doctype_or_entities(data):
    error = refused(data, parse_camt053)
    assert "DOCTYPE" in str(error.reason)


@pytest.mark.parametrize("root", [
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"><BkToCstmrAcctRpt/></Document>',
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>',
    '<Statement xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>',
    "<Document><BkToCstmrStmt/></Document>",
])
def test_camt053_refuses_another_root(root):
    assert refused(root.encode(), parse_camt053).line == 1


def test_camt053_refuses_another_currency_than_the_euro():
    assert refused(camt(currency="USD"), parse_camt053).line == 19  # the entry's <Amt Ccy="USD">
    dollars = camt().replace(b"<Ccy>EUR</Ccy>", b"<Ccy>USD</Ccy>")
    assert refused(dollars, parse_camt053).line == 5


def test_camt053_refuses_balances_that_do_not_add_up():
    error = refused(camt(closing="1750.01"), parse_camt053)
    assert error.line == 5 and "175001" in str(error.reason)


def test_camt053_refuses_an_amount_with_more_than_two_decimals():
    assert refused(camt(closing="1750.001"), parse_camt053).line == 16  # the closing balance's <Amt>


# --- one door for both ---------------------------------------------------------------------------------------------

def test_parse_statement_tells_the_formats_apart():
    assert parse_statement(camt()).accounts[0].iban == OWN_IBAN
    assert parse_statement(b"\xef\xbb\xbf" + camt()).accounts[0].closing_cents == 175000
    assert len(parse_statement(n43(WORKED)).accounts) == 2
    assert refused(b"", parse_statement).line is None


# --- references in a line ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, found", [
    ("EXP-2026-000123 FACTURA 77", ["EXP-2026-000123"]),
    ("exp-2026-000123", ["EXP-2026-000123"]),
    ("TRANSF EXP2026000123 PAGO", ["EXP-2026-000123"]),
    ("exp 2026 000123", ["EXP-2026-000123"]),
    ("Exp.2026/123 y EXP-2025-000009", ["EXP-2026-000123", "EXP-2025-000009"]),
    ("PAGOEXP-2026-001234", ["EXP-2026-001234"]),
    ("EXP-2026-1234567", ["EXP-2026-1234567"]),  # past a million cases the number has seven digits
    ("EXP-2026-000123 EXP2026000123", ["EXP-2026-000123"]),
    ("EXP2026123", []),  # without a separator the number needs its six digits
    ("EXP-2026-000000", []),
    ("FACTURA 2026-000123", []),
    ("EXP-2026-000123456789012", []),  # a longer run of digits is not a case number
    ("", []),
])
def test_references_in(text, found):
    assert references_in(text) == found
