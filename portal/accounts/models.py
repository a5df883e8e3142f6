from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.text import fold

from .constants import Role, Sex, UserKind
from .validators import validate_cccd, validate_vn_phone


class NotifyBy(models.TextChoices):
    """The channels a citizen wants news of their dossiers on."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    BOTH = "both", _("Email and SMS")


class User(AbstractUser):
    """A citizen or an official. Vietnamese names are one field (``full_name``), not first/last."""

    first_name = None
    last_name = None

    full_name = models.CharField(_("full name"), max_length=150)
    # The name folded to lowercase ASCII (portal.text.fold), kept with it by save(): officials search for people
    # with or without diacritics ("nguyen van an" finds "Nguyễn Văn An"); a trigram index serves it on PostgreSQL.
    name_key = models.CharField(max_length=150, editable=False, default="")
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(
        _("mobile number"),
        max_length=16,
        blank=True,
        validators=[validate_vn_phone],
        help_text=_("Stored in international format, e.g. +84912345678."),
    )
    id_number = models.CharField(_("citizen ID number"), max_length=12, blank=True, validators=[validate_cccd])
    kind = models.CharField(_("kind"), max_length=16, choices=UserKind, default=UserKind.CITIZEN)
    agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officials",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role, blank=True)
    email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)
    notify_by = models.CharField(_("notify me by"), max_length=8, choices=NotifyBy, default=NotifyBy.BOTH)
    language = models.CharField(
        _("language of messages"), max_length=8, choices=[("vi", "Tiếng Việt"), ("en", "English")], default="vi"
    )

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["phone"], name="user_phone")]  # finding a citizen's dossiers by phone
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="user_email_unique"),
            # One person, one record: the counter's citizen search and the identity sign-in find people by CCCD.
            models.UniqueConstraint(fields=["id_number"], condition=~Q(id_number=""), name="user_id_number_unique"),
            models.CheckConstraint(
                condition=Q(kind=UserKind.CITIZEN, agency__isnull=True, role="") | Q(kind=UserKind.OFFICIAL),
                name="user_citizen_has_no_agency_role",
            ),
            models.CheckConstraint(
                condition=~Q(kind=UserKind.OFFICIAL, role="") | Q(is_superuser=True),
                name="user_official_has_role",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        self.name_key = fold(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.rsplit(" ", 1)[-1] if self.full_name else self.username

    @property
    def is_official(self) -> bool:
        return self.kind == UserKind.OFFICIAL


class CitizenIdentity(models.Model):
    """What the identity provider vouched for at the citizen's last sign-in (``issuer`` + ``subject`` is the
    provider's key for the person; the CCCD itself is ``User.id_number``). Verified facts only: the e-forms show
    them as verified and the pages never let the citizen change them."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="identity", verbose_name=_("user"))
    issuer = models.CharField(_("identity provider"), max_length=255)
    subject = models.CharField(_("subject at the provider"), max_length=255)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex, blank=True)
    phone = models.CharField(_("mobile number"), max_length=16, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    level_of_assurance = models.CharField(_("level of assurance"), max_length=16, blank=True)
    linked_at = models.DateTimeField(_("linked"), auto_now_add=True)
    verified_at = models.DateTimeField(_("last verified"))

    class Meta:
        verbose_name = _("verified identity")
        verbose_name_plural = _("verified identities")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="identity_issuer_subject_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject}"
