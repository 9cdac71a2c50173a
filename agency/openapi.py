"""The OpenAPI document says what the API answers when it refuses: every JSON operation may answer the errors the app's
handlers send (agency.errors), each as ``{status_code, detail, errors?, ...}``; Litestar's generated document knew only the
answers each handler returns itself, and a 400 of another shape. A file download says it answers a file of any type.
Laid over the generated document once, at start."""
from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType

ERROR = Schema(
    type=OpenAPIType.OBJECT,
    required=["status_code", "detail"],
    properties={
        "detail": Schema(type=OpenAPIType.STRING, description="What to fix, in the reader's language"),
        "errors": Schema(type=OpenAPIType.OBJECT, additional_properties=Schema(type=OpenAPIType.STRING),
                         description="Per field: what is wrong with it"),
        "status_code": Schema(type=OpenAPIType.INTEGER),
    },
    description="A refusal: nothing was written",
)

# What any JSON operation may answer besides its own success (the foundation's handlers and guards send these).
REFUSALS = {
    "400": "The request is not right: `detail` (and `errors`, per field) say what to fix",
    "401": "No token, or a token that is unknown, revoked, or needs the second factor",
    "403": "The caller's role does not give access to this",
    "404": "No such thing, or not the caller's to see (another organisation's is a 404 too)",
    "409": "It conflicts with the state of things (decided meanwhile, already done...)",
    "413": "The body is larger than this route takes",
    "422": "Understood, but the case lacks what it needs (a rate not published, data a document needs...)",
    "429": "Too many tries: wait as Retry-After says",
}


# Operations that answer a file (evidence, documents, bank and bureau files, the case list's export): any type of file, or a redirect to a
# short-lived signed URL where the files are on S3.
FILE_ANSWERS = ("/download", "/file", "/cases/export")
FILE = {"*/*": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))}


def declare_refusals(app: Litestar) -> None:
    """Add the refusals to every operation under /api/ of ``app``'s document (built here, then kept by Litestar)."""
    openapi = app.openapi_schema
    if openapi.components.schemas is None:
        openapi.components.schemas = {}
    openapi.components.schemas["Refusal"] = ERROR
    answer = {"application/json": OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Refusal"))}
    for path, item in (openapi.paths or {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in (item.get, item.put, item.post, item.delete, item.patch):
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            open_to_all = operation.security == []  # (the quote, sign-in, the debtor's session: no caller to refuse)
            for code, text in REFUSALS.items():
                if open_to_all and code in ("401", "403"):
                    continue
                if code == "400" or code not in responses:  # (Litestar's own 400 names a body the app never sends)
                    responses[code] = OpenAPIResponse(description=text, content=answer)
            if path.endswith(FILE_ANSWERS) and operation is item.get:
                responses["200"] = OpenAPIResponse(description="The file, in its own type", content=FILE)
                responses["307"] = OpenAPIResponse(description="A short-lived signed URL to the file (files kept on S3)")
            operation.responses = responses
