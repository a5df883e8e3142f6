"""PDF documents of the catalogue: stand-in form templates generated where the official file is missing."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.text import slugify

from portal.pdf import render_pdf
from portal.text import fold

from .models import FormTemplate


def render_stand_in_template(template: FormTemplate) -> bytes:
    procedure = template.procedure
    documents = [d for case in procedure.cases.all() for d in case.documents.all() if d.form_template_id == template.pk]
    html = render_to_string(
        "procedures/pdf/stand_in_template.html",
        {
            "template": template,
            "procedure": procedure,
            "documents": documents,
        },
    )
    return render_pdf(html)


@transaction.atomic
def attach_stand_in_template(*, template: FormTemplate) -> FormTemplate:
    """Generate a clearly labelled stand-in PDF for a template that has no file yet."""
    template = FormTemplate.objects.select_for_update().select_related("procedure").get(pk=template.pk)
    if template.file:
        return template
    pdf = render_stand_in_template(template)
    template.file.save(f"{slugify(fold(template.name))[:80] or 'mau-don'}.pdf", ContentFile(pdf), save=False)
    template.is_stand_in = True
    template.save(update_fields=["file", "is_stand_in"])
    return template
