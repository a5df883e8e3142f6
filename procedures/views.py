import mimetypes
from pathlib import PurePosixPath

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from portal.issued import file_response
from portal.page_cache import public_page
from portal.text import fold

from .constants import TEMPLATE_DOWNLOAD_LEVEL, Channel
from .forms import CatalogueFilterForm
from .models import FormTemplate, Procedure
from .selectors import catalogue_version, filter_choices, procedure_detail, search_procedures

CATALOGUE_PARAMS = (*CatalogueFilterForm.base_fields, "page")  # what the catalogue reads from the address


@require_safe
@public_page(catalogue_version, params=CATALOGUE_PARAMS)
def catalogue(request):
    agencies, fields = filter_choices()
    form = CatalogueFilterForm(request.GET or None, agencies=agencies, fields=fields)
    filters = form.filters()
    paginator = Paginator(search_procedures(filters), form.page_size())
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "procedures/catalogue.html",
        {
            "form": form,
            "filters": filters,
            # How many filters beside the words are set: the filters stay open on a phone when any is.
            "filters_set": sum(
                value is not None and value != ""
                for value in (filters.agency, filters.field, filters.administrative_level, filters.service_level)
            ),
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "query_string": query.urlencode(),
        },
    )


@require_safe
@public_page(catalogue_version)
def detail(request, code: str):
    try:
        procedure = procedure_detail(code)
    except Procedure.DoesNotExist:
        raise Http404 from None
    options = list(procedure.options.all())
    cases = list(procedure.cases.all())
    return render(
        request,
        "procedures/detail.html",
        {
            "procedure": procedure,
            "options": options,
            "channels": sorted({o.channel for o in options}),
            "online_channel": Channel.ONLINE,
            "cases": cases,
            "several_cases": len(cases) > 1,
            "templates": [t for t in procedure.form_templates.all() if t.file] if procedure.offers_templates else [],
        },
    )


@require_safe
def download_template(request, code: str, pk: int):
    """Form templates are public, but only offered from service level 2 and only when a file exists."""
    template = get_object_or_404(
        FormTemplate.objects.select_related("procedure"),
        pk=pk,
        procedure__code=code,
        procedure__is_published=True,
        procedure__service_level__gte=TEMPLATE_DOWNLOAD_LEVEL,
    )
    if not template.file:
        raise Http404
    suffix = PurePosixPath(template.file.name).suffix.lower()
    filename = f"{slugify(fold(template.name))[:80] or 'mau-don'}{suffix}"
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return file_response(template.file, filename, content_type, cache_control="public, max-age=3600")
