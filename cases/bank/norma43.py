"""AEB Norma 43 (Cuaderno 43, "Información normalizada de cuenta corriente"), read whole or refused whole (pure).

A file is a run of 80-character records, each named by its first two digits (positions are 1-based, as the
cuaderno prints them):

- ``11`` account header: bank 3-6, branch 7-10, account number 11-20, start date 21-26 and end date 27-32
  (YYMMDD), initial balance sign 33 (1 debit, 2 credit) and amount 34-47 (12 integers and 2 decimals), currency
  48-50 (ISO 4217 numeric: 978), information mode 51, account holder's short name 52-77, free 78-80.
- ``22`` movement: free 3-6, branch of origin 7-10, operation date 11-16, value date 17-22, common concept 23-24,
  own concept 25-27, sign 28 (1 debit, 2 credit), amount 29-42, document number 43-52, reference 1 53-64,
  reference 2 65-80.
- ``23`` complementary concept (at most five after a 22): data code 3-4 (01 to 05), two concepts 5-42 and 43-80.
- ``24`` amount equivalence (informative, no accounting value): data code 3-4, original currency 5-7, amount 8-21.
- ``33`` account end: bank 3-6, branch 7-10, account number 11-20, number of debits 21-25, their total 26-39,
  number of credits 40-44, their total 45-58, final balance sign 59 and amount 60-73, currency 74-76, free 77-80.
- ``88`` end of file: nines 3-20, the number of records in the file 21-26 (all of them but the 88 itself and the
  optional ``00`` file header of the 1986-2003 editions, accepted as the first record), free 27-80.

The file is refused whole (``StatementError``, with its line) when a record is unknown, too long, or short of a
field the format needs (trailing spaces stripped by a bank are put back); when the order is broken; when a date or
an amount is not one; when an account's end record does not count and sum its movements, or its final balance is
not the initial one plus credits minus debits; when the 88's count is wrong or a 33 or the 88 is missing (a
truncated file); and when an account is not in euro (the product is euro only). Nothing partial is returned.

Each line carries a fingerprint (SHA-256 of the account, its raw records and how many identical movements came
before it) so that the importer books a movement once: the same file read twice, or a day's statement and the
month's that overlap it, give the same fingerprints, and two identical movements on one day still differ."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

from agency.i18n import lazy_gettext as _l

RECORD_LENGTH = 80
EURO_NUMERIC = "978"
CURRENCIES = {"978": "EUR"}  # the product is euro only: any other code is refused before it is looked up
MAX_CONCEPT_RECORDS = 5

# The shortest a record may be once a bank has stripped its trailing spaces: up to the end of its last field that
# is never blank (a name, concepts and references may be; dates, amounts and codes may not).
_MIN_LENGTH = {"00": 12, "11": 51, "22": 52, "23": 4, "24": 21, "33": 76, "88": 26}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class StatementError(ValueError):
    """The whole statement is refused: ``line`` is the 1-based line of the record at fault (``None`` when the fault
    is the file's as a whole: empty, or cut short), ``reason`` a translated message saying what is wrong."""

    def __init__(self, line: int | None, reason) -> None:
        self.line = line
        self.reason = reason
        super().__init__(line, reason)

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line is not None else str(self.reason)


@dataclass(frozen=True)
class Line:
    """One movement of an account. ``amount_cents`` is signed: a credit (money in) positive, a debit negative.
    ``number_in_file`` is the 1-based line of its 22 record (of its ``Ntry`` element in a camt.053 file)."""

    number_in_file: int
    operation_date: date
    value_date: date
    common_concept: str
    own_concept: str
    amount_cents: int
    document: str
    reference1: str
    reference2: str
    concepts: tuple[str, ...]
    fingerprint: str
    # What an ISO 20022 statement says of the transaction (empty in a Norma 43 file).
    end_to_end_id: str = ""
    mandate_id: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    return_reason: str = ""  # the ISO 20022 return reason of a returned direct debit or transfer, e.g. AM04


@dataclass(frozen=True)
class Account:
    """One account's block: its movements, and balances in signed cents (negative when the account is overdrawn)."""

    bank: str
    branch: str
    number: str
    currency: str
    start: date
    end: date
    opening_cents: int
    closing_cents: int
    lines: tuple[Line, ...]
    name: str = ""  # the holder's short name as the bank writes it
    iban: str = ""  # given by camt.053; a Norma 43 file has no control digits to make one

    @property
    def credits_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines if line.amount_cents > 0)

    @property
    def debits_cents(self) -> int:
        return -sum(line.amount_cents for line in self.lines if line.amount_cents < 0)


@dataclass(frozen=True)
class Statement:
    accounts: tuple[Account, ...]


def fingerprint(account: str, occurrence: int, raw: tuple[str, ...]) -> str:
    """SHA-256 (hex) of an account, a movement's raw records and how many identical movements came before it in the
    statement (0 for the first): the same movement in two statements that overlap (a day's and the month's) has the
    same fingerprint, so it is booked once; two identical movements on one day still differ."""
    text = "\x1f".join((account, str(occurrence), *raw))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decode(data: bytes) -> str:
    """UTF-8 when the bytes are (ASCII is), otherwise Windows-1252, otherwise Latin-1 (which decodes anything)."""
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


# --- fields --------------------------------------------------------------------------------------------------------

# The names of a movement's fields, for the reasons a record is refused (made once: twenty thousand movements would make
# them sixty thousand times otherwise).
OPERATION_DATE = _l("The operation date")
VALUE_DATE = _l("The value date")
AMOUNT = _l("The amount")


def _digits(line: int, text: str, what) -> int:
    if not (text.isascii() and text.isdigit()):
        raise StatementError(line, _l("%(field)s is not a number: “%(value)s”.", field=what, value=text))
    return int(text)


def _date(line: int, text: str, what) -> date:
    _digits(line, text, what)
    try:
        return date(2000 + int(text[0:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise StatementError(line, _l("%(field)s is not a date (YYMMDD): “%(value)s”.", field=what,
                                      value=text)) from None


def _signed(line: int, sign: str, amount: str, what) -> int:
    cents = _digits(line, amount, what)
    if sign == "1":
        return -cents
    if sign == "2":
        return cents
    raise StatementError(line, _l("%(field)s has no debit (1) or credit (2) sign: “%(value)s”.", field=what,
                                  value=sign))


def _euro(line: int, code: str) -> str:
    if code != EURO_NUMERIC:
        raise StatementError(line, _l("Only euro statements are read: this account is in currency %(code)s, not 978 "
                                      "(EUR).", code=code.strip() or "?"))
    return CURRENCIES[code]


def records(text: str) -> list[tuple[int, str]]:
    """The records of a decoded file with their 1-based line numbers, each padded back to 80 characters. A file
    without line breaks whose length is a multiple of 80 is cut every 80 characters (the tape layout)."""
    text = text.lstrip("\ufeff").rstrip("\x1a")  # a byte-order mark; MS-DOS's end-of-file mark
    if not text.strip():
        raise StatementError(None, _l("The file is empty."))
    if not _LINE_BREAK.search(text) and len(text) % RECORD_LENGTH == 0:
        lines = [text[i:i + RECORD_LENGTH] for i in range(0, len(text), RECORD_LENGTH)]
    else:
        lines = _LINE_BREAK.split(text)
        while lines and not lines[-1].strip():
            lines.pop()
    out = []
    for number, record in enumerate(lines, start=1):
        code = record[:2]
        if code not in _MIN_LENGTH:
            raise StatementError(number, _l("Unknown record code “%(code)s”: a Norma 43 record starts with 11, 22, "
                                            "23, 24, 33 or 88.", code=code))
        if len(record) > RECORD_LENGTH:
            raise StatementError(number, _l("The record is %(length)s characters long; a Norma 43 record has 80.",
                                            length=len(record)))
        if len(record) < _MIN_LENGTH[code]:
            raise StatementError(number, _l("The record is %(length)s characters long: it is cut short of its fields "
                                            "(a Norma 43 record has 80).", length=len(record)))
        out.append((number, record.ljust(RECORD_LENGTH)))
    return out


# --- the file ------------------------------------------------------------------------------------------------------

@dataclass
class _Movement:
    number: int
    record: str
    concepts: dict[str, tuple[str, str]]
    raw: list[str]


@dataclass
class _Block:
    number: int
    record: str
    movements: list[_Movement]


def _line(block: _Block, occurrence: int, movement: _Movement) -> Line:
    n, r = movement.number, movement.record
    account = block.record[2:20]
    concepts = tuple(text.strip() for code in sorted(movement.concepts) for text in movement.concepts[code]
                     if text.strip())
    return Line(
        number_in_file=n,
        operation_date=_date(n, r[10:16], OPERATION_DATE),
        value_date=_date(n, r[16:22], VALUE_DATE),
        common_concept=r[22:24],
        own_concept=r[24:27],
        amount_cents=_signed(n, r[27], r[28:42], AMOUNT),
        document=r[42:52].strip(),
        reference1=r[52:64].strip(),
        reference2=r[64:80].strip(),
        concepts=concepts,
        fingerprint=fingerprint(account, occurrence, tuple(movement.raw)),
    )


def _account(block: _Block, number: int, end: str) -> Account:
    """An account from its header, its movements and its end record (at line ``number``), the totals checked."""
    head = block.record
    n = block.number
    currency = _euro(n, head[47:50])
    start = _date(n, head[20:26], _l("The start date"))
    finish = _date(n, head[26:32], _l("The end date"))
    opening = _signed(n, head[32], head[33:47], _l("The initial balance"))
    seen: dict[tuple[str, ...], int] = {}
    occurrences = []
    for movement in block.movements:  # (how many identical movements came before each: its fingerprint's count)
        key = tuple(movement.raw)
        occurrences.append(seen.get(key, 0))
        seen[key] = occurrences[-1] + 1
    lines = tuple(_line(block, i, movement) for i, movement in zip(occurrences, block.movements))

    _euro(number, end[73:76])
    if end[2:20] != head[2:20]:
        raise StatementError(number, _l("The end-of-account record names account %(end)s, opened as %(head)s.",
                                        end=end[2:20], head=head[2:20]))
    debit_count = _digits(number, end[20:25], _l("The number of debits"))
    debit_total = _digits(number, end[25:39], _l("The total of debits"))
    credit_count = _digits(number, end[39:44], _l("The number of credits"))
    credit_total = _digits(number, end[44:58], _l("The total of credits"))
    closing = _signed(number, end[58], end[59:73], _l("The final balance"))
    # Counted by the sign each 22 record carries (a zero movement counts where the bank put it).
    signs = [movement.record[27] for movement in block.movements]
    debits = [-line.amount_cents for line, sign in zip(lines, signs) if sign == "1"]
    credits = [line.amount_cents for line, sign in zip(lines, signs) if sign == "2"]
    if (debit_count, debit_total) != (len(debits), sum(debits)):
        raise StatementError(number, _l("The end-of-account record counts %(count)s debits for %(total)s cents; the "
                                        "movements are %(found)s debits for %(sum)s cents.", count=debit_count,
                                        total=debit_total, found=len(debits), sum=sum(debits)))
    if (credit_count, credit_total) != (len(credits), sum(credits)):
        raise StatementError(number, _l("The end-of-account record counts %(count)s credits for %(total)s cents; the "
                                        "movements are %(found)s credits for %(sum)s cents.", count=credit_count,
                                        total=credit_total, found=len(credits), sum=sum(credits)))
    if closing != opening + sum(credits) - sum(debits):
        raise StatementError(number, _l("The final balance (%(closing)s cents) is not the initial balance "
                                        "(%(opening)s) plus credits (%(credits)s) minus debits (%(debits)s).",
                                        closing=closing, opening=opening, credits=sum(credits), debits=sum(debits)))
    return Account(bank=head[2:6], branch=head[6:10], number=head[10:20], currency=currency, start=start, end=finish,
                   opening_cents=opening, closing_cents=closing, lines=lines, name=head[51:77].strip())


def parse_norma43(data: bytes) -> Statement:
    """Every account of a Norma 43 file, or ``StatementError`` (the file refused whole)."""
    if not data or not data.strip():
        raise StatementError(None, _l("The file is empty."))
    accounts: list[Account] = []
    block: _Block | None = None
    movement: _Movement | None = None
    counted = 0
    ended = False
    for number, record in records(decode(data)):
        code = record[:2]
        if ended:
            raise StatementError(number, _l("A record follows the end-of-file record (88)."))
        if code == "00":
            if number != 1:
                raise StatementError(number, _l("A file header (00) can only be the first record."))
            continue
        if code == "88":
            if block is not None:
                raise StatementError(number, _l("The account opened at line %(line)s has no end record (33).",
                                                line=block.number))
            total = _digits(number, record[20:26], _l("The number of records"))
            if total != counted:
                raise StatementError(number, _l("The end-of-file record counts %(total)s records; the file has "
                                                "%(counted)s.", total=total, counted=counted))
            ended = True
            continue
        counted += 1
        if code == "11":
            if block is not None:
                raise StatementError(number, _l("The account opened at line %(line)s has no end record (33).",
                                                line=block.number))
            _euro(number, record[47:50])
            _date(number, record[20:26], _l("The start date"))
            _date(number, record[26:32], _l("The end date"))
            _signed(number, record[32], record[33:47], _l("The initial balance"))
            block, movement = _Block(number, record, []), None
        elif code == "22":
            if block is None:
                raise StatementError(number, _l("A movement (22) outside an account: no account header (11) "
                                                "before it."))
            _date(number, record[10:16], OPERATION_DATE)
            _date(number, record[16:22], VALUE_DATE)
            _signed(number, record[27], record[28:42], AMOUNT)
            movement = _Movement(number, record, {}, [record])
            block.movements.append(movement)
        elif code in ("23", "24"):
            if block is None or movement is None:
                raise StatementError(number, _l("A complementary record (%(code)s) without its movement (22).",
                                                code=code))
            if code == "23":
                data_code = record[2:4]
                if data_code not in ("01", "02", "03", "04", "05") or data_code in movement.concepts:
                    raise StatementError(number, _l("A complementary concept record is numbered “%(code)s”: 01 to "
                                                    "05, once each, are allowed.", code=data_code))
                movement.concepts[data_code] = (record[4:42], record[42:80])
            else:
                _digits(number, record[4:7], _l("The original currency"))
                _digits(number, record[7:21], _l("The equivalent amount"))
            movement.raw.append(record)
        elif code == "33":
            if block is None:
                raise StatementError(number, _l("An end-of-account record (33) without its account header (11)."))
            accounts.append(_account(block, number, record))
            block, movement = None, None
    if block is not None:
        raise StatementError(None, _l("The file is cut short: the account opened at line %(line)s has no end record "
                                      "(33).", line=block.number))
    if not ended:
        raise StatementError(None, _l("The file is cut short: it has no end-of-file record (88)."))
    if not accounts:
        raise StatementError(None, _l("The file has no account."))
    return Statement(accounts=tuple(accounts))
