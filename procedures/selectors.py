"""Reads of the catalogue. Every list here runs a constant number of queries, whatever its length."""

import copy
import re
import time
from dataclasses import dataclass

from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Length
from django.db.models.signals import m2m_changed, post_delete, post_save

from portal.collation import vietnamese
from portal.text import fold

from .constants import AdministrativeLevel
from .models import Agency, Field, Procedure, ProcedureCase, ProcedureGroupMember

CODE_QUERY = re.compile(r"^\d\.\d{3,6}(\.[0-9A-Za-z]*)?$")
# The levels a procedure can be found by: province and commune (two-tier local government since 1 July 2025).
LEVEL_FLAGS = {
    AdministrativeLevel.PROVINCE: "at_province",
    AdministrativeLevel.COMMUNE: "at_commune",
}


@dataclass(frozen=True)
class CatalogueFilters:
    q: str = ""
    agency: Agency | None = None
    field: Field | None = None
    administrative_level: int | None = None
    service_level: int | None = None


def search_procedures(filters: CatalogueFilters = CatalogueFilters()) -> QuerySet[Procedure]:
    """Published procedures matching the filters, best matches first.

    The text search ignores diacritics and case ("dang ky khai sinh" finds "Đăng ký khai sinh"): every word of
    the query must occur in the folded ``search_text``; a trigram index serves those look-ups on PostgreSQL.
    When nothing contains every word, PostgreSQL's trigram word similarity offers near misses (typing slips).
    """
    qs = Procedure.objects.published().select_related("field")
    if filters.agency is not None:
        qs = qs.filter(agencies=filters.agency)
    if filters.field is not None:
        qs = qs.filter(field=filters.field)
    if filters.administrative_level in LEVEL_FLAGS:
        qs = qs.filter(**{LEVEL_FLAGS[filters.administrative_level]: True})
    if filters.service_level:
        qs = qs.filter(service_level=filters.service_level)

    folded = fold(filters.q)
    if not folded:
        return qs.order_by("-popularity", "code")
    if CODE_QUERY.match(filters.q.strip()):
        # A national code (or its beginning) is a look-up, not a text search: no near misses.
        return qs.filter(code__startswith=filters.q.strip().upper()).order_by("code")
    words = Q()
    for word in folded.split():
        words &= Q(search_text__contains=word)
    exact = qs.filter(words)
    if connection.vendor == "postgresql" and not exact.exists():
        # Nothing has every word: offer near misses (typing slips), most similar first.
        return (
            qs.annotate(similarity=TrigramWordSimilarity(Value(folded), "search_text"))
            .filter(search_text__trigram_word_similar=folded)
            .order_by("-similarity", Length("name"), "-popularity", "code")
        )
    # The words side by side, as typed ("ket hon"), before the same words scattered through a longer text: "đăng
    # ký kết hôn" finds the marriage registration first, not the temporary residence, whose text also holds them.
    phrase = Case(When(search_text__contains=folded, then=Value(0)), default=Value(1))
    return exact.order_by(phrase, Length("name"), "-popularity", "code")


def most_used_procedures(*, limit: int = 8) -> list[Procedure]:
    return list(Procedure.objects.published().select_related("field").order_by("-popularity", "code")[:limit])


def catalogue_counts() -> dict[int, int]:
    """Number of published procedures per online service level."""
    rows = Procedure.objects.published().values("service_level").annotate(n=Count("id")).order_by()
    return {row["service_level"]: row["n"] for row in rows}


CATALOGUE_VERSION_KEY = "procedures:catalogue-version"
FILTER_CHOICES_SECONDS = 300  # an upper bound: any change to the catalogue starts a new version at once


def catalogue_version() -> int:
    """The catalogue's current version: what is kept of it (filters, public pages) is kept under this number.

    Any saved, deleted or re-linked row of the procedures app starts a new one (``_catalogue_changed``). A new
    version is the clock in nanoseconds, never a counter, so a version lost from the cache is never reused.
    """
    version = cache.get(CATALOGUE_VERSION_KEY)
    if version is None:
        version = time.time_ns()
        if not cache.add(CATALOGUE_VERSION_KEY, version, None):
            version = cache.get(CATALOGUE_VERSION_KEY, version)
    return version


def new_catalogue_version() -> None:
    cache.set(CATALOGUE_VERSION_KEY, time.time_ns(), None)


def filter_choices() -> tuple[list[Agency], list[Field]]:
    """The catalogue's agency and field filters: the same for every visitor, so kept in the cache."""
    key = f"procedures:filter-choices:{catalogue_version()}"
    cached = cache.get(key)
    if cached is None:
        agencies = list(
            Agency.objects.filter(is_active=True).only("code", "name", "level").order_by("level", vietnamese("name"))
        )
        fields = list(Field.objects.filter(procedures__is_published=True).distinct().order_by(vietnamese("name")))
        cached = (agencies, fields)
        cache.set(key, cached, FILTER_CHOICES_SECONDS)
    return cached


def catalogue_changed() -> None:
    """Start a new catalogue version now, for this transaction's own reads, and again after commit, for what other
    requests kept in between. Saves, deletes and re-links call it by themselves (``watch_catalogue``); a bulk
    ``update()`` of catalogue rows must call it."""
    new_catalogue_version()
    transaction.on_commit(new_catalogue_version)


def _catalogue_changed(sender, **kwargs) -> None:
    catalogue_changed()


# A procedure's long texts and forms: what pages that only name a procedure never read (nor decode).
PROCEDURE_LONG_FIELDS = (
    "implementing_bodies",
    "requirements",
    "result",
    "source",
    "search_text",
    "eform",
    "unverified",
)


@dataclass(frozen=True)
class CatalogueNames:
    version: int
    agencies: dict[int, Agency]
    procedures: dict[int, Procedure]


_names: CatalogueNames | None = None


def catalogue_names() -> CatalogueNames:
    """Every agency and procedure by id (procedures without their long fields), kept in this process under the
    catalogue's version: for pages that show a dossier's procedure and agencies on every request, such as the
    public look-up, instead of joining three more tables per request (the planner's time alone for those joins was
    1.1 ms). A few hundred agencies and a few thousand procedures: read once per process and catalogue version."""
    global _names
    version = catalogue_version()
    names = _names
    if names is None or names.version != version:
        names = CatalogueNames(
            version,
            agencies={agency.pk: agency for agency in Agency.objects.all()},
            procedures={procedure.pk: procedure for procedure in Procedure.objects.defer(*PROCEDURE_LONG_FIELDS)},
        )
        _names = names
    return names


def name_catalogue_of(dossier) -> None:
    """Give the dossier its procedure, agency and receiving centre from ``catalogue_names`` (each a copy of its own,
    so that nothing one request does to them reaches another); what the names lack is read as usual."""
    names = catalogue_names()
    for field, pk in (
        ("procedure", dossier.procedure_id),
        ("agency", dossier.agency_id),
        ("received_by", dossier.received_by_id),
    ):
        known = (names.procedures if field == "procedure" else names.agencies).get(pk)
        if known is not None:
            setattr(dossier, field, copy.copy(known))


def watch_catalogue(app_config) -> None:
    """Start a new catalogue version on any save, delete or re-link of a row of the procedures app.

    Connected model by model (the many-to-many tables included), never to every model: a delete signal with any
    receiver for a model makes Django read each row before deleting it, so a receiver for all senders would slow
    every delete in the portal (sessions, captchas, tokens) to that path."""
    for model in app_config.get_models(include_auto_created=True):
        uid = f"procedures.catalogue-changed.{model._meta.label_lower}"
        post_save.connect(_catalogue_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(_catalogue_changed, sender=model, dispatch_uid=uid)
        m2m_changed.connect(_catalogue_changed, sender=model, dispatch_uid=uid)


def procedure_detail(code: str) -> Procedure:
    """One published procedure with everything its page shows, in a fixed number of queries."""
    return (
        Procedure.objects.published()
        .select_related("field")
        .prefetch_related(
            "agencies",
            "legal_basis",
            "options__fees",
            "form_templates",
            Prefetch(
                "cases",
                queryset=ProcedureCase.objects.prefetch_related("documents__form_template", "steps"),
            ),
            Prefetch(  # linked procedures it may be filed with (Decree 63/2024)
                "group_memberships",
                queryset=ProcedureGroupMember.objects.filter(group__is_published=True).select_related("group"),
            ),
        )
        .get(code=code)
    )
