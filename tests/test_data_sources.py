"""Documents replaced by data: not asked of the citizen, fetched at intake through a data source, recorded; what
cannot be fetched is asked as a supplement."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers import data_sources, intake_data, services
from dossiers.constants import Status
from dossiers.models import DataFetch, FetchResult
from portal.accounts.models import User
from procedures.eforms import EForm
from procedures.kinds import PaperKind, kind_of_document
from procedures.models import Agency, Procedure

from .factories import CitizenFactory, official
from .filing import BIRTH, HAC_THANH, PDF_BYTES, birth_declaration

pytestmark = pytest.mark.django_db

KNOWN = "001090000001"  # in the local adapter's demo data
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


class FixedSource(data_sources.DataSource):
    """A source plugged in by configuration, as a province plugs in the real population database."""

    key = "residence"
    label = "Fixed"

    def fetch(self, *, id_number, dossier):
        return {"Nơi thường trú": f"Địa chỉ của {id_number}"}


@pytest.fixture
def residence_slot(catalogue):
    slot = next(
        d
        for d in Procedure.objects.get(code=BIRTH).cases.get().documents.all()
        if kind_of_document(d) == PaperKind.RESIDENCE_PROOF
    )
    slot.replaced_by_data = "residence"
    slot.is_required = True
    slot.save()
    return slot


def file_birth(citizen):
    procedure = Procedure.objects.get(code=BIRTH)
    dossier = services.start_draft(
        procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    form = EForm(birth_declaration(), spec=procedure.eform)
    assert form.is_valid()
    services.save_declaration(dossier=dossier, data=form.to_json())
    for slot in dossier.case.documents.filter(is_required=True):
        if slot.asks_for_scan(procedure):
            services.attach_document(
                dossier=dossier, required_document=slot, upload=SimpleUploadedFile("a.pdf", PDF_BYTES)
            )
    dossier, _ = services.submit_dossier(dossier=dossier, by=citizen)
    return dossier


def desk():
    return User.objects.get(username="tiepnhan")


def test_a_document_replaced_by_data_is_not_asked_online(client, residence_slot):
    citizen = CitizenFactory(id_number=KNOWN)
    assert not residence_slot.asks_for_scan(residence_slot.case.procedure)
    dossier = file_birth(citizen)  # submits although the (required) residence paper was never uploaded
    assert dossier.status == Status.SUBMITTED
    assert not dossier.documents.filter(required_document=residence_slot).exists()
    draft = services.start_draft(
        procedure=residence_slot.case.procedure,
        applicant=citizen,
        agency=Agency.objects.get(code=HAC_THANH),
        case=residence_slot.case,
    )
    client.force_login(citizen)
    page = client.get(reverse("dossiers:documents", kwargs={"public_id": draft.public_id}), **EN).content.decode()
    assert "obtains this information from the state" in page


def test_the_desk_fetches_the_data_and_the_fetch_is_recorded(client, residence_slot):
    dossier = file_birth(CitizenFactory(id_number=KNOWN))
    client.force_login(desk())
    page = client.get(reverse("admin:dossiers_dossier_change", args=[dossier.pk]), **EN).content.decode()
    assert "not fetched yet" in page and 'id="fetch-data"' in page
    response = client.post(reverse("admin:dossiers_dossier_fetch_data", args=[dossier.pk]))
    assert response.status_code == 302
    fetch = DataFetch.objects.get(dossier=dossier)
    assert (fetch.result, fetch.source, fetch.by) == (FetchResult.FOUND, "residence", desk())
    assert "Hàng Bạc" in fetch.data["Nơi thường trú"]
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    page = client.get(reverse("admin:dossiers_dossier_change", args=[dossier.pk]), **EN).content.decode()
    assert "Hàng Bạc" in page


@pytest.mark.parametrize(
    ("id_number", "down", "result"),
    [("038195012399", False, FetchResult.NOT_FOUND), (KNOWN, True, FetchResult.FAILED)],
)
def test_data_that_cannot_be_fetched_is_asked_as_a_supplement(settings, residence_slot, id_number, down, result):
    settings.DATA_SOURCES_DOWN = down
    dossier = file_birth(CitizenFactory(id_number=id_number))
    fetches = intake_data.fetch_at_intake(dossier=dossier, by=desk())
    assert [f.result for f in fetches] == [result]
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    assert residence_slot.name in dossier.supplement_request


def test_a_source_is_plugged_in_by_configuration(settings, residence_slot):
    settings.DATA_SOURCES = {"residence": "tests.test_data_sources.FixedSource"}
    dossier = file_birth(CitizenFactory(id_number="038195012399"))
    (fetch,) = intake_data.fetch_at_intake(dossier=dossier, by=desk())
    assert fetch.data == {"Nơi thường trú": "Địa chỉ của 038195012399"}


def test_an_unknown_source_is_a_failed_fetch(residence_slot):
    residence_slot.replaced_by_data = "no-such-source"
    residence_slot.save()
    dossier = file_birth(CitizenFactory(id_number=KNOWN))
    (fetch,) = intake_data.fetch_at_intake(dossier=dossier, by=desk())
    assert fetch.result == FetchResult.FAILED


def test_only_the_desk_of_the_dossier_fetches(client, residence_slot):
    dossier = file_birth(CitizenFactory(id_number=KNOWN))
    client.force_login(official(agency="000.21.30.H56"))
    response = client.post(reverse("admin:dossiers_dossier_fetch_data", args=[dossier.pk]))
    assert response.status_code == 404
    assert not DataFetch.objects.exists()
