from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferralStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Aangemeld")
    ACCEPTED = "accepted", _("Geaccepteerd")
    DECLINED = "declined", _("Afgewezen")
    IN_BRIDGING = "in_bridging", _("In overbrugging")
    HANDED_OVER = "handed_over", _("Overgedragen")
    CLOSED = "closed", _("Afgesloten")
    WITHDRAWN = "withdrawn", _("Ingetrokken")


OPEN_STATUSES = frozenset(
    {ReferralStatus.SUBMITTED, ReferralStatus.ACCEPTED, ReferralStatus.IN_BRIDGING}
)


class ReferralSource(models.TextChoices):
    GP = "gp", _("Huisartspraktijk")
    SELF = "self", _("Zelfaanmelding")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normaal")
    HIGH = "high", _("Met voorrang")


class CareLevel(models.TextChoices):
    GB_GGZ = "gb-ggz", _("Generalistische basis-ggz")
    S_GGZ = "s-ggz", _("Gespecialiseerde ggz")


class CloseReason(models.TextChoices):
    TREATMENT_STARTED = "treatment_started", _("Behandeling gestart")
    NO_LONGER_NEEDED = "no_longer_needed", _("Niet meer nodig")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("Elders naartoe verwezen")
    DROPPED_OUT = "dropped_out", _("Uitgevallen")
    MOVED = "moved", _("Verhuisd")
    DECEASED = "deceased", _("Overleden")
    OTHER = "other", _("Anders")


class DiagnosisGroup(models.TextChoices):
    """The main diagnosis groups NZa reports waiting times by; empty = not yet made."""

    ADHD = "adhd", _("Aandachtstekort- en gedragsstoornissen")
    ANXIETY = "angst", _("Angststoornissen")
    AUTISM = "autisme", _("Autismespectrumstoornissen")
    BIPOLAR = "bipolair", _("Bipolaire stoornissen")
    DEPRESSION = "depressie", _("Depressieve stoornissen")
    SUBSTANCE = "verslaving", _("Middelgerelateerde en verslavingsstoornissen")
    NEUROCOGNITIVE = "neurocognitief", _("Neurocognitieve stoornissen")
    PERSONALITY = "persoonlijkheid", _("Persoonlijkheidsstoornissen")
    PSYCHOSIS = "psychose", _("Schizofrenie en andere psychotische stoornissen")
    SOMATIC = "somatisch", _("Somatisch-symptoomstoornissen")
    TRAUMA = "trauma", _("Trauma- en stressorgerelateerde stoornissen")
    EATING = "eetstoornis", _("Voedings- en eetstoornissen")
    OCD = "ocs", _("Obsessieve-compulsieve stoornissen")
    OTHER = "overig", _("Overige stoornissen")


class ExperienceEnteredBy(models.TextChoices):
    """Who typed the answers of the experience at handover."""

    # The experience expert (or another member of the sending side) with the participant.
    EXPERT = "expert", _("Ervaringsdeskundige samen met de deelnemer")
    # The participant herself, on a one-time link.
    PARTICIPANT = "participant", _("Deelnemer zelf, via een eenmalige link")


class ExpertChangeReason(models.TextChoices):
    """Why the participant asked for another experience expert (no free text: the
    reason is counted, and says nothing more about her than needed)."""

    NO_CLICK = "no_click", _("het klikt niet")
    LANGUAGE = "language", _("liever een andere taal")
    FORMAT = "format", _("andere werkvorm of andere dagen")
    GENDER_AGE = "gender_age", _("liever iemand van een ander gender of een andere leeftijd")
    EXPERIENCE = "experience", _("liever iemand met andere ervaring")
    PRACTICAL = "practical", _("praktisch: afstand, tijd of bereikbaarheid")
    OTHER = "other", _("een andere reden")
