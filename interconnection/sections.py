"""What interconnection adds to the back office's dossier page (``dossiers.sections``): the sync state with the
national portal, its last answer and, for a dossier filed there, the portal's code."""

from django.urls import reverse

from dossiers import sections


def sync_context(request, dossier) -> dict | None:
    sync = getattr(dossier, "national_sync", None) if dossier.pk else None
    inbound = getattr(dossier, "national_inbound", None) if dossier.pk else None
    if sync is None and inbound is None:
        return None
    return {
        "sync": sync,
        "inbound": inbound,
        "sync_url": reverse("admin:interconnection_dossiersync_change", args=[sync.pk]) if sync else "",
    }


def register() -> None:
    sections.register_section(
        "back_office_tools", template="interconnection/_dossier_sync.html", context=sync_context, order=300
    )
