"""Domain errors are mapped once: the API answers their status with {code, message, fields}; a page that lets one
through answers a translated page with the same status, never a 500."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation

from dossiers.services import DossierError
from dossiers.workflow import DossierChanged, InvalidTransition
from payments.services import PaymentError
from portal.errors import AccessDenied, DomainError, FileStoreUnavailable
from portal.middleware import DomainErrorMiddleware
from postal.services import PostalError
from tracking.services import RatingError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (DossierError, "not_allowed", 409),
        (InvalidTransition, "invalid_transition", 409),
        (DossierChanged, "dossier_changed", 409),
        (PaymentError, "payment_not_allowed", 409),
        (PostalError, "postal_not_allowed", 409),
        (RatingError, "rating_not_allowed", 409),
        (AccessDenied, "permission_denied", 403),
        (FileStoreUnavailable, "file_store_unavailable", 503),
    ],
)
def test_every_domain_error_has_one_root_a_stable_code_and_a_status(error, code, status):
    instance = error("x")

    assert isinstance(instance, DomainError)
    assert (instance.code, int(instance.status)) == (code, status)


def test_a_page_that_lets_a_domain_error_through_answers_a_translated_page_with_its_status(catalogue):
    def view(request):
        raise PaymentError("Khoản thanh toán này không còn chờ nộp.")

    middleware = DomainErrorMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/thanh-toan/")
    request.user = AnonymousUser()
    with translation.override("vi"):
        try:
            view(request)
        except DomainError as error:
            response = middleware.process_exception(request, error)

    html = response.content.decode()
    assert response.status_code == 409
    assert "Hiện không thể thực hiện thao tác này" in html
    assert "Khoản thanh toán này không còn chờ nộp." in html


def test_other_exceptions_are_left_to_django():
    middleware = DomainErrorMiddleware(lambda request: HttpResponse())

    assert middleware.process_exception(RequestFactory().get("/"), ValueError("bug")) is None
