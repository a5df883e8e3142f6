"""The fake national portal (tests/peers/national_portal.py, started by scripts/test.d/national_portal.sh) as the
tests see it: its address from NATIONAL_PORTAL_FAKE_URL, and its control endpoints."""

import json
import os
import urllib.request

import pytest

FAKE_URL = os.environ.get("NATIONAL_PORTAL_FAKE_URL", "")


class FakePortal:
    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def _call(self, method: str, path: str, body=None):
        data = json.dumps(body or {}).encode() if method == "POST" else None
        headers = {"Content-Type": "application/json"}
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - the local fake
            return json.loads(response.read())

    def reset(self):
        return self._call("POST", "/_control/reset")

    def mode(self, **fields):
        return self._call("POST", "/_control/mode", fields)

    def expire_sessions(self):
        return self._call("POST", "/_control/expire")

    def serve_catalogue(self, procedures, fields=(), agencies=()):
        body = {"procedures": list(procedures), "fields": list(fields), "agencies": list(agencies)}
        return self._call("POST", "/_control/catalogue", body)

    def received(self, service: str | None = None) -> list[dict]:
        calls = self._call("GET", "/_control/received")
        return [call["body"] for call in calls if service is None or call["service"] == service]

    def state(self) -> dict:
        return self._call("GET", "/_control/state")


def connect(settings) -> FakePortal:
    """The fake national portal, reset, with the portal's settings pointing at it (sync on); skips when it is not
    running (a failure under the test command, tests/required_services.py)."""
    if not FAKE_URL:
        pytest.skip("the fake national portal is not running (NATIONAL_PORTAL_FAKE_URL; scripts/test.sh starts it)")
    from interconnection.client import DvcqgAdapter

    fake = FakePortal(FAKE_URL)
    fake.reset()
    DvcqgAdapter.forget_session()
    settings.NATIONAL_PORTAL_URL = FAKE_URL
    settings.NATIONAL_PORTAL_USERNAME = "thanhhoa"
    settings.NATIONAL_PORTAL_PASSWORD = "mat-khau-lien-thong"
    settings.NATIONAL_PORTAL_UNIT_CODE = "000.00.00.H56"
    settings.NATIONAL_PORTAL_ROUTING_CODE = "VPCP"
    settings.NATIONAL_PORTAL_READ_TIMEOUT = 1.0
    settings.NATIONAL_PORTAL_CONNECT_TIMEOUT = 1.0
    settings.NATIONAL_PORTAL_RETRY_DELAY = 0.01
    return fake
