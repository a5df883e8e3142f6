"""Satisfaction ratings of dossiers whose result has been returned."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SCORE_MIN = 1
SCORE_MAX = 5
SCORE_VALIDATORS = [MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]


def _score_field(verbose_name: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(verbose_name, validators=SCORE_VALIDATORS)


class OnTime(models.IntegerChoices):
    """The answers to "was the result on time?": a fact the citizen knows, asked as yes or no rather than as a
    degree of satisfaction, and kept on the 1 to 5 scale of the other criteria so averages read alike."""

    EARLY = 5, _("Yes, earlier than the date on the receipt")
    ON_THE_DAY = 4, _("Yes, on the date on the receipt")
    LATE = 1, _("No, it was late")


class Rating(models.Model):
    """One rating per dossier: an overall score and three criteria, each 1 (very poor) to 5 (very good)."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", verbose_name=_("dossier"), related_name="rating", on_delete=models.CASCADE
    )
    score = _score_field(_("overall score"))
    on_time = models.PositiveSmallIntegerField(_("on time"), choices=OnTime.choices, validators=SCORE_VALIDATORS)
    attitude = _score_field(_("staff attitude"))
    clarity = _score_field(_("clarity of guidance"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{name}__gte": SCORE_MIN, f"{name}__lte": SCORE_MAX}),
                name=f"tracking_rating_{name}_1_to_5",
            )
            for name in ("score", "on_time", "attitude", "clarity")
        ]
        indexes = [models.Index(fields=["created_at"], name="tracking_rating_created_idx")]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.score}/5"
