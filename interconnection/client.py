"""The connection to the national portal, behind an adapter (``NATIONAL_PORTAL_ADAPTER``).

There is no public specification: the adapter speaks the shapes two public implementations send through the
province's data-sharing gateway (../shared/INTERCONNECTION.md). Every call is a JSON POST carrying the session, the
province's unit code and the operation; the session is cached (``NATIONAL_PORTAL_SESSION_SECONDS``) in the shared
cache and renewed when an answer says it is no longer valid. Connection errors, timeouts and 5xx answers raise
``TemporaryError`` (the outbox retries them); an answer with an error code raises ``PortalError`` carrying the
portal's code and message.
"""

import json
import logging
import threading
import time
from typing import Any

import urllib3
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

SESSION_KEY = "interconnection:session"
_local = {"session": "", "until": 0.0}  # this process's copy of the shared session (saves a cache read a call)


class InterconnectionError(Exception):
    """Something went wrong talking to the national portal; ``code`` and ``message`` are what it answered."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message


class TemporaryError(InterconnectionError):
    """The portal did not answer, answered late or with a server error: try again later."""


class PortalError(InterconnectionError):
    """The portal answered with an error code."""


class NotConfigured(InterconnectionError):
    pass


def is_configured() -> bool:
    return bool(settings.NATIONAL_PORTAL_URL)


def success(code: Any) -> bool:
    return str(code).strip() in ("0", "00")


class DvcqgAdapter:
    """The national portal through the province's adapter: session login, then one POST per operation."""

    # One pool per process: the connection is kept alive between calls (a worker sends many).
    _pool = urllib3.PoolManager(retries=False, maxsize=8)
    _lock = threading.Lock()

    def __init__(self):
        if not is_configured():
            raise NotConfigured(_("The connection to the national portal is not configured."))
        self.base = settings.NATIONAL_PORTAL_URL.rstrip("/")

    # --- transport ---------------------------------------------------------------------------------------------
    def _post(self, path: str, body: dict) -> dict:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if settings.NATIONAL_PORTAL_ROUTING_CODE:
            headers["dstcode"] = settings.NATIONAL_PORTAL_ROUTING_CODE
        try:
            response = self._pool.request(
                "POST",
                self.base + path,
                body=json.dumps(body, ensure_ascii=False).encode(),
                headers=headers,
                timeout=urllib3.Timeout(
                    connect=settings.NATIONAL_PORTAL_CONNECT_TIMEOUT, read=settings.NATIONAL_PORTAL_READ_TIMEOUT
                ),
                redirect=False,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:  # refused, reset, timed out
            raise TemporaryError(f"{type(exc).__name__}: {getattr(exc, 'reason', None) or exc}") from exc
        text = response.data[:500].decode(errors="replace")
        if response.status >= 500 or response.status in (408, 425, 429):
            raise TemporaryError(f"HTTP {response.status}: {text}", code=str(response.status))
        try:
            answer = json.loads(response.data)
        except ValueError:
            raise TemporaryError(f"HTTP {response.status}: {text}", code=str(response.status)) from None
        if not isinstance(answer, dict):
            raise TemporaryError(f"HTTP {response.status}: {text}", code=str(response.status))
        return answer

    # --- session -----------------------------------------------------------------------------------------------
    def login(self) -> str:
        answer = self._post(
            settings.NATIONAL_PORTAL_AUTH_PATH,
            {"username": settings.NATIONAL_PORTAL_USERNAME, "password": settings.NATIONAL_PORTAL_PASSWORD},
        )
        session = answer.get("session")
        if not success(answer.get("error_code")) or not session:
            raise TemporaryError(
                _("The national portal refused the login: %(message)s") % {"message": answer.get("message", "")},
                code=str(answer.get("error_code", "")),
            )
        cache.set(SESSION_KEY, session, settings.NATIONAL_PORTAL_SESSION_SECONDS)
        self._remember(session)
        return session

    @staticmethod
    def _remember(session: str) -> None:
        _local.update(session=session, until=time.monotonic() + min(settings.NATIONAL_PORTAL_SESSION_SECONDS, 60))

    @staticmethod
    def forget_session() -> None:
        _local.update(session="", until=0.0)
        cache.delete(SESSION_KEY)

    def session(self) -> str:
        if _local["session"] and _local["until"] > time.monotonic():
            return _local["session"]
        shared = cache.get(SESSION_KEY)
        if shared:
            self._remember(shared)
            return shared
        return self.login()

    def call(self, operation: str, *, path: str | None = None, **fields) -> dict:
        """One operation; renews the session once if the portal says it is no longer valid. Returns the answer
        (error code 0), else raises ``PortalError``."""
        path = path or settings.NATIONAL_PORTAL_INTEGRATION_PATH
        invalid = {str(code).strip() for code in settings.NATIONAL_PORTAL_INVALID_SESSION_CODES}
        for attempt in (1, 2):
            body = {"session": self.session(), "madonvi": settings.NATIONAL_PORTAL_UNIT_CODE, "service": operation}
            body.update(fields)
            answer = self._post(path, body)
            code = str(answer.get("error_code", "")).strip()
            if success(code):
                return answer
            if code in invalid and attempt == 1:
                logger.info("National portal session no longer valid (%s); logging in again", code)
                self.forget_session()
                continue
            raise PortalError(str(answer.get("message", "")) or code, code=code)
        raise AssertionError("unreachable")

    # --- operations --------------------------------------------------------------------------------------------
    def sync_dossier(self, item: dict, *, updating: bool) -> dict:
        return self.call("DongBoHoSoMC", isUpdating="True" if updating else "False", data=[item])

    def sync_progress(self, items: list[dict]) -> dict:
        return self.call("CapNhatTienDoHoSoMC", data=items)

    def knows(self, code: str) -> bool:
        answer = self.call("TraCuuHoSo", mahoso=code)
        return bool(answer.get("result"))

    def procedures(self) -> list[dict]:
        return list(self.call("LayDanhSachTTHC", path=settings.NATIONAL_PORTAL_SHARE_PATH).get("result") or [])

    def procedure(self, code: str) -> Any:
        result = self.call("LayThuTuc", maTTHC=code).get("result")
        return result[0] if isinstance(result, list) and len(result) == 1 else result

    def fields(self) -> list[dict]:
        return list(self.call("LayDanhMucLinhVuc", path=settings.NATIONAL_PORTAL_SHARE_PATH).get("result") or [])

    def agencies(self) -> list[dict]:
        return list(self.call("LayDanhMucCoQuan", path=settings.NATIONAL_PORTAL_SHARE_PATH).get("result") or [])


# Adapters by name (``NATIONAL_PORTAL_ADAPTER``): another gateway's shapes are another class here.
ADAPTERS = {"dvcqg": DvcqgAdapter}


def adapter():
    try:
        return ADAPTERS[settings.NATIONAL_PORTAL_ADAPTER]()
    except KeyError:
        raise NotConfigured(f"unknown NATIONAL_PORTAL_ADAPTER {settings.NATIONAL_PORTAL_ADAPTER!r}") from None
