"""Postal delivery (BCCI): tariff arithmetic, S10 tracking numbers from the agency's ranges (also under
concurrency), posting a result, status updates on the timeline with notifications, paper dossiers by post."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation

from dossiers.constants import Channel, Status
from notifications.models import Message
from portal.accounts.models import User
from postal import services
from postal.constants import ShipmentStatus, Zone
from postal.labels import label_for
from postal.models import Shipment, Tariff, TrackingRange
from procedures.models import Agency

from .factories import AgencyFactory
from .filing import HAC_THANH
from .payments_support import file_dossier, official, pay_at_counter, to_result_ready


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def give_range(agency, first=1000, last=1999, prefix="EB", *, only=True) -> TrackingRange:
    if only:
        TrackingRange.objects.filter(agency=agency).delete()  # e.g. the demo agency's own range
    return TrackingRange.objects.create(agency=agency, prefix=prefix, first=first, last=last, next=first)


# --- Tariff ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("province", "weight", "fee"),
    [
        (38, 1, 22000),  # Thanh Hóa, the portal's province: within the province
        (38, 100, 22000),  # the upper bound belongs to the class
        (38, 101, 25000),
        (38, 500, 30000),
        (38, 2000, 50000),
        (1, 100, 30000),  # Hà Nội: another province
        (1, 1500, 75000),
        ("79", 250, 35000),  # codes as strings, as forms post them
    ],
)
def test_the_postal_fee_is_the_smallest_weight_class_of_the_zone(db, province, weight, fee):
    assert services.postal_fee(province_code=province, weight=weight) == fee


def test_the_tariff_is_what_the_administrators_set(db, settings):
    Tariff.objects.filter(zone=Zone.LOCAL, max_weight=100).update(amount=24000)
    assert services.postal_fee(province_code=38, weight=80) == 24000
    settings.POSTAL_HOME_PROVINCE = 1  # a portal of Hà Nội
    assert services.zone_for(1) == Zone.LOCAL and services.zone_for(38) == Zone.NATIONAL


def test_a_weight_beyond_the_tariff_is_a_clear_error(db):
    with pytest.raises(services.NoTariff, match="no price for 2001 g"):
        services.postal_fee(province_code=38, weight=2001)
    with pytest.raises(services.PostalError):
        services.postal_fee(province_code=38, weight=0)


# --- Tracking numbers ----------------------------------------------------------------------------------------


def test_tracking_numbers_carry_the_upu_s10_check_digit():
    # RR473124829GB is the UPU's published S10 example: serial 47312482, check digit 9.
    assert services.check_digit(47312482) == 9
    assert services.tracking_number("EB", 47312482) == "EB473124829VN"
    assert services.check_digit(0) == 5  # 11 - 0 = 11 → 5
    assert services.is_valid_tracking_number("EB473124829VN")
    assert not services.is_valid_tracking_number("EB473124828VN")


def test_numbers_come_in_order_and_a_finished_range_is_a_clear_error(db):
    agency = AgencyFactory()
    give_range(agency, first=10, last=11)
    assert services.allocate_tracking_number(agency=agency) == services.tracking_number("EB", 10)
    assert services.allocate_tracking_number(agency=agency) == services.tracking_number("EB", 11)
    with pytest.raises(services.TrackingRangeExhausted, match="no tracking numbers left"):
        services.allocate_tracking_number(agency=agency)
    give_range(agency, first=500, last=600, prefix="RE", only=False)  # the post office allocates a new range
    assert services.allocate_tracking_number(agency=agency).startswith("RE00000500")


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_share_a_number_and_stop_at_the_end_of_the_range():
    agency = AgencyFactory(code="000.00.88.T56")
    give_range(agency, first=1, last=30)
    barrier = threading.Barrier(8)

    def allocate(_):
        try:
            barrier.wait(timeout=10) if threading.current_thread().name not in started else None
            started.add(threading.current_thread().name)
            return services.allocate_tracking_number(agency=agency)
        except services.TrackingRangeExhausted:
            return None
        finally:
            connection.close()

    started: set[str] = set()
    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(allocate, range(40)))

    given = [n for n in numbers if n]
    assert len(given) == 30 and len(set(given)) == 30 and numbers.count(None) == 10
    assert sorted(given) == sorted(services.tracking_number("EB", n) for n in range(1, 31))
    assert TrackingRange.objects.get(agency=agency).remaining == 0


# --- Tracking-number ranges never overlap ---------------------------------------------------------------------

RANGE_ADD = "/quan-tri/postal/trackingrange/add/"


@pytest.mark.parametrize(
    ("prefix", "first", "last", "refused"),
    [
        ("EB", 1500, 2500, True),  # the end of the range already given
        ("EB", 500, 1000, True),  # its first number only
        ("EB", 1999, 1999, True),  # its last number only
        ("EB", 1200, 1300, True),  # inside it
        ("EB", 1, 99_999, True),  # around it
        ("EB", 2000, 2999, False),  # right after it
        ("EB", 1, 999, False),  # right before it
        ("RE", 1000, 1999, False),  # the same serials under another service prefix
    ],
)
def test_a_range_overlapping_another_one_is_refused_whichever_agency_holds_it(db, prefix, first, last, refused):
    holder = AgencyFactory(name="UBND xã Đông Sơn")
    services.create_tracking_range(agency=holder, prefix="EB", first=1000, last=1999)
    other = AgencyFactory()

    if refused:
        with pytest.raises(services.TrackingRangeOverlaps) as refusal:
            services.create_tracking_range(agency=other, prefix=prefix, first=first, last=last)
        assert str(refusal.value) == (
            "These numbers overlap the range EB00001000–EB00001999 of UBND xã Đông Sơn: a tracking number is in "
            "one range only. Check the numbers the post office gave."
        )
        assert refusal.value.code == "tracking_range_overlaps"
        assert not TrackingRange.objects.filter(agency=other).exists()
    else:
        created = services.create_tracking_range(agency=other, prefix=prefix, first=first, last=last)
        assert (created.prefix, created.first, created.last, created.next) == (prefix, first, last, first)
    with pytest.raises(services.TrackingRangeOverlaps):  # the agency holding the range too
        services.create_tracking_range(agency=holder, prefix="EB", first=1990, last=1999)


def test_a_malformed_range_is_a_clear_error(db):
    agency = AgencyFactory()
    with pytest.raises(services.PostalError, match="The first serial cannot be greater than the last"):
        services.create_tracking_range(agency=agency, prefix="EB", first=20, last=10)
    with pytest.raises(services.PostalError, match="the last one can be at most 99999999"):
        services.create_tracking_range(agency=agency, prefix="EB", first=1, last=100_000_000)
    assert not TrackingRange.objects.filter(agency=agency).exists()


def test_postgresql_itself_refuses_an_overlapping_range(db, is_postgresql):
    if not is_postgresql:
        pytest.skip("the exclusion constraint is PostgreSQL's")
    give_range(AgencyFactory(), first=1000, last=1999)
    with pytest.raises(IntegrityError, match="tracking_range_no_overlap"), transaction.atomic():
        give_range(AgencyFactory(), first=1999, last=2999)  # straight to the table, past the service's check
    give_range(AgencyFactory(), first=2000, last=2999)


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_ranges_entered_at_the_same_moment_one_is_refused_cleanly(is_postgresql):
    """The other range is inserted and not yet committed when the service checks: only the database sees it."""
    if not is_postgresql:
        pytest.skip("the exclusion constraint is PostgreSQL's")
    first_agency, second_agency = AgencyFactory(name="UBND xã Thiệu Hóa"), AgencyFactory()
    inserted, release = threading.Event(), threading.Event()

    def other_official():
        try:
            with transaction.atomic():
                services.create_tracking_range(agency=first_agency, prefix="EB", first=5000, last=5999)
                inserted.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        other = pool.submit(other_official)
        assert inserted.wait(timeout=10)
        threading.Timer(1, release.set).start()  # the other commits while our insert waits on its row
        with pytest.raises(services.TrackingRangeOverlaps) as refusal:
            services.create_tracking_range(agency=second_agency, prefix="EB", first=5500, last=6500)
        other.result()

    assert "overlap the range EB00005000–EB00005999 of UBND xã Thiệu Hóa" in str(refusal.value)
    assert isinstance(refusal.value.__cause__, IntegrityError)  # the database's refusal, in words
    assert list(TrackingRange.objects.filter(prefix="EB", first__gte=5000).values_list("agency", "first")) == [
        (first_agency.pk, 5000)
    ]


def test_the_back_office_form_refuses_an_overlapping_range_in_words(client, catalogue):
    client.force_login(User.objects.get(username="admin"))
    holder = Agency.objects.get(code=HAC_THANH)
    give_range(holder, first=1000, last=1999)
    other = Agency.objects.exclude(pk=holder.pk).first()
    count = TrackingRange.objects.count()

    form = {"agency": other.pk, "prefix": "EB", "first": 1500, "last": 2500, "_save": "Save"}
    refused = client.post(RANGE_ADD, form, HTTP_ACCEPT_LANGUAGE="en")

    assert refused.status_code == 200
    assert (
        f"These numbers overlap the range EB00001000–EB00001999 of {holder.name}: a tracking number is in one range "
        "only." in refused.content.decode()
    )
    assert TrackingRange.objects.count() == count

    accepted = client.post(RANGE_ADD, {**form, "first": 2000}, HTTP_ACCEPT_LANGUAGE="en")

    assert accepted.status_code == 302
    created = TrackingRange.objects.get(agency=other, prefix="EB", first=2000)
    assert (created.last, created.next, created.remaining) == (2500, 2000, 501)


def test_the_back_office_form_explains_a_range_out_of_order(client, catalogue):
    client.force_login(User.objects.get(username="admin"))
    form = {"agency": Agency.objects.get(code=HAC_THANH).pk, "prefix": "EB", "first": 9, "last": 1, "_save": "Save"}

    response = client.post(RANGE_ADD, form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "The first serial cannot be greater than the last." in response.content.decode()


# --- Shipments ------------------------------------------------------------------------------------------------


def test_posting_the_result_returns_it_with_a_tracking_number_told_to_the_citizen(catalogue):
    give_range(Agency.objects.get(code=HAC_THANH))
    dossier = to_result_ready(pay_at_counter(file_dossier()))

    shipment = services.post_result(dossier=dossier, by=official("tiepnhan"), weight=120)

    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    assert shipment.tracking_number == services.tracking_number("EB", 1000)
    assert (shipment.fee, shipment.address) == (25000, dossier.delivery_address)
    returned = dossier.events.get(action="return_result")
    assert returned.public_note == shipment.tracking_number
    sms = Message.objects.get(event=returned, channel="sms")
    assert shipment.tracking_number in sms.body


def test_postal_statuses_go_on_the_timeline_and_are_notified_in_order(catalogue):
    give_range(Agency.objects.get(code=HAC_THANH))
    dossier = to_result_ready(pay_at_counter(file_dossier()))
    shipment = services.post_result(dossier=dossier, by=official("tiepnhan"))

    for status in (ShipmentStatus.HANDED_OVER, ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED):
        services.record_status(shipment=shipment, status=status, by=official("tiepnhan"))

    events = list(dossier.events.filter(action__startswith="post_").values_list("action", "from_status", "to_status"))
    assert events == [
        ("post_handed_over", Status.RETURNED, Status.RETURNED),
        ("post_in_transit", Status.RETURNED, Status.RETURNED),
        ("post_delivered", Status.RETURNED, Status.RETURNED),
    ]
    kinds = set(Message.objects.filter(dossier=dossier, channel="email").values_list("kind", flat=True))
    assert {"post_handed_over", "post_in_transit", "post_delivered"} <= kinds
    delivered = Message.objects.get(dossier=dossier, channel="email", kind="post_delivered")
    assert shipment.tracking_number in delivered.body
    with pytest.raises(services.PostalError, match="cannot become"):
        services.record_status(shipment=shipment, status=ShipmentStatus.IN_TRANSIT, by=official("tiepnhan"))
    assert list(shipment.updates.values_list("status", flat=True)) == [
        "created",
        "handed_over",
        "in_transit",
        "delivered",
    ]


def test_only_a_ready_result_asked_by_post_can_be_posted(catalogue):
    give_range(Agency.objects.get(code=HAC_THANH))
    with pytest.raises(services.PostalError, match="ready"):
        services.post_result(dossier=file_dossier(), by=official("tiepnhan"))
    with pytest.raises(services.PostalError, match="by post"):
        services.post_result(dossier=to_result_ready(file_dossier(place=None)), by=official("tiepnhan"))
    assert not Shipment.objects.exists()


def test_an_exhausted_range_leaves_the_result_ready(catalogue):
    give_range(Agency.objects.get(code=HAC_THANH), first=5, last=5)
    services.allocate_tracking_number(agency=Agency.objects.get(code=HAC_THANH))
    dossier = to_result_ready(pay_at_counter(file_dossier()))
    with pytest.raises(services.TrackingRangeExhausted):
        services.post_result(dossier=dossier, by=official("tiepnhan"))
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY


def test_a_paper_dossier_received_by_post_is_recorded_with_its_envelope_number(catalogue):
    dossier = file_dossier(place=None)
    dossier.channel = Channel.POST
    dossier.save(update_fields=["channel"])

    with pytest.raises(services.PostalError, match="not a valid"):
        services.receive_dossier_by_post(dossier=dossier, by=official("tiepnhan"), tracking_number="EB473124828VN")
    shipment = services.receive_dossier_by_post(
        dossier=dossier, by=official("tiepnhan"), tracking_number="eb 473124829 vn"
    )

    assert (shipment.tracking_number, shipment.direction, shipment.status) == ("EB473124829VN", "dossier", "delivered")
    assert dossier.events.filter(action="post_received", public_note="EB473124829VN").exists()


def test_the_label_pdf_and_the_citizens_page(client, catalogue):
    from pypdf import PdfReader

    give_range(Agency.objects.get(code=HAC_THANH))
    dossier = to_result_ready(pay_at_counter(file_dossier()))
    shipment = services.post_result(dossier=dossier, by=official("tiepnhan"))

    label = label_for(shipment.pk)
    with label.label.open("rb") as fh:
        text = PdfReader(fh).pages[0].extract_text()
    assert shipment.tracking_number in text and "12 Lê Lợi" in text

    client.force_login(dossier.applicant)
    page = client.get(dossier.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert shipment.tracking_number in page and 'id="dossier-shipments"' in page

    client.force_login(official("tiepnhan"))
    response = client.get(reverse("admin:postal_shipment_label", args=[shipment.pk]))
    assert response.status_code == 200
