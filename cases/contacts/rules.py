"""The contact log (pure): what a logged contact must be. Every call, email, message or letter is
kept as proof; certified channels (burofax) are marked, since a certified demand interrupts the
limitation period (Código Civil art. 1973, see LEGAL.md)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import phonenumbers

from agency.i18n import lazy_gettext as _l
from agency.i18n import lazy_join

CHANNELS = ("call", "email", "whatsapp", "sms", "letter", "burofax", "visit", "note")
CERTIFIED = frozenset({"burofax"})
PHONE_CHANNELS = frozenset({"call", "whatsapp", "sms"})
NEXT_ACTION_HORIZON_DAYS = 731  # a case left further off than two years drops out of the queue: a typo, most likely
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # as intake checks a debtor's address
DIRECTIONS = ("outbound", "inbound")
OUTCOMES = ("reached", "no_answer", "wrong_number", "promise_to_pay", "dispute", "refusal", "asks_for_plan", "sent")
MAX_BODY = 10_000
# With whom the contact was: the debtor, or a third party, who must never hear of the debt (LEGAL.md "Data protection in letters").
PARTIES = ("debtor", "relative", "employer", "third_party")
THIRD_PARTIES = frozenset(PARTIES[1:])
PARTY_LABELS = {"debtor": _l("the debtor"), "relative": _l("a relative"), "employer": _l("the employer"), "third_party": _l("another third party")}
# The channels of a logged contact that count towards the weekly cap: all but the internal note.
CAPPED_CHANNELS = frozenset(CHANNELS) - {"note"}


def promise_fields_problem(outcome: str, promised_on: str, amount: str, required: bool) -> tuple[str, object] | None:
    """Whether a contact's promise fields fit its outcome: (field, reason) when not. A promise goes with the
    outcome "promise to pay", with both its date and its amount or neither; ``required`` (the case page)
    asks for them with that outcome, while the API may record the promise on its own (/promises).
    Worked examples: ("reached", "2026-12-15", "100") -> the outcome is wrong; ("promise_to_pay", "", "100")
    -> the date is missing; ("promise_to_pay", "", "") -> fine through the API, refused on the page."""
    is_promise = outcome.strip().lower() == "promise_to_pay"
    promised_on, amount = promised_on.strip(), amount.strip()
    if (promised_on or amount) and not is_promise:
        return "outcome", _l("A promised date and amount go with the outcome 'Promise to pay'.")
    if is_promise and bool(promised_on) != bool(amount):
        return ("promised_on" if not promised_on else "promise_amount"), _l("Give both the date and the amount promised.")
    if is_promise and required and not promised_on:
        return "promised_on", _l("Give the date and the amount promised: they are recorded with the contact.")
    return None


@dataclass(frozen=True)
class ActivityInput:
    kind: str
    direction: str = "outbound"
    outcome: str = ""
    body: str = ""
    contact: str = ""  # the phone, email or address used
    next_action_on: object = ""
    party: str = "debtor"  # with whom: PARTIES


@dataclass(frozen=True)
class Activity:
    kind: str
    direction: str
    outcome: str | None
    body: str
    contact: str
    next_action_on: date | None
    certified: bool
    party: str = "debtor"


@dataclass(frozen=True)
class DebtFacts:
    """What a third party must not be told (a relative, an employer, a neighbour: LEGAL.md, never reveal the debt):
    the case's references, the creditor's name and the amounts owed (what is owed now, the principal, each invoice)."""
    reference: str = ""
    creditor_reference: str = ""
    creditor_name: str = ""
    amounts_cents: tuple[int, ...] = ()


class ActivityErrors(ValueError):
    def __init__(self, errors: dict[str, object]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class DebtRevealed(ActivityErrors):
    """A contact with a third party whose text speaks of the debt: refused (a 422 naming the field), nothing written."""


def _plain(text: str) -> str:
    """Lower case, without accents, punctuation as spaces: "Distribuciones Núñez, S.L." -> "distribuciones nunez s l"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


# A company's legal form, left out when looking for its name in a text ("Norte S.L." is named by "Norte").
_LEGAL_FORMS = {"s l", "sl", "s a", "sa", "slu", "s l u", "sau", "s a u", "sll", "scp", "sc", "cb", "c b", "coop", "lda", "ltd",
                "limited", "plc", "sarl", "sas", "sasu", "eurl", "snc", "unipessoal", "gmbh", "inc", "llc", "bv", "nv", "ag"}


def _name_forms(name: str) -> set[str]:
    plain = _plain(name)
    forms = {plain} if plain else set()
    for legal in sorted(_LEGAL_FORMS, key=len, reverse=True):
        if plain.endswith(" " + legal):
            short = plain[: -len(legal) - 1].strip()
            if len(short) >= 3:
                forms.add(short)
            break
    return forms


_NUMBER = re.compile(r"\d(?:[\d.,' \u00a0\u202f]*\d)?")


def _amounts_in(text: str) -> set[int]:
    """Every amount a text writes, in cents, however it is written: 1.234,56 / 1234,56 / 1,234.56 / 1234.56 -> 123456;
    a whole number (1.500, 1500) -> 150000 and, for its euros alone, the same number marked negative (-1500)."""
    found: set[int] = set()
    for token in _NUMBER.findall(text):
        token = re.sub(r"[ '\u00a0\u202f]", "", token)
        cents = None
        decimals = re.search(r"[.,](\d{1,2})$", token)
        if decimals and not re.search(r"[.,]\d{3}$", token):
            whole = re.sub(r"[.,]", "", token[: decimals.start()])
            if whole.isdigit():
                cents = int(whole) * 100 + int(decimals.group(1).ljust(2, "0"))
        else:
            whole = re.sub(r"[.,]", "", token)
            if whole.isdigit() and len(whole) <= 12:
                cents = int(whole) * 100
                found.add(-int(whole))
        if cents is not None:
            found.add(cents)
    return found


def reveals_debt(text: str, facts: DebtFacts) -> list[str]:
    """What of the debt a text given to a third party tells: "amount", "reference", "creditor" (empty: nothing).
    Worked examples, for case EXP-2026-000123 of Distribuciones Norte S.L. owing 1,234.56 EUR:
    "Le dije que debe 1.234,56 €" -> ["amount"]; "unos 1234 euros" -> ["amount"] (the euros of an amount of 100 or more);
    "llamamos por el exp-2026-000123" -> ["reference"]; "de parte de distribuciones norte" -> ["creditor"];
    "Pedí que nos devuelva la llamada antes de las 17:00" -> []."""
    found = []
    written = _amounts_in(text)
    for cents in facts.amounts_cents:
        if cents > 0 and (cents in written or (cents >= 10_000 and -(cents // 100) in written)):
            found.append("amount")
            break
    plain = f" {_plain(text)} "
    refs = [r for r in (facts.reference, facts.creditor_reference) if len(_plain(r).replace(" ", "")) >= 5]
    squeezed = re.sub(r"[^\w]", "", text.casefold())
    if any(_plain(r).replace(" ", "") in squeezed for r in refs):
        found.append("reference")
    if any(f" {form} " in plain for form in _name_forms(facts.creditor_name)):
        found.append("creditor")
    return found


def third_party_problem(party: str, body: str, facts: DebtFacts) -> object | None:
    """Why a contact with a third party cannot be logged as written (it tells them of the debt), or None."""
    if party not in THIRD_PARTIES:
        return None
    told = reveals_debt(body, facts)
    if not told:
        return None
    names = {"amount": _l("the amount owed"), "reference": _l("the case reference"), "creditor": _l("the creditor's name")}
    return _l("This contact was with a third party: do not reveal the debt. The text mentions %(what)s; remove it and record only that "
              "you asked for the debtor to call back.", what=lazy_join(names[t] for t in told))


def counts_towards_cap(kind: str, payload: dict) -> bool:
    """Whether a timeline event is an outbound contact about the debtor that counts towards the weekly cap: a logged contact
    by any channel but the internal note, not one the debtor made (inbound), with the debtor or a third party (a call to
    their employer weighs on them too); or a message sent to them (email, letter, WhatsApp, SMS; not a phone script)."""
    if kind == "contact":
        return payload.get("channel") in CAPPED_CHANNELS and payload.get("direction", "outbound") != "inbound"
    if kind == "message":
        return payload.get("channel") in {"email", "letter", "whatsapp", "sms"}
    return False


def cap_allows(count: int, cap: int) -> bool:
    """Whether an automatic message may go out to a debtor contacted ``count`` times in the last seven days: it waits
    (for a later round) once the week holds ``cap`` contacts. Worked example, cap 3: 2 -> yes, 3 -> no (it waits)."""
    return count < cap


def cap_warning(count: int, cap: int) -> object | None:
    """The warning for a contact logged by hand when, with it, the last seven days hold ``count`` contacts: over ``cap``,
    the contact is still recorded (the negotiator may have had to call) but told. Cap 3: the 3rd -> None, the 4th -> a warning."""
    if count <= cap:
        return None
    return _l("This is contact number %(count)s with this debtor in the last 7 days, over the agency's limit of %(cap)s a week: "
              "keep contact reasonable. The contact is recorded.", count=count, cap=cap)


def normalise_phone(raw: str, country: str = "ES") -> str:
    """E.164 (+34600000000), or ValueError when it is not a possible number."""
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        raise ValueError(raw) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_activity(a: ActivityInput, today: date, country: str = "ES", facts: DebtFacts | None = None) -> Activity:
    """The contact as it will be recorded, or ActivityErrors naming each field to fix. With ``facts`` (the case's), a contact
    with a third party that speaks of the debt is refused as DebtRevealed."""
    errors: dict[str, object] = {}
    kind = a.kind.strip().lower()
    if kind not in CHANNELS:
        errors["kind"] = _l("Choose the channel: call, email, WhatsApp, SMS, letter, burofax, visit or note.")
    direction = a.direction.strip().lower() or "outbound"
    if direction not in DIRECTIONS:
        errors["direction"] = _l("The direction is outbound or inbound.")
    outcome = a.outcome.strip().lower() or None
    if outcome is not None and outcome not in OUTCOMES:
        errors["outcome"] = _l("Unknown outcome.")
    body = a.body.strip()
    if kind != "note" and not body and outcome is None:
        errors["body"] = _l("Write what was said, or choose an outcome.")
    if kind == "note" and not body:
        errors["body"] = _l("Write the note.")
    if len(body) > MAX_BODY:
        errors["body"] = _l("The text is too long (10,000 characters at most).")
    party = a.party.strip().lower() or "debtor"
    if party not in PARTIES:
        errors["party"] = _l("With whom: the debtor, a relative, the employer or another third party.")
    contact = a.contact.strip()
    if contact and kind in PHONE_CHANNELS:
        try:
            contact = normalise_phone(contact, country)
        except ValueError:
            errors["contact"] = _l("This phone number is not valid: write it with its prefix, e.g. +34 600 000 000.")
    elif contact and kind == "email" and not _EMAIL.match(contact):
        errors["contact"] = _l("This email address is not valid: it looks like name@example.com.")
    next_on = None
    if isinstance(a.next_action_on, datetime):
        next_on = a.next_action_on.date()
    elif isinstance(a.next_action_on, date):
        next_on = a.next_action_on
    elif str(a.next_action_on or "").strip():
        try:
            next_on = date.fromisoformat(str(a.next_action_on).strip())
        except ValueError:
            errors["next_action_on"] = _l("Enter the next action date as YYYY-MM-DD.")
    if next_on is not None and next_on < today:
        errors["next_action_on"] = _l("The next action cannot be in the past.")
    elif next_on is not None and next_on > today + timedelta(days=NEXT_ACTION_HORIZON_DAYS):
        errors["next_action_on"] = _l("The next action is more than two years away: check the date.")
    if errors:
        raise ActivityErrors(errors)
    revealed = third_party_problem(party, body, facts) if facts is not None else None
    if revealed:
        raise DebtRevealed({"body": revealed})
    return Activity(kind, direction, outcome, body, contact, next_on, kind in CERTIFIED, party)


def choose_senior(open_cases: dict[int, int], on_debtors_cases: set[int]) -> int | None:
    """The senior negotiator a vulnerable debtor's cases go to, from each active senior's count of open cases: one already
    working one of the debtor's cases (one person for the debtor), else the one with the fewest open cases (ties: the
    longest-serving, the lowest id); None when the agency has no senior negotiator.
    Worked example: {7: 12, 9: 4} and the debtor's other case with 7 -> 7; with nobody -> 9; {} -> None."""
    if not open_cases:
        return None
    pool = [u for u in open_cases if u in on_debtors_cases] or list(open_cases)
    return min(pool, key=lambda u: (open_cases[u], u))


VULNERABLE_REASON_MAX = 500


def vulnerable_problems(reason: str) -> dict[str, object]:
    """A vulnerable flag set or cleared says why (it is on every case's timeline)."""
    text = " ".join(str(reason or "").split())
    if len(text) < 5:
        return {"reason": _l("Say why (at least 5 characters): it is recorded on the debtor's cases.")}
    if len(text) > VULNERABLE_REASON_MAX:
        return {"reason": _l("The reason is too long (500 characters at most).")}
    return {}
