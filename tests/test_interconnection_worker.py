"""The national sync through a real Celery worker and broker: enqueued after commit, sent by the worker, retried
while the (fake) national portal is down, nothing lost or sent twice."""

import pytest

from dossiers import processing
from dossiers.constants import Status
from interconnection.constants import SyncState
from interconnection.models import DossierSync, SyncChange

from .interconnection_support import FAKE_URL, connect
from .notifications_support import (
    CeleryWorker,
    RedisServer,
    celery_broker,
    database_url_for_subprocesses,
    dossier_in,
    make_citizen,
    make_office,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    with celery_broker(server.url):
        yield server
    server.stop()


@pytest.fixture(scope="module")
def worker(django_db_setup, broker, tmp_path_factory):
    if not FAKE_URL:
        pytest.skip("the fake national portal is not running (NATIONAL_PORTAL_FAKE_URL; scripts/test.sh starts it)")
    env = {
        "DATABASE_URL": database_url_for_subprocesses(),
        "REDIS_URL": broker.url,
        "CELERY_BROKER_URL": broker.url,
        "NATIONAL_PORTAL_URL": FAKE_URL,
        "NATIONAL_PORTAL_USERNAME": "thanhhoa",
        "NATIONAL_PORTAL_PASSWORD": "mat-khau-lien-thong",
        "NATIONAL_PORTAL_UNIT_CODE": "000.00.00.H56",
        "NATIONAL_PORTAL_RETRY_DELAY": "0.2",
        "NATIONAL_PORTAL_MAX_RETRY_DELAY": "2",
        "NATIONAL_PORTAL_MAX_ATTEMPTS": "30",
    }
    process = CeleryWorker(env, log_path=tmp_path_factory.mktemp("worker") / "celery.log").start()
    yield process
    process.stop()


@pytest.fixture
def portal(worker, settings):
    from interconnection.services import install_default_mapping

    install_default_mapping()  # a transactional test's flush removes what the data migration seeded
    fake = connect(settings)
    return fake, make_office()


def synced(dossier, status: int):
    def done():
        row = DossierSync.objects.filter(dossier=dossier).first()
        if row is None or row.state != SyncState.SYNCED:
            return None
        return row if not SyncChange.objects.filter(dossier=dossier, sent_at__isnull=True).exists() else None

    return wait_for(done, timeout=60, interval=0.1, message=f"{dossier.code} synchronised at status {status}")


def test_a_status_change_reaches_the_national_portal_through_the_worker(portal):
    fake, office = portal
    dossier = dossier_in(office, make_citizen(), Status.SUBMITTED)

    processing.accept(dossier=dossier, by=office.desk)

    synced(dossier, Status.ACCEPTED)
    headers = [h["data"][0] for h in fake.received("DongBoHoSoMC") if h["data"][0]["MaHoSo"] == dossier.code]
    assert headers[-1]["TrangThaiHoSo"] == "2"


def test_the_portal_down_for_a_while_loses_nothing_and_sends_nothing_twice(portal):
    fake, office = portal
    dossier = dossier_in(office, make_citizen(), Status.SUBMITTED)
    fake.mode(fail=503)

    processing.accept(dossier=dossier, by=office.desk)
    processing.assign(dossier=dossier, by=office.desk, handler=office.specialist)
    wait_for(
        lambda: DossierSync.objects.filter(dossier=dossier, attempts__gte=2, last_message__contains="503").exists(),
        timeout=30,
        message="attempts while the portal is down",
    )
    assert fake.received() == []
    fake.mode(fail=0)

    synced(dossier, Status.PROCESSING)
    headers = [h["data"][0]["TrangThaiHoSo"] for h in fake.received("DongBoHoSoMC")]
    assert headers[-1] == "4" and headers == sorted(headers, key=int)  # never back to an older state
    progress = [
        (p["TrangThai"], p["ThoiDiemXuLy"]) for call in fake.received("CapNhatTienDoHoSoMC") for p in call["data"]
    ]
    assert [status for status, _at in progress] == ["2", "4"]  # each timeline entry once, in order
