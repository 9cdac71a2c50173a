"""Lists at scale (issue 23): the case list sorted and kept in its URL, exported as CSV or XLSX (the caller's cases
only, one entry on the access log), and staff's bulk actions, each case through its own checks."""
import csv
import io

from openpyxl import load_workbook

from agency import access
from agency.tables import AccessRecord, OutboxMessage
from cases.lists import service as lists_service
from cases.queries import message_choices
from cases.tables import Case, CaseEvent, SavedView
from tests.factories import api_token, create_org, create_user, post_form, signed_in
from tests.http.cases.test_claims import PDF, claim_body


async def _creditor(make_client, cases: int = 0, evidence: bool = True):
    """A new creditor organisation, its API client and token, and ``cases`` claims (with a PDF each, if ``evidence``)."""
    org = await create_org()
    user = await create_user("creditor", org)
    c = await make_client()
    h = await api_token(c, user["email"])
    made = [await _claim(c, h, evidence, f"CR-{n}") for n in range(cases)]
    return org, user, c, h, made


async def _claim(c, h, evidence: bool = True, creditor_reference: str = "REF-1") -> dict:
    r = await c.post("/api/v1/claims", json=claim_body(creditor_reference=creditor_reference), headers=h)
    assert r.status_code == 201, r.text
    case = r.json()
    if evidence:
        up = await c.post(f"/api/v1/cases/{case['id']}/evidence", headers=h, files={"file": ("f.pdf", io.BytesIO(PDF), "application/pdf")})
        assert up.status_code == 201, up.text
    return case


# --- sorting, and the filters in the URL --------------------------------------------------------------------

async def test_the_list_sorts_by_reference_and_opening_and_keeps_it_in_its_links(make_client):
    org, user, c, h, made = await _creditor(make_client, 3, evidence=False)
    refs = sorted(m["reference"] for m in made)

    async def order(**params):
        r = await c.get("/api/v1/cases", params=params, headers=h)
        assert r.status_code == 200, r.text
        return [i["reference"] for i in r.json()["items"]]

    assert await order(sort="reference") == refs  # a reference ascending when no direction is given
    assert await order(sort="reference", dir="desc") == refs[::-1]
    assert await order() == [m["reference"] for m in made][::-1]  # newest first
    assert await order(sort="opened", dir="asc") == [m["reference"] for m in made]
    for bad in ({"sort": "owed"}, {"sort": "reference", "dir": "up"}):
        r = await c.get("/api/v1/cases", params=bad, headers=h)
        assert r.status_code == 400 and "sort" in r.json()["detail"], r.text

    page, _ = await signed_in(make_client, "creditor", org)
    html = (await page.get("/cases", params={"sort": "reference", "dir": "desc", "q": "Talleres"})).text
    assert [ref for ref in refs[::-1]] == [r for r in refs[::-1] if r in html]
    assert html.index(refs[2]) < html.index(refs[0])
    # the column's link turns the order, keeping the search; the export links carry the same filters and order
    assert 'href="?stage=&amp;q=Talleres&amp;sort=reference&amp;dir=asc"' in html
    assert 'href="/cases/export?stage=&amp;q=Talleres&amp;sort=reference&amp;dir=desc&amp;format=csv"' in html
    assert 'name="sort" value="reference"' in html  # the filter form keeps the order too
    assert (await page.get("/cases", params={"sort": "nonsense", "dir": "sideways"})).status_code == 200  # a page ignores it
    # creditors select nothing for bulk actions: no bar, no boxes
    assert 'id="bulk-form"' not in html and 'name="ids"' not in html


# --- the export ----------------------------------------------------------------------------------------------

async def test_a_creditors_csv_export_holds_its_cases_only_and_is_on_the_access_log(make_client):
    org, user, c, h, made = await _creditor(make_client, 2, evidence=False)
    await _creditor(make_client, 1, evidence=False)  # another organisation's case
    await access.flush()
    before = await AccessRecord.count()
    r = await c.get("/api/v1/cases/export", params={"format": "csv", "sort": "reference"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv") and r.headers["content-type"].count("charset") == 1
    assert "attachment" in r.headers["content-disposition"] and ".csv" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Referencia", "Referencia del acreedor", "Deudor", "NIF"]
    assert [row[0] for row in rows[1:]] == sorted(m["reference"] for m in made)  # its own two, in the order asked
    assert rows[1][1] == "CR-0" and rows[1][2] == "Talleres Norte S.L." and rows[1][5] == "Recepción"
    assert rows[1][7] == "1300.00"  # the principal still owed
    await access.flush()
    log = await AccessRecord.select().where(AccessRecord.id > 0).order_by(AccessRecord.id, ascending=False).limit(5)
    assert await AccessRecord.count() == before + 1  # one entry for the whole file, not one per case
    assert log[0]["user"] == user["id"] and log[0]["case"] is None
    assert log[0]["what"].startswith("export: casos-todos-") and log[0]["what"].endswith("(2 cases)") and log[0]["via"] == "api"

    # filtered: a stage with none of its cases gives the headings alone
    r = await c.get("/api/v1/cases/export", params={"format": "csv", "stage": "court"}, headers=h)
    assert r.status_code == 200 and len(r.content.decode("utf-8-sig").strip().splitlines()) == 1


async def test_xlsx_export_from_the_page_and_its_refusals(make_client, monkeypatch):
    org, user, c, h, made = await _creditor(make_client, 2, evidence=False)
    page, _ = await signed_in(make_client, "creditor", org)
    html = (await page.get("/cases", params={"q": made[0]["reference"]})).text
    assert "/cases/export?stage=&amp;q=" + made[0]["reference"] in html
    r = await page.get("/cases/export", params={"format": "xlsx", "q": made[0]["reference"]})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Referencia" and len(rows) == 2 and rows[1][0] == made[0]["reference"]
    assert float(rows[1][7]) == 1300.0
    await access.flush()
    last = await AccessRecord.select().where(AccessRecord.id > 0).order_by(AccessRecord.id, ascending=False).first()
    assert last["what"].endswith(".xlsx stage= q=%s sort=opened (1 cases)" % made[0]["reference"]) and last["via"] == "page"

    r = await c.get("/api/v1/cases/export", params={"format": "pdf"}, headers=h)
    assert r.status_code == 400 and "csv" in r.json()["detail"]
    r = await c.get("/api/v1/cases/export", params={"format": "csv", "stage": "limbo"}, headers=h)
    assert r.status_code == 400 and "stage" in r.json()["detail"]
    monkeypatch.setattr(lists_service, "EXPORT_CAP", 1)
    r = await c.get("/api/v1/cases/export", params={"format": "csv"}, headers=h)
    assert r.status_code == 400 and "como máximo 1 expedientes y esta lista tiene 2" in r.json()["detail"], r.text
    # a debtor's name written as a formula stays text in the file
    body = claim_body()
    body["debtor"] = {**body["debtor"], "name": "=HYPERLINK(\"http://x\")"}
    assert (await c.post("/api/v1/claims", json=body, headers=h)).status_code == 201
    monkeypatch.setattr(lists_service, "EXPORT_CAP", 100)
    text = (await c.get("/api/v1/cases/export", params={"format": "csv"}, headers=h)).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


# --- bulk actions --------------------------------------------------------------------------------------------

async def test_bulk_move_does_what_the_guards_allow_and_says_why_not_the_rest(make_client):
    org, user, c, h, made = await _creditor(make_client, 2)
    bare = await _claim(c, h, evidence=False)
    staff = await make_client()
    nh = await api_token(staff, (await create_user("negotiator"))["email"])
    ids = [made[0]["id"], bare["id"], 2_000_000_000, made[1]["id"], made[0]["id"]]
    r = await staff.post("/api/v1/cases/bulk", json={"ids": ids, "action": "move", "to": "amicable", "reason": "Documentación completa"},
                         headers=nh)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["done"] == [made[0]["id"], made[1]["id"]]  # each once, in the order given
    refused = {x["id"]: [reason["code"] for reason in x["reasons"]] for x in body["refused"]}
    assert refused == {bare["id"]: ["no_evidence"], 2_000_000_000: ["not_found"]}
    assert all(reason["message"] for x in body["refused"] for reason in x["reasons"])
    stages = {r["id"]: r["stage"] for r in await Case.select(Case.id, Case.stage).where(Case.id.is_in([bare["id"], *[m["id"] for m in made]]))}
    assert stages == {made[0]["id"]: "amicable", made[1]["id"]: "amicable", bare["id"]: "intake"}
    assert await CaseEvent.count().where((CaseEvent.case == made[0]["id"]) & (CaseEvent.kind == "stage_changed")) == 1

    # a second move of the same cases: the guards refuse what is no move from where they are now
    r = await staff.post("/api/v1/cases/bulk", json={"ids": [made[0]["id"]], "action": "move", "to": "amicable"}, headers=nh)
    assert r.json()["done"] == [] and r.json()["refused"][0]["reasons"][0]["code"]

    # notes, on every case given
    r = await staff.post("/api/v1/cases/bulk", json={"ids": [made[0]["id"], bare["id"]], "action": "note", "text": "Revisado en bloque"},
                         headers=nh)
    assert r.status_code == 200 and r.json() == {"done": [made[0]["id"], bare["id"]], "refused": [], "warnings": []}
    assert await CaseEvent.count().where((CaseEvent.case == bare["id"]) & (CaseEvent.kind == "contact")
                                         & (CaseEvent.summary == "Revisado en bloque")) == 1

    # a message to each debtor, through the outbox
    assert "first_contact" in {t["key"] for t in await message_choices()}
    r = await staff.post("/api/v1/cases/bulk", json={"ids": [made[1]["id"]], "action": "message", "template": "first_contact"}, headers=nh)
    assert r.status_code == 200 and r.json() == {"done": [made[1]["id"]], "refused": [], "warnings": []}, r.text
    assert await CaseEvent.count().where((CaseEvent.case == made[1]["id"]) & (CaseEvent.kind == "message")) == 1
    assert await OutboxMessage.count().where((OutboxMessage.case_id == made[1]["id"]) & (OutboxMessage.to_address == "pagos@norte.test")) == 1
    # sent by hand past the week's contact cap (3): sent, and the answer says so for that case (fair contact)
    for _ in range(3):
        r = await staff.post("/api/v1/cases/bulk", json={"ids": [made[1]["id"]], "action": "message", "template": "first_contact"}, headers=nh)
    assert r.json()["done"] == [made[1]["id"]] and r.json()["warnings"][0]["id"] == made[1]["id"] and r.json()["warnings"][0]["messages"]


async def test_bulk_refusals_of_the_whole_request(make_client):
    org, user, c, h, made = await _creditor(make_client, 1)
    staff = await make_client()
    nh = await api_token(staff, (await create_user("negotiator"))["email"])
    ah = await api_token(staff, (await create_user("admin"))["email"])
    one = [made[0]["id"]]
    cases = [
        ({"ids": [], "action": "note", "text": "x"}, "ids"),
        ({"ids": list(range(1, 502)), "action": "note", "text": "x"}, "ids"),
        ({"ids": [2**40], "action": "note", "text": "x"}, "ids"),
        ({"ids": one, "action": "delete"}, "action"),
        ({"ids": one, "action": "move", "to": "moon"}, "to"),
        ({"ids": one, "action": "note", "text": "  "}, "text"),
        ({"ids": one, "action": "message", "template": "no-such-template"}, "template"),
        ({"ids": one, "action": "assign", "negotiator_id": 2_000_000_000}, "negotiator_id"),
    ]
    for body, field in cases:
        r = await staff.post("/api/v1/cases/bulk", json=body, headers=ah)
        assert r.status_code == 400 and field in r.json()["errors"], (body, r.text)
    assert await CaseEvent.count().where((CaseEvent.case == made[0]["id"]) & (CaseEvent.kind == "contact")) == 0  # nothing written

    assert (await c.post("/api/v1/cases/bulk", json={"ids": one, "action": "note", "text": "x"}, headers=h)).status_code == 403  # a creditor
    # assigning is an admin's, as for one case
    negotiator = await create_user("negotiator")
    r = await staff.post("/api/v1/cases/bulk", json={"ids": one, "action": "assign", "negotiator_id": negotiator["id"]}, headers=nh)
    assert r.status_code == 403
    r = await staff.post("/api/v1/cases/bulk", json={"ids": one, "action": "assign", "negotiator_id": negotiator["id"]}, headers=ah)
    assert r.status_code == 200 and r.json()["done"] == one
    assert (await Case.select(Case.negotiator).where(Case.id == one[0]).first())["negotiator"] == negotiator["id"]


async def test_bulk_from_the_list_page_shows_what_was_done_and_why_not(make_client):
    org, user, c, h, made = await _creditor(make_client, 1)
    bare = await _claim(c, h, evidence=False)
    negotiator = await create_user("negotiator", name="Lucía Bulk")
    page, _ = await signed_in(make_client, "admin")
    html = (await page.get("/cases", params={"q": "Talleres"})).text
    assert 'id="bulk-form"' in html and f'name="ids" value="{made[0]["id"]}" form="bulk-form"' in html and "data-check-all" in html
    assert 'value="assign"' in html  # an admin assigns
    r = await post_form(page, "/cases/bulk", {"ids": [str(made[0]["id"]), str(bare["id"])], "action": "move", "to": "amicable",
                                              "reason": "", "text": "", "outcome": "", "negotiator_id": ""})
    assert r.status_code == 200, r.text
    assert made[0]["reference"] in r.text and bare["reference"] in r.text
    assert 'data-code="no_evidence"' in r.text
    assert "1 expediente hecho" in r.text and "1 expediente rechazado" in r.text
    # the summary names what was applied, as chosen in the bar (an outside tester: it said only "bulk action")
    assert 'data-applied="move"' in r.text and "Mover a la fase: <strong>Fase amistosa</strong>" in r.text
    r = await post_form(page, "/cases/bulk", {"ids": [str(made[0]["id"])], "action": "assign", "negotiator_id": str(negotiator["id"])})
    assert r.status_code == 200 and "Asignar a un negociador: <strong>Lucía Bulk</strong>" in r.text
    # no negotiator chosen does not unassign (it did, as "Nobody" was the bar's first choice): "Nobody" is said
    r = await post_form(page, "/cases/bulk", {"ids": [str(made[0]["id"])], "action": "assign", "negotiator_id": ""})
    assert r.status_code == 400 and "Elija el negociador" in r.text
    assert (await Case.select(Case.negotiator).where(Case.id == made[0]["id"]).first())["negotiator"] == negotiator["id"]
    r = await post_form(page, "/cases/bulk", {"ids": [str(made[0]["id"])], "action": "assign", "negotiator_id": "none"})
    assert r.status_code == 200 and "Asignar a un negociador: <strong>Nadie (quitar la asignación)</strong>" in r.text
    assert (await Case.select(Case.negotiator).where(Case.id == made[0]["id"]).first())["negotiator"] is None
    r = await post_form(page, "/cases/bulk", {"ids": [str(made[0]["id"])], "action": "note", "text": "Revisado <en> bloque",
                                              "back": "/cases?stage=amicable&q=Talleres"})
    assert r.status_code == 200 and "Añadir una nota: <q>Revisado &lt;en&gt; bloque</q>" in r.text
    assert 'href="/cases?stage=amicable&amp;q=Talleres"' in r.text  # back to the list as it was filtered
    r = await post_form(page, "/cases/bulk", {"ids": [str(made[0]["id"])], "action": "note", "text": "x", "back": "https://elsewhere.example/"})
    assert 'href="/cases"' in r.text and "elsewhere" not in r.text  # only ever the list
    r = await post_form(page, "/cases/bulk", {"action": "move", "to": "amicable"})
    assert r.status_code == 400 and "Seleccione al menos un expediente." in r.text
    negotiator_page, _ = await signed_in(make_client, "negotiator")
    html = (await negotiator_page.get("/cases")).text
    assert 'id="bulk-form"' in html and 'value="assign"' not in html  # a negotiator does not assign


# --- saved views ---------------------------------------------------------------------------------------------

async def test_saved_views_are_each_users_own(make_client):
    org, user, c, h, made = await _creditor(make_client, 2, evidence=False)
    r = await c.post("/api/v1/cases/views", json={"name": "Por referencia", "q": "Talleres", "sort": "reference", "dir": "desc"}, headers=h)
    assert r.status_code == 201, r.text
    view = r.json()
    assert view["url"] == "/cases?stage=&q=Talleres&sort=reference&dir=desc" and view["dir"] == "desc"
    # the same name again replaces it
    r = await c.post("/api/v1/cases/views", json={"name": "Por referencia", "stage": "intake", "sort": "reference"}, headers=h)
    assert r.status_code == 201 and r.json()["id"] == view["id"] and r.json()["url"] == "/cases?stage=intake&q=&sort=reference&dir=asc"
    for bad, field in (({"name": " "}, "name"), ({"name": "x" * 81}, "name"), ({"name": "x", "sort": "owed"}, "sort"),
                       ({"name": "x", "stage": "limbo"}, "stage"), ({"name": "x", "q": "q" * 101}, "q")):
        r = await c.post("/api/v1/cases/views", json=bad, headers=h)
        assert r.status_code == 400 and field in r.json()["errors"], (bad, r.text)
    assert [v["name"] for v in (await c.get("/api/v1/cases/views", headers=h)).json()] == ["Por referencia"]

    # another user neither sees nor deletes it
    other = await api_token(c, (await create_user("negotiator"))["email"])
    assert (await c.get("/api/v1/cases/views", headers=other)).json() == []
    assert (await c.delete(f"/api/v1/cases/views/{view['id']}", headers=other)).status_code == 404

    # on the list page: the views as links, and a form that saves what is shown
    page, page_user = await signed_in(make_client, "creditor", org)
    html = (await page.get("/cases", params={"sort": "reference", "dir": "asc", "stage": "intake"})).text
    assert 'action="/cases/views"' in html and 'name="sort" value="reference"' in html
    r = await post_form(page, "/cases/views", {"name": "Recepción", "stage": "intake", "q": "", "sort": "reference", "dir": "asc"})
    assert r.status_code == 303 and r.headers["location"] == "/cases?stage=intake&q=&sort=reference&dir=asc"
    html = (await page.get(r.headers["location"])).text
    assert "Vista guardada: Recepción." in html and ">Recepción</a>" in html
    # each user's own: the page's user is another creditor of the same organisation
    assert [v["name"] for v in (await c.get("/api/v1/cases/views", headers=h)).json()] == ["Por referencia"]
    mine = (await SavedView.select(SavedView.id).where(SavedView.user == page_user["id"]).first())["id"]
    r = await post_form(page, f"/cases/views/{mine}/delete")
    assert r.status_code == 303 and ">Recepción</a>" not in (await page.get("/cases")).text
    r = await post_form(page, "/cases/views", {"name": "", "sort": "reference"})
    assert r.status_code == 303 and "Dé un nombre a la vista." in (await page.get("/cases")).text
    assert (await c.delete(f"/api/v1/cases/views/{view['id']}", headers=h)).status_code == 204
    assert (await c.get("/api/v1/cases/views", headers=h)).json() == []

