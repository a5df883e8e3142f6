from django.db import models
from django.utils.translation import gettext_lazy as _


class SyncState(models.TextChoices):
    """Where a dossier's synchronisation with the national portal stands."""

    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SYNCED = "synced", _("Synchronised")
    FAILED = "failed", _("Failed")


class InboundOutcome(models.IntegerChoices):
    """The national portal's answer codes for a dossier it sends us."""

    CREATED = 0, _("Created")
    DUPLICATE = 1, _("Already received")
    ERROR = -1, _("Error")


# Operations of the national portal (../shared/INTERCONNECTION.md).
SYNC_DOSSIER = "DongBoHoSoMC"
SYNC_PROGRESS = "CapNhatTienDoHoSoMC"
LOOK_UP_DOSSIER = "TraCuuHoSo"
LIST_PROCEDURES = "LayDanhSachTTHC"
GET_PROCEDURE = "LayThuTuc"
LIST_FIELDS = "LayDanhMucLinhVuc"
LIST_AGENCIES = "LayDanhMucCoQuan"

PROGRESS_CHUNK = 10  # progress items per CapNhatTienDoHoSoMC call
ALREADY_EXISTS = "đã tồn tại"  # in the portal's message: the dossier is known, send it as an update
