from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

from dossiers import services
from portal import demo
from portal.accounts.backends import user_key
from procedures.calendar import seed_calendar
from procedures.eforms import EForm
from procedures.models import Agency, FormTemplate, Procedure

from .factories import CitizenFactory
from .filing import HAC_THANH, PDF_BYTES, birth_declaration
from .required_services import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401 - hooks

BIRTH_REGISTRATION = "1.001193"  # Thủ tục đăng ký khai sinh


BROWSER_TESTS = Path(__file__).parent / "e2e"


def pytest_collection_modifyitems(config, items):
    # Browser tests use a live server, whose transactional clean-up empties the tables: mark them, run them last.
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session", autouse=True)
def _files_kept_apart(tmp_path_factory):
    """Files the tests store go to a folder of their own when the storage is the local disk (a run outside the test
    command): the sweep tests delete what no row of the test database names, and the developer's files under
    ``var/media`` were among them. The test command's S3 bucket is its own already."""
    from django.conf import settings
    from django.test import override_settings

    default = settings.STORAGES["default"]
    if not default["BACKEND"].endswith("FileSystemStorage"):
        yield
        return
    folder = tmp_path_factory.mktemp("media")
    storages = {
        **settings.STORAGES,
        "default": {**default, "OPTIONS": {**default.get("OPTIONS", {}), "location": str(folder)}},
    }
    with override_settings(STORAGES=storages, MEDIA_ROOT=folder):
        yield


@pytest.fixture(autouse=True)
def _fresh_catalogue_filters():
    """The catalogue's filters and public pages live in the shared cache; a test's rolled-back rows must not linger."""
    from procedures.selectors import new_catalogue_version

    new_catalogue_version()


def load_demo_catalogue(*, templates_for: tuple[str, ...] = (BIRTH_REGISTRATION,)) -> None:
    """The demo province through the real importer, with stand-in PDFs for a few procedures only (speed)."""
    demo.load_agencies()
    seed_calendar([2025, 2026, 2027])
    report = demo.load_catalogue()
    assert report.ok, report.errors
    demo.create_demo_accounts()
    for template in FormTemplate.objects.filter(procedure__code__in=templates_for, file=""):
        from procedures.documents import attach_stand_in_template

        attach_stand_in_template(template=template)


# Transactional tests (live servers, threads) end with every table emptied. Those that need the demo again get back
# what the session loaded, the migrations' own rows included, copied from a snapshot taken once (PostgreSQL: a
# fraction of a second, where loading it again through the importer took about four seconds each time).
SNAPSHOT_SCHEMA = "session_snapshot"


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def snapshot_session_data() -> None:
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
        for table in _tables():
            cursor.execute(f"CREATE TABLE {SNAPSHOT_SCHEMA}.{quote(table)} AS TABLE {quote(table)}")


def restore_session_data() -> None:
    """The demo catalogue, accounts and calendar, and the migrations' rows (templates, tariff), as the session loaded
    them: for a test whose transactional clean-up emptied the tables before it."""
    if connection.vendor != "postgresql":
        from .payments_support import seed_tariff

        load_demo_catalogue()
        seed_tariff()
        return
    quote = connection.ops.quote_name
    tables = _tables()
    with transaction.atomic(), connection.cursor() as cursor:  # foreign keys are checked at commit
        cursor.execute("TRUNCATE " + ", ".join(quote(table) for table in tables))
        for table in tables:
            cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {SNAPSHOT_SCHEMA}.{quote(table)}")  # noqa: S608 - table names from Django
        for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
            cursor.execute(statement)
    # Rows written behind the models' backs: nothing kept from before may stand for them (the flush gave content
    # types new ids; the catalogue's and calendar's versions moved with the emptied tables)
    ContentType.objects.clear_cache()
    cache.clear()


# The accounts loaded once for the session (the demo's officials and citizens): the only users one test's rolled-back
# change could leave remembered for the next (``portal.accounts.backends``); later users get new primary keys.
SESSION_USERS: list[int] = []


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The demo catalogue, loaded once for the session; each test runs in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        load_demo_catalogue()
        SESSION_USERS[:] = get_user_model().objects.values_list("pk", flat=True)
        snapshot_session_data()


@pytest.fixture(autouse=True)
def _forget_remembered_users():
    """A signed-in user's row is remembered in the shared cache: what a rolled-back test did to one must not linger."""
    cache.delete_many([user_key(pk) for pk in SESSION_USERS])


@pytest.fixture
def catalogue(db):
    """The demo catalogue (45 real procedures of one province), as loaded for the session."""
    assert Procedure.objects.count() >= 40
    return Procedure.objects.all()


@pytest.fixture
def is_postgresql():
    return connection.vendor == "postgresql"


@pytest.fixture
def load_demo(transactional_db):
    """For live-server tests: their transactional clean-up empties the tables, so the session's data comes back."""
    if not Procedure.objects.exists():
        restore_session_data()
    return call_command


@pytest.fixture
def submitted(catalogue):
    """A birth registration filed online by a new citizen at UBND phường Hạc Thành, awaiting intake."""
    owner = CitizenFactory()
    procedure = Procedure.objects.get(code=BIRTH_REGISTRATION)
    dossier = services.start_draft(
        procedure=procedure, applicant=owner, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    form = EForm(birth_declaration(), spec=procedure.eform)
    assert form.is_valid(), form.errors
    services.save_declaration(dossier=dossier, data=form.to_json())
    for slot in dossier.case.documents.filter(is_required=True):
        services.attach_document(
            dossier=dossier, required_document=slot, upload=SimpleUploadedFile("scan.pdf", PDF_BYTES)
        )
    dossier, _ = services.submit_dossier(dossier=dossier, by=owner)
    return dossier
