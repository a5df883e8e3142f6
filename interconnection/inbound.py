"""Dossiers filed on the national portal, received here (Decision 1565/QĐ-TTg: provincial systems receive and
process what citizens file there).

The body is the portal's JSON: ``MaHoSo`` (its code, kept as the reference and the idempotence key), ``MaTTHC``,
the applicant (``ChuHoSo``, ``SoGiayToChuHoSo``: the 12-digit citizen ID, ``DiaChi``, ``MaTinh``, ``MaXa``,
``SoDienThoai``, ``Email``), optionally ``MaCoQuan`` (the competent agency chosen there) and ``MaTruongHop`` (the
case), and ``TaiLieuNop[{TenTepDinhKem, MaThanhPhanHoSo, Base64}]``. The dossier is made through the filing
services (``dossiers.services``: draft, documents, submission with its code and receipt), with the channel
"national portal", for the competent agency (``procedures.routing``). The answer uses the portal's codes: 0 created,
1 already received (the same ``MaHoSo`` again makes no second dossier), -1 error (nothing is created).
"""

import base64
import binascii
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dossiers import services as filing
from dossiers.constants import Channel
from dossiers.models import Dossier
from portal import json_input
from portal.accounts.constants import UserKind
from portal.accounts.models import User
from portal.accounts.validators import normalize_vn_phone, validate_cccd
from portal.errors import DomainError
from portal.records import recorded
from procedures import routing
from procedures.models import Procedure

from .constants import InboundOutcome
from .models import InboundDossier

logger = logging.getLogger(__name__)


class InboundError(Exception):
    """The request cannot make a dossier; the message says why (in the portal's error answer)."""


@dataclass(frozen=True)
class Answer:
    code: int
    message: str
    dossier: Dossier | None = None

    def as_json(self) -> dict:
        return {"error_code": self.code, "message": self.message}


def _text(data: dict, key: str, limit: int = 255) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise InboundError(_("%(field)s must be text.") % {"field": key})
    return str(value).strip()[:limit]


def _files(data: dict) -> list[tuple[str, str, bytes]]:
    items = data.get("TaiLieuNop") or []
    if not isinstance(items, list):
        raise InboundError(_("TaiLieuNop must be a list of files."))
    limit = settings.DOSSIER_MAX_FILE_SIZE
    files = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InboundError(_("File %(position)s is not an object.") % {"position": position})
        name = _text(item, "TenTepDinhKem") or f"tep-{position}"
        encoded = item.get("Base64")
        if not isinstance(encoded, str) or not encoded.strip():
            raise InboundError(_("File “%(name)s” has no content (Base64).") % {"name": name})
        if len(encoded) * 3 // 4 > limit + 3:  # refuse before decoding
            raise InboundError(
                _("File “%(name)s” is larger than %(max)s.") % {"name": name, "max": filesizeformat(limit)}
            )
        try:
            content = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise InboundError(_("File “%(name)s” is not valid Base64.") % {"name": name}) from None
        files.append((name, _text(item, "MaThanhPhanHoSo", 32), content))
    return files


def _applicant(data: dict) -> User:
    id_number = _text(data, "SoGiayToChuHoSo", 32)
    if not id_number:
        raise InboundError(_("The applicant's ID number (SoGiayToChuHoSo) is missing."))
    try:
        validate_cccd(id_number)
    except ValidationError:
        raise InboundError(_("The applicant's ID number must be the 12-digit citizen ID.")) from None
    name = _text(data, "ChuHoSo", 150)
    if not name:
        raise InboundError(_("The applicant's name (ChuHoSo) is missing."))
    user = User.objects.filter(id_number=id_number, kind=UserKind.CITIZEN).order_by("pk").first()
    if user is not None:
        return user
    try:
        phone = normalize_vn_phone(_text(data, "SoDienThoai", 32)) if _text(data, "SoDienThoai", 32) else ""
    except ValidationError:
        phone = ""
    user = User(
        username=f"dvcqg-{id_number}",
        full_name=name,
        id_number=id_number,
        email=_text(data, "Email", 254),
        phone=phone,
        kind=UserKind.CITIZEN,
    )
    user.set_unusable_password()
    user.save()
    return user


def _agency(data: dict, procedure: Procedure):
    competent = routing.competent_agencies(procedure)
    chosen = _text(data, "MaCoQuan", 16)
    if chosen:
        agency = competent.filter(code=chosen).first()
        if agency is None:
            raise InboundError(_("Agency %(code)s does not handle this procedure.") % {"code": chosen})
        return agency
    ward = _text(data, "MaXa", 16)
    if ward:
        agency = competent.filter(ward_code=ward).first()
        if agency is not None:
            return agency
    agencies = list(competent[:2])
    if len(agencies) == 1:
        return agencies[0]
    raise InboundError(_("Several agencies handle this procedure: say which one (MaCoQuan or MaXa)."))


def _case(data: dict, procedure: Procedure):
    cases = list(procedure.cases.order_by("pk"))
    wanted = _text(data, "MaTruongHop", 32)
    if wanted:
        for case in cases:
            if getattr(case, "code", "") == wanted:
                return case
        raise InboundError(_("The procedure has no case %(code)s.") % {"code": wanted})
    if not cases:
        raise InboundError(_("The procedure has no case to file."))
    return cases[0]


def _slots(dossier: Dossier, files: list[tuple[str, str, bytes]]):
    """Each file with its document slot: by ``MaThanhPhanHoSo``, else the next free slot in order."""
    slots = list(dossier.case.documents.order_by("position", "pk"))
    taken = set()
    for name, code, content in files:
        slot = next((s for s in slots if code and s.code == code and s.pk not in taken), None)
        slot = slot or next((s for s in slots if s.pk not in taken), None)
        if slot is None:
            raise InboundError(_("There are more files than documents in this procedure."))
        taken.add(slot.pk)
        yield slot, SimpleUploadedFile(name, content)


def parse(body: bytes) -> dict:
    try:
        data = json_input.loads(body)
    except json_input.UnstorableText:
        raise InboundError(_("The body contains a NUL character or a broken one.")) from None
    except ValueError:  # UnicodeDecodeError is one
        raise InboundError(_("The body is not JSON.")) from None
    if not isinstance(data, dict):
        raise InboundError(_("The body must be a JSON object."))
    return data


def receive(*, data: dict) -> Answer:
    """Make the dossier, or say why not; the same ``MaHoSo`` twice makes one dossier."""
    national_code = _text(data, "MaHoSo", 64)
    try:
        if not national_code:
            raise InboundError(_("MaHoSo (the national portal's code) is missing."))
        with transaction.atomic():
            if connection.vendor == "postgresql":  # two deliveries of one dossier at once: one waits for the other
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"interconnection:{national_code}"])
            existing = InboundDossier.objects.select_related("dossier").filter(national_code=national_code).first()
            if existing is not None:
                return Answer(InboundOutcome.DUPLICATE, f"{national_code}|{existing.dossier.code}", existing.dossier)
            dossier = _create(data, national_code)
    except InboundError as exc:
        return Answer(InboundOutcome.ERROR, f"{national_code}|{exc}")
    except (DomainError, ValidationError) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return Answer(InboundOutcome.ERROR, f"{national_code}|{text}")
    return Answer(InboundOutcome.CREATED, f"{national_code}|{dossier.code}", dossier)


def _create(data: dict, national_code: str) -> Dossier:
    code = _text(data, "MaTTHC", 32)
    procedure = Procedure.objects.filter(code=code).first() if code else None
    if procedure is None or not procedure.is_published:
        raise InboundError(_("Unknown procedure %(code)s.") % {"code": code or "—"})
    files = _files(data)  # checked before anything is written
    applicant = _applicant(data)
    agency = _agency(data, procedure)
    dossier = filing.start_draft(
        procedure=procedure,
        applicant=applicant,
        agency=agency,
        case=_case(data, procedure),
        channel=Channel.NATIONAL_PORTAL,
    )
    for slot, upload in _slots(dossier, files):
        filing.attach_document(dossier=dossier, required_document=slot, upload=upload)
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    note = recorded(gettext_noop("Filed on the national public service portal (code %(code)s)."), code=national_code)
    dossier = filing.file_submission(dossier, by=applicant, complete=False, public_note=note)
    InboundDossier.objects.create(national_code=national_code, dossier=dossier)
    return dossier
