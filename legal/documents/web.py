"""Generated documents: the templates and their versions (admins), generating a document from a case, its list and download."""
from __future__ import annotations

import json
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.response import Template
from litestar.status_codes import HTTP_201_CREATED

from agency import access, clock
from agency.auth import CSRF_IN_STREAM, admin_only, roles, staff_only
from agency.http_utils import content_disposition
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import get, post
from agency.uploads import receive_multipart
from agency.web import form_data, notify, page, redirect, user_of
from cases.forms import case_action
from legal.documents import bundles
from legal.documents import service as documents
from legal.documents.service import DOCX
from legal.forms import discount_percent, stream_file, visible_case


class DocumentIn(msgspec.Struct):
    template: str
    offer_discount_percent: str | None = None
    # who signs a debt acknowledgement for a company debtor (a person signs for themself): printed in the document
    signatory_name: str = ""
    signatory_id: str = ""
    signatory_capacity: str = ""


def signatory(name, id_document, capacity) -> dict:
    """The signatory's data as typed, each at most 100 characters of printable text (a 400 says what to fix)."""
    values = {"name": " ".join(str(name or "").split()), "id_document": " ".join(str(id_document or "").split()).upper(),
              "capacity": " ".join(str(capacity or "").split())}
    for key, value in values.items():
        if len(value) > 100 or not value.isprintable():
            raise ClientException(detail=_("The signatory's %(field)s: at most 100 characters of text.") % {"field": key})
    return values


class DocumentApi(Controller):
    """Document templates, generating a document, the documents of a case and their download."""

    path = "/api/v1"
    tags = ["legal"]

    @get("/document-templates", guards=[staff_only],
         summary="The document templates and their active versions (?jurisdiction=PT: those made for its cases)")
    async def templates(self, jurisdiction: str | None = None) -> list[dict]:
        return await documents.template_list(jurisdiction)

    @post("/cases/{case_id:int}/documents", status_code=201, guards=[staff_only],
          summary="Generate a document from a template (a new version each time); 422 names the data the case lacks")
    async def generate(self, request: Request, case_id: int, data: DocumentIn) -> dict:
        return await documents.generate_document(user_of(request), case_id, data.template, clock.today(),
                                                 offer_discount_percent=discount_percent(data.offer_discount_percent),
                                                 signatory=signatory(data.signatory_name, data.signatory_id, data.signatory_capacity))

    @get("/cases/{case_id:int}/documents", guards=[roles(*Role)], summary="The case's generated documents the caller may see")
    async def list_documents(self, request: Request, case_id: int) -> list[dict]:
        user = user_of(request)
        await visible_case(request, case_id)
        rows = await documents.visible_documents_query(user, case_id)
        return [{"id": r["id"], "template": r["template"], "template_version": r["template_version"], "version": r["version"],
                 "sha256": r["sha256"], "size": r["size"], "data_date": r["data_date"], "filename": r["filename"],
                 "download_url": f"/api/v1/documents/{r['id']}/download"} for r in rows]

    @get("/documents/{document_id:int}/download", guards=[roles(*Role)], summary="The .docx (or ?format=pdf, when LibreOffice is installed)")
    async def download(self, request: Request, document_id: int, format: str = "docx") -> Response:
        user = user_of(request)
        if format not in ("docx", "pdf"):
            raise ClientException(detail=_("The format is docx or pdf."))
        if format == "pdf":
            doc, key = await documents.pdf_copy(user, document_id)
            access.note(user, f"document {document_id}: {doc['filename']} (PDF)", doc["case"])
            return stream_file(key, doc["filename"].removesuffix(".docx") + ".pdf", "application/pdf", None)
        doc = await documents.visible_document(user, document_id)
        access.note(user, f"document {document_id}: {doc['filename']}", doc["case"])
        return stream_file(doc["storage_key"], doc["filename"], DOCX, doc["sha256"], doc["size"])

    @get("/documents/{document_id:int}/bundle", guards=[roles(Role.lawyer, Role.admin)], media_type=bundles.ZIP,
         summary="The petition's filing bundle (ZIP): the petition as PDF, each document it lists as its own numbered PDF, an index "
                 "and the court-fee form 696's data; 422 naming the documents missing")
    async def bundle(self, request: Request, document_id: int) -> Response:
        user = user_of(request)
        made = await bundles.build_bundle(user, document_id, clock.today())
        access.note(user, f"bundle {made['id']} of document {document_id}: {made['filename']}", made["case"])
        return bundle_response(made)


def bundle_response(made: dict) -> Response:
    """The kept ZIP, with its SHA-256, how many PDFs it holds and the files it could not include (their names
    percent-encoded, as headers are Latin-1; the index inside names them too)."""
    response = stream_file(made["storage_key"], made["filename"], bundles.ZIP, made["sha256"], made["size"])
    response.headers["X-Bundle-PDFs"] = str(made["pdfs"])
    response.headers["X-Bundle-Omitted"] = str(len(made["omitted"]))
    if made["omitted"]:
        response.headers["X-Bundle-Omitted-Files"] = quote("; ".join(o["original"] or o["title"] for o in made["omitted"]))
    return response


class DocumentCasePages(Controller):
    """The legal panel's form to generate a document."""

    path = "/cases/{case_id:int}/legal"

    @post("/documents", guards=[staff_only])
    async def generate(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)

        async def act():
            await documents.generate_document(user_of(request), case_id, str(data.get("template", "")), clock.today(),
                                              offer_discount_percent=discount_percent(data.get("offer_discount_percent")),
                                              signatory=signatory(data.get("signatory_name"), data.get("signatory_id"),
                                                                  data.get("signatory_capacity")))
        return await case_action(request, case_id, act, _("Document generated."))

    @post("/documents/{document_id:int}/bundle", guards=[roles(Role.lawyer, Role.admin)])
    async def bundle(self, request: Request, case_id: int, document_id: int) -> Template:
        """Make the bundle and show its link, its fingerprint and what it could not include, or what to fix."""
        try:
            made = await bundles.build_bundle(user_of(request), document_id, clock.today(), case_id=case_id)
        except HTTPException as exc:
            if exc.status_code in {403, 404}:
                raise
            return page(request, "legal/bundle.html", fragment="legal/_bundle.html", case_id=case_id, error=str(exc.detail), made=None)
        return page(request, "legal/bundle.html", fragment="legal/_bundle.html", case_id=case_id, error="", made=made)

    @get("/bundles/{bundle_id:int}/download", guards=[roles(Role.lawyer, Role.admin)])
    async def download_bundle(self, request: Request, case_id: int, bundle_id: int) -> Response:
        user = user_of(request)
        made = await bundles.visible_bundle(user, bundle_id)
        if made["case"] != case_id:
            raise NotFoundException(detail=_("Not found."))
        access.note(user, f"bundle {bundle_id}: {made['filename']}", case_id)
        return bundle_response({**made, "omitted": json.loads(made["omitted"] or "[]")})


class TemplateAdminPages(Controller):
    path = "/admin/document-templates"
    guards = [admin_only]

    @get("/")
    async def index(self, request: Request) -> Template:
        rows = await documents.template_list()
        for r in rows:
            r["versions"] = await documents.template_versions(r["key"])
        return page(request, "legal/templates.html", templates=rows)

    @get("/{key:str}/download")
    async def download(self, request: Request, key: str) -> Response:
        version, data = await documents.active_template(key)
        return Response(data, media_type=DOCX, headers={"Content-Disposition": content_disposition(f"{key}-v{version}.docx")})

    @post("/{key:str}", request_max_body_size=10 * 1024 * 1024, opt={CSRF_IN_STREAM: True})
    async def upload(self, request: Request, key: str) -> Response:
        form = await receive_multipart(request, documents.MAX_TEMPLATE_BYTES)
        try:
            files = [f for f in form.files if not f.skippable]
            if len(files) != 1:
                notify(request, _("Choose one .docx file."), "error")
                return redirect("/admin/document-templates", request)
            files[0].file.seek(0)
            data = files[0].file.read()
            try:
                saved = await documents.upload_template(user_of(request), key, data, files[0].filename)
                notify(request, _("Version %(version)s of “%(name)s” is now active.") % {"version": saved["version"],
                                                                                        "name": documents.TEMPLATES[key].name})
            except ClientException as exc:
                notify(request, _("Not activated: %(reason)s") % {"reason": exc.detail}, "error")
        finally:
            form.close()
        return redirect("/admin/document-templates", request)


class TemplateApi(Controller):
    path = "/api/v1/document-templates"
    tags = ["legal"]
    guards = [admin_only]

    @post("/{key:str}", request_max_body_size=10 * 1024 * 1024, opt={CSRF_IN_STREAM: True},
          summary="Upload a new version (multipart 'file'): active only if it renders against the sample case")
    async def upload(self, request: Request, key: str) -> Response:
        form = await receive_multipart(request, documents.MAX_TEMPLATE_BYTES)
        try:
            files = [f for f in form.files if not f.skippable]
            if len(files) != 1:
                raise ClientException(detail=_("Send exactly one file in the multipart field 'file'."))
            files[0].file.seek(0)
            saved = await documents.upload_template(user_of(request), key, files[0].file.read(), files[0].filename)
        finally:
            form.close()
        return Response(saved, status_code=HTTP_201_CREATED)
