"""The OpenAPI document (/schema/openapi.json) says what the server does: errors carry the status_code and detail it
declares, the balance's flags are booleans, the routes anyone may call need no token (the portal's its own), and a
CSV says its charset once."""
from tests.factories import api_token, create_org, create_user, signed_in
from tests.http.cases.test_claims import claim_body

PUBLIC = {("/api/v1/quote", "post"), ("/api/v1/auth/token", "post"), ("/api/v1/portal/session", "post"),
          ("/payments/redsys/notification", "post"), ("/health", "get")}


async def document(client) -> dict:
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    return r.json()


async def test_the_routes_anyone_may_call_need_no_token_and_the_rest_say_which(client):
    doc = await document(client)
    assert "security" not in doc  # no requirement for every operation: each says its own
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearer"]["scheme"] == schemes["portal"]["scheme"] == "bearer"
    for path, method in PUBLIC:
        assert "security" not in doc["paths"][path][method], (path, method)
    assert doc["paths"]["/api/v1/cases"]["get"]["security"] == [{"bearer": []}]
    assert doc["paths"]["/api/v1/auth/token"]["delete"]["security"] == [{"bearer": []}]
    assert doc["paths"]["/api/v1/portal/case"]["get"]["security"] == [{"portal": []}]
    assert doc["paths"]["/api/v1/portal/session"]["delete"]["security"] == [{"portal": []}]
    # And the server agrees: the public ones answer without a token, the others not.
    assert (await client.post("/api/v1/quote", json={"amounts": ["100.00"]})).status_code in (200, 201)
    assert (await client.get("/api/v1/cases")).status_code == 401
    assert (await client.get("/api/v1/portal/case")).status_code == 401


async def test_error_bodies_carry_what_the_document_declares(client):
    doc = await document(client)
    declared = doc["paths"]["/api/v1/quote"]["post"]["responses"]["400"]["content"]["application/json"]["schema"]
    if "$ref" in declared:  # (every operation's refusals name one schema: agency.openapi)
        declared = doc["components"]["schemas"][declared["$ref"].rsplit("/", 1)[-1]]
    required = set(declared["required"])
    assert required == {"status_code", "detail"}
    user = await create_user("creditor", await create_org())
    headers = await api_token(client, user["email"])
    body = claim_body()
    assert (await client.post("/api/v1/claims", json=body, headers=headers)).status_code == 201
    bad_amount = claim_body()
    bad_amount["invoices"][0]["amount"] = "doce"
    answers = {
        "validation": await client.post("/api/v1/quote", json={"amounts": 5}),
        "bad JSON": await client.post("/api/v1/quote", content=b"{", headers={"content-type": "application/json"}),
        "form errors": await client.post("/api/v1/claims", json=bad_amount, headers=headers),
        "duplicate": await client.post("/api/v1/claims", json=body, headers=headers),
        "not signed in": await client.get("/api/v1/cases"),
        "not found": await client.get("/api/v1/cases/999999", headers=headers),
        "no such route": await client.get("/api/v1/nothing-here", headers=headers),
    }
    for what, r in answers.items():
        payload = r.json()
        assert r.status_code >= 400 and required <= set(payload), (what, r.status_code, payload)
        assert payload["status_code"] == r.status_code and payload["detail"], (what, payload)
    assert answers["duplicate"].status_code == 409 and answers["duplicate"].json()["duplicates"]
    assert answers["form errors"].json()["errors"]["invoices.0.amount"]


async def test_the_balance_flags_are_booleans_as_declared(client):
    doc = await document(client)
    balance = doc["components"]["schemas"]["CaseOut"]["properties"]["balance"]
    properties = doc["components"]["schemas"][balance["$ref"].rsplit("/", 1)[-1]]["properties"]
    for flag in ("interest_provisional", "interest_awaiting_demand"):
        assert {"type": "boolean"} in properties[flag].get("oneOf", [properties[flag]]), properties[flag]
    assert {"type": "string"} in properties["outstanding"].get("oneOf", [properties["outstanding"]])
    user = await create_user("creditor", await create_org())
    headers = await api_token(client, user["email"])
    case = (await client.post("/api/v1/claims", json=claim_body(), headers=headers)).json()
    for answer in (case, (await client.get(f"/api/v1/cases/{case['id']}", headers=headers)).json()):
        assert isinstance(answer["balance"]["interest_provisional"], bool)
        assert isinstance(answer["balance"]["interest_awaiting_demand"], bool)
        assert answer["balance"]["principal"] == "1300.00"


async def test_a_csv_says_its_charset_once(make_client):
    client, _ = await signed_in(make_client, "creditor", await create_org())
    r = await client.get("/imports/template.csv")
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
