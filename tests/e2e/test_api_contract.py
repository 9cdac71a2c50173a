"""The API as its OpenAPI document says it: schemathesis generates requests for every JSON operation of `/schema`
against the real server (`agency serve`, the suite's database, the demo's admin), a bounded number of examples each;
no answer may be a 5xx, and every answer must be one the document declares, in the content type and the shape it
declares. Every operation is tried; the failures of all are reported together."""
from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

EXAMPLES = 6  # per operation: every operation is reached, the suite stays within its time
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_every_api_operation_answers_as_its_document_says(live_server):
    r = httpx.post(f"{live_server}/api/v1/auth/token", json={"email": "admin@demo.test", "password": "demo-password"})
    assert r.status_code in (200, 201), r.text
    headers = {"Authorization": f"Bearer {r.json()['token']}"}
    # (every JSON operation but revoking the very token the run calls with, which tests/http/agency/test_api_auth.py tries)
    schema = schemathesis.openapi.from_url(f"{live_server}/schema/openapi.json").include(path_regex=r"^/api/").exclude(
        method="DELETE", path="/api/v1/auth/token")
    failures, tried = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        tried += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None,
                  print_blob=False)
        def answers_as_declared(case):
            case.validate_response(case.call(headers=headers, timeout=30), checks=CHECKS)

        try:
            answers_as_declared()
        except (Exception, BaseExceptionGroup) as exc:  # (each operation's failure kept, the others still tried)
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert tried > 50, f"only {tried} operations in the document"
    assert not failures, f"{len(failures)} of {tried} operations:\n\n" + "\n\n".join(failures)
