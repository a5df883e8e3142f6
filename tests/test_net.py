import pytest
from django.test import RequestFactory

from portal.net import UNKNOWN, client_ip


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no proxy trusted: a client cannot choose its address
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # the left part was typed by the client
        (2, "203.0.113.9, 198.51.100.7", "203.0.113.9"),
        (2, "", "10.0.0.2"),
    ],
)
def test_the_client_address_is_read_through_trusted_proxies_only(settings, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (1, "zzz", "10.0.0.2", UNKNOWN),  # the proxy was bypassed and the client wrote the header
        (1, "1.2.3.4, " + "9" * 300, "10.0.0.2", UNKNOWN),
        (1, "203.0.113.9:5123", "10.0.0.2", "203.0.113.9"),  # a proxy that writes the port
        (1, "[2001:DB8::1]:443", "10.0.0.2", "2001:db8::1"),
        (1, "2001:db8::1", "10.0.0.2", "2001:db8::1"),
        (0, "", "", UNKNOWN),  # a Unix socket: no peer address
        (0, "", "not-an-address", UNKNOWN),
    ],
)
def test_the_client_address_is_always_an_address(settings, proxies, forwarded, remote, expected):
    settings.PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


@pytest.mark.django_db
def test_a_client_that_writes_its_own_forwarded_address_is_answered_and_counted(client, settings):
    """Past the proxy (PROXY_COUNT=1 but no proxy appended), X-Forwarded-For is whatever the client typed."""
    settings.PROXY_COUNT = 1
    forged = {"HTTP_X_FORWARDED_FOR": "not-an-address"}

    verify = client.get("/xac-minh/?ho-so=36c6a180-8e8e-445e-ad9a-252b1a6bace5", **forged)
    sign_in = client.post("/tai-khoan/dang-nhap/", {"username": "congdan", "password": "wrong"}, **forged)

    assert verify.status_code == 404 and "<form" in verify.text
    assert sign_in.status_code == 200 and "password" in sign_in.text.lower()
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(ip_address=UNKNOWN, username="congdan").exists()
