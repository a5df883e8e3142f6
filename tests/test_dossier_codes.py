"""Dossier codes under concurrency, on PostgreSQL: every submission gets its own number, none is reused."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from dossiers import services
from dossiers.codes import next_dossier_code
from dossiers.constants import Status
from dossiers.models import Dossier, DossierCodeCounter
from procedures.eforms import EForm
from procedures.models import Agency, Procedure

from .conftest import load_demo_catalogue
from .factories import AgencyFactory, CitizenFactory
from .filing import BIRTH, HAC_THANH, PDF_BYTES, birth_declaration


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
    load_demo_catalogue(templates_for=())
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
    load_demo_catalogue(templates_for=())
    procedure = Procedure.objects.get(code=BIRTH)
    dossier = _ready_draft(CitizenFactory(), procedure, Agency.objects.get(code=HAC_THANH))

    results = in_threads(lambda: services.submit_dossier(dossier=dossier, by=dossier.applicant), count=2, workers=2)

    assert sorted(submitted for _, submitted in results) == [False, True]
    assert len({d.code for d, _ in results}) == 1
    assert DossierCodeCounter.objects.get().last == 1
    assert Dossier.objects.get(pk=dossier.pk).events.count() == 1
