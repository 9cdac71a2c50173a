"""The hand-off to legal: a negotiator proposes court action with an estimate, the creditor authorises
or declines it from their portal, a lawyer takes the authorised case. Each step is a case event in the
same transaction as its change; the estimate the creditor saw is kept as it was shown."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from litestar.exceptions import ClientException, HTTPException, NotFoundException

from agency.auth import CurrentUser
from agency.clock import day_of
from agency.db import as_date, atomic, is_unique_violation, utcnow
from agency.i18n import as_codes, from_codes
from agency.i18n import gettext as _
from agency.roles import Role
from agency.tables import Organisation
from agency.tenancy import get_visible, scoped
from cases import events
from cases.billing import service as billing
from cases.billing.balances import balance_of
from cases.billing.fees import legal_fee
from cases.claims.service import notify_creditors
from cases.home.rules import Decision
from cases.money import to_cents
from cases.tables import Case, Evidence
from legal.rules.procedures import PROCEDURES, ProcedureFacts, Proposal, claim_amount, is_legal_person, propose
from legal.tables import LegalAction

OPEN = ("proposed", "authorised", "taken")
HANDOFF_STAGES = ("amicable", "mediation", "credit_bureau")


def facts_from(org: dict, debtor_country: str, debtor_kind: str, balance, evidence_count: int, debtor_city: str = "") -> ProcedureFacts:
    return ProcedureFacts(
        principal=balance.principal_outstanding, claim_amount=claim_amount(balance.outstanding, balance.costs_outstanding), creditor_country=org["country"] or "ES",
        debtor_country=debtor_country, debtor_kind=debtor_kind, creditor_is_legal_person=is_legal_person(org["country"], org["tax_id"]),
        documentary_evidence=evidence_count > 0, commercial=debtor_kind == "company", debtor_city=debtor_city or "",
    )


async def procedure_facts(case_id: int, today: date) -> ProcedureFacts:
    case = await Case.select(
        Case.id, Case.organisation, Case.jurisdiction, Case.debtor.country.as_alias("debtor_country"),
        Case.debtor.kind.as_alias("debtor_kind"), Case.debtor.city.as_alias("debtor_city"),
    ).where(Case.id == case_id).first()
    org = await Organisation.select(Organisation.country, Organisation.tax_id).where(Organisation.id == case["organisation"]).first()
    balance = await balance_of(case_id, today)
    evidence = await Evidence.count().where(Evidence.case == case_id)
    return facts_from(org, case["debtor_country"] or case["jurisdiction"], case["debtor_kind"], balance, evidence, case["debtor_city"])


def proposal_json(p: Proposal) -> dict:
    fee = p.court_fee
    return {
        "procedure": p.procedure, "procedure_name": str(PROCEDURES[p.procedure]) if p.procedure else None,
        "lawyer_required": p.lawyer_required, "procurador_required": p.procurador_required, "lawyer_if_opposed": p.lawyer_if_opposed,
        "court_fee": str(fee.total) if fee else None,
        "court_fee_detail": {"fixed": str(fee.fixed), "variable": str(fee.variable), "exempt": fee.exempt, "why": str(fee.why),
                             "why_codes": as_codes(fee.why)} if fee else None,
        # the words as the proposer read them (kept with the estimate as it was shown), and what they were written from, so
        # that each reader reads them in their own language (issue 23): in_readers_words
        "reasons": [str(r) for r in p.reasons], "reason_codes": [as_codes(r) for r in p.reasons], "alternatives": list(p.alternatives),
    }


def in_readers_words(est: dict) -> dict:
    """A kept estimate with its procedure's name, its reasons and its court fee's explanation written out in the
    current reader's language, from the procedure's key and the codes kept beside the words (estimates kept before the
    codes were keep their words)."""
    if est.get("procedure") in PROCEDURES:
        est["procedure_name"] = str(PROCEDURES[est["procedure"]])
    if est.get("reason_codes") is not None:
        est["reasons"] = [from_codes(c) for c in est["reason_codes"]]
    detail = est.get("court_fee_detail")
    if isinstance(detail, dict) and detail.get("why_codes") is not None:
        detail["why"] = from_codes(detail["why_codes"])
    return est


async def case_procedure(user: CurrentUser, case_id: int, today: date) -> dict:
    """GET /api/v1/cases/{id}/procedure: the proposal for the case as it stands today."""
    await get_visible(Case.select(Case.id).where(Case.id == case_id), user, Case.organisation)
    return proposal_json(propose(await procedure_facts(case_id, today)))


async def estimate(case_id: int, today: date) -> dict:
    """What the creditor is asked to authorise: the procedure, who is needed, the court fee, the
    agency's legal fee (the creditor's tariff), on the amount owed today."""
    facts = await procedure_facts(case_id, today)
    proposal = proposal_json(propose(facts))
    tariff = await billing.case_tariff(case_id)
    return {**proposal, "claim_amount": str(facts.claim_amount), "principal": str(facts.principal),
            "legal_fee": str(legal_fee(tariff, facts.claim_amount)), "as_of": today.isoformat()}


async def current_action(case_id: int) -> dict | None:
    row = await LegalAction.select().where(LegalAction.case == case_id).order_by(LegalAction.id, ascending=False).first()
    if row:
        row["estimate"] = in_readers_words(json.loads(row["estimate"] or "{}"))
    return row


async def propose_legal(user: CurrentUser, case_id: int, note: str, today: date) -> int:
    case = await get_visible(Case.select(Case.id, Case.stage, Case.reference, Case.organisation,
                                         Case.debtor.name.as_alias("debtor_name")).where(Case.id == case_id), user, Case.organisation)
    if case["stage"] not in HANDOFF_STAGES:
        raise HTTPException(status_code=409, detail=_("Only a case in the amicable, mediation or credit-bureau stage can be proposed for legal action."))
    current = await current_action(case_id)
    if current and current["status"] in OPEN:
        raise HTTPException(status_code=409, detail=_("Legal action is already proposed for this case."))
    est = await estimate(case_id, today)
    if Decimal(est["claim_amount"]) <= 0:
        raise HTTPException(status_code=409, detail=_("Nothing is owed on this case: there is nothing to claim in court."))
    if not est["procedure"]:
        raise HTTPException(status_code=409, detail=" ".join(est["reasons"]) or _("No court procedure fits this case."))
    try:
        async with atomic():
            row = (await LegalAction.insert(LegalAction(case=case_id, status="proposed", procedure=est["procedure"],
                                                        estimate=json.dumps(est), note=note.strip()[:2000], proposed_by=user.id))
                   .returning(LegalAction.id))[0]
            await events.record(case_id, "legal_proposed", user, _("Legal action proposed: %(procedure)s.") % {
                "procedure": est["procedure_name"]}, {"action": row["id"], "estimate": est, "note": note.strip()}, visible_to_creditor=True)
            await notify_creditors(case["organisation"], "legal_proposed", notification="decision_waiting", reference=case["reference"], debtor=case["debtor_name"],
                                   procedure=est["procedure_name"], case_id=case_id)
    except Exception as exc:
        if is_unique_violation(exc):  # proposed by someone else a moment ago (one open action per case)
            raise HTTPException(status_code=409, detail=_("Legal action is already proposed for this case.")) from None
        raise
    return row["id"]


async def answer(user: CurrentUser, case_id: int, authorise: bool, note: str) -> None:
    """The creditor's decision on the proposal they were shown (creditors only: it is their money and their name)."""
    if user.role != Role.creditor:
        raise HTTPException(status_code=403, detail=_("Only the creditor can authorise legal action."))
    await get_visible(Case.select(Case.id).where(Case.id == case_id), user, Case.organisation)
    current = await current_action(case_id)
    if not current or current["status"] != "proposed":
        raise HTTPException(status_code=409, detail=_("There is no proposal of legal action waiting for your answer."))
    if not authorise and len(note.strip()) < 3:
        raise ClientException(detail=_("Say why you decline (a few words for the agency)."))
    now = utcnow()
    async with atomic():
        changed = await LegalAction.update({LegalAction.status: "authorised" if authorise else "declined", LegalAction.answered_by: user.id,
                                            LegalAction.answered_at: now, LegalAction.answer_note: note.strip()[:2000]}).where(
            (LegalAction.id == current["id"]) & (LegalAction.status == "proposed")).returning(LegalAction.id)
        if not changed:
            raise HTTPException(status_code=409, detail=_("The proposal changed meanwhile: reload the page."))
        if authorise:
            await Case.update({Case.court_authorised_at: now, Case.updated_at: now}).where(Case.id == case_id)
        await events.record(case_id, "legal_authorised" if authorise else "legal_declined", user, note.strip()[:500],
                            {"action": current["id"], "procedure": current["procedure"]}, visible_to_creditor=True)


async def withdraw(user: CurrentUser, case_id: int, note: str) -> None:
    """Staff take back a proposal not yet taken by a lawyer (the authorisation goes with it)."""
    await get_visible(Case.select(Case.id).where(Case.id == case_id), user, Case.organisation)
    current = await current_action(case_id)
    if not current or current["status"] not in ("proposed", "authorised"):
        raise HTTPException(status_code=409, detail=_("There is no open proposal to withdraw."))
    async with atomic():
        if not await LegalAction.update({LegalAction.status: "withdrawn", LegalAction.answer_note: note.strip()[:2000]}).where(
                (LegalAction.id == current["id"]) & LegalAction.status.is_in(["proposed", "authorised"])).returning(LegalAction.id):
            raise HTTPException(status_code=409, detail=_("The proposal changed meanwhile: reload the page."))
        await Case.update({Case.court_authorised_at: None, Case.updated_at: utcnow()}).where(Case.id == case_id)
        await events.record(case_id, "legal_withdrawn", user, note.strip()[:500], {"action": current["id"]}, visible_to_creditor=True)


async def take(user: CurrentUser, case_id: int) -> None:
    """A lawyer takes an authorised case: it becomes theirs (Case.lawyer), once."""
    if user.role not in (Role.lawyer, Role.admin):
        raise HTTPException(status_code=403, detail=_("Only a lawyer can take a case to court."))
    current = await current_action(case_id)
    if current is None:
        raise NotFoundException(detail=_("Not found."))
    if current["status"] != "authorised":
        raise HTTPException(status_code=409, detail=_("This case is not waiting for a lawyer (the creditor must authorise it first)."))
    now = utcnow()
    async with atomic():
        changed = await LegalAction.update({LegalAction.status: "taken", LegalAction.taken_by: user.id, LegalAction.taken_at: now}).where(
            (LegalAction.id == current["id"]) & (LegalAction.status == "authorised")).returning(LegalAction.id)
        if not changed:
            raise HTTPException(status_code=409, detail=_("Another lawyer took this case a moment ago."))
        await Case.update({Case.lawyer: user.id, Case.updated_at: now}).where(Case.id == case_id)
        await events.record(case_id, "lawyer_assigned", user, _("%(name)s took the case for legal action.") % {"name": user.name},
                            {"lawyer": user.id, "action": current["id"]}, visible_to_creditor=True)


async def lawyers_queue(user: CurrentUser) -> dict:
    """Authorised cases waiting for a lawyer (oldest authorisation first) and the caller's own legal cases."""
    waiting = await LegalAction.select(
        LegalAction.case, LegalAction.procedure, LegalAction.answered_at, LegalAction.estimate,
        LegalAction.case.reference.as_alias("reference"), LegalAction.case.debtor.name.as_alias("debtor_name"),
        LegalAction.case.organisation.legal_name.as_alias("creditor_name"), LegalAction.case.stage.as_alias("stage"),
    ).where(LegalAction.status == "authorised").order_by(LegalAction.answered_at).limit(200)
    for w in waiting:
        est = json.loads(w.pop("estimate") or "{}")
        w["claim_amount"] = Decimal(est.get("claim_amount", "0"))
        w["procedure_name"] = in_readers_words(est).get("procedure_name") or w["procedure"]
    mine_where = Case.lawyer == user.id if user.role == Role.lawyer else Case.lawyer.is_not_null()
    mine = await Case.select(
        Case.id, Case.reference, Case.stage, Case.limitation_date, Case.debtor.name.as_alias("debtor_name"),
        Case.organisation.legal_name.as_alias("creditor_name"), Case.lawyer.name.as_alias("lawyer_name"),
    ).where(mine_where & Case.closed_at.is_null()).order_by(Case.id).limit(500)
    return {"waiting": waiting, "mine": mine}


async def waiting_answers(user: CurrentUser, case_ids: list[int] | None = None, limit: int = 200) -> list[Decision]:
    """Proposals of legal action waiting for the creditor's answer (the creditor's home and case list; handed to
    cases.home at start by agency.wiring, since cases never imports legal), read by the status index and the scope."""
    query = scoped(LegalAction.select(
        LegalAction.case, LegalAction.proposed_at, LegalAction.estimate, LegalAction.case.reference.as_alias("reference"),
        LegalAction.case.limitation_date.as_alias("limitation_date"), LegalAction.case.debtor.name.as_alias("debtor"),
    ).where(LegalAction.status == "proposed"), user, LegalAction.case.organisation)
    if case_ids is not None:
        if not case_ids:
            return []
        query = query.where(LegalAction.case.is_in(case_ids))
    out = []
    for r in await query.order_by(LegalAction.proposed_at).order_by(LegalAction.id).limit(limit):
        est = in_readers_words(json.loads(r["estimate"] or "{}"))
        claim = est.get("claim_amount") or "0"
        out.append(Decision(
            kind="legal_action", case_id=r["case"], reference=r["reference"], debtor=r["debtor"] or "", since=day_of(r["proposed_at"]),
            limitation_date=as_date(r["limitation_date"]), amount_cents=to_cents(Decimal(claim)),
            asked=_("Authorise or decline the proposed legal action: %(procedure)s.") % {"procedure": est.get("procedure_name") or est.get("procedure") or ""},
            url=f"/cases/{r['case']}/legal/#legal-estimate",
            details={"procedure": est.get("procedure"), "court_fee": est.get("court_fee"), "legal_fee": est.get("legal_fee"),
                     "claim_amount": claim}))
    return out
