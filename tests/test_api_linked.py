"""Linked procedures filed once through the API: the same steps, rules and codes as the web's pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.constants import DeliveryMethod, Status
from dossiers.models import Dossier, LinkedFiling
from procedures.kinds import PaperKind, kind_of_document
from procedures.models import ProcedureGroup, RequiredDocument

from .factories import CitizenFactory
from .filing import pdf_bytes
from .test_api_filing import token_for
from .test_linked import BIRTH_GROUP, _cases, _centre, group_declaration

pytestmark = pytest.mark.django_db

BIRTH, RESIDENCE, INSURANCE = "1.001193", "1.004222", "1.014137"
JSON = {"content_type": "application/json"}


def answers(flat: dict) -> dict:
    """The group's declaration as an API client sends it: each address as one object."""
    prefixes = {key.rsplit("_", 1)[0] for key in flat if key.endswith("_province")}
    result = {key: value for key, value in flat.items() if not key.startswith(tuple(prefixes))}
    for prefix in prefixes:
        result[prefix] = {part: flat[f"{prefix}_{part}"] for part in ("province", "ward", "street")}
    return result


@pytest.fixture
def citizen(catalogue):
    return CitizenFactory()


def start(client, auth) -> dict:
    group = ProcedureGroup.objects.get(code=BIRTH_GROUP)
    cases = {case.procedure.code: case.pk for case in _cases(group).values()}
    response = client.post(
        "/api/v1/linked-filings/",
        {"group": BIRTH_GROUP, "received_by": _centre().code, "cases": cases},
        **JSON,
        **auth,
    )
    assert response.status_code == 201, response.content
    return response.json()


def part_of(body: dict, procedure: str) -> dict:
    return next(part for part in body["parts"] if part["procedure_code"] == procedure)


def upload(client, auth, base: str, slot: int, content: bytes):
    return client.post(
        base + "documents/", {"required_document": slot, "file": SimpleUploadedFile("a.pdf", content)}, **auth
    )


def test_a_citizen_files_the_group_through_the_api(client, citizen):
    auth = token_for(citizen)
    filing = start(client, auth)
    base = f"/api/v1/linked-filings/{filing['id']}/"
    assert len(filing["parts"]) == 3 and filing["missing"] and filing["declaration_spec"]

    declared = client.put(base + "declaration/", {"answers": answers(group_declaration())}, **JSON, **auth)
    assert declared.status_code == 200, declared.content

    # The proof of residence given with the birth registration is copied to the residence, which requires it.
    birth = part_of(declared.json(), BIRTH)
    proof = next(
        slot["id"]
        for slot in birth["required_documents"]
        if kind_of_document(RequiredDocument.objects.get(pk=slot["id"])) == PaperKind.RESIDENCE_PROOF
    )
    assert upload(client, auth, base, proof, pdf_bytes(note="cư trú")).status_code == 201
    body = client.get(base, **auth).json()
    assert len(part_of(body, RESIDENCE)["documents"]) == 1
    for part in body["parts"]:
        have = {document["required_document"] for document in part["documents"]}
        for slot in part["required_documents"]:
            if slot["is_required"] and not slot["eform_replaces"] and slot["id"] not in have:
                assert upload(client, auth, base, slot["id"], pdf_bytes(note=str(slot["id"]))).status_code == 201

    methods = {part_of(body, BIRTH)["id"]: "online", part_of(body, INSURANCE)["id"]: "post"}
    post = {"methods": methods, "address": {"province": "38", "ward": "Hạc Thành", "street": "5 Trần Phú"}}
    chosen = client.put(base + "delivery/", {**post, "phone": "0912345678"}, **JSON, **auth)
    assert chosen.status_code == 200, chosen.content
    assert chosen.json()["missing"] == []
    assert part_of(chosen.json(), INSURANCE)["delivery_method"] == DeliveryMethod.POST

    submitted = client.post(base + "submit/", {"confirm": True}, **JSON, **auth)

    assert submitted.status_code == 201, submitted.content
    body = submitted.json()
    assert body["code"].startswith(_centre().code) and all(part["code"] for part in body["parts"])
    assert {part["status"] for part in body["parts"]} == {str(Status.SUBMITTED.label)}
    again = client.post(base + "submit/", {"confirm": True}, **JSON, **auth)
    assert again.status_code == 200 and again.json()["code"] == body["code"]
    listed = client.get("/api/v1/linked-filings/", **auth).json()["results"]
    assert [row["code"] for row in listed] == [body["code"]]
    changed_after = client.put(base + "declaration/", {"answers": answers(group_declaration())}, **JSON, **auth)
    assert changed_after.status_code == 404  # a submitted filing is no longer a draft


def test_what_the_api_refuses_it_names(client, citizen):
    auth = token_for(citizen)
    unknown = client.post("/api/v1/linked-filings/", {"group": "x", "received_by": "y"}, **JSON, **auth)
    assert unknown.status_code == 400 and set(unknown.json()["fields"]) == {"group", "received_by"}

    filing = start(client, auth)
    base = f"/api/v1/linked-filings/{filing['id']}/"
    insurance = part_of(filing, INSURANCE)
    no_address = client.put(base + "delivery/", {"methods": {insurance["id"]: "post"}}, **JSON, **auth)
    assert no_address.status_code == 400 and "address" in no_address.json()["fields"]
    not_offered = client.put(base + "delivery/", {"methods": {insurance["id"]: "pigeon"}}, **JSON, **auth)
    assert not_offered.status_code == 400
    assert not Dossier.objects.filter(filing__public_id=filing["id"]).exclude(delivery_method="office").exists()

    elsewhere = RequiredDocument.objects.exclude(case__procedure__code__in=[BIRTH, RESIDENCE, INSURANCE]).first()
    assert upload(client, auth, base, elsewhere.pk, pdf_bytes()).status_code == 400
    incomplete = client.post(base + "submit/", {"confirm": True}, **JSON, **auth)
    assert incomplete.status_code == 409 and LinkedFiling.objects.get(public_id=filing["id"]).code is None

    stranger = token_for(CitizenFactory())
    assert client.get(base, **stranger).status_code == 404
    assert client.post(base + "submit/", {"confirm": True}, **JSON, **stranger).status_code == 404
    assert client.get("/api/v1/linked-filings/", **stranger).json()["results"] == []


def test_a_scan_removed_through_the_api_takes_its_copies(client, citizen):
    auth = token_for(citizen)
    filing = start(client, auth)
    base = f"/api/v1/linked-filings/{filing['id']}/"
    birth = part_of(filing, BIRTH)
    proof = next(
        slot["id"]
        for slot in birth["required_documents"]
        if kind_of_document(RequiredDocument.objects.get(pk=slot["id"])) == PaperKind.RESIDENCE_PROOF
    )
    given = upload(client, auth, base, proof, pdf_bytes(note="x")).json()
    assert len(part_of(client.get(base, **auth).json(), RESIDENCE)["documents"]) == 1

    removed = client.delete(f"{base}documents/{given['id']}/", **auth)

    assert removed.status_code == 204
    body = client.get(base, **auth).json()
    assert all(part["documents"] == [] for part in body["parts"])
    assert client.delete(f"{base}documents/{given['id']}/", **auth).status_code == 404
