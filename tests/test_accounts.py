import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal import demo
from portal.accounts.constants import Role, UserKind
from portal.accounts.models import User
from portal.accounts.services import ROLE_PERMISSIONS, create_citizen, create_official, sync_role_groups
from portal.accounts.validators import normalize_vn_phone
from procedures.models import Agency

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0912 345 678", "+84912345678"), ("+84 912345678", "+84912345678"), ("84-98-765-4321", "+84987654321")],
)
def test_vietnamese_mobile_numbers_are_stored_in_international_format(raw, expected):
    assert normalize_vn_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "024 3825 1234", "+1 202 555 0123", "abc"])
def test_landlines_foreign_and_garbage_numbers_are_refused_with_a_translated_message(raw, settings):
    settings.LANGUAGE_CODE = "vi"
    with pytest.raises(ValidationError) as error:
        normalize_vn_phone(raw)
    assert "số điện thoại di động" in str(error.value).lower()


def test_a_citizen_is_created_with_normalised_phone_and_checked_id_number():
    citizen = create_citizen(
        username="nguyenvanan",
        full_name="Nguyễn Văn An",
        email="an@example.vn",
        phone="0912345678",
        id_number="038190004321",
        password="MatKhau@2026",
    )

    assert citizen.kind == UserKind.CITIZEN and citizen.phone == "+84912345678"
    assert citizen.check_password("MatKhau@2026") and not citizen.is_staff
    assert citizen.get_short_name() == "An"
    with pytest.raises(ValidationError):
        create_citizen(
            username="sai",
            full_name="Sai Số",
            email="",
            phone="0912345679",
            id_number="12345",
            password="MatKhau@2026",
        )


def test_an_official_belongs_to_an_agency_with_a_role_and_its_permissions():
    agency = Agency.objects.create(code="000.00.99.T56", name="UBND xã Thử", level=3)

    official = create_official(
        username="canbo",
        full_name="Trần Thị Bình",
        email="binh@example.gov.vn",
        agency=agency,
        role=Role.DESK,
        password="MatKhau@2026",
        phone="0987654321",
    )

    assert official.is_staff and official.agency == agency and official.role == Role.DESK
    assert official.groups.count() == 1
    assert granted(official.groups.get()) == set(ROLE_PERMISSIONS[Role.DESK])
    assert official.has_perm("procedures.view_procedure") and not official.has_perm("procedures.change_procedure")


def granted(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_syncing_the_role_groups_gives_each_exactly_its_roles_permissions():
    """A permission added to a role's group by hand is taken away again, and a missing one is given back."""
    desk = sync_role_groups()[Role.DESK]
    desk.permissions.remove(Permission.objects.get(codename="view_procedure"))
    desk.permissions.add(Permission.objects.get(codename="delete_procedure"))

    groups = sync_role_groups()

    assert groups[Role.DESK].pk == desk.pk
    for role, group in groups.items():
        assert granted(group) == set(ROLE_PERMISSIONS[role])
    assert "procedures.change_procedure" not in granted(groups[Role.AGENCY_ADMIN])


def test_the_database_refuses_a_citizen_with_an_agency():
    agency = Agency.objects.create(code="000.00.98.T56", name="UBND xã Thử", level=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x", full_name="X", kind=UserKind.CITIZEN, agency=agency)


def test_emails_are_unique_when_given():
    User.objects.create(username="a", full_name="A", email="same@example.vn")
    User.objects.create(username="b", full_name="B", email="")
    User.objects.create(username="c", full_name="C", email="")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="d", full_name="D", email="same@example.vn")


def test_demo_accounts_can_log_in_to_the_back_office(client, catalogue):
    demo.create_demo_accounts()

    response = client.post(
        "/quan-tri/login/?next=/quan-tri/", {"username": "tiepnhan", "password": demo.DEMO_PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert response.context["user"].username == "tiepnhan"
    assert response.redirect_chain[-1][0] == "/quan-tri/"


def test_the_users_list_finds_people_by_name_with_or_without_diacritics(client):
    admin_user = User.objects.create_superuser("root", "root@example.vn", "x", full_name="Quản trị")
    nguyen = create_citizen(
        username="duc",
        full_name="Nguyễn Văn Đức",
        email="duc@example.vn",
        phone="0912345670",
        id_number="",
        password="x",
    )
    create_citizen(
        username="hoa", full_name="Lê Thị Hoa", email="hoa@example.vn", phone="0912345671", id_number="", password="x"
    )
    client.force_login(admin_user)

    def found(term: str) -> list:
        response = client.get("/quan-tri/accounts/user/", {"q": term})
        return list(response.context["cl"].result_list)

    assert found("nguyen van duc") == [nguyen]
    assert found("NGUYỄN VĂN ĐỨC") == [nguyen]
    assert found("van duc") == [nguyen]
    assert found("duc@example.vn") == [nguyen]  # the other columns are still searched


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_search_key_of_existing_people():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    User.objects.create(username="old", full_name="Trần Thị Bích")
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0007_citizen_identity")])
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_user SET full_name = %s WHERE username = 'old'", ["Phạm Đình Thắng"])
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert User.objects.get(username="old").name_key == "pham dinh thang"
