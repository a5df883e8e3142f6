import pytest
from django.test import RequestFactory

from portal.net import client_ip


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
