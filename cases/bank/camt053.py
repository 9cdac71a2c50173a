"""ISO 20022 camt.053 (BankToCustomerStatement, versions 001.02 and 001.08), read whole or refused whole (pure);
and ``parse_statement``, which tells it from a Norma 43 file.

``Document/BkToCstmrStmt/Stmt`` is one account (``Acct/Id/IBAN``, ``Acct/Ccy``) with its balances (``Bal``: the
opening booked ``OPBD``, or ``PRCD`` where a bank gives the previous closing instead, and the closing booked
``CLBD``, each ``Amt`` with its ``Ccy`` and ``CdtDbtInd``) and its entries (``Ntry``: ``Amt``, ``CdtDbtInd``,
``Sts``, ``BookgDt``, ``ValDt``, ``AcctSvcrRef``, ``NtryDtls/TxDtls`` with ``Refs/EndToEndId`` and ``Refs/MndtId``,
``RltdPties`` (``Dbtr/Nm`` in 001.02, ``Dbtr/Pty/Nm`` in 001.08, ``DbtrAcct/Id/IBAN``), ``RmtInf/Ustrd`` and, for a
return, ``RtrInf/Rsn/Cd``). Only booked entries (``Sts`` BOOK) are lines: pending or informative ones do not move the
booked balance.

An entry is one line; a batch entry whose transactions each carry their amount (``AmtDtls/TxAmt/Amt``, or ``Amt`` in
001.08) adding up to the entry's is one line per transaction, each with its own references.

Refused whole (``StatementError``): anything but well-formed XML, any DOCTYPE or entity declaration (no external
entity is ever fetched and no entity expanded: XXE and "billion laughs"), a root that is not a camt.053 Document,
an amount or a balance in another currency than the euro, a missing balance or an amount that is not one, and a
statement whose balances do not add up (opening + credits - debits = closing)."""
from __future__ import annotations

import re
from datetime import date

from lxml import etree

from agency.i18n import lazy_gettext as _l
from cases.bank.norma43 import Account, Line, Statement, StatementError, fingerprint, parse_norma43

NAMESPACES = {
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02": "001.02",
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08": "001.08",
}
EURO = "EUR"
_AMOUNT = re.compile(r"^\d{1,15}(\.\d{1,2})?$")  # ActiveOrHistoricCurrencyAndAmount, at most two decimals for EUR
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")  # ISODate, or the date part of an ISODateTime
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def looks_like_xml(data: bytes) -> bool:
    head = data.lstrip()[:4]
    return head.startswith((b"<", b"\xef\xbb\xbf<", b"\xff\xfe", b"\xfe\xff"))


def parse_statement(data: bytes) -> Statement:
    """A bank statement in either format the agency reads: camt.053 (XML) or Norma 43 (80-character records)."""
    return parse_camt053(data) if looks_like_xml(data) else parse_norma43(data)


# --- reading elements ----------------------------------------------------------------------------------------------

class _Reader:
    """Paths of ``Tag/Tag`` in the document's namespace, read as text."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace

    def path(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{part}" for part in path.split("/"))

    def all(self, element, path: str) -> list:
        return element.findall(self.path(path))

    def one(self, element, path: str):
        return element.find(self.path(path))

    def text(self, element, path: str) -> str:
        found = element.find(self.path(path))
        return (found.text or "").strip() if found is not None else ""

    def first(self, element, *paths: str) -> str:
        for path in paths:
            if value := self.text(element, path):
                return value
        return ""


def _cents(element, line: int) -> int:
    """A euro amount element (``<Amt Ccy="EUR">12.30</Amt>``) in cents, exactly."""
    if element is None:
        raise StatementError(line, _l("An amount is missing."))
    currency = element.get("Ccy", "")
    if currency != EURO:
        raise StatementError(element.sourceline or line, _l("Only euro statements are read: this amount is in "
                                                            "“%(code)s”.", code=currency or "?"))
    text = (element.text or "").strip()
    if not _AMOUNT.match(text):
        raise StatementError(element.sourceline or line, _l("“%(value)s” is not an amount in euros.", value=text))
    whole, _, fraction = text.partition(".")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


def _sign(indicator: str, line: int) -> int:
    if indicator == "CRDT":
        return 1
    if indicator == "DBIT":
        return -1
    raise StatementError(line, _l("“%(value)s” is not a credit (CRDT) or debit (DBIT) indicator.", value=indicator))


def _date(text: str, line: int, what) -> date:
    match = _DATE.match(text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    raise StatementError(line, _l("%(field)s is not a date: “%(value)s”.", field=what, value=text))


# --- the statement -------------------------------------------------------------------------------------------------

def _balance(r: _Reader, statement, codes: tuple[str, ...]) -> tuple[int, date | None] | None:
    for code in codes:
        for balance in r.all(statement, "Bal"):
            if r.first(balance, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry") == code:
                line = balance.sourceline
                cents = _cents(r.one(balance, "Amt"), line) * _sign(r.text(balance, "CdtDbtInd"), line)
                when = r.first(balance, "Dt/Dt", "Dt/DtTm")
                return cents, (_date(when, line, _l("The balance's date")) if when else None)
    return None


def _booked(r: _Reader, entry) -> bool:
    status = r.first(entry, "Sts/Cd", "Sts")
    return status in ("", "BOOK")


def _transaction_amount(r: _Reader, transaction, entry_indicator: str, line: int) -> int | None:
    """A transaction's amount in cents, in the entry's direction (negative when 001.08's ``TxDtls/CdtDbtInd`` says the
    opposite of the entry's), or None when it carries none."""
    amount = r.one(transaction, "AmtDtls/TxAmt/Amt")
    if amount is None:
        amount = r.one(transaction, "Amt")
    if amount is None:
        return None
    indicator = r.text(transaction, "CdtDbtInd") or entry_indicator
    return _cents(amount, line) * _sign(indicator, line) * _sign(entry_indicator, line)


def _party(r: _Reader, transaction, role: str) -> tuple[str, str]:
    name = r.first(transaction, f"RltdPties/{role}/Nm", f"RltdPties/{role}/Pty/Nm")
    iban = r.text(transaction, f"RltdPties/{role}Acct/Id/IBAN")
    return name, iban


def _counterparty(r: _Reader, transaction, credit: bool, own_iban: str) -> tuple[str, str]:
    """The other side: the debtor of money in and of a returned collection, the creditor of other money out; never
    the statement's own account."""
    returned = r.one(transaction, "RtrInf") is not None
    roles = ("Dbtr", "Cdtr") if credit or returned else ("Cdtr", "Dbtr")
    for role in roles:
        name, iban = _party(r, transaction, role)
        if (name or iban) and iban.replace(" ", "") != own_iban:
            return name, iban.replace(" ", "")
    return "", ""


def _lines(r: _Reader, entry, own_iban: str, occurrence: int) -> tuple[int, list[Line]]:
    """The entry's signed amount and its line (or one line per transaction of a batch)."""
    line = entry.sourceline or 0
    indicator = r.text(entry, "CdtDbtInd")
    sign = _sign(indicator, line)
    amount = _cents(r.one(entry, "Amt"), line)
    booked = r.first(entry, "BookgDt/Dt", "BookgDt/DtTm")
    valued = r.first(entry, "ValDt/Dt", "ValDt/DtTm") or booked
    operation_date = _date(booked, line, _l("The booking date"))
    value_date = _date(valued, line, _l("The value date"))
    code = "/".join(filter(None, (r.text(entry, "BkTxCd/Domn/Cd"), r.text(entry, "BkTxCd/Domn/Fmly/Cd"),
                                  r.text(entry, "BkTxCd/Domn/Fmly/SubFmlyCd"))))
    own_concept = code or r.text(entry, "BkTxCd/Prtry/Cd")
    raw = etree.tostring(entry, method="c14n").decode("utf-8")
    transactions = r.all(entry, "NtryDtls/TxDtls")
    amounts = [_transaction_amount(r, t, indicator, t.sourceline or line) for t in transactions]
    split = len(transactions) > 1 and None not in amounts and sum(amounts) == amount
    if len(transactions) > 1 and None not in amounts and not split:
        raise StatementError(line, _l("The transactions of an entry add up to %(sum)s cents; the entry is %(amount)s.",
                                      sum=sum(amounts), amount=amount))
    if split:
        groups = list(zip(transactions, amounts))
    else:  # one line: with its one transaction's details, or (a batch without amounts) only the batch's texts
        groups = [(transactions[0] if len(transactions) == 1 else None, amount)]
    made = []
    for index, (transaction, cents) in enumerate(groups):
        details = transaction if transaction is not None else etree.Element("none")  # finds nothing
        texts = r.all(entry, "NtryDtls/TxDtls/RmtInf/Ustrd") if transaction is None else r.all(details, "RmtInf/Ustrd")
        concepts = [(t.text or "").strip() for t in texts]
        concepts += [r.text(details, "AddtlTxInf"), r.text(entry, "AddtlNtryInf")]
        name, iban = _counterparty(r, details, sign > 0, own_iban)
        made.append(Line(
            number_in_file=line,
            operation_date=operation_date,
            value_date=value_date,
            common_concept="",
            own_concept=own_concept,
            amount_cents=sign * cents,
            document="",
            reference1=r.text(entry, "AcctSvcrRef"),
            reference2=r.text(entry, "NtryRef"),
            concepts=tuple(dict.fromkeys(c for c in concepts if c)),
            fingerprint=fingerprint(own_iban, occurrence, (raw, str(index)) if split else (raw,)),
            end_to_end_id=_not_provided(r.text(details, "Refs/EndToEndId")),
            mandate_id=r.text(details, "Refs/MndtId"),
            counterparty_name=name,
            counterparty_iban=iban,
            return_reason=r.first(details, "RtrInf/Rsn/Cd", "RtrInf/Rsn/Prtry"),
        ))
    return sign * amount, made


def _not_provided(text: str) -> str:
    return "" if text == "NOTPROVIDED" else text


def _account(r: _Reader, statement) -> Account:
    line = statement.sourceline or 0
    iban = r.text(statement, "Acct/Id/IBAN").replace(" ", "").upper()
    if not iban:
        raise StatementError(line, _l("The statement names no account IBAN (Acct/Id/IBAN)."))
    currency = r.text(statement, "Acct/Ccy")
    if currency and currency != EURO:
        raise StatementError(line, _l("Only euro statements are read: this account is in “%(code)s”.", code=currency))
    opening = _balance(r, statement, ("OPBD", "PRCD"))
    closing = _balance(r, statement, ("CLBD",))
    if opening is None or closing is None:
        raise StatementError(line, _l("The statement lacks its opening (OPBD) or closing (CLBD) booked balance."))
    entries = [entry for entry in r.all(statement, "Ntry") if _booked(r, entry)]
    total, lines = 0, []
    seen: dict[bytes, int] = {}
    for entry in entries:
        key = etree.tostring(entry, method="c14n")  # (identical entries before this one: its fingerprint's count)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        amount, made = _lines(r, entry, iban, occurrence)
        total += amount
        lines.extend(made)
    if opening[0] + total != closing[0]:
        raise StatementError(line, _l("The closing balance (%(closing)s cents) is not the opening balance "
                                      "(%(opening)s) plus credits minus debits (%(total)s).", closing=closing[0],
                                      opening=opening[0], total=total))
    start = r.first(statement, "FrToDt/FrDtTm")
    end = r.first(statement, "FrToDt/ToDtTm")
    start_date = _date(start, line, _l("The statement's start")) if start else opening[1]
    end_date = _date(end, line, _l("The statement's end")) if end else closing[1]
    if start_date is None or end_date is None:
        raise StatementError(line, _l("The statement gives neither its period (FrToDt) nor its balances' dates."))
    spanish = iban.startswith("ES") and len(iban) == 24
    return Account(
        bank=iban[4:8] if spanish else "",
        branch=iban[8:12] if spanish else "",
        number=iban[14:24] if spanish else iban,
        currency=EURO,
        start=start_date,
        end=end_date,
        opening_cents=opening[0],
        closing_cents=closing[0],
        lines=tuple(lines),
        name=r.first(statement, "Acct/Nm", "Acct/Ownr/Nm"),
        iban=iban,
    )


def parse_camt053(data: bytes) -> Statement:
    """Every statement (account) of a camt.053 Document, or ``StatementError`` (the file refused whole)."""
    if not data or not data.strip():
        raise StatementError(None, _l("The file is empty."))
    if _DECLARATION.search(data):
        raise StatementError(None, _l("The XML declares a DOCTYPE or entities: refused (a bank statement has none)."))
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        raise StatementError(error.lineno, _l("The file is not well-formed XML: %(error)s", error=str(error))) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise StatementError(None, _l("The XML declares a DOCTYPE or entities: refused (a bank statement has none)."))
    namespace = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "Document" or namespace not in NAMESPACES:
        raise StatementError(root.sourceline, _l("This XML is not a camt.053 statement (001.02 or 001.08): its root is "
                                                 "“%(root)s”.", root=root.tag))
    r = _Reader(namespace)
    message = r.one(root, "BkToCstmrStmt")
    statements = r.all(message, "Stmt") if message is not None else []
    if not statements:
        raise StatementError(root.sourceline, _l("The camt.053 document holds no statement (BkToCstmrStmt/Stmt)."))
    return Statement(accounts=tuple(_account(r, statement) for statement in statements))
