"""The shipments of a dossier on its pages (``dossiers.sections``), registered in ``PostalConfig.ready``."""

from dossiers import sections

from .templatetags.postal_tags import dossier_shipments

TEMPLATE = "postal/_dossier_shipments.html"


def register() -> None:
    sections.register_section("citizen", template=TEMPLATE, context=citizen_shipments, order=20)
    sections.register_section("back_office", template=TEMPLATE, context=back_office_shipments, order=20)


def citizen_shipments(request, dossier) -> dict:
    return dossier_shipments(dossier)


def back_office_shipments(request, dossier) -> dict:
    return dossier_shipments(dossier, admin=True)
