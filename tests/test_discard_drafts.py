"""A citizen deletes a draft they no longer want (a single dossier's, or a linked filing with every part): after a
question, with its files; never a submitted dossier, never someone else's."""

import pytest
from django.urls import reverse

from dossiers.models import Dossier, DossierDocument, LinkedFiling

from .factories import CitizenFactory
from .test_api_filing import token_for
from .test_filing import complete_birth_dossier, submit
from .test_linked import ready_filing

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen(client, catalogue):
    user = CitizenFactory()
    client.force_login(user)
    return user


def test_a_draft_is_deleted_with_its_files_after_a_question(client, citizen, django_capture_on_commit_callbacks):
    dossier = complete_birth_dossier(client)
    files = [document.file for document in dossier.documents.all()]
    url = reverse("dossiers:discard", kwargs={"public_id": dossier.public_id})
    assert url in client.get(reverse("dossiers:review", kwargs={"public_id": dossier.public_id}), **EN).content.decode()

    question = client.get(url, **EN).content.decode()
    assert "Nothing has been sent to the agency." in question and dossier.procedure.name in question
    assert Dossier.objects.filter(pk=dossier.pk).exists()  # asking deletes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True, **EN)

    assert response.redirect_chain[-1][0] == reverse("dossiers:mine")
    assert "The draft has been deleted." in response.content.decode()
    assert not Dossier.objects.filter(pk=dossier.pk).exists()
    assert files and not any(file.storage.exists(file.name) for file in files)


def test_a_submitted_dossier_or_someone_elses_draft_is_not_deleted(client, citizen):
    filed = complete_birth_dossier(client)
    assert submit(client, filed).status_code == 302
    draft = complete_birth_dossier(client)

    after_submission = client.post(reverse("dossiers:discard", kwargs={"public_id": filed.public_id}))
    client.force_login(CitizenFactory())
    stranger = client.post(reverse("dossiers:discard", kwargs={"public_id": draft.public_id}))

    assert after_submission.status_code == 302 and after_submission.url == filed.get_absolute_url()
    assert stranger.status_code == 404
    assert Dossier.objects.filter(pk__in=[filed.pk, draft.pk]).count() == 2


def test_a_linked_filing_is_deleted_with_every_part(client, citizen, django_capture_on_commit_callbacks):
    filing = ready_filing(citizen)
    parts = list(filing.parts.values_list("pk", flat=True))
    files = [document.file for document in DossierDocument.objects.filter(dossier__filing=filing)]
    base = f"/ho-so/lien-thong/{filing.public_id}/"
    assert base + "xoa-nhap/" in client.get(base + "kiem-tra/", **EN).content.decode()
    one_part = Dossier.objects.get(pk=parts[0])
    alone = client.post(reverse("dossiers:discard", kwargs={"public_id": one_part.public_id}))
    assert alone.url == base + "giay-to/" and Dossier.objects.filter(pk__in=parts).count() == 3  # only together

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(base + "xoa-nhap/")

    assert response.url == reverse("dossiers:mine")
    assert not LinkedFiling.objects.filter(pk=filing.pk).exists() and not Dossier.objects.filter(pk__in=parts).exists()
    assert files and not any(file.storage.exists(file.name) for file in files)


def test_drafts_are_deleted_through_the_api(client, citizen):
    auth = token_for(citizen)
    filed = complete_birth_dossier(client)
    assert submit(client, filed).status_code == 302
    draft = complete_birth_dossier(client)
    filing = ready_filing(citizen)

    assert client.delete(f"/api/v1/drafts/{filed.public_id}/", **auth).status_code == 404  # submitted: not a draft
    assert client.delete(f"/api/v1/drafts/{draft.public_id}/", **token_for(CitizenFactory())).status_code == 404
    assert client.delete(f"/api/v1/drafts/{draft.public_id}/", **auth).status_code == 204
    assert client.delete(f"/api/v1/linked-filings/{filing.public_id}/", **auth).status_code == 204

    assert not Dossier.objects.filter(pk=draft.pk).exists() and Dossier.objects.filter(pk=filed.pk).exists()
    assert not LinkedFiling.objects.filter(pk=filing.pk).exists()
