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


# The expert profile's fixed vocabularies (``ExpertProfile``). Themes are lived
# experience in everyday words, never a diagnosis: nobody needs one to be matched.
class ExperienceTheme(models.TextChoices):
    ANXIETY = "anxiety", _("angst")
    LOW_MOOD = "low_mood", _("somberheid")
    STRESS = "stress", _("stress en overbelasting")
    GRIEF = "grief", _("rouw en verlies")
    LONELINESS = "loneliness", _("eenzaamheid")
    TRAUMA = "trauma", _("ingrijpende gebeurtenissen")
    ADDICTION = "addiction", _("verslaving")
    MONEY = "money", _("geldzorgen en schulden")
    WORK = "work", _("werk en uitval")
    PSYCHOSIS = "psychosis", _("verwarring en psychose")
    EATING = "eating", _("eten en lichaamsbeeld")
    SELF_HARM = "self_harm", _("zelfbeschadiging en doodsgedachten")
    MIGRATION = "migration", _("migratie en ontworteling")


class AgeBand(models.TextChoices):
    UNDER_25 = "18_25", _("18 tot 25 jaar")
    FROM_25 = "25_40", _("25 tot 40 jaar")
    FROM_40 = "40_65", _("40 tot 65 jaar")
    FROM_65 = "65_plus", _("65 jaar en ouder")


class ExpertGender(models.TextChoices):
    WOMAN = "woman", _("vrouw")
    MAN = "man", _("man")
    OTHER = "other", _("anders")


class Language(models.TextChoices):
    DUTCH = "nl", _("Nederlands")
    GRONINGS = "gos", _("Gronings")
    FRISIAN = "fy", _("Fries")
    ENGLISH = "en", _("Engels")
    GERMAN = "de", _("Duits")
    ARABIC = "ar", _("Arabisch")
    TURKISH = "tr", _("Turks")
    POLISH = "pl", _("Pools")
    TIGRINYA = "ti", _("Tigrinya")
    UKRAINIAN = "uk", _("Oekraïens")
    PAPIAMENTO = "pap", _("Papiaments")
    SOMALI = "so", _("Somalisch")
    SIGN = "ngt", _("Nederlandse Gebarentaal")


class SupportFormat(models.TextChoices):
    ONE_ON_ONE = "one_on_one", _("één-op-één")
    GROUP = "group", _("in een groep")
    ONLINE = "online", _("online")
    WALK = "walk", _("wandelend")
    HOME_VISIT = "home_visit", _("op huisbezoek")


class Weekday(models.TextChoices):
    MONDAY = "mon", _("maandag")
    TUESDAY = "tue", _("dinsdag")
    WEDNESDAY = "wed", _("woensdag")
    THURSDAY = "thu", _("donderdag")
    FRIDAY = "fri", _("vrijdag")
    SATURDAY = "sat", _("zaterdag")
    SUNDAY = "sun", _("zondag")
