"""The back office's own pages beside the admin's (record a payment, post a result, exempt a line...): one form
page with the dossier it is about, for every app."""

from django.template.response import TemplateResponse
from django.urls import reverse


def dossier_admin_url(dossier) -> str:
    return reverse("admin:dossiers_dossier_change", args=[dossier.pk])


def form_page(model_admin, request, title: str, form, *, submit_label: str, dossier=None, **extra) -> TemplateResponse:
    """``form`` in the admin's frame, with a link back to ``dossier``'s page (also where Cancel goes)."""
    url = dossier_admin_url(dossier) if dossier else ""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "form": form,
        "submit_label": submit_label,
        "dossier": dossier,
        "dossier_url": url,
        "cancel_url": url,
        **extra,
    }
    return TemplateResponse(request, "admin/form_page.html", context)
