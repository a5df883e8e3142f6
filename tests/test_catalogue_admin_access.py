"""The catalogue is the province's: an agency administrator keeps their own agency's contact details, and
nothing else of the catalogue, up to date; superusers change the rest."""

import pytest
from django.contrib.auth.models import Permission
from django.core.management.sql import emit_post_migrate_signal
from django.urls import reverse

from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.accounts.services import ROLE_PERMISSIONS, role_group_name
from procedures.models import Agency, Procedure

from .filing import HAC_THANH

pytestmark = pytest.mark.django_db

POLICE = "000.00.19.H56"  # Công an tỉnh: another agency


@pytest.fixture
def agency_admin(catalogue):
    return User.objects.get(agency__code=HAC_THANH, role=Role.AGENCY_ADMIN)


def change(agency: Agency) -> str:
    return reverse("admin:procedures_agency_change", args=[agency.pk])


def test_an_agency_administrator_changes_their_agencys_contact_details_and_nothing_else_of_it(client, agency_admin):
    own = Agency.objects.get(code=HAC_THANH)
    client.force_login(agency_admin)

    page = client.get(change(own))
    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == {"address", "phone", "email"}

    client.post(
        change(own),
        {"address": "01 Trần Phú, Phường Hạc Thành", "phone": "0237 385 1234", "email": "hacthanh@thanhhoa.gov.vn",
         "code": "000.99.99.H56", "receives_dossiers": "", "is_active": "", "_save": "1"},
    )  # fmt: skip

    own.refresh_from_db()
    assert (own.phone, own.email) == ("0237 385 1234", "hacthanh@thanhhoa.gov.vn")
    assert own.code == HAC_THANH and own.receives_dossiers and own.is_active


def test_an_agency_administrator_cannot_change_another_agency(client, agency_admin):
    police = Agency.objects.get(code=POLICE)
    before = (police.name, police.phone, police.is_active)
    client.force_login(agency_admin)

    page = client.get(change(police))  # shown, read-only: the catalogue is public anyway
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert page.context["adminform"].form.fields == {}

    posted = client.post(change(police), {"phone": "0237 000 0000", "is_active": "", "_save": "1"})

    assert posted.status_code == 403
    police.refresh_from_db()
    assert (police.name, police.phone, police.is_active) == before


def test_an_agency_administrator_views_procedures_but_cannot_change_or_add_them(client, agency_admin):
    procedure = Procedure.objects.filter(agencies__code=HAC_THANH).first()
    client.force_login(agency_admin)

    page = client.get(reverse("admin:procedures_procedure_change", args=[procedure.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    posted = client.post(reverse("admin:procedures_procedure_change", args=[procedure.pk]), {"name": "Đổi tên"})
    assert posted.status_code == 403
    assert client.get(reverse("admin:procedures_procedure_add")).status_code == 403
    assert client.get(reverse("admin:procedures_agency_add")).status_code == 403
    procedure.refresh_from_db()
    assert procedure.name != "Đổi tên"


def test_a_superuser_still_changes_any_agency(client, catalogue):
    police = Agency.objects.get(code=POLICE)
    client.force_login(User.objects.get(username="admin"))

    page = client.get(change(police))

    assert page.status_code == 200 and {"code", "name", "receives_dossiers", "phone"} <= set(
        page.context["adminform"].form.fields
    )


def test_role_groups_follow_the_code_at_every_migrate(catalogue):
    """A deployment whose group still holds an earlier release's permissions gets exactly today's at ``migrate``."""
    group = User.objects.get(agency__code=HAC_THANH, role=Role.AGENCY_ADMIN).groups.get()
    assert group.name == role_group_name(Role.AGENCY_ADMIN)
    group.permissions.add(Permission.objects.get(codename="change_procedure", content_type__app_label="procedures"))

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
    assert held == set(ROLE_PERMISSIONS[Role.AGENCY_ADMIN])
