"""Dossiers and their files are private: the applicant and officials of the receiving agency only; others get 404."""

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier
from portal.accounts.constants import Role
from procedures.models import Agency, Procedure

from . import factories
from .factories import CitizenFactory
from .filing import BIRTH, HAC_THANH

pytestmark = pytest.mark.django_db


def urls(dossier: Dossier) -> list[str]:
    kwargs = {"public_id": dossier.public_id}
    document = dossier.documents.first()
    return [
        reverse("dossiers:detail", kwargs=kwargs),
        reverse("dossiers:receipt", kwargs=kwargs),
        reverse("dossiers:document", kwargs={**kwargs, "pk": document.pk}),
    ]


def official(agency_code: str, username: str):
    return factories.official(Role.DESK, agency_code, name=username)


def test_the_applicant_gets_every_page_and_file(client, submitted):
    client.force_login(submitted.applicant)

    for url in urls(submitted):
        response = client.get(url)
        assert response.status_code == 200, url


def test_another_citizen_gets_404_for_every_page_and_file(client, submitted):
    client.force_login(CitizenFactory())

    for url in urls(submitted):
        assert client.get(url).status_code == 404, url


def test_another_citizen_cannot_touch_a_draft(client, catalogue):
    owner, other = CitizenFactory(), CitizenFactory()
    procedure = Procedure.objects.get(code=BIRTH)
    draft = services.start_draft(
        procedure=procedure, applicant=owner, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    client.force_login(other)

    for name in ("declaration", "documents", "delivery", "review"):
        url = reverse(f"dossiers:{name}", kwargs={"public_id": draft.public_id})
        assert client.get(url).status_code == 404, name
        assert client.post(url, {}).status_code == 404, name


def test_an_official_of_the_receiving_agency_gets_the_files(client, submitted):
    client.force_login(official(HAC_THANH, "canbo_hacthanh"))

    for url in urls(submitted):
        assert client.get(url).status_code == 200, url


def test_an_official_of_another_agency_gets_404(client, submitted):
    client.force_login(official("000.21.30.H56", "canbo_khac"))

    for url in urls(submitted):
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_sign_in(client, submitted):
    for url in urls(submitted):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_files_are_attachments_that_browsers_must_not_sniff(client, submitted):
    client.force_login(submitted.applicant)

    response = client.get(urls(submitted)[2])

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
