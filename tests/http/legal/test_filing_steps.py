"""A filing's steps over HTTP on both databases: the order refused with what to do (409/422), a future date (400), the same
step twice creating nothing, another lawyer's case refused, the deadlines a step opens in the answer and the agenda, the
ordinario's month with its fee less the monitorio's, and ``paid`` closing the case only once nothing is owed."""
from datetime import datetime, timedelta, timezone

from agency import clock
from cases.tables import Case, CaseEvent, Invoice
from legal.tables import Deadline, FilingStep
from tests.factories import api_token, by_hand, case_page, create_org, create_user, signed_in
from tests.http.legal.test_legal import _es_money, _in_court, docx_text

TODAY = clock.today()


async def _filed(make_client, days_ago: int = 20, amount_cents: int | None = None):
    p = await _in_court(make_client)
    c, lh, cid = p["c"], p["lh"], p["id"]
    await Case.update({Case.created_at: datetime.now(timezone.utc) - timedelta(days=days_ago + 10)}).where(Case.id == cid)
    if amount_cents is not None:  # a claim above the verbal's limit: its opposition leads to the ordinario
        first = await Invoice.select(Invoice.id).where(Invoice.case == cid).order_by(Invoice.id).first()
        await Invoice.update({Invoice.amount_cents: amount_cents}).where(Invoice.id == first["id"])
        await by_hand()  # (set up by hand: the report totals follow)
    r = await c.post(f"/api/v1/cases/{cid}/filings", json={"procedure": "monitorio", "court": "Tribunal de Instancia de Bilbao",
                                                          "status": "filed", "filed_on": (TODAY - timedelta(days=days_ago)).isoformat(),
                                                          "court_case_number": "77/2026"}, headers=lh)
    assert r.status_code == 201, r.text
    p["fid"] = r.json()["id"]
    return p


def _day(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


async def test_service_then_opposition_above_the_verbal_limit(make_client):
    p = await _filed(make_client, amount_cents=2_000_000)
    c, lh, ch, cid, fid = p["c"], p["lh"], p["ch"], p["id"], p["fid"]
    steps = f"/api/v1/filings/{fid}/steps"

    r = await c.post(steps, json={"step": "opposed", "on": _day(5)}, headers=lh)
    assert r.status_code == 409 and ("service" in r.json()["detail"] or "notificac" in r.json()["detail"]), r.text
    r = await c.post(steps, json={"step": "served", "on": (TODAY + timedelta(days=1)).isoformat()}, headers=lh)
    assert r.status_code == 400 and r.json()["detail"], r.text
    r = await c.post(steps, json={"step": "served", "on": _day(21)}, headers=lh)
    assert r.status_code == 422, r.text  # before the filing
    assert (await c.post(steps, json={"step": "appealed", "on": _day(5)}, headers=lh)).status_code == 422
    assert (await c.post(steps, json={"step": "served", "on": "ayer"}, headers=lh)).status_code == 400
    other = await api_token(c, (await create_user("lawyer"))["email"])
    assert (await c.post(steps, json={"step": "served", "on": _day(10)}, headers=other)).status_code == 403
    assert (await c.post(steps, json={"step": "served", "on": _day(10)}, headers=ch)).status_code == 403
    assert await FilingStep.count().where(FilingStep.filing == fid) == 0  # nothing written by any refusal

    for expected in (201, 200):  # the same step on the same day again: the same answer, nothing new
        r = await c.post(steps, json={"step": "served", "on": _day(10), "note": "Requerimiento entregado"}, headers=lh)
        assert r.status_code == expected, r.text
    served = r.json()
    assert served["status"] == "served" and served["served_on"] == _day(10) and served["created"] is False
    assert [d["rule"] for d in served["deadlines"]] == [d["rule"] for d in served["opened"]] == ["monitorio_answer"]  # the replay too
    assert served["next_steps"] == ["no_answer", "opposed", "paid"]
    assert await FilingStep.count().where(FilingStep.filing == fid) == 1
    assert await Deadline.count().where((Deadline.filing == fid) & (Deadline.rule == "monitorio_answer")) == 1

    assert (await c.post(steps, json={"step": "opposed", "on": _day(11)}, headers=lh)).status_code == 422  # before the service
    r = await c.post(steps, json={"step": "opposed", "on": _day(3), "note": "Escrito de oposición notificado"}, headers=lh)
    assert r.status_code == 201, r.text
    opposed = r.json()
    [opened] = opposed["opened"]
    assert opened["rule"] == "ordinario_claim_after_opposition" and opened["source"] == "LEC 818.2"
    assert opened["starts_on"] == _day(3)
    claim = opposed["ordinario_claim"]
    assert claim["due_on"] == opened["due_on"] and float(claim["monitorio_fee_deducted"]) > 0
    assert float(claim["court_fee_to_pay"]) == float(claim["court_fee"]) - float(claim["monitorio_fee_deducted"])
    assert claim["template"] == "ordinario_claim"
    r = await c.post(claim["generate"], json={"template": claim["template"]}, headers=lh)  # the claim, generated from the case
    assert r.status_code == 201, r.text
    text = docx_text((await c.get(r.json()["download_url"], headers=lh)).content)
    assert "JUICIO ORDINARIO" in text and "77/2026" in text and "818.2" in text
    assert _es_money(claim["court_fee_to_pay"]) in text and _es_money(claim["monitorio_fee_deducted"]) in text
    rules = {d["rule"]: d["status"] for d in opposed["deadlines"]}
    assert rules == {"monitorio_answer": "done", "ordinario_claim_after_opposition": "open"}  # the answer came: that deadline is over

    listed = (await c.get(f"/api/v1/cases/{cid}/filings", headers=ch)).json()  # the creditor reads the court's steps
    assert [(s["step"], s["on"]) for s in listed[0]["steps"]] == [("served", _day(10)), ("opposed", _day(3))]
    assert listed[0]["status"] == "opposed" and listed[0]["court_case_number"] == "77/2026"
    stranger = await api_token(c, (await create_user("creditor", await create_org()))["email"])
    assert (await c.get(f"/api/v1/cases/{cid}/filings", headers=stranger)).status_code == 404
    assert (await c.post("/api/v1/filings/999999/steps", json={"step": "served", "on": _day(1)}, headers=lh)).status_code == 404

    agenda = (await c.get("/api/v1/agenda", headers=lh)).json()
    assert any(d["case"] == cid and d["rule"] == "ordinario_claim_after_opposition" for d in agenda["deadlines"])
    assert not any(d["case"] == cid for d in (await c.get("/api/v1/agenda", headers=other)).json()["deadlines"])
    view = (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()
    assert [e for e in view["events"] if e["kind"] == "filing_step"]
    assert await CaseEvent.count().where((CaseEvent.case == cid) & (CaseEvent.kind == "filing_step")) == 2

    r = await c.post(steps, json={"step": "paid", "on": _day(1)}, headers=lh)
    assert r.status_code == 409
    assert "€" in r.json()["detail"], r.text  # what is still owed, said
    assert (await Case.select(Case.stage).where(Case.id == cid).first())["stage"] == "court"

    page = await case_page((await signed_in(make_client, "admin"))[0], cid)
    assert f'action="/cases/{cid}/legal/filings/{fid}/steps"' in page.text and 'value="judgment"' in page.text
    assert f'id="ordinario-offer-{fid}"' in page.text and 'value="ordinario_claim"' in page.text


async def test_paid_closes_the_case_once_nothing_is_owed(make_client):
    import asyncio

    p = await _filed(make_client)
    c, lh, nh, cid, fid = p["c"], p["lh"], p["nh"], p["id"], p["fid"]
    answers = await asyncio.gather(*[c.post(f"/api/v1/filings/{fid}/steps", json={"step": "served", "on": _day(10)}, headers=lh)
                                     for _ in range(3)])
    assert sorted(r.status_code for r in answers) == [200, 200, 201], [r.text for r in answers]  # at once: recorded once
    assert await FilingStep.count().where(FilingStep.filing == fid) == 1
    assert await Deadline.count().where(Deadline.filing == fid) == 1
    r = await c.post(f"/api/v1/filings/{fid}", json={"status": "paid", "filed_on": _day(20), "served_on": _day(10)}, headers=lh)
    detail = r.json()["detail"].lower()
    assert r.status_code == 400 and ("step" in detail or "paso" in detail), r.text  # paid only through the step (its balance check)
    r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "ordinario_claim"}, headers=lh)
    assert r.status_code == 422 and r.json()["missing"] == ["opposition"], r.text  # no opposed monitorio: nothing to write
    owed = (await c.get(f"/api/v1/cases/{cid}", headers=nh)).json()["balance"]["outstanding"]
    r = await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": owed, "received_on": TODAY.isoformat(), "method": "transfer"}, headers=nh)
    assert r.status_code == 201, r.text
    r = await c.post(f"/api/v1/filings/{fid}/steps", json={"step": "paid", "on": TODAY.isoformat()}, headers=lh)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "paid" and r.json()["next_steps"] == []
    case = await Case.select(Case.stage, Case.outcome).where(Case.id == cid).first()
    assert (case["stage"], case["outcome"]) == ("closed", "paid")
    assert {d["status"] for d in r.json()["deadlines"]} == {"cancelled"}  # nothing left to watch


async def test_each_lawyer_has_a_secret_calendar_feed(make_client):
    import re
    from zoneinfo import ZoneInfo

    from icalendar import Calendar

    from legal.tables import CalendarFeed
    from tests.factories import login, post_form

    p = await _filed(make_client, amount_cents=2_000_000)
    c, lh, fid = p["c"], p["lh"], p["fid"]
    await c.post(f"/api/v1/filings/{fid}/steps", json={"step": "served", "on": _day(10)}, headers=lh)
    opposed = (await c.post(f"/api/v1/filings/{fid}/steps", json={"step": "opposed", "on": _day(3)}, headers=lh)).json()
    hearing_at = datetime.combine(TODAY + timedelta(days=30), datetime.min.time()).replace(hour=10, tzinfo=ZoneInfo("Europe/Madrid"))
    r = await c.post(f"/api/v1/filings/{fid}/hearings", json={"at": hearing_at.isoformat(), "place": "Sala 4"}, headers=lh)
    assert r.status_code == 201, r.text

    browser = await make_client()
    assert (await login(browser, p["lawyer"]["email"])).status_code == 303
    assert "/legal/calendar" in (await browser.get("/legal")).text and 'id="feed-url"' not in (await browser.get("/legal")).text
    assert (await post_form(browser, "/legal/calendar")).status_code in (302, 303)
    url = re.search(r'id="feed-url"[^>]*value="([^"]+)"', (await browser.get("/legal")).text).group(1)
    path = url[url.index("/calendar/"):]
    row = await CalendarFeed.select().where(CalendarFeed.user == p["lawyer"]["id"]).first()
    assert row["token_hash"] != path.removeprefix("/calendar/").removesuffix(".ics") and len(row["token_hash"]) == 64  # stored hashed

    anonymous = await make_client()  # a calendar app: no session, no token header
    got = await anonymous.get(path)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(got.content)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    due = next(d for d in opposed["deadlines"] if d["rule"] == "ordinario_claim_after_opposition")
    deadline = events[f"deadline-{due['id']}@agency"]
    assert deadline.decoded("dtstart").isoformat() == due["due_on"] and not isinstance(deadline.decoded("dtstart"), datetime)  # all day
    assert f"deadline-{next(d['id'] for d in opposed['deadlines'] if d['rule'] == 'monitorio_answer')}@agency" not in events  # done: not open
    [hearing] = [e for uid, e in events.items() if uid.startswith("hearing-")]
    start = hearing.decoded("dtstart")
    assert start == hearing_at and str(start.tzinfo) == "Europe/Madrid" and str(hearing["location"]) == "Sala 4"

    other = await make_client()
    other_user = await create_user("lawyer")
    await login(other, other_user["email"])
    await post_form(other, "/legal/calendar")
    other_url = re.search(r'id="feed-url"[^>]*value="([^"]+)"', (await other.get("/legal")).text).group(1)
    other_cal = Calendar.from_ical((await anonymous.get(other_url[other_url.index("/calendar/"):])).content)
    assert not other_cal.walk("VEVENT")  # only that lawyer's cases

    assert (await anonymous.get("/calendar/not-a-token.ics")).status_code == 404
    assert (await anonymous.get(path.removesuffix(".ics"))).status_code == 404
    await post_form(browser, "/legal/calendar")  # renewed: the old address stops working
    assert (await anonymous.get(path)).status_code == 404
    new_url = re.search(r'id="feed-url"[^>]*value="([^"]+)"', (await browser.get("/legal")).text).group(1)
    assert (await anonymous.get(new_url[new_url.index("/calendar/"):])).status_code == 200
    await post_form(browser, "/legal/calendar/revoke")
    assert (await anonymous.get(new_url[new_url.index("/calendar/"):])).status_code == 404
    assert not await CalendarFeed.exists().where(CalendarFeed.user == p["lawyer"]["id"])


async def test_a_month_ending_on_a_closed_day_moves_and_the_answer_says_so(make_client):
    from legal.rules.deadlines import add_months, is_business_day, next_business_day

    p = await _filed(make_client, days_ago=150, amount_cents=2_000_000)
    c, lh, fid = p["c"], p["lh"], p["fid"]
    # an opposition notified on a day whose month ends on a weekend, a holiday, in August or over Christmas
    notified = next(TODAY - timedelta(days=n) for n in range(140, 0, -1) if not is_business_day(add_months(TODAY - timedelta(days=n), 1)))
    assert (await c.post(f"/api/v1/filings/{fid}/steps", json={"step": "served", "on": _day(145)}, headers=lh)).status_code == 201
    r = await c.post(f"/api/v1/filings/{fid}/steps", json={"step": "opposed", "on": notified.isoformat()}, headers=lh)
    assert r.status_code == 201, r.text
    [opened] = r.json()["opened"]
    counted = add_months(notified, 1)
    assert opened["moved_from"] == counted.isoformat() and opened["due_on"] == next_business_day(counted).isoformat() != counted.isoformat()
    assert counted.isoformat() in opened["note"] and opened["due_on"] in opened["note"]  # said, with both days


async def test_two_attachments_on_one_day_are_two_steps_and_one_sent_twice_is_one(make_client):
    p = await _filed(make_client, days_ago=60)
    c, lh, fid = p["c"], p["lh"], p["fid"]
    steps = f"/api/v1/filings/{fid}/steps"
    for step, ago in (("served", 55), ("no_answer", 20), ("decree", 15), ("enforcement_requested", 10)):
        r = await c.post(steps, json={"step": step, "on": _day(ago)}, headers=lh)
        assert r.status_code == 201, (step, r.text)
    for note, expected in (("Embargo de la cuenta en CaixaBank", 201), ("Embargo del salario", 201), ("Embargo del salario", 200)):
        r = await c.post(steps, json={"step": "attachment", "on": _day(3), "note": note}, headers=lh)
        assert r.status_code == expected, (note, r.text)
    assert await FilingStep.count().where((FilingStep.filing == fid) & (FilingStep.step == "attachment")) == 2


async def test_a_filed_claim_takes_the_settlement_offers_answer_off_the_agenda(make_client):
    """The debtor's time to answer a settlement offer is moot once the claim is filed (an outside tester saw it overdue on
    the lawyer's agenda beside the filing)."""
    p = await _in_court(make_client)
    c, lh, cid = p["c"], p["lh"], p["id"]
    await Deadline.insert(Deadline(case=cid, rule="settlement_answer", starts_on=TODAY - timedelta(days=40), due_on=TODAY - timedelta(days=10),
                                   source_key=f"test:{cid}:offer"))
    assert "settlement_answer" in str((await c.get("/api/v1/agenda", headers=lh)).json())
    r = await c.post(f"/api/v1/cases/{cid}/filings", json={"procedure": "monitorio", "court": "Tribunal de Instancia de Bilbao",
                                                          "status": "filed", "filed_on": TODAY.isoformat(), "court_case_number": "78/2026"},
                     headers=lh)
    assert r.status_code == 201, r.text
    assert (await Deadline.select(Deadline.status).where(Deadline.source_key == f"test:{cid}:offer").first())["status"] == "cancelled"
    assert "settlement_answer" not in str((await c.get("/api/v1/agenda", headers=lh)).json())
