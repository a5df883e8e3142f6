"""A dossier and its timeline in the national portal's shapes (``DongBoHoSoMC`` items and progress items).

All values are strings; dates are ``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh and ``""`` when absent. The current state
is built each time (not a diff), so a lost change is healed by the next one.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.translation import gettext as _

from dossiers.constants import DeliveryMethod, Status
from dossiers.events import DossierAction
from dossiers.models import Dossier, DossierEvent

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
        "MaHoSo": dossier.code or "",
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
        "NgayTiepNhan": when(dossier.accepted_at or dossier.submitted_at),
        "NgayHenTra": when(dossier.due_at),
        "NgayTra": when(dossier.returned_at),
        "NgayKetThucXuLy": when(dossier.finished_at),
        "NgayTuChoi": _refused_at(dossier),
        "TrangThaiHoSo": portal_status(dossier.status, table),
        "HinhThuc": "1" if dossier.delivery_method == DeliveryMethod.POST else "0",
        "DonViXuLy": dossier.agency.code,
        "TaiLieuNop": documents,
        "DanhSachGiayToKetQua": results,
        "DanhSachLePhi": [],
        "DanhSachHoSoBoSung": [],
    }


def progress_item(dossier: Dossier, event: DossierEvent, table: dict[int, str]) -> dict:
    actor = event.actor
    with translation.override("vi"):
        content = str(DossierAction(event.action).label)
        role = str(actor.get_role_display()) if actor is not None and actor.role else ""
    if event.public_note:
        content = f"{content}: {event.public_note}"
    return {
        "MaHoSo": dossier.code or "",
        "NguoiXuLy": ((actor.full_name or actor.username) if actor else "")[:50],
        "ChucDanh": role,
        "ThoiDiemXuLy": when(event.created_at),
        "PhongBanXuLy": dossier.agency.name,
        "NoiDungXuLy": content[:2000],
        "TrangThai": portal_status(event.to_status, table),
        "NgayBatDau": when(event.created_at),
        "NgayKetThucTheoQuyDinh": when(dossier.due_at),
    }
