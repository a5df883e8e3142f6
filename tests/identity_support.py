"""The real identity provider (tests/peers/identity_provider, the npm package oidc-provider) for the tests.

The test command starts it and exports IDENTITY_PROVIDER_URL (scripts/test.d/identity_provider.sh). Run by hand,
the session fixture starts it itself when Node and its installed packages (var/identity-provider/) are there, and
skips otherwise (a failure under the test command).
"""

import copy
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SOURCE = BASE_DIR / "tests" / "peers" / "identity_provider"
PASSWORD = "matkhau"
CITIZEN = "001090000001"  # Nguyễn Văn An, level 2
OTHER_CITIZEN = "079185000002"  # Trần Thị Bình
LOW_LEVEL_CITIZEN = "048200000003"  # Lê Minh Châu, level 1
BAD_CCCD = "12345"


def secret(client_id: str) -> str:
    return f"{client_id}-secret-for-tests-only-0123456789abcdef"


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2)  # noqa: S310 - our own peer
    except OSError:
        return False
    return True


@pytest.fixture(scope="session")
def identity_provider_url():
    url = os.environ.get("IDENTITY_PROVIDER_URL", "")
    if url:
        if not _answers(url):
            pytest.fail(f"the identity provider at {url} does not answer")
        yield url
        return
    folder = Path(os.environ.get("IDENTITY_PROVIDER_CACHE", BASE_DIR / "var" / "identity-provider"))
    node = shutil.which("node")
    if node is None or not (folder / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("no identity provider: run scripts/test.sh, or install it (docs/identity.md)")
    shutil.copy(SOURCE / "provider.js", folder / "provider.js")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - our own peer
        [node, "provider.js"],
        cwd=folder,
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            if _answers(url):
                break
            time.sleep(0.1)
        else:
            pytest.fail("the identity provider did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def configure(settings, url: str, client_id: str = "portal") -> None:
    settings.OIDC_ISSUER = url
    settings.OIDC_DISCOVERY_URL = ""
    settings.OIDC_CLIENT_ID = client_id
    settings.OIDC_CLIENT_SECRET = secret(client_id)
    settings.OIDC_TIMEOUT = 5.0
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = ["'self'", url]
    settings.CONTENT_SECURITY_POLICY = policy


def sign_in_at_provider(authorize_url: str, cccd: str, *, password: str = PASSWORD, consent: bool = True) -> str:
    """Go through the provider's own pages like a browser (sign-in form, consent form) and return the address it
    sends the browser back to (the portal's callback, not followed)."""
    import requests

    session = requests.Session()
    url, method, data = authorize_url, "GET", None
    for _ in range(20):
        response = session.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            target = urljoin(url, response.headers["Location"])
            if urlsplit(target).netloc != urlsplit(authorize_url).netloc:
                return target
            url, method, data = target, "GET", None
            continue
        assert response.status_code == 200, response.text
        base = url.split("?")[0].rstrip("/")
        if 'name="cccd"' in response.text:
            url, method, data = f"{base}/login", "POST", {"cccd": cccd, "password": password}
        elif "/confirm" in response.text:
            url, method, data = f"{base}/{'confirm' if consent else 'abort'}", "POST", {}
        else:
            raise AssertionError(f"unexpected page from the provider: {response.text[:500]}")
    raise AssertionError("the provider never sent the browser back")
