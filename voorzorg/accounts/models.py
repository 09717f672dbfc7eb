"""Users, organisations, regions and role memberships."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from voorzorg.core.models import TimeStampedModel

from .constants import (
    AGB_KINDS,
    AgeBand,
    ExperienceTheme,
    ExpertGender,
    Language,
    OrganisationKind,
    Role,
    SupportFormat,
    Weekday,
)
from .validators import validate_agb_code, validate_cbs_code


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # Sign-in is case-insensitive on the e-mail address.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A staff member. Signs in with an e-mail address. Participants are not users."""

    email = models.EmailField(_("e-mailadres"), unique=True)
    full_name = models.CharField(_("naam"), max_length=150)
    is_active = models.BooleanField(_("actief"), default=True)
    is_staff = models.BooleanField(
        _("toegang tot technisch beheer"),
        default=False,
        help_text=_("Mag inloggen op de Django-beheeromgeving."),
    )
    date_joined = models.DateTimeField(_("aangemaakt op"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Organisation(TimeStampedModel):
    name = models.CharField(_("naam"), max_length=200)
    kind = models.CharField(_("soort"), max_length=20, choices=OrganisationKind.choices)
    agb_code = models.CharField(
        _("AGB-code"),
        max_length=8,
        blank=True,
        validators=[validate_agb_code],
        help_text=_("8 cijfers; verplicht voor huisartspraktijken en GGZ-aanbieders."),
    )
    cbs_code = models.CharField(
        _("CBS-code"),
        max_length=6,
        blank=True,
        validators=[validate_cbs_code],
        help_text=_("Voor gemeenten, bijvoorbeeld GM0014."),
    )
    municipality = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="located_organisations",
        limit_choices_to={"kind": OrganisationKind.MUNICIPALITY},
        verbose_name=_("gemeente van vestiging"),
    )

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agb_code"], condition=~Q(agb_code=""), name="organisation_agb_unique"
            ),
            models.UniqueConstraint(
                fields=["cbs_code"], condition=~Q(cbs_code=""), name="organisation_cbs_unique"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(AGB_KINDS)) | ~Q(agb_code=""),
                name="organisation_agb_required",
            ),
            models.CheckConstraint(
                condition=~Q(kind=OrganisationKind.MUNICIPALITY) | ~Q(cbs_code=""),
                name="organisation_cbs_required",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind in AGB_KINDS and not self.agb_code:
            errors["agb_code"] = _("Een AGB-code is verplicht voor deze soort organisatie.")
        if self.kind not in AGB_KINDS and self.agb_code:
            errors["agb_code"] = _(
                "Alleen huisartspraktijken en GGZ-aanbieders hebben een AGB-code."
            )
        if self.kind == OrganisationKind.MUNICIPALITY and not self.cbs_code:
            errors["cbs_code"] = _("Een CBS-code is verplicht voor een gemeente.")
        if self.kind != OrganisationKind.MUNICIPALITY and self.cbs_code:
            errors["cbs_code"] = _("Alleen gemeenten hebben een CBS-code.")
        if self.municipality_id and self.kind == OrganisationKind.MUNICIPALITY:
            errors["municipality"] = _("Een gemeente ligt niet in een andere gemeente.")
        if errors:
            raise ValidationError(errors)


class Region(TimeStampedModel):
    """A named set of municipalities, e.g. "Groningen". Coordinators work per region."""

    name = models.CharField(_("naam"), max_length=100, unique=True)
    municipalities = models.ManyToManyField(
        Organisation,
        related_name="regions",
        limit_choices_to={"kind": OrganisationKind.MUNICIPALITY},
        verbose_name=_("gemeenten"),
    )
    # What one hour of bridging work costs in this region (docs/indicators.md,
    # "cost_per_participant_reached"); empty: the deployment's BRIDGING_HOUR_RATE.
    bridging_hour_rate = models.DecimalField(
        _("uurtarief overbruggingszorg (euro)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Leeg: het standaarduurtarief van deze installatie."),
    )

    class Meta:
        verbose_name = _("regio")
        verbose_name_plural = _("regio's")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# A norm of more than two years is a typing error, not a policy.
NORM_MAX_DAYS = 730


class Norm(TimeStampedModel):
    """The Treeknorm of a region, in calendar days. Data, not constants (docs/domain.md).

    A region without a row uses the NZa defaults 28 / 70 / 98. Which norm an episode is
    judged against is one rule, ``voorzorg.accounts.norms``: pages, exports and figures
    all ask it. The model lived in monitoring before it moved here, beside the region,
    so that the pages may read it too; its table kept its name.
    """

    region = models.OneToOneField(
        Region, on_delete=models.CASCADE, related_name="norm", verbose_name=_("regio")
    )
    aanmeld_days = models.PositiveSmallIntegerField(
        _("aanmeldwachttijd (dagen)"), default=28, validators=[MinValueValidator(1)]
    )
    behandel_days = models.PositiveSmallIntegerField(
        _("behandelwachttijd (dagen)"), default=70, validators=[MinValueValidator(1)]
    )
    total_days = models.PositiveSmallIntegerField(
        _("totale wachttijd (dagen)"), default=98, validators=[MinValueValidator(1)]
    )

    class Meta:
        db_table = "monitoring_norm"
        verbose_name = _("Treeknorm")
        verbose_name_plural = _("Treeknormen")

    def __str__(self) -> str:
        return f"{self.region}: {self.aanmeld_days}/{self.behandel_days}/{self.total_days}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for field in ("aanmeld_days", "behandel_days", "total_days"):
            value = getattr(self, field)
            if value is not None and value > NORM_MAX_DAYS:
                errors[field] = _("Vul een aantal dagen tot en met %(max)d in.") % {
                    "max": NORM_MAX_DAYS
                }
        total = self.total_days
        if total is not None and "total_days" not in errors:
            longest = max(self.aanmeld_days or 0, self.behandel_days or 0)
            if total < longest:
                # The whole wait holds each of its parts: 98 = 28 + 70 in the NZa's norm.
                errors["total_days"] = _(
                    "De totale wachttijd kan niet korter zijn dan de aanmeld- of de "
                    "behandelwachttijd."
                )
        if errors:
            raise ValidationError(errors)


class Membership(TimeStampedModel):
    """Ties a user to an organisation in one role; a coordinator also to a region."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("regio"),
        help_text=_("Verplicht voor een regiocoördinator."),
    )
    is_team_lead = models.BooleanField(
        _("teamleider"),
        default=False,
        help_text=_("Een ervaringsdeskundige die de aanmeldingen van de regio verdeelt."),
    )

    class Meta:
        verbose_name = _("rol")
        verbose_name_plural = _("rollen")
        ordering = ["user", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.COORDINATOR) | Q(region__isnull=False),
                name="membership_coordinator_has_region",
            ),
            models.CheckConstraint(
                condition=Q(role=Role.EXPERT) | Q(is_team_lead=False),
                name="membership_team_lead_is_expert",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.organisation})"

    def clean(self) -> None:
        if self.role == Role.COORDINATOR and not self.region_id:
            raise ValidationError({"region": _("Kies de regio van deze coördinator.")})
        if self.is_team_lead and self.role != Role.EXPERT:
            raise ValidationError(
                {"is_team_lead": _("Alleen een ervaringsdeskundige kan teamleider zijn.")}
            )
        if (
            self.role == Role.POH
            and self.organisation_id
            and self.organisation.kind != OrganisationKind.GP_PRACTICE
        ):
            raise ValidationError(
                {"organisation": _("Een POH-GGZ werkt bij een huisartspraktijk.")}
            )
        if (
            self.role == Role.PROVIDER
            and self.organisation_id
            and self.organisation.kind != OrganisationKind.GGZ_PROVIDER
        ):
            raise ValidationError(
                {"organisation": _("Een medewerker van een aanbieder werkt bij een GGZ-aanbieder.")}
            )
        if (
            self.role == Role.MUNICIPALITY
            and self.organisation_id
            and self.organisation.kind != OrganisationKind.MUNICIPALITY
        ):
            raise ValidationError(
                {"organisation": _("Een beleidsmedewerker gemeente werkt bij een gemeente.")}
            )


def _validate_choice_list(value: object, choices: type[models.TextChoices]) -> None:
    """A JSON list of values of one fixed vocabulary, each at most once."""
    if not isinstance(value, list) or any(v not in choices.values for v in value):
        raise ValidationError(_("Kies alleen uit de lijst."))
    if len(set(value)) != len(value):
        raise ValidationError(_("Kies iedere waarde één keer."))


def validate_themes(value: object) -> None:
    _validate_choice_list(value, ExperienceTheme)


def validate_languages(value: object) -> None:
    _validate_choice_list(value, Language)


def validate_formats(value: object) -> None:
    _validate_choice_list(value, SupportFormat)


def validate_weekdays(value: object) -> None:
    _validate_choice_list(value, Weekday)


class ExpertProfile(TimeStampedModel):
    """What an experience expert tells her team lead about herself, so that the team lead
    can find the expert who fits a participant (``referrals.suggestions``).

    Kept by the expert herself and opt-in: without ``opted_in`` it is not used for
    suggestions. Read only by team leads of her organisation and admins of its region
    (``expert_profile_get_for``, every read logged). One per expert role (membership):
    the municipalities she works in and her caseload belong to one organisation's work.
    Themes are lived experience in everyday words, never a diagnosis.
    """

    membership = models.OneToOneField(
        Membership,
        on_delete=models.CASCADE,
        related_name="expert_profile",
        limit_choices_to={"role": Role.EXPERT},
    )
    opted_in = models.BooleanField(
        _("gebruik mijn profiel bij het voorstellen van ervaringsdeskundigen"), default=False
    )
    themes = models.JSONField(
        _("eigen ervaring met"), default=list, blank=True, validators=[validate_themes]
    )
    relative_themes = models.JSONField(
        _("ervaring als naaste met"), default=list, blank=True, validators=[validate_themes]
    )
    age_band = models.CharField(_("leeftijd"), max_length=10, choices=AgeBand.choices, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=ExpertGender.choices, blank=True)
    languages = models.JSONField(
        _("talen"), default=list, blank=True, validators=[validate_languages]
    )
    municipalities = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="expert_profiles",
        limit_choices_to={"kind": OrganisationKind.MUNICIPALITY},
        verbose_name=_("gemeenten waar ik werk"),
    )
    formats = models.JSONField(
        _("werkvormen"), default=list, blank=True, validators=[validate_formats]
    )
    days = models.JSONField(
        _("dagen beschikbaar"), default=list, blank=True, validators=[validate_weekdays]
    )
    max_caseload = models.PositiveSmallIntegerField(
        _("hoeveel deelnemers ik tegelijk begeleid (hoogstens)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(40)],
    )
    introduction = models.TextField(
        _("korte introductie"),
        max_length=600,
        blank=True,
        help_text=_("Een paar zinnen over uzelf die de deelnemer mag lezen. Geen diagnoses."),
    )

    class Meta:
        verbose_name = _("profiel ervaringsdeskundige")
        verbose_name_plural = _("profielen ervaringsdeskundigen")

    def __str__(self) -> str:
        return str(self.membership)

    # The lists' labels, in the vocabulary's order, for the pages.
    @property
    def theme_labels(self) -> list[str]:
        return [str(label) for value, label in ExperienceTheme.choices if value in self.themes]

    @property
    def relative_theme_labels(self) -> list[str]:
        return [
            str(label) for value, label in ExperienceTheme.choices if value in self.relative_themes
        ]

    @property
    def language_labels(self) -> list[str]:
        return [str(label) for value, label in Language.choices if value in self.languages]

    @property
    def format_labels(self) -> list[str]:
        return [str(label) for value, label in SupportFormat.choices if value in self.formats]

    @property
    def day_labels(self) -> list[str]:
        return [str(label) for value, label in Weekday.choices if value in self.days]

    def clean(self) -> None:
        if self.membership_id and self.membership.role != Role.EXPERT:
            raise ValidationError(_("Alleen een ervaringsdeskundige heeft een profiel."))
