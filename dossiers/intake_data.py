"""At intake, the data that replaces required documents is fetched through the data sources (data_sources.py) and
recorded on the dossier (``DataFetch``); what cannot be fetched is asked of the citizen as a supplement."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext_noop

from portal import access
from portal.accounts.constants import Role
from portal.records import recorded

from . import data_sources, processing
from .constants import Status
from .models import DataFetch, Dossier, FetchResult

logger = logging.getLogger(__name__)


def replaced_slots(dossier: Dossier):
    if dossier.case_id is None:
        return []
    return list(dossier.case.documents.exclude(replaced_by_data="").order_by("position"))


@transaction.atomic
def fetch_at_intake(*, dossier: Dossier, by) -> list[DataFetch]:
    """Fetch every replaced document's data for the (submitted, awaiting intake) dossier and record each fetch. When
    one fails or finds nothing, the desk's request for a supplement asks the citizen for those papers instead."""
    dossier = Dossier.objects.select_for_update(of=("self",)).select_related("applicant", "case").get(pk=dossier.pk)
    access.ensure_may_act(by, dossier, roles=(Role.DESK,), action="accept")
    fetches = []
    for slot in replaced_slots(dossier):
        adapter = data_sources.source(slot.replaced_by_data)
        fetch = DataFetch(dossier=dossier, required_document=slot, source=slot.replaced_by_data, by=by)
        if adapter is None:
            fetch.result, fetch.error = FetchResult.FAILED, recorded(gettext_noop("No such data source is configured."))
        else:
            try:
                data = adapter.fetch(id_number=dossier.applicant.id_number, dossier=dossier)
            except data_sources.SourceUnavailable as error:
                logger.warning("Data source %s failed for dossier %s: %s", slot.replaced_by_data, dossier.pk, error)
                fetch.result, fetch.error = FetchResult.FAILED, str(error)[:255]
            else:
                fetch.result = FetchResult.FOUND if data else FetchResult.NOT_FOUND
                fetch.data = {str(key): str(value) for key, value in (data or {}).items()}
        fetch.save()
        fetches.append(fetch)
    missing = [fetch.required_document.name for fetch in fetches if fetch.result != FetchResult.FOUND]
    if missing and dossier.status == Status.SUBMITTED:
        note = recorded(
            gettext_noop("The data could not be obtained from the state's databases; please supply: %(papers)s"),
            papers="; ".join(missing),
        )
        processing.request_supplement(dossier=dossier, by=by, missing=note)
    return fetches


def latest_fetches(dossier: Dossier) -> list[DataFetch]:
    """The last fetch of each replaced document, for the dossier's page."""
    latest: dict[int, DataFetch] = {}
    for fetch in dossier.data_fetches.select_related("required_document").order_by("fetched_at"):
        latest[fetch.required_document_id] = fetch
    return list(latest.values())
