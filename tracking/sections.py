"""The rating's sections of a dossier's pages (``dossiers.sections``), registered in ``TrackingConfig.ready``:
once the result is returned, the citizen is asked to rate the service (or sees their rating), and the back office
sees the rating read-only."""

from dossiers import sections

from .selectors import is_owner, rating_of


def citizen_rating(request, dossier) -> dict | None:
    if not dossier.is_returned or not is_owner(dossier, getattr(request, "user", None)):
        return None
    return {"dossier": dossier, "rating": rating_of(dossier)}


def back_office_rating(request, dossier) -> dict | None:
    if not dossier.is_returned:
        return None
    return {"dossier": dossier, "rating": rating_of(dossier)}


def register() -> None:
    sections.register_section("citizen_top", template="tracking/_dossier_rating.html", context=citizen_rating)
    sections.register_section(
        "back_office", template="admin/tracking/_dossier_rating.html", context=back_office_rating, order=30
    )
