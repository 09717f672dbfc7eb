from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class GroupKind(models.TextChoices):
    VOORZORGGROEP = "voorzorggroep", _("Voorzorggroep")
    HUISKAMER = "huiskamer", _("Huiskamer (inloop)")
    THEMABIJEENKOMST = "themabijeenkomst", _("Themabijeenkomst")
    ONLINE = "online", _("Online bijeenkomst")
    ACTIVITEIT = "activiteit", _("Activiteit")


# Capacity a new group of each kind starts with; an admin or team lead can change it.
# A peer group works with 8-12 people; a drop-in living room holds more.
DEFAULT_CAPACITY: dict[str, int] = {
    GroupKind.VOORZORGGROEP: 12,
    GroupKind.HUISKAMER: 25,
    GroupKind.THEMABIJEENKOMST: 30,
    GroupKind.ONLINE: 10,
    GroupKind.ACTIVITEIT: 15,
}


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Elke week")
    BIWEEKLY = "biweekly", _("Om de week")
    MONTHLY = "monthly", _("Elke maand")
    ONCE = "once", _("Eenmalig")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("maandag")
    TUESDAY = 1, _("dinsdag")
    WEDNESDAY = 2, _("woensdag")
    THURSDAY = 3, _("donderdag")
    FRIDAY = 4, _("vrijdag")
    SATURDAY = 5, _("zaterdag")
    SUNDAY = 6, _("zondag")


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("Doet mee")
    WAITING = "waiting", _("Wachtplaats")
    ENDED = "ended", _("Gestopt")


class LeavingReason(models.TextChoices):
    TREATMENT_STARTED = "treatment_started", _("Behandeling gestart")
    NO_LONGER_NEEDED = "no_longer_needed", _("Niet meer nodig")
    OTHER_GROUP = "other_group", _("Naar een andere groep")
    LOST_CONTACT = "lost_contact", _("Uit beeld geraakt")
    MOVED = "moved", _("Verhuisd")
    OTHER = "other", _("Anders")


class SessionFormat(models.TextChoices):
    IN_PERSON = "in_person", _("Op locatie")
    ONLINE = "online", _("Online")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Aanwezig")
    EXCUSED = "excused", _("Afgemeld")
    ABSENT = "absent", _("Afwezig")


class ContactMode(models.TextChoices):
    FACE_TO_FACE = "face_to_face", _("Persoonlijk (op locatie)")
    PHONE = "phone", _("Telefoon")
    VIDEO = "video", _("Beeldbellen")
    HOME_VISIT = "home_visit", _("Huisbezoek")
    WALK = "walk", _("Wandeling")


class NetworkPartner(models.TextChoices):
    DEBT_COUNSELLING = "schuldhulpverlening", _("Schuldhulpverlening")
    NEIGHBOURHOOD_TEAM = "wijkteam", _("Wijkteam / sociaal team")
    WELFARE = "welzijn", _("Welzijnsorganisatie")
    WORK = "werk", _("Werk en inkomen (gemeente, UWV)")
    HOUSING = "wonen", _("Woningcorporatie")
    EDUCATION = "onderwijs", _("Onderwijs")
    OTHER = "overig", _("Andere partner")


class PositiveHealthDimension(models.TextChoices):
    """The six dimensions of Positieve Gezondheid, each scored 0-10."""

    BODY = "lichaamsfuncties", _("Lichaamsfuncties")
    MENTAL = "mentaal_welbevinden", _("Mentaal welbevinden")
    MEANING = "zingeving", _("Zingeving")
    QUALITY = "kwaliteit_van_leven", _("Kwaliteit van leven")
    PARTICIPATION = "meedoen", _("Meedoen")
    DAILY = "dagelijks_functioneren", _("Dagelijks functioneren")


class SignalSeverity(models.TextChoices):
    CONCERN = "zorg", _("Zorg")
    URGENT = "urgent", _("Urgent")
    CRISIS = "crisis", _("Crisis")


class SignalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Gezien")
    RESOLVED = "resolved", _("Afgehandeld")


# How long a session lasts unless its log says otherwise: a peer group meets for about
# two hours.
DEFAULT_SESSION_MINUTES = 120

# "Uit beeld": no contact for this many days or more (worklist).
OUT_OF_SIGHT_DAYS = 14
