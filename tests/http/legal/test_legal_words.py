"""A proposal of legal action is read in the reader's language (issue 23, item 5): the procedure's name and the reasons
the estimate gives are written out when read, from the procedure's key and the codes kept with the estimate, not from the
words of whoever proposed it (kept beside them, as shown to the proposer)."""
import json

from markupsafe import escape

from agency import i18n
from legal.rules.procedures import PROCEDURES
from legal.tables import LegalAction
from tests.factories import api_token, create_user, login
from tests.http.cases.test_money import _people
from tests.http.cases.test_negotiation import _accepted_case


async def test_a_proposal_made_in_spanish_reads_in_english_for_an_english_creditor(make_client):
    org, c, ch, _nh = await _people(make_client)
    case = await _accepted_case(c, ch, _nh)
    spanish = await create_user("negotiator", language="es")
    nh = await api_token(c, spanish["email"])
    r = await c.post(f"/api/v1/cases/{case['id']}/legal/proposal", json={"note": ""}, headers=nh)
    assert r.status_code == 201, r.text
    kept = json.loads((await LegalAction.select(LegalAction.estimate).where(LegalAction.case == case["id"]).first())["estimate"])
    assert kept["procedure"] == "monitorio" and kept["reasons"] and len(kept["reason_codes"]) == len(kept["reasons"])
    spanish_words = kept["reasons"][0]
    assert spanish_words.isascii() is False or "LEC" in spanish_words  # (the proposer's words, kept)

    reader = await create_user("creditor", org, language="en")
    client = await make_client()
    assert (await login(client, reader["email"])).status_code == 303
    panel = (await client.get(f"/cases/{case['id']}/legal/", headers={"hx-request": "true"})).text
    previous = i18n.get_language()
    i18n.set_language("en")
    try:
        name, first = str(PROCEDURES["monitorio"]), i18n.from_codes(kept["reason_codes"][0])
    finally:
        i18n.set_language(previous)
    assert first != spanish_words, "the reason has an English translation"
    assert str(escape(name)) in panel and str(escape(first)) in panel
    assert str(escape(spanish_words)) not in panel and str(escape(kept["procedure_name"])) not in panel


def test_codes_round_trip_with_money_numbers_and_countries():
    from decimal import Decimal

    from agency.i18n import CountryName, as_codes, format_money, from_codes, lazy_gettext

    message = lazy_gettext("The claim goes to the courts of the debtor's domicile, in %(country)s.", country=CountryName("FR"))
    kept = json.loads(json.dumps(as_codes(message)))
    previous = i18n.get_language()
    try:
        for language in ("es", "en"):
            i18n.set_language(language)
            assert from_codes(kept) == str(message)
        i18n.set_language("en")
        money = json.loads(json.dumps(as_codes(lazy_gettext("Above %(limit)s a lawyer and a procurador are needed (LEC 23 and 31).",
                                                             limit=i18n.LazyProxy(format_money, Decimal("2000"), enable_cache=False)))))
        assert "2,000.00" in from_codes(money) or "2,000" in from_codes(money)
    finally:
        i18n.set_language(previous)
