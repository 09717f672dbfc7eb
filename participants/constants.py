from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetGroup(models.TextChoices):
    YOUTH = "jongere", _("Jongere (tot 18)")
    YOUNG_ADULT = "jongvolwassene", _("Jongvolwassene (18–23)")
    ADULT = "volwassene", _("Volwassene")
    PARENT = "ouder_verzorger", _("Ouder of verzorger")


class ConsentKind(models.TextChoices):
    PROCESSING = "processing", _("Verwerking van gegevens voor overbruggingszorg")
    SHARE_AT_HANDOVER = "share_at_handover", _("Delen met de behandelaar bij de overdracht")


class LifeDomain(models.TextChoices):
    FINANCES = "financien", _("Financiën")
    WORK = "werk", _("Werk")
    DAYTIME = "dagbesteding", _("Dagbesteding")
    EDUCATION = "onderwijs", _("Onderwijs")
    HOUSING = "huisvesting", _("Huisvesting")
    SOCIAL = "sociale_relaties", _("Sociale relaties")


class DuplicateStatus(models.TextChoices):
    """What became of a possible duplicate (``PossibleDuplicate``)."""

    OPEN = "open", _("mogelijk dubbel")
    DIFFERENT = "different", _("iemand anders")
    MERGED = "merged", _("samengevoegd")


# What an erased participant's names become, and what replaces a free text that a
# database constraint requires to be non-empty (a decline reason, a resolution note).
# Stored data, not interface text: not translated.
ERASED = "Gewist"
