from django.db.models import QuerySet

from portal import access

from .constants import SyncState
from .models import DossierSync


def failed_syncs(user) -> QuerySet[DossierSync]:
    """The dossiers of the user's agency whose sync with the national portal failed (``portal.access``)."""
    return access.scope(DossierSync.objects.filter(state=SyncState.FAILED), user)
