"""Satisfaction ratings: who may rate a dossier, when, and only once."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier
from portal.errors import DomainError

from .models import SCORE_MAX, SCORE_MIN, OnTime, Rating
from .selectors import id_number_matches, is_owner

COMMENT_MAX_LENGTH = 2000


class RatingError(DomainError):
    """The dossier cannot be rated now (not returned yet, already rated) or the scores are not valid."""

    code = "rating_not_allowed"


class RatingNotAllowed(RatingError):
    """The person rating is neither the signed-in applicant nor holds the applicant's ID number."""


def _check_scores(scores: dict[str, int]) -> None:
    for name, value in scores.items():
        if not isinstance(value, int) or isinstance(value, bool) or not SCORE_MIN <= value <= SCORE_MAX:
            raise RatingError(_("Each score is a whole number from 1 to 5 (%(name)s).") % {"name": name})


@transaction.atomic
def rate_dossier(
    *,
    dossier: Dossier,
    user=None,
    id_number: str = "",
    score: int,
    on_time: int,
    attitude: int,
    clarity: int,
    comment: str = "",
    now: datetime | None = None,
) -> Rating:
    """Record the applicant's rating of a returned dossier: the signed-in applicant, or whoever gives their ID number.

    Locks the dossier, then re-checks: the result must have been returned (status 10) and no rating exist yet. A
    second attempt, even a concurrent one, gets ``RatingError`` and changes nothing.
    """
    locked = Dossier.objects.select_for_update().select_related("applicant").get(pk=dossier.pk)
    if not (is_owner(locked, user) or id_number_matches(locked, id_number)):
        raise RatingNotAllowed(_("Only the applicant can rate this dossier."))
    if not locked.is_returned:
        raise RatingError(_("A dossier can be rated once its result has been handed over."))
    if Rating.objects.filter(dossier=locked).exists():
        raise RatingError(_("This dossier has already been rated. Thank you."))
    _check_scores({"score": score, "on_time": on_time, "attitude": attitude, "clarity": clarity})
    if on_time not in OnTime.values:
        raise RatingError(_("Say whether the result was on time."))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise RatingError(_("The comment is too long (at most %(max)d characters).") % {"max": COMMENT_MAX_LENGTH})
    try:
        with transaction.atomic():  # a savepoint: the unique dossier column is the last guard
            return Rating.objects.create(
                dossier=locked,
                score=score,
                on_time=on_time,
                attitude=attitude,
                clarity=clarity,
                comment=comment,
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        raise RatingError(_("This dossier has already been rated. Thank you.")) from None
