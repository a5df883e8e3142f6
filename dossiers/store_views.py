"""The citizen's document store: list, download, delete, and "dùng lại" in the documents step (dossiers/store.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from portal import access
from portal.issued import file_response
from portal.params import number

from . import store
from .models import StoredDocument
from .views import draft_step


@login_required
@require_safe
def stored_documents(request):
    if request.user.is_official:
        raise Http404
    return render(request, "dossiers/store.html", {"documents": store.used_in(store.documents_of(request.user))})


@login_required
@require_safe
def stored_document(request, pk: int):
    """The file: to its owner, and to officials of the agencies whose dossiers use it; anyone else gets a 404."""
    stored = get_object_or_404(StoredDocument, pk=pk)
    if not access.may_see_stored_document(request.user, stored):
        raise Http404
    extension = stored.file.name.rsplit(".", 1)[-1]
    return file_response(stored.file, f"kho-du-lieu-{stored.pk}.{extension}", stored.content_type)


@login_required
@require_POST
def delete_stored_document(request, pk: int):
    stored = get_object_or_404(StoredDocument, pk=pk, owner=request.user)  # another's: 404, never a hint
    store.delete_stored(stored=stored, by=request.user)
    messages.success(request, _("The document has been removed from your store. Dossiers that used it keep it."))
    return redirect("dossiers:store")


@draft_step
@require_POST
def reuse_document(request, dossier):
    """Put a stored paper into one slot of the draft: ``reuse`` is "<required document id>:<stored id>"."""
    slot_pk, _sep, stored_pk = (number(part) for part in request.POST.get("reuse", "").partition(":"))
    if slot_pk is None or stored_pk is None:
        raise Http404
    slot = get_object_or_404(dossier.case.documents, pk=slot_pk)
    stored = get_object_or_404(StoredDocument, pk=stored_pk, owner=request.user)
    store.reuse(dossier=dossier, required_document=slot, stored=stored, by=request.user)
    messages.success(request, _("The document from your store has been added to this dossier."))
    return redirect("dossiers:documents", public_id=dossier.public_id)
