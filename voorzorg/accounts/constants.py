from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    POH = "poh", _("POH-GGZ")
    EXPERT = "expert", _("Ervaringsdeskundige")
    COORDINATOR = "coordinator", _("Regiocoördinator")
    ADMIN = "admin", _("Functioneel beheerder")
    PROVIDER = "provider", _("Medewerker GGZ-aanbieder")
    MUNICIPALITY = "municipality", _("Beleidsmedewerker gemeente")


class OrganisationKind(models.TextChoices):
    GP_PRACTICE = "gp_practice", _("Huisartspraktijk")
    GGZ_PROVIDER = "ggz_provider", _("GGZ-aanbieder")
    MUNICIPALITY = "municipality", _("Gemeente")
    WELFARE = "welfare", _("Welzijnsorganisatie")


# Kinds identified by an AGB code (Vektis), and the one identified by a CBS code.
AGB_KINDS = frozenset({OrganisationKind.GP_PRACTICE, OrganisationKind.GGZ_PROVIDER})
