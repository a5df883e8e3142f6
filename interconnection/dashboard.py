"""What interconnection adds to the back office's dashboard (``dossiers.dashboard``): the dossiers whose sync with
the national portal failed, one click from the list where they can be resent."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dossiers.dashboard import DashboardRow
from portal import access

from .constants import SyncState
from .selectors import failed_syncs


def failed_sync_rows(user) -> list[DashboardRow]:
    if not access.in_back_office(user):
        return []
    count = failed_syncs(user).count()
    if not count:
        return []
    url = reverse("admin:interconnection_dossiersync_changelist") + f"?state__exact={SyncState.FAILED}"
    return [
        DashboardRow(
            key="failed_national_syncs",
            label=_("Dossiers not synchronised with the national portal"),
            count=count,
            url=url,
        )
    ]
