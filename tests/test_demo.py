import pytest

from dossiers.constants import Status
from portal import demo

pytestmark = pytest.mark.django_db


def test_the_demo_gives_the_back_office_a_queue_once(catalogue):
    assert demo.create_demo_dossiers() == 4

    statuses = sorted(demo.User.objects.get(username="congdan").dossiers.values_list("status", flat=True))
    assert statuses == [Status.SUBMITTED, Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT_REQUESTED]
    assert demo.create_demo_dossiers() == 0
