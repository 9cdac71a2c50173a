"""The French injonction de payer request (the Cerfa's data, for a case whose procedure is the injonction) and the
Portuguese injunção batches: the cases ready for one, a file of many written once (legal.injunctions.rules), kept with
its SHA-256, each case in one batch only and told so on its timeline."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date
from decimal import Decimal

from litestar.exceptions import ClientException, HTTPException, NotFoundException

from agency.auth import CurrentUser
from agency.db import as_date, atomic, is_unique_violation
from agency.http_utils import MAX_ID
from agency.i18n import gettext as _
from agency.roles import Role
from agency.storage import storage
from agency.tables import Organisation, User
from agency.tenancy import get_visible, scoped
from cases import events
from cases.billing.balances import balances_of_many
from cases.money import from_cents, to_cents
from cases.tables import Case, Evidence, Invoice
from legal.handoff.service import facts_from
from legal.injunctions.rules import (
    BNI_LAYOUT,
    Claim,
    OwedInvoice,
    Party,
    Requerimento,
    bni_file,
    injonction_request,
    problems,
)
from legal.rules.procedures import PROCEDURES, propose
from legal.tables import InjuncaoBatch, InjuncaoRequest

MAX_BATCH = 500  # requerimentos in one file: a lawyer checks what they send

CASE_COLUMNS = (Case.id, Case.reference, Case.stage, Case.jurisdiction, Case.organisation, Case.lawyer,
                Case.debtor.name.as_alias("debtor_name"), Case.debtor.kind.as_alias("debtor_kind"), Case.debtor.tax_id.as_alias("debtor_tax_id"),
                Case.debtor.address_line1.as_alias("debtor_address"), Case.debtor.postal_code.as_alias("debtor_postal_code"),
                Case.debtor.city.as_alias("debtor_city"), Case.debtor.country.as_alias("debtor_country"))


class InjunctionRefused(ClientException):
    status_code = 422


async def _inputs(cases: list[dict], today: date) -> dict[int, dict]:
    """What a request needs of each case, read together: its creditor, balance, invoices, evidence and lawyer."""
    ids = [c["id"] for c in cases]
    if not ids:
        return {}
    orgs = {o["id"]: o for o in await Organisation.select(
        Organisation.id, Organisation.legal_name, Organisation.tax_id, Organisation.address_line1, Organisation.postal_code, Organisation.city,
        Organisation.country).where(Organisation.id.is_in(sorted({c["organisation"] for c in cases})))}
    balances = await balances_of_many([(i, today) for i in ids])
    issued: dict[tuple[int, str], date] = {(r["case"], r["number"]): as_date(r["issue_date"]) for r in await Invoice.select(
        Invoice.case, Invoice.number, Invoice.issue_date).where(Invoice.case.is_in(ids))}
    evidence: dict[int, list[str]] = {}
    for e in await Evidence.select(Evidence.case, Evidence.original_name).where(Evidence.case.is_in(ids)).order_by(Evidence.id):
        evidence.setdefault(e["case"], []).append(e["original_name"])
    lawyer_ids = sorted({c["lawyer"] for c in cases if c["lawyer"]})
    lawyers = {u["id"]: u for u in await User.select(User.id, User.name, User.bar_number).where(User.id.is_in(lawyer_ids))} if lawyer_ids else {}
    out = {}
    for c in cases:
        org, balance = orgs[c["organisation"]], balances[(c["id"], today)]
        debtor = Party(c["debtor_name"] or "", c["debtor_tax_id"] or "", c["debtor_address"] or "", c["debtor_postal_code"] or "",
                       c["debtor_city"] or "", (c["debtor_country"] or c["jurisdiction"]).upper(), c["debtor_kind"])
        creditor = Party(org["legal_name"], org["tax_id"] or "", org["address_line1"] or "", org["postal_code"] or "", org["city"] or "",
                         (org["country"] or "ES").upper(), "company")
        business = c["debtor_kind"] == "company"
        claim = Claim(balance.principal_outstanding, sum((i.interest_outstanding for i in balance.invoices), Decimal(0)),
                      sum((i.compensation_outstanding for i in balance.invoices), Decimal(0)), business)
        invoices = tuple(OwedInvoice(i.number, issued.get((c["id"], i.number)) or i.due_date, i.due_date, i.principal_outstanding)
                         for i in balance.invoices if i.principal_outstanding > 0)
        proposal = propose(facts_from(org, debtor.country, c["debtor_kind"], balance, len(evidence.get(c["id"], [])), debtor.city))
        lawyer = lawyers.get(c["lawyer"]) or {}
        out[c["id"]] = {"case": c, "creditor": creditor, "debtor": debtor, "claim": claim, "invoices": invoices, "procedure": proposal.procedure,
                        "evidence": evidence.get(c["id"], []),
                        "requerimento": Requerimento(c["reference"], creditor, debtor, claim, invoices, lawyer.get("name", ""),
                                                     lawyer.get("bar_number", "") or "")}
    return out


# --- France: the injonction de payer request -------------------------------------------------------------------

def _plain(value):
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


async def injonction_fields(user: CurrentUser, case_id: int, today: date) -> dict:
    """The Cerfa's data for a case whose procedure is the injonction de payer, as plain values (amounts in euros as
    strings, dates ISO): 409 naming the procedure when the case has another."""
    case = await get_visible(Case.select(*CASE_COLUMNS).where(Case.id == case_id), user, Case.organisation)
    data = (await _inputs([case], today))[case_id]
    if data["procedure"] != "injonction_de_payer":
        name = str(PROCEDURES[data["procedure"]]) if data["procedure"] else _("none")
        raise HTTPException(status_code=409, detail=_("The injonction de payer is for French cases whose procedure is the injonction; "
                                                      "the procedure proposed for this case is: %(procedure)s.") % {"procedure": name})
    request = injonction_request(data["creditor"], data["debtor"], data["claim"], list(data["invoices"]), data["evidence"], data["debtor"].city)
    return {"case": case_id, "reference": case["reference"], "as_of": today.isoformat(), **_plain(request)}


# --- Portugal: the injunção batches ------------------------------------------------------------------------------

def _scope_lawyer(query, user: CurrentUser):
    return query.where(Case.lawyer == user.id) if user.role == Role.lawyer else query


async def ready_cases(user: CurrentUser, today: date) -> list[dict]:
    """Portuguese cases in the court stage not yet in a batch (a lawyer's own cases; an admin's all), each with what
    stops it going into a file (empty: ready)."""
    batched = InjuncaoRequest.select(InjuncaoRequest.case)
    query = _scope_lawyer(Case.select(*CASE_COLUMNS).where((Case.jurisdiction == "PT") & (Case.stage == "court") & Case.id.not_in(batched)),
                          user).order_by(Case.id)
    cases = await scoped(query, user, Case.organisation)
    inputs = await _inputs(cases, today)
    rows = []
    for c in cases:
        data = inputs[c["id"]]
        rows.append({"id": c["id"], "reference": c["reference"], "debtor": c["debtor_name"], "debtor_tax_id": c["debtor_tax_id"],
                     "amount": data["claim"].total, "commercial": data["claim"].business, "problems": _problems(data)})
    return rows


def _problems(data: dict) -> list[str]:
    found = [str(p) for p in problems(data["requerimento"])]
    if data["procedure"] not in ("injuncao", None):
        found.append(_("the procedure proposed for it is %(procedure)s, not the injunção") % {"procedure": str(PROCEDURES[data["procedure"]])})
    elif data["procedure"] is None and not found:
        found.append(_("no procedure of this product fits it"))
    return found


async def write_batch(user: CurrentUser, case_ids: list[int], today: date) -> dict:
    """One injunção file for ``case_ids``: every case checked first (Portuguese, in the court stage, the lawyer's own,
    not in a batch, a valid NIF, within the limit or commercial), and refused whole with what to fix for each; then
    the file written, stored with its SHA-256, the cases taken into the batch (one batch each: two lawyers at once,
    one is told) and each case's timeline told."""
    wanted = list(dict.fromkeys(int(i) for i in case_ids))
    if not wanted:
        raise ClientException(detail=_("Choose at least one case for the injunção file."))
    if len(wanted) > MAX_BATCH:
        raise ClientException(detail=_("At most %(max)s cases in one injunção file.") % {"max": MAX_BATCH})
    if any(not 0 < i <= MAX_ID for i in wanted):  # an id no case can have (a database integer is 32 bits)
        raise ClientException(detail=_("The cases are given by their ids (whole numbers from 1)."))
    found = {c["id"]: c for c in await scoped(Case.select(*CASE_COLUMNS).where(Case.id.is_in(wanted)), user, Case.organisation)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFoundException(detail=_("No such case: %(ids)s.") % {"ids": ", ".join(str(i) for i in missing)})
    taken = {r["case"]: r["batch"] for r in await InjuncaoRequest.select(InjuncaoRequest.case, InjuncaoRequest.batch.reference.as_alias("batch")).where(
        InjuncaoRequest.case.is_in(wanted))}
    if taken:
        raise HTTPException(status_code=409, detail=_("Already in an injunção file, so not sent twice: %(cases)s.") % {"cases": "; ".join(
            _("%(reference)s (file %(batch)s)") % {"reference": found[i]["reference"], "batch": b} for i, b in taken.items())})
    refusals = []
    for i in wanted:
        c = found[i]
        if c["jurisdiction"] != "PT":
            refusals.append((c, [_("it is not a Portuguese case (jurisdiction %(jurisdiction)s)") % {"jurisdiction": c["jurisdiction"]}]))
        elif c["stage"] != "court":
            refusals.append((c, [_("it is not in the court stage: move it to court first")]))
        elif user.role == Role.lawyer and c["lawyer"] != user.id:
            refusals.append((c, [_("it is assigned to another lawyer")]))
    inputs = await _inputs([found[i] for i in wanted if not any(c["id"] == i for c, _p in refusals)], today)
    refusals += [(data["case"], why) for data in inputs.values() if (why := _problems(data))]
    if refusals:
        order = {i: n for n, i in enumerate(wanted)}
        refusals.sort(key=lambda r: order[r[0]["id"]])
        raise InjunctionRefused(detail=_("Nothing was written. Fix these cases or leave them out: %(cases)s") % {"cases": " ".join(
            f"{c['reference']}: {'; '.join(why)}." for c, why in refusals)},
            extra={"cases": [{"id": c["id"], "reference": c["reference"], "problems": why} for c, why in refusals]})
    requerimentos = [inputs[i]["requerimento"] for i in wanted]
    amounts = {i: to_cents(inputs[i]["claim"].principal) + to_cents(inputs[i]["claim"].interest) + to_cents(inputs[i]["claim"].compensation)
               for i in wanted}
    total = sum(amounts.values())
    reference = f"BNI-{today:%Y%m%d}-{secrets.token_hex(4).upper()}"  # the file's own name, in it and on the batch
    data = bni_file(requerimentos, reference, today)
    sha = hashlib.sha256(data).hexdigest()
    key = f"injuncao/{today:%Y/%m}/{secrets.token_hex(16)}.xml"
    await storage().put_bytes(key, data, "application/xml")
    try:
        async with atomic():
            batch = (await InjuncaoBatch.insert(InjuncaoBatch(reference=reference, layout=BNI_LAYOUT, requests=len(wanted), total_cents=total,
                                                              sha256=sha, storage_key=key, created_by=user.id)).returning(InjuncaoBatch.id))[0]["id"]
            await InjuncaoRequest.insert(*[InjuncaoRequest(batch=batch, case=i, amount_cents=amounts[i]) for i in wanted])
            for i in wanted:
                await events.record(i, "injuncao_batch", user, _("Requerimento de injunção in file %(reference)s (%(amount)s EUR).") % {
                    "reference": reference, "amount": str(from_cents(amounts[i]))},
                    {"batch": batch, "reference": reference, "amount": str(from_cents(amounts[i])), "sha256": sha})
    except Exception as exc:
        await storage().delete(key)
        if is_unique_violation(exc):
            raise HTTPException(status_code=409, detail=_("Another injunção file took some of these cases just now: look at the files, and "
                                                          "write a new one only for what is left.")) from None
        raise
    return batch_json({"id": batch, "reference": reference, "layout": BNI_LAYOUT, "requests": len(wanted), "total_cents": total, "sha256": sha,
                       "created_at": None}, [{"case": i, "reference": found[i]["reference"], "amount_cents": amounts[i]} for i in wanted])


def batch_json(batch: dict, cases: list[dict] | None = None) -> dict:
    out = {"id": batch["id"], "reference": batch["reference"], "layout": batch["layout"], "count": batch["requests"],
           "total": str(from_cents(batch["total_cents"])), "sha256": batch["sha256"],
           "created_at": batch["created_at"].isoformat() if batch.get("created_at") else None,
           "download_url": f"/api/v1/injuncao-batches/{batch['id']}/file"}
    if cases is not None:
        out["cases"] = [{"id": c["case"], "reference": c["reference"], "amount": str(from_cents(c["amount_cents"]))} for c in cases]
    return out


async def batch_list(limit: int = 50) -> list[dict]:
    """The files written, newest first."""
    return await InjuncaoBatch.select(*InjuncaoBatch.all_columns(), InjuncaoBatch.created_by.name.as_alias("author")).order_by(InjuncaoBatch.id, ascending=False).limit(limit)


async def batch_detail(batch_id: int) -> tuple[dict, list[dict]]:
    batch = await InjuncaoBatch.select(*InjuncaoBatch.all_columns(), InjuncaoBatch.created_by.name.as_alias("author")).where(
        InjuncaoBatch.id == batch_id).first()
    if batch is None:
        raise NotFoundException(detail=_("Not found."))
    cases = await InjuncaoRequest.select(InjuncaoRequest.case, InjuncaoRequest.case.reference.as_alias("reference"), InjuncaoRequest.amount_cents).where(
        InjuncaoRequest.batch == batch_id).order_by(InjuncaoRequest.id)
    return batch, cases



async def case_batch(case_id: int) -> dict | None:
    """The injunção file a case went in (its reference and day), or None: for the case's legal panel."""
    return await InjuncaoRequest.select(InjuncaoRequest.batch.as_alias("id"), InjuncaoRequest.batch.reference.as_alias("reference"),
                                        InjuncaoRequest.batch.created_at.as_alias("created_at")).where(InjuncaoRequest.case == case_id).first()
