

async def test_public_quote_page_and_api(client):
    r = await client.get("/quote", params={"amounts": "150\n1.210,50\n45000"})
    assert r.status_code == 200 and "240,00" in r.text  # 30 + 60 + 150 per case
    r = await client.get("/quote", params={"amounts": "150\ndoce"})
    assert r.status_code == 200 and 'id="e-amounts"' in r.text
    r = await client.post("/api/v1/quote", json={"amounts": ["150", "1210.50"]})
    assert r.status_code == 200 and r.json()["flat_fees"] == "90.00" and r.json()["lines"][1]["success_fee_if_collected"] == "181.58"
    r = await client.post("/api/v1/quote", json={"amounts": ["-1"]})
    assert r.status_code == 400 and r.json()["detail"]
