"""What the case page and the lawyers' pages show of the legal side, gathered in one place."""
from __future__ import annotations

import json
from datetime import date

from agency import clock
from agency.auth import CurrentUser
from agency.roles import Role
from cases.tables import Case, CaseEvent, Evidence
from legal.court import rules as filings
from legal.court import service as court
from legal.demands.service import SENDABLE
from legal.documents.service import TEMPLATES, template_list, visible_documents_query
from legal.documents.signed import SIGNED
from legal.enforcement import rules as enforcement_rules
from legal.enforcement import service as enforcement
from legal.handoff import service as handoff
from legal.injunctions import service as injunctions
from legal.limitation.service import case_limitation
from legal.mediation.service import case_mediations
from legal.rules.jurisdictions import MissingRate
from legal.rules.procedures import PROCEDURES


async def legal_panel(user: CurrentUser, case_id: int, stage: str, today: date) -> dict:
    """The legal panel of a case the caller may already see (the case page checked it)."""
    case = await Case.select(Case.lawyer, Case.lawyer.name.as_alias("lawyer_name"), Case.jurisdiction, Case.court_authorised_at,
                             Case.settlement_offer_on, Case.settlement_answer_on).where(Case.id == case_id).first()
    action = await handoff.current_action(case_id)
    documents = await visible_documents_query(user, case_id)
    sends: dict[int, list[dict]] = {}
    delivered: dict[tuple, dict] = {}
    certified: list[dict] = []
    for e in await CaseEvent.select(CaseEvent.id, CaseEvent.kind, CaseEvent.at, CaseEvent.payload).where(
            (CaseEvent.case == case_id) & CaseEvent.kind.is_in(["document_sent", "delivered", "contact"])).order_by(CaseEvent.id):
        payload = json.loads(e["payload"]) if isinstance(e["payload"], str) else (e["payload"] or {})
        if e["kind"] == "document_sent":
            sends.setdefault(payload.get("document"), []).append(payload)
        elif e["kind"] == "delivered":
            delivered[tuple(payload.get("of") or ())] = payload
        elif payload.get("certified") and payload.get("direction") == "outbound":
            certified.append({"id": e["id"], "sent_on": clock.day_of(e["at"]), "channel": payload.get("channel", "")})
    for d in documents:
        d["sends"] = sorted(sends.get(d["id"], []), key=lambda x: x.get("sent_on", ""))
        for snd in d["sends"]:
            snd["delivery"] = delivered.get(("document", d["id"], snd.get("sent_on")))
        d["sendable"] = d["template"] in SENDABLE
    for c in certified:
        c["delivery"] = delivered.get(("contact", c["id"]))
    view = {
        "action": action,
        "documents": documents,
        # Court records are the creditor's to read as well (their forms are the lawyers').
        "filings": await court.case_filings(case_id),
        "deadlines": await court.case_deadlines(case_id, today),
        "limitation": await _limitation_or_none(case_id, today),
        "lawyer_id": case["lawyer"], "lawyer_name": case["lawyer_name"],
        "template_names": {key: info.name for key, info in {**TEMPLATES, **SIGNED}.items()},
        "settlement_offer_on": case["settlement_offer_on"], "settlement_answer_on": case["settlement_answer_on"],
        "certified_contacts": certified,
        "injuncao": await injunctions.case_batch(case_id) if case["jurisdiction"] == "PT" else None,  # the file it went in, if any
        "evidence": await Evidence.select(Evidence.id, Evidence.original_name, Evidence.kind).where(Evidence.case == case_id).order_by(
            Evidence.id) if user.is_staff else [],
    }
    if user.is_staff:
        view.update({
            "templates": await template_list(case["jurisdiction"]),  # the French and Portuguese letters for their cases only
            "mediations": await case_mediations(case_id),
            "can_propose": stage in handoff.HANDOFF_STAGES and user.role in (Role.negotiator, Role.admin)
            and not (action and action["status"] in handoff.OPEN),
            "can_take": bool(action and action["status"] == "authorised" and user.role in (Role.lawyer, Role.admin)),
            "procedures": PROCEDURES, "statuses": filings.STATUSES, "status_labels": filings.STATUS_LABELS,
            "cost_kinds": court.COST_KINDS,
            # the debtor's assets and the title to enforce (staff only, as the rest of the legal data)
            "assets": await enforcement.assets_of(case_id), "asset_kinds": enforcement_rules.ASSET_KINDS,
            "title": await enforcement.title_of(case_id),
        })
        if stage in handoff.HANDOFF_STAGES and not (action and action["status"] in handoff.OPEN):
            view["estimate"] = await handoff.estimate(case_id, today)
    return view


async def _limitation_or_none(case_id: int, today: date):
    """The limitation date, or none shown while what is owed waits for a missing rate (named on the page)."""

    try:
        return await case_limitation(case_id, today)
    except MissingRate:
        return None
