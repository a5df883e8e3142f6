"""A dossier and its timeline in the national portal's shapes (``DongBoHoSoMC`` items and progress items).

All values are strings; dates are ``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh and ``""`` when absent. The current state
is built each time (not a diff), so a lost change is healed by the next one.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from django.utils.translation import gettext as _

from dossiers import costs
from dossiers.constants import DeliveryMethod, Status
from dossiers.events import DossierAction
from dossiers.models import Dossier, DossierEvent
from portal import access

from . import links
from .models import StatusMapping

VN = ZoneInfo("Asia/Ho_Chi_Minh")


class UnmappedStatus(Exception):
    """Our status has no national portal status in the mapping (the back office shows it)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status

    def __str__(self) -> str:
        return _("Status “%(status)s” (%(number)s) has no national portal status in the mapping; nothing was sent.") % {
            "status": Status(self.status).label,
            "number": self.status,
        }


def mapping() -> dict[int, str]:
    return dict(StatusMapping.objects.values_list("status", "portal_status"))


def portal_status(status: int, table: dict[int, str]) -> str:
    if status not in table or not str(table[status]).strip():
        raise UnmappedStatus(status)
    return str(table[status]).strip()


def when(value: datetime | None) -> str:
    return value.astimezone(VN).strftime("%Y%m%d%H%M%S") if value else ""


def _refused_at(dossier: Dossier) -> str:
    if dossier.status != Status.REFUSED:
        return ""
    event = dossier.events.filter(action=DossierAction.REFUSE).order_by("-pk").first()
    return when(event.created_at if event else None)


def portal_code(dossier: Dossier) -> str:
    """The code the national portal knows the dossier by: its own (``MaHoSo``) for a dossier filed there and received
    here (``InboundDossier``), else ours. Sent under ours, a received dossier was created a second time there."""
    try:
        return dossier.national_inbound.national_code
    except ObjectDoesNotExist:
        return dossier.code or ""


# ``LoaiPhiLePhi`` by our line kind: 1 a fee (phí), 2 a charge (lệ phí), 3 anything else (the postal fee, an amount
# an agency asked for). ``HinhThucThu`` is left empty: the portal's published fields give no codes for it.
FEE_KIND = {"fee": "1", "charge": "2"}


def _fees(dossier: Dossier) -> list[dict]:
    """What the dossier was billed (``dossiers.costs``: one source), line by line; an exempted line at 0. Nothing
    while nothing is billed (a quote is no bill)."""
    cost = costs.cost_of(dossier)
    if not cost.billed:
        return []
    return [
        {
            "TenPhiLePhi": line.description[:500],
            "MaPhiLePhi": "",
            "HinhThucThu": "",
            "Gia": str(line.due),
            "LoaiPhiLePhi": FEE_KIND.get(line.kind, "3"),
        }
        for line in cost.lines
    ]


def _supplements(events: list[DossierEvent]) -> list[dict]:
    """Each supplement asked for: who asked, what, when; who received it back and when, once it came."""
    rows = []
    for index, event in enumerate(events):
        if event.action != DossierAction.REQUEST_SUPPLEMENT:
            continue
        answered = None
        for later in events[index + 1 :]:  # the supplement that answered it, before any later request
            if later.action == DossierAction.REQUEST_SUPPLEMENT:
                break
            if later.action == DossierAction.SUPPLEMENT:
                answered = later
                break
        rows.append(
            {
                "HoSoBoSungId": str(event.pk),
                "NguoiYeuCauBoSung": _person(event.actor),
                "NoiDungBoSung": event.public_note[:2000],
                "NgayBoSung": when(event.created_at),
                "NguoiTiepNhanBoSung": _person(answered.actor) if answered else "",
                "NgayTiepNhanBoSung": when(answered.created_at) if answered else "",
                "TrangThaiBoSung": "1" if answered else "0",  # 1 supplied, 0 awaited
            }
        )
    return rows


def _person(user) -> str:
    return ((user.full_name or user.username) if user is not None else "")[:50]


def dossier_item(dossier: Dossier, table: dict[int, str]) -> dict:
    applicant = dossier.applicant
    procedure = dossier.procedure
    field = procedure.field
    documents = [
        {
            "TenTepDinhKem": (document.original_name or document.required_document.name)[:4000],
            "MaThanhPhanHoSo": document.required_document.code,
            "TepDinhKemId": str(document.pk),
            "DuongDanTaiTepTin": links.file_url(links.DOCUMENT, document.pk),
            "IsDeleted": "False",
        }
        for document in dossier.documents.select_related("required_document").exclude(file="")
    ]
    results = []
    if dossier.result_file:
        results.append(
            {
                "TenGiayTo": procedure.result[:1000] or dossier.result_reference,
                "MaThanhPhanHoSo": "",
                "GiayToId": str(dossier.pk),
                "DuongDanTepTinKetQua": links.file_url(links.RESULT, dossier.pk),
                "MaGiayToKetQua": dossier.result_reference,
            }
        )
    summary = f"{procedure.name} – {applicant.full_name or applicant.username}"
    return {
        "MaHoSo": portal_code(dossier),
        "MaTTHC": procedure.code,
        "TenTTHC": procedure.name,
        "MaLinhVuc": field.code if field else "",
        "TenLinhVuc": field.name if field else "",
        "ChuHoSo": applicant.full_name or applicant.username,
        "LoaiDoiTuong": "1",
        "MaDoiTuong": "",
        "SoGiayToChuHoSo": applicant.id_number,
        "DinhDanhCHS": [{"LoaiDinhDanh": "1", "SoDinhDanh": applicant.id_number}] if applicant.id_number else [],
        "SoDienThoai": applicant.phone or dossier.delivery_phone,
        "Email": applicant.email,
        "TrichYeuHoSo": summary[:1000],
        "NgayNopHoSo": when(dossier.submitted_at),
        "NgayTiepNhan": when(dossier.accepted_at),  # empty until the desk accepts it
        "NgayHenTra": when(dossier.due_at),
        "NgayTra": when(dossier.returned_at),
        "NgayKetThucXuLy": when(dossier.finished_at),
        "NgayTuChoi": _refused_at(dossier),
        "TrangThaiHoSo": portal_status(dossier.status, table),
        "HinhThuc": "1" if dossier.delivery_method == DeliveryMethod.POST else "0",
        "DonViXuLy": dossier.agency.code,
        "TaiLieuNop": documents,
        "DanhSachGiayToKetQua": results,
        "DanhSachLePhi": _fees(dossier),
        "DanhSachHoSoBoSung": _supplements(
            list(
                dossier.events.filter(action__in=(DossierAction.REQUEST_SUPPLEMENT, DossierAction.SUPPLEMENT))
                .select_related("actor")
                .order_by("pk")
            ),
        ),
    }


def progress_item(dossier: Dossier, event: DossierEvent, table: dict[int, str]) -> dict:
    actor = event.actor
    with translation.override("vi"):
        content = str(DossierAction(event.action).label)
        role = str(actor.get_role_display()) if actor is not None and actor.role else ""
    if event.public_note:
        content = f"{content}: {event.public_note}"
    # The agency of the official who acted (the receiving centre for intake and hand-back), else the competent one.
    acting = access.agency_that_acted(dossier, actor) or dossier.agency
    return {
        "MaHoSo": portal_code(dossier),
        "NguoiXuLy": _person(actor),
        "ChucDanh": role,
        "ThoiDiemXuLy": when(event.created_at),
        "PhongBanXuLy": acting.name,
        "NoiDungXuLy": content[:2000],
        "TrangThai": portal_status(event.to_status, table),
        "NgayBatDau": when(event.created_at),
        "NgayKetThucTheoQuyDinh": when(dossier.due_at),
    }
