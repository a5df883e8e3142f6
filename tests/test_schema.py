"""The OpenAPI schema: it validates, every operation in it is tested, and generated requests never get a 5xx and
get answers as the schema documents them.

The schema-driven test loads ``/api/schema/`` from the WSGI application itself and lets schemathesis (on
Hypothesis) generate requests for every operation: valid ones and deliberately invalid ones, as an anonymous
caller, as a citizen on their own dossier and draft, and as an official on their agency's dossier. Any 5xx
fails. Examples are bounded and derandomised, so the run is quick and the same every time.
"""

import inspect
import json
import sys

import pytest
import schemathesis
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from knox.models import AuthToken
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation.modes import GenerationMode

from dossiers import services
from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.wsgi import application
from procedures.models import Agency, Procedure

from .filing import BIRTH, HAC_THANH, PDF_BYTES

pytestmark = pytest.mark.django_db

EXAMPLES = 8  # per operation, role and mode: about 1,200 requests in all

# Every operation of the dossiers, catalogue, statistics and token API, and the tests that exercise it by hand.
LINKED_FILED = "test_api_linked.py::test_a_citizen_files_the_group_through_the_api"
LINKED_REFUSED = "test_api_linked.py::test_what_the_api_refuses_it_names"
LINKED_REMOVED = "test_api_linked.py::test_a_scan_removed_through_the_api_takes_its_copies"
OPERATIONS = {
    ("get", "/api/v1/agencies/"): "test_dossier_api.py::test_public_endpoints_are_read_only_for_everyone",
    ("get", "/api/v1/agencies/{code}/"): "test_dossier_api.py::test_public_endpoints_are_read_only_for_everyone",
    ("get", "/api/v1/fields/"): "test_dossier_api.py::test_public_endpoints_are_read_only_for_everyone",
    ("get", "/api/v1/fields/{id}/"): "test_dossier_api.py::test_public_endpoints_are_read_only_for_everyone",
    ("get", "/api/v1/procedures/"): "test_api.py::test_procedures_api_searches_without_diacritics",
    ("get", "/api/v1/procedures/{code}/"): "test_api.py::test_procedure_detail_api_has_documents_and_fees",
    ("get", "/api/v1/statistics/"): "test_reports.py::test_the_api_gives_the_same_figures",
    ("post", "/api/v1/auth/token/"): "test_api_auth.py::test_a_citizen_gets_a_token_and_uses_it",
    ("post", "/api/v1/auth/token/revoke/"): "test_api_auth.py::test_a_bad_or_revoked_token_is_refused",
    ("post", "/api/v1/auth/token/revoke-all/"): "test_api_auth.py::test_revoking_every_token",
    ("get", "/api/v1/auth/me/"): "test_api_auth.py::test_a_citizen_gets_a_token_and_uses_it",
    ("get", "/api/v1/dossiers/"): "test_dossier_api.py::test_lists_filter_order_and_paginate",
    ("get", "/api/v1/dossiers/{code}/"): "test_dossier_api.py::test_an_official_lists_and_reads_their_agencys_dossiers",
    ("post", "/api/v1/dossiers/{code}/actions/{name}/"): "test_dossier_api.py::test_accepting_through_the_api",
    ("post", "/api/v1/dossiers/{code}/documents/"): "test_api_filing.py::test_a_citizen_supplements_through_the_api",
    ("post", "/api/v1/dossiers/{code}/supplement/"): "test_api_filing.py::test_a_citizen_supplements_through_the_api",
    ("get", "/api/v1/queues/"): "test_dossier_api.py::test_queues_are_the_dashboards_for_the_officials_agency",
    ("get", "/api/v1/drafts/"): "test_api_filing.py::test_a_citizen_files_a_dossier_through_the_api",
    ("post", "/api/v1/drafts/"): "test_api_filing.py::test_starting_a_draft_checks_procedure_agency_and_case",
    ("get", "/api/v1/drafts/{id}/"): "test_api_filing.py::test_uploads_are_checked_by_content",
    ("put", "/api/v1/drafts/{id}/declaration/"): "test_api_filing.py::test_an_invalid_declaration_names_the_fields",
    ("post", "/api/v1/drafts/{id}/documents/"): "test_api_filing.py::test_uploads_are_checked_by_content",
    ("delete", "/api/v1/drafts/{id}/documents/{document}/"): "test_api_filing.py::test_uploads_are_checked_by_content",
    ("put", "/api/v1/drafts/{id}/delivery/"): "test_api_filing.py::test_the_result_can_be_posted_to_a_checked_address",
    ("post", "/api/v1/drafts/{id}/submit/"): "test_api_filing.py::test_a_citizen_files_a_dossier_through_the_api",
    ("get", "/api/v1/linked-filings/"): LINKED_FILED,
    ("post", "/api/v1/linked-filings/"): LINKED_REFUSED,
    ("get", "/api/v1/linked-filings/{id}/"): LINKED_FILED,
    ("delete", "/api/v1/linked-filings/{id}/"): "test_discard_drafts.py::test_drafts_are_deleted_through_the_api",
    ("delete", "/api/v1/drafts/{id}/"): "test_discard_drafts.py::test_drafts_are_deleted_through_the_api",
    ("put", "/api/v1/linked-filings/{id}/declaration/"): LINKED_FILED,
    ("post", "/api/v1/linked-filings/{id}/documents/"): LINKED_FILED,
    ("delete", "/api/v1/linked-filings/{id}/documents/{document}/"): LINKED_REMOVED,
    ("put", "/api/v1/linked-filings/{id}/delivery/"): LINKED_REFUSED,
    ("post", "/api/v1/linked-filings/{id}/submit/"): LINKED_FILED,
    ("get", "/api/v1/signing/trust-anchors/"): "test_signing.py::test_the_trust_anchors_are_served_as_pem",
}
# Paths under these prefixes belong to other parts of the API (look-up, ratings, payments): the schema-driven test
# below covers them, their own test files test their behaviour.
OTHER_PARTS = ("/api/v1/lookup", "/api/v1/ratings", "/api/v1/payments", "/api/v1/tracking")


def served_schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def schema_operations(schema: dict) -> set[tuple[str, str]]:
    methods = {"get", "post", "put", "patch", "delete"}
    return {(method, path) for path, item in schema["paths"].items() for method in item if method in methods}


def test_the_schema_is_valid_openapi_3(client, catalogue):
    schema = served_schema(client)

    validate(schema)  # raises OpenAPIValidationError when invalid
    assert schema["openapi"].startswith("3.")
    assert "knoxApiToken" in schema["components"]["securitySchemes"]


def test_the_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--api-version", "v1", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yaml")


def test_every_operation_in_the_schema_has_a_test(client, catalogue):
    operations = {op for op in schema_operations(served_schema(client)) if not op[1].startswith(OTHER_PARTS)}

    assert operations == set(OPERATIONS)
    for node in set(OPERATIONS.values()):
        filename, name = node.split("::")
        module = sys.modules.get(f"tests.{filename.removesuffix('.py')}") or __import__(
            f"tests.{filename.removesuffix('.py')}", fromlist=[name]
        )
        assert inspect.isfunction(getattr(module, name, None)), node


def token(user) -> str:
    return f"Token {AuthToken.objects.create(user=user)[1]}"


@pytest.fixture
def keep_connection():
    """Calls straight into the WSGI app stay inside the test's transaction, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(submitted, keep_connection):
    """A submitted dossier (its applicant and the agency's desk officer) and a draft of the same citizen."""
    procedure = Procedure.objects.get(code=BIRTH)
    draft = services.start_draft(
        procedure=procedure, applicant=submitted.applicant, agency=Agency.objects.get(code=HAC_THANH), case=None
    )
    services.attach_document(
        dossier=draft, required_document=draft.case.documents.first(), upload=SimpleUploadedFile("a.pdf", PDF_BYTES)
    )
    desk = User.objects.get(agency__code=HAC_THANH, role=Role.DESK)
    return {
        "anonymous": ({}, {}),
        "citizen": (
            {"Authorization": token(submitted.applicant)},
            {
                "code": submitted.code,
                "id": str(draft.public_id),
                "document": draft.documents.first().pk,
            },
        ),
        # Every action name is generated for the official too (an empty body for an action that needs arguments, an
        # action their role may not take), not only the one they would take next.
        "official": ({"Authorization": token(desk)}, {"code": submitted.code}),
    }


def fuzz(operation, headers: dict, known: dict, mode: GenerationMode, seen: dict) -> None:
    path_parameters = {name: value for name, value in known.items() if "{" + name + "}" in operation.path}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None)

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        response = case.call(headers=headers)
        seen.setdefault((operation.method.lower(), operation.path), set()).add(response.status_code)
        # no 5xx, and every answer as the schema documents it: its status, its type and its body (a client generated
        # from the schema can read it; errors in the one shape of portal.api_errors)
        case.validate_response(
            response,
            checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
        )

    try:
        run()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE, operation.label  # no input of this operation can be made invalid


@pytest.mark.parametrize("role", ["anonymous", "citizen", "official"])
def test_generated_requests_never_get_a_server_error(world, role):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    headers, known = world[role]
    seen: dict = {}
    operations = [result.ok() for result in schema.get_all_operations()]

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, headers, known, mode, seen)

    assert len(seen) == len(operations)  # every operation of the schema was called
    statuses = json.dumps({f"{m.upper()} {p}": sorted(s) for (m, p), s in sorted(seen.items())}, indent=1)
    assert all(code < 500 for codes in seen.values() for code in codes), statuses
