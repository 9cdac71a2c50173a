"""The bank over HTTP (admins only): upload a Norma 43 or camt.053 statement, see what each line became, and decide
the lines that wait (book to a case, or not ours); write SEPA direct-debit files and record their returns."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import ClientException, HTTPException
from litestar.response import Stream, Template
from litestar.status_codes import HTTP_201_CREATED
from typing_extensions import Annotated

from agency import clock, i18n
from agency.accounts import FormErrors
from agency.auth import CSRF_IN_STREAM, admin_only, staff_only
from agency.http_utils import content_disposition, parse_id
from agency.i18n import gettext as _
from agency.routing import get, post
from agency.storage import storage
from agency.uploads import receive_multipart
from agency.web import form_data, notify, page, redirect, user_of
from cases.bank import debits
from cases.bank import service as bank
from cases.bank.rules import NOTICE_DAYS, RETURN_REASONS
from cases.bank.service import MAX_STATEMENT_BYTES
from cases.forms import date_field
from cases.money import from_cents


async def _receive(request: Request) -> bank.Imported:
    form = await receive_multipart(request, MAX_STATEMENT_BYTES)
    try:
        files = [f for f in form.files if f.field == "file" and not f.blank]
        if len(files) != 1:
            raise ClientException(detail=_("Send exactly one file in the multipart field 'file'."))
        f = files[0]
        f.file.seek(0)
        return await bank.import_statement(user_of(request), f.filename, f.file.read(), clock.today())
    finally:
        form.close()


CANDIDATE_LINES = 50  # a statement's page looks up candidates for this many waiting lines at most


class MatchIn(msgspec.Struct):
    case_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class BankStatementApi(Controller):
    path = "/api/v1/bank-statements"
    tags = ["bank"]
    guards = [admin_only]

    @post("/", status_code=HTTP_201_CREATED, request_max_body_size=MAX_STATEMENT_BYTES + 1024 * 1024, opt={CSRF_IN_STREAM: True},
          summary="Upload a bank statement (multipart 'file': Norma 43 or camt.053): credits naming a case are booked, once")
    async def upload(self, request: Request) -> Response:
        done = await _receive(request)
        return Response({"id": done.statements[0] if done.statements else None, "statements": done.statements, "format": done.format,
                         "lines": done.lines, "matched": done.matched, "unmatched": done.unmatched},
                        status_code=HTTP_201_CREATED if done.created else 200)

    @get("/", summary="The latest statements, with how many lines were booked and how many wait")
    async def index(self) -> list[dict]:
        return [{"id": s["id"], "format": s["format"], "filename": s["filename"], "account": s["account"], "starts_on": s["starts_on"].isoformat(),
                 "ends_on": s["ends_on"].isoformat(), "lines": s["lines"], "booked": s["booked"], "waiting": s["waiting"]}
                for s in await bank.statement_list()]

    @get("/{statement_id:int}", summary="A statement and what each of its lines became")
    async def show(self, statement_id: int) -> dict:
        detail = await bank.statement_detail(statement_id)
        s = detail["statement"]
        return {"id": s["id"], "format": s["format"], "account": s["account"], "starts_on": s["starts_on"].isoformat(),
                "ends_on": s["ends_on"].isoformat(), "opening": str(from_cents(s["opening_cents"])), "closing": str(from_cents(s["closing_cents"])),
                "lines": [bank.line_out(line) for line in detail["lines"]]}

    @get("/{statement_id:int}/money", summary="The statement against the ledger: money in by source and day, returns, remittances, the difference and what explains it")
    async def money(self, statement_id: int) -> dict:
        view = await bank.money_view(statement_id)
        return {"bank_net": str(from_cents(view["bank_net"])), "ledger_net": str(from_cents(view["ledger_net"])),
                "difference": str(from_cents(view["difference"])), "explained": view["explained"],
                "days": [{**{k: str(from_cents(v)) for k, v in d.items() if k != "day"}, "day": d["day"].isoformat()} for d in view["days"]],
                "bank_only": [bank.line_out(line) for line in view["bank_only"]],
                "ledger_only": [{**x, "day": x["day"].isoformat(), "amount": str(from_cents(x.pop("amount_cents")))} for x in view["ledger_only"]]}

    @post("/{statement_id:int}/lines/{line_id:int}/match", status_code=200, summary="Book a waiting credit to a case")
    async def match(self, request: Request, statement_id: int, line_id: int, data: MatchIn) -> dict:
        entry = await bank.match_by_hand(user_of(request), statement_id, line_id, data.case_id, clock.today())
        return {"ledger_entry": entry}

    @post("/{statement_id:int}/lines/{line_id:int}/not-ours", status_code=200, summary="A waiting credit that is no case's money")
    async def not_ours(self, request: Request, statement_id: int, line_id: int) -> dict:
        await bank.not_ours(user_of(request), statement_id, line_id)
        return {"status": "not_ours"}


class BankStatementPages(Controller):
    path = "/admin/bank"
    guards = [admin_only]

    @get("/")
    async def index(self, request: Request) -> Template:
        return page(request, "cases/bank/statements.html", statements=await bank.statement_list())

    @post("/", request_max_body_size=MAX_STATEMENT_BYTES + 1024 * 1024, opt={CSRF_IN_STREAM: True})
    async def upload(self, request: Request) -> Response:
        try:
            done = await _receive(request)
        except ClientException as exc:
            notify(request, str(exc.detail), "error")
            return redirect("/admin/bank/", request)
        if not done.created:
            notify(request, _("This file was uploaded before: nothing more was booked."), "info")
        else:
            notify(request, _("%(lines)s lines read: %(matched)s booked to their cases, %(unmatched)s waiting for you.") % {
                "lines": done.lines, "matched": done.matched, "unmatched": done.unmatched})
        return redirect(f"/admin/bank/{done.statements[0]}" if done.statements else "/admin/bank/", request)

    @get("/{statement_id:int}")
    async def show(self, request: Request, statement_id: int) -> Template:
        detail = await bank.statement_detail(statement_id)
        today = clock.today()
        # each waiting line's likely cases (a few queries each): for the first CANDIDATE_LINES only, the rest take a typed reference
        waiting = [line for line in detail["lines"] if line["status"] == "waiting"][:CANDIDATE_LINES]
        options = {line["id"]: await bank.candidates(line, today) for line in waiting}
        return page(request, "cases/bank/statement.html", statement=detail["statement"], lines=detail["lines"], options=options,
                    LINE_STATUS=bank.LINE_STATUS)

    @get("/{statement_id:int}/money")
    async def money(self, request: Request, statement_id: int) -> Template:
        view = await bank.money_view(statement_id)
        labels = {"card": _("Card"), "bizum": "Bizum", "transfer": _("Transfer"), "direct_debit": _("Direct debit"), "other": _("Other")}
        totals = {k: sum(d[k] for d in view["days"]) for k in labels}
        top = max(totals.values(), default=0) or 1
        chart = [{"label": labels[k], "value": from_cents(v), "share": max(v, 0) / top} for k, v in totals.items()]
        return page(request, "cases/bank/money.html", view=view, chart=chart, labels=labels)

    @post("/{statement_id:int}/lines/{line_id:int}")
    async def decide(self, request: Request, statement_id: int, line_id: int) -> Response:
        data = await form_data(request)
        back = f"/admin/bank/{statement_id}#line-{line_id}"
        try:
            if data.get("decision") == "not_ours":
                await bank.not_ours(user_of(request), statement_id, line_id)
                notify(request, _("Marked as not ours."))
            else:
                case_id = parse_id(data.get("case_id", "")) or await bank.case_by_reference(data.get("case_reference", ""))
                if case_id is None:
                    raise ClientException(detail=_("Choose the case the money is for."))
                await bank.match_by_hand(user_of(request), statement_id, line_id, case_id, clock.today())
                notify(request, _("Booked as a payment of the case."))
        except HTTPException as exc:  # a 400 with what to fix, a 409 already decided, a 404
            notify(request, str(exc.detail), "error")
        return redirect(back, request)


# --- direct debits --------------------------------------------------------------------------------------------------

class BatchIn(msgspec.Struct):
    collect_on: str


class ReturnIn(msgspec.Struct):
    reason_code: str
    returned_on: str | None = None  # the day the bank took it back (today if not given)


def _file(batch: dict) -> Response:
    return Stream(storage().stream(batch["storage_key"]), media_type="application/xml",
                  headers={"Content-Disposition": content_disposition(f"adeudos-{batch['collect_on']}-{batch['id']}.xml"),
                           "X-Content-SHA256": batch["sha256"], "Cache-Control": "private, no-store"})


class DirectDebitApi(Controller):
    path = "/api/v1/direct-debits"
    tags = ["bank"]
    guards = [admin_only]

    @post("/batches", status_code=HTTP_201_CREATED,
          summary="A SEPA Direct Debit file (pain.008.001.02) of the instalments under a mandate due by collect_on, each in one batch only")
    async def batch(self, request: Request, data: BatchIn) -> dict:
        return await debits.write_batch(user_of(request), date_field(data.collect_on, "collect_on"), clock.today())

    @get("/batches", summary="The direct-debit files written, newest first")
    async def batches(self) -> list[dict]:
        return [{"id": b["id"], "collect_on": b["collect_on"].isoformat(), "count": b["count"], "total": str(from_cents(b["total_cents"])),
                 "sha256": b["sha256"], "download_url": f"/api/v1/direct-debits/batches/{b['id']}/file"} for b in await debits.batch_list()]

    @get("/batches/{batch_id:int}", summary="A direct-debit file's collections and what became of each")
    async def show(self, batch_id: int) -> dict:
        detail = await debits.batch_detail(batch_id)
        return {"id": batch_id, "collect_on": detail["batch"]["collect_on"].isoformat(), "debits": [
            {"id": d["id"], "case_reference": d["reference"], "instalment": d["number"], "amount": str(from_cents(d["amount_cents"])),
             "sequence": d["sequence"], "instrument": d["instrument"], "end_to_end_id": d["end_to_end_id"], "status": d["status"],
             "return_reason": d["return_reason"]} for d in detail["debits"]]}

    @get("/batches/{batch_id:int}/file", summary="The pain.008 file as written (its SHA-256 in X-Content-SHA256)")
    async def file(self, batch_id: int) -> Response:
        return _file((await debits.batch_detail(batch_id))["batch"])

    @post("/batches/{batch_id:int}/cancel", status_code=200, summary="A file the bank refused whole: its collections cancelled (409 once one is booked)")
    async def cancel(self, request: Request, batch_id: int) -> dict:
        return await debits.cancel_batch(user_of(request), batch_id)

    @post("/{debit_id:int}/return", status_code=200, summary="A direct debit returned (reason_code: AM04, MD01, MS02, AC04...): its payment reversed")
    async def returned(self, request: Request, debit_id: int, data: ReturnIn) -> dict:
        returned_on = date_field(data.returned_on, "returned_on") if data.returned_on else None
        return await debits.record_return(user_of(request), debit_id, data.reason_code, clock.today(), returned_on)


class DirectDebitPages(Controller):
    path = "/admin/direct-debits"
    guards = [admin_only]

    @get("/")
    async def index(self, request: Request) -> Template:
        today = clock.today()
        return page(request, "cases/bank/direct_debits.html", batches=await debits.batch_list(), collect_on=today + timedelta(days=5),
                    earliest=today + timedelta(days=NOTICE_DAYS), reasons=RETURN_REASONS)

    @post("/")
    async def write(self, request: Request) -> Response:
        data = await form_data(request)
        try:
            done = await debits.write_batch(user_of(request), date_field(data.get("collect_on"), "collect_on"), clock.today())
        except FormErrors as exc:
            notify(request, " ".join(str(m) for m in exc.errors.values()), "error")
            return redirect("/admin/direct-debits/", request)
        except HTTPException as exc:
            notify(request, str(exc.detail), "error")
            return redirect("/admin/direct-debits/", request)
        notify(request, _("Direct-debit file written: %(count)s collections, %(total)s. Download it and send it to the bank.") % {
            "count": done["count"], "total": i18n.format_money(Decimal(done["total"]), "EUR")})
        return redirect(f"/admin/direct-debits/{done['id']}", request)

    @get("/{batch_id:int}")
    async def show(self, request: Request, batch_id: int) -> Template:
        detail = await debits.batch_detail(batch_id)
        return page(request, "cases/bank/direct_debit_batch.html", batch=detail["batch"], debits=detail["debits"], reasons=RETURN_REASONS,
                    today=clock.today())

    @get("/{batch_id:int}/file")
    async def file(self, batch_id: int) -> Response:
        return _file((await debits.batch_detail(batch_id))["batch"])

    @post("/{batch_id:int}/cancel")
    async def cancel(self, request: Request, batch_id: int) -> Response:
        try:
            done = await debits.cancel_batch(user_of(request), batch_id)
            notify(request, _("File cancelled: %(n)s collections; their instalments go into the next file.") % {"n": done["cancelled"]})
        except HTTPException as exc:
            notify(request, str(exc.detail), "error")
        return redirect(f"/admin/direct-debits/{batch_id}", request)

    @post("/debits/{debit_id:int}/return")
    async def returned(self, request: Request, debit_id: int) -> Response:
        data = await form_data(request)
        try:
            returned_on = date_field(data.get("returned_on"), "returned_on") if data.get("returned_on") else None
            done = await debits.record_return(user_of(request), debit_id, str(data.get("reason_code", "")), clock.today(), returned_on)
            notify(request, _("Return recorded: the payment is reversed.") + " " + (
                _("It is presented once more in the next file.") if done["then"] == "retry" else
                _("Nothing more is collected under this mandate; the negotiator has the case in the queue.")))
        except FormErrors as exc:
            notify(request, " ".join(str(m) for m in exc.errors.values()), "error")
        except HTTPException as exc:
            notify(request, str(exc.detail), "error")
        return redirect(f"/admin/direct-debits/{data.get('batch', '')}" if str(data.get("batch", "")).isdigit() else "/admin/direct-debits/",
                        request)


class MandateIn(msgspec.Struct):
    iban: str
    account_holder: str
    signed_on: str


class MandateApi(Controller):
    path = "/api/v1/cases/{case_id:int}/mandate"
    tags = ["bank"]
    guards = [staff_only]

    @post("/", status_code=HTTP_201_CREATED, summary="Record a SEPA mandate the debtor signed on paper: the active plan is paid by direct debit")
    async def record(self, request: Request, case_id: int, data: MandateIn) -> dict:
        return await debits.record_mandate(user_of(request), case_id, data.iban, data.account_holder,
                                           date_field(data.signed_on, "signed_on"), clock.today())


class MandatePages(Controller):
    guards = [staff_only]

    @post("/cases/{case_id:int}/mandate")
    async def record(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        try:
            done = await debits.record_mandate(user_of(request), case_id, str(data.get("iban", "")), str(data.get("account_holder", "")),
                                               date_field(data.get("signed_on"), "signed_on"), clock.today())
            notify(request, _("Mandate %(reference)s recorded: the plan's instalments are collected by direct debit.") % {
                "reference": done["mandate_reference"]})
        except FormErrors as exc:
            notify(request, " ".join(str(m) for m in exc.errors.values()), "error")
        except HTTPException as exc:
            notify(request, str(exc.detail), "error")
        return redirect(f"/cases/{case_id}#commitments", request)
