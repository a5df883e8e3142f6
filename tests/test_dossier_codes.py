"""Dossier codes: their format (past 9,999 a day too) and, on PostgreSQL, concurrency: none is reused."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from captcha.models import CaptchaStore
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone, translation

from dossiers import services
from dossiers.codes import DossierCodeUnavailable, is_dossier_code, next_dossier_code, normalise_code
from dossiers.constants import Status
from dossiers.models import Dossier, DossierCodeCounter
from portal.accounts.constants import Role
from portal.accounts.models import User
from procedures.eforms import EForm
from procedures.models import Agency, Procedure

from .conftest import restore_session_data
from .factories import AgencyFactory, CitizenFactory
from .filing import BIRTH, HAC_THANH, PDF_BYTES, birth_declaration


@pytest.fixture(autouse=True)
def in_english():
    """The messages checked here are the English source texts (the suite's default language is Vietnamese)."""
    with translation.override("en"):
        yield


def in_threads(function, count: int, workers: int = 10) -> list:
    """Run ``function`` ``count`` times on ``workers`` threads, each with its own database connection."""
    barrier = threading.Barrier(workers)

    def run(_):
        try:
            if threading.current_thread().name not in started:
                started.add(threading.current_thread().name)
                barrier.wait(timeout=10)  # start together, to make the race real
            return function()
        finally:
            connection.close()

    started: set[str] = set()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, range(count)))


def test_the_code_has_the_agency_the_date_and_a_4_digit_sequence(db):
    agency = AgencyFactory(code="000.00.12.H56")

    first = next_dossier_code(agency=agency, day=date(2026, 11, 22))
    second = next_dossier_code(agency=agency, day=date(2026, 11, 22))
    next_day = next_dossier_code(agency=agency, day=date(2026, 11, 23))

    assert (first, second, next_day) == (
        "000.00.12.H56-261122-0001",
        "000.00.12.H56-261122-0002",
        "000.00.12.H56-261123-0001",
    )


@pytest.mark.django_db(transaction=True)
def test_50_concurrent_codes_are_all_distinct():
    agency = AgencyFactory(code="000.00.77.T56")
    day = date(2026, 11, 22)

    codes = in_threads(lambda: next_dossier_code(agency=agency, day=day), count=50)

    assert len(set(codes)) == 50
    assert sorted(codes) == [f"000.00.77.T56-261122-{n:04d}" for n in range(1, 51)]
    assert DossierCodeCounter.objects.get(agency=agency, day=day).last == 50


def _ready_draft(owner, procedure, agency) -> Dossier:
    dossier = services.start_draft(procedure=procedure, applicant=owner, agency=agency, case=procedure.cases.get())
    form = EForm(birth_declaration(), spec=procedure.eform)
    assert form.is_valid(), form.errors
    services.save_declaration(dossier=dossier, data=form.to_json())
    for slot in dossier.case.documents.filter(is_required=True):
        services.attach_document(dossier=dossier, required_document=slot, upload=SimpleUploadedFile("a.pdf", PDF_BYTES))
    return dossier


@pytest.mark.django_db(transaction=True)
def test_50_citizens_submitting_at_once_get_50_codes():
    restore_session_data()
    procedure = Procedure.objects.get(code=BIRTH)
    agency = Agency.objects.get(code=HAC_THANH)
    drafts = [_ready_draft(CitizenFactory(), procedure, agency) for _ in range(50)]
    queue = iter(drafts)
    lock = threading.Lock()

    def submit_next():
        with lock:
            dossier = next(queue)
        return services.submit_dossier(dossier=dossier, by=dossier.applicant)[0].code

    codes = in_threads(submit_next, count=50)

    assert len(set(codes)) == 50
    assert Dossier.objects.filter(status=Status.SUBMITTED).count() == 50


@pytest.mark.django_db(transaction=True)
def test_the_same_draft_submitted_twice_at_once_is_submitted_once():
    restore_session_data()
    procedure = Procedure.objects.get(code=BIRTH)
    dossier = _ready_draft(CitizenFactory(), procedure, Agency.objects.get(code=HAC_THANH))

    results = in_threads(lambda: services.submit_dossier(dossier=dossier, by=dossier.applicant), count=2, workers=2)

    assert sorted(submitted for _, submitted in results) == [False, True]
    assert len({d.code for d, _ in results}) == 1
    assert DossierCodeCounter.objects.get().last == 1
    assert Dossier.objects.get(pk=dossier.pk).events.count() == 1


# --- Past 9,999 dossiers in a day ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "is_a_code"),
    [
        ("000.20.30.H56-261122-0001", True),
        ("000.20.30.H56-261122-9999", True),
        ("000.20.30.H56-261122-10000", True),
        ("000.20.30.H56-261122-123456", True),
        ("000.20.30.H56-261122-00001", False),  # 1 is issued as 0001, never padded to five digits
        ("000.20.30.H56-261122-01000", False),
        ("000.20.30.H56-261122-123", False),
        ("000.20.30.H56-2611220-0001", False),
        ("000.20.30.H5-261122-0001", False),
        ("000.20.30.H56-261122-0001X", False),
    ],
)
def test_the_code_pattern_takes_four_digits_or_more_from_10000(code, is_a_code):
    assert is_dossier_code(code) is is_a_code


def test_after_9999_the_sequence_widens_to_five_digits(db):
    agency = AgencyFactory(code="000.00.12.H56")
    day = date(2026, 11, 22)
    DossierCodeCounter.objects.create(agency=agency, day=day, last=9998)

    codes = [next_dossier_code(agency=agency, day=day) for _ in range(3)]

    assert codes == ["000.00.12.H56-261122-9999", "000.00.12.H56-261122-10000", "000.00.12.H56-261122-10001"]
    assert all(map(is_dossier_code, codes))


def test_no_code_is_issued_that_the_look_up_would_refuse(db):
    agency = AgencyFactory(code="UBND-XA-THU")  # saved without the model's validation: not in the national format

    with pytest.raises(DossierCodeUnavailable, match="not in the national format"):
        next_dossier_code(agency=agency, day=date(2026, 11, 22))


def _look_up_page(client, code: str):
    html = client.get("/tra-cuu/").content.decode()
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', html).group(1)
    answer = CaptchaStore.objects.get(hashkey=key).response
    return client.post("/tra-cuu/", {"code": code, "captcha_0": key, "captcha_1": answer}, HTTP_ACCEPT_LANGUAGE="en")


def _look_up_api(client, code: str):
    key = CaptchaStore.pick()
    answer = CaptchaStore.objects.get(hashkey=key).response
    return client.post("/api/v1/lookup/", {"code": code, "captcha_key": key, "captcha_value": answer})


def test_the_9999th_and_10000th_dossiers_of_a_day_are_found_everywhere(client, catalogue):
    cache.clear()  # the look-ups' rate limits count in the shared cache
    procedure = Procedure.objects.get(code=BIRTH)
    agency = Agency.objects.get(code=HAC_THANH)
    today = timezone.localdate()
    DossierCodeCounter.objects.update_or_create(agency=agency, day=today, defaults={"last": 9998})

    dossiers = []
    for _ in range(2):
        draft = _ready_draft(CitizenFactory(), procedure, agency)
        dossiers.append(services.submit_dossier(dossier=draft, by=draft.applicant)[0])

    assert [d.code for d in dossiers] == [f"{HAC_THANH}-{today:%y%m%d}-9999", f"{HAC_THANH}-{today:%y%m%d}-10000"]
    desk = User.objects.get(agency=agency, role=Role.DESK)
    for dossier, other in zip(dossiers, reversed(dossiers), strict=True):
        typed = " " + dossier.code.lower() + " "  # as read off the receipt
        assert normalise_code(typed) == dossier.code

        page = _look_up_page(client, typed)
        assert page.status_code == 200, page.content.decode()
        assert procedure.name in page.content.decode()

        found = _look_up_api(client, typed)
        assert found.status_code == 200, found.content.decode()
        assert found.json()["code"] == dossier.code

        client.force_login(desk)
        listed = client.get("/quan-tri/dossiers/dossier/", {"q": typed}).content.decode()
        assert dossier.code in listed and other.code not in listed
        assert client.get(f"/api/v1/dossiers/{dossier.code}/").json()["code"] == dossier.code
        client.logout()
    cache.clear()
