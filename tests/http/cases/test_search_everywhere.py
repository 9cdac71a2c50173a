"""Search everywhere (GET /api/v1/search, the /search page, the top bar's box): by reference, debtor's name without
accents, tax id in any spacing, invoice number, phone in another format and email; never another organisation's."""
import secrets

from cases.tables import Case, Debtor
from tests.factories import api_token, create_org, create_user, signed_in, unique_cif
from tests.http.cases.test_claims import claim_body


async def _search(client, headers, q, status=200) -> list[dict]:
    r = await client.get("/api/v1/search", params={"q": q}, headers=headers)
    assert r.status_code == status, r.text
    return r.json()["items"] if status == 200 else r.json()


async def _creditor_with_a_claim(make_client, name: str):
    """A new creditor organisation, its API client and token, and one claim against ``name`` with a unique tax id,
    email, phone and invoice number: (client, headers, case, facts)."""
    org = await create_org()
    user = await create_user("creditor", org)
    c = await make_client()
    h = await api_token(c, user["email"])
    tag = secrets.token_hex(4)
    facts = {"tax_id": unique_cif(), "email": f"cobros.{tag}@deudor.test", "phone": f"+34 6{secrets.randbelow(10**8):08d}",
             "invoice": f"FAC-{tag}"}
    body = claim_body()
    body["debtor"] = {**body["debtor"], "name": name, "tax_id": facts["tax_id"], "email": facts["email"], "phone": facts["phone"]}
    body["invoices"][0]["number"] = facts["invoice"]
    r = await c.post("/api/v1/claims", json=body, headers=h)
    assert r.status_code == 201, r.text
    case = r.json()
    debtor = await Case.select(Case.debtor).where(Case.id == case["id"]).first()
    if (await Debtor.select(Debtor.phone).where(Debtor.id == debtor["debtor"]).first())["phone"] != facts["phone"]:
        await Debtor.update({Debtor.phone: facts["phone"]}).where(Debtor.id == debtor["debtor"])  # (a claim without one)
    return c, h, case, facts


def _ids(items) -> list[int]:
    return [i["case_id"] for i in items]


async def test_one_box_finds_a_case_every_way(make_client):
    surname = "Perís" + secrets.token_hex(3)  # unique in the run's database
    c, h, case, facts = await _creditor_with_a_claim(make_client, f"{surname} Fontanería, S.L.")
    reference = case["reference"]

    items = await _search(c, h, reference)
    assert items[0] == {"kind": "case", "case_id": case["id"], "reference": reference, "title": f"{surname} Fontanería, S.L."}
    assert case["id"] in _ids(await _search(c, h, reference.lower()))
    assert case["id"] in _ids(await _search(c, h, reference[4:]))  # in part
    plain = surname.replace("í", "i")
    for q in (plain, plain.upper(), f"{plain} fontaneria", "fontaneria"):  # the name's start, or in part
        found = await _search(c, h, q)
        assert case["id"] in _ids(found), q
    assert (await _search(c, h, plain))[0]["kind"] == "debtor"
    spaced = f"{facts['tax_id'][0].lower()} {facts['tax_id'][1:5]}-{facts['tax_id'][5:]}"
    assert _ids(await _search(c, h, spaced)) == [case["id"]]
    found = await _search(c, h, facts["invoice"])
    assert found[0]["case_id"] == case["id"] and found[0]["kind"] == "invoice" and facts["invoice"] in found[0]["title"]
    national = facts["phone"][4:]  # "6xxxxxxxx", without the country
    assert _ids(await _search(c, h, f"{national[:3]} {national[3:5]} {national[5:7]} {national[7:]}")) == [case["id"]]
    assert _ids(await _search(c, h, facts["email"].upper())) == [case["id"]]
    assert await _search(c, h, "zz" + secrets.token_hex(6)) == []
    for q in ("zz'; drop table debtors; --", "EXP-20'26", "{zz} 100%_", "zz\\x"):  # written into the SQL on PostgreSQL: taken literally
        assert await _search(c, h, q) == [], q


async def test_exact_matches_come_before_names(make_client):
    tag = secrets.token_hex(3)
    c, h, first, facts = await _creditor_with_a_claim(make_client, f"Gómez{tag} Alba")
    body = claim_body()
    body["debtor"] = {**body["debtor"], "name": f"Alba Gómez{tag}", "tax_id": unique_cif()}
    second = (await c.post("/api/v1/claims", json=body, headers=h)).json()
    body["debtor"] = {**body["debtor"], "name": f"Otro {tag}", "tax_id": unique_cif()}
    body["invoices"][0]["number"] = f"gomez{tag}"
    third = (await c.post("/api/v1/claims", json=body, headers=h)).json()
    items = await _search(c, h, f"gomez{tag}")
    assert _ids(items) == [third["id"], first["id"], second["id"]]  # the invoice number, the name's start, the name in part


async def test_a_creditor_never_finds_another_organisations_case(make_client):
    c, h, case, facts = await _creditor_with_a_claim(make_client, "Perís Ajeno " + secrets.token_hex(3))
    other = await create_org()
    other_h = await api_token(c, (await create_user("creditor", other))["email"])
    for q in (case["reference"], facts["tax_id"], facts["email"], facts["invoice"], facts["phone"], "Peris Ajeno"):
        assert case["id"] not in _ids(await _search(c, other_h, q)), q
    # staff see every organisation's
    staff, _ = await signed_in(make_client, "negotiator")
    r = await staff.get("/api/v1/search", params={"q": case["reference"]})
    assert r.status_code == 200 and _ids(r.json()["items"]) == [case["id"]]


async def test_a_term_too_short_or_too_long_is_refused(make_client):
    c, h, case, facts = await _creditor_with_a_claim(make_client, "Corto " + secrets.token_hex(3))
    for q in ("", "a", " b ", "x" * 101):
        body = await _search(c, h, q, status=400)
        assert "q" in str(body), body
    r = await c.get("/api/v1/search", headers=h)
    assert r.status_code == 400
    assert (await c.get("/api/v1/search", params={"q": "ab"})).status_code in (401, 303)  # no one signed in


async def test_the_page_and_the_top_bar(make_client):
    surname = "Perís" + secrets.token_hex(3)
    c, h, case, facts = await _creditor_with_a_claim(make_client, f"{surname} S.A.")
    page, _ = await signed_in(make_client, "negotiator")
    html = (await page.get("/search", params={"q": surname.replace("í", "i")})).text
    assert f'href="/cases/{case["id"]}"' in html and case["reference"] in html
    assert 'action="/search"' in (await page.get("/cases")).text  # the box in the top bar
    assert (await page.get("/search")).status_code == 200
    assert (await page.get("/search", params={"q": "a"})).status_code == 400


async def test_a_name_in_part_renamed_and_among_many_of_other_creditors(make_client):
    """A name found from the middle of a word; renamed, found by its new name only (SQLite: the FTS table follows the
    debtor by its triggers); and a creditor's one debtor found among 600 of another creditor's holding the same text (on
    SQLite the FTS table's first matches are the others', so the creditor's own rows are read), never theirs."""
    from datetime import datetime, timezone

    from agency.db import atomic, bulk_insert
    from cases.queries import search_key

    tag = "qv" + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))  # letters: read as a name
    c, h, case, facts = await _creditor_with_a_claim(make_client, f"Zapater{tag}ía Norte")
    assert _ids(await _search(c, h, tag[1:7])) == [case["id"]]  # from the middle of a word
    debtor = (await Case.select(Case.debtor).where(Case.id == case["id"]).first())["debtor"]
    renamed = f"Carpinter{tag}x Sur"
    await Debtor.update({Debtor.name: renamed, Debtor.search_name: search_key(renamed)}).where(Debtor.id == debtor)
    assert _ids(await _search(c, h, f"{tag}x sur")) == [case["id"]]
    assert await _search(c, h, f"{tag}ia norte") == []

    other = await create_org()
    now = datetime.now(timezone.utc)
    names = [f"Otro {tag}x {n}" for n in range(600)]
    async with atomic():
        await bulk_insert(Debtor, ["organisation", "kind", "name", "search_name", "tax_id", "country", "address_line1", "city", "postal_code",
                                   "email", "phone", "language", "classification", "vulnerable", "created_at"],
                          [(other, "person", name, search_key(name), "", "ES", "x", "x", "1", "", "", "es", "unknown", False, now) for name in names])
    assert _ids(await _search(c, h, f"{tag}x")) == [case["id"]]  # the creditor's own, none of the 600
