"""What each access-log event means, in words: the one registry of event labels.

A row's ``event`` is a technical key, optionally followed by what it concerns:
``signal.acknowledge:2``, ``participant.export:json``, ``referral.accepted:7``. A privacy
officer reads "Signaal gezien" and "Signaal 2" instead: ``describe(event)`` gives both,
for the viewer, its CSV (which keeps the raw key in a column of its own), the person's
access overview and the emergency-access review. Roles likewise (``role_label``).

Every key the code writes has an entry here: ``tests/audit/test_event_labels.py`` reads
the source for the events it writes (every ``event=`` argument, every argument passed to
a parameter called ``event``, every ``event = ...``) and fails on one without a label, so
a new event cannot ship unlabelled. A key built from a value (``referral.{status}``)
is listed in that test with the values it takes.

The keys stay as they are written: rows are append-only and kept for years, so a label
may change (or be translated), a key never.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.constants import Role

# How the part after the key reads: "2" -> "Signaal 2". Given that part, as written.
Record = Callable[[str], str]


@dataclass(frozen=True)
class EventType:
    label: str | Promise
    # None: the part after the key is shown as written (an id, a file name).
    record: Record | None = None


@dataclass(frozen=True)
class Described:
    """An event in words, and as written."""

    raw: str
    key: str
    label: str
    record: str
    known: bool


def numbered(noun: str | Promise) -> Record:
    """``noun`` holds ``%(id)s``: "Signaal %(id)s" and ``2`` read "Signaal 2"."""

    def words(ref: str) -> str:
        return str(noun) % {"id": ref.split(":", 1)[0]}

    return words


def choice(words: Mapping[str, str | Promise]) -> Record:
    """One word per known value; anything else as written."""

    def read(ref: str) -> str:
        return str(words.get(ref, ref))

    return read


def formatted(text: str | Promise) -> Record:
    """``text`` holds ``%(ref)s``: the whole part after the key, e.g. a file name."""

    def read(ref: str) -> str:
        return str(text) % {"ref": ref}

    return read


# Field names an event lists after the id (``account.update:12:email,full_name``).
FIELD_WORDS: dict[str, str | Promise] = {
    "full_name": _("naam"),
    "email": _("e-mailadres"),
    "name": _("naam"),
    "agb_code": _("AGB-code"),
    "cbs_code": _("CBS-code"),
    "municipality": _("gemeente"),
    "municipalities": _("gemeenten"),
}


def with_fields(noun: str | Promise) -> Record:
    """ "Gebruiker %(id)s" and ``12:email,full_name`` read "Gebruiker 12 (e-mailadres, naam)"."""

    def read(ref: str) -> str:
        pk, _sep, fields = ref.partition(":")
        text = str(noun) % {"id": pk}
        if not fields:
            return text
        names = ", ".join(str(FIELD_WORDS.get(f, f)) for f in fields.split(","))
        return f"{text} ({names})"

    return read


def _membership(ref: str) -> str:
    """``12:poh:4`` -> "Gebruiker 12: POH-GGZ bij organisatie 4"."""
    parts = ref.split(":")
    if len(parts) != 3:
        return ref
    user, role, organisation = parts
    return str(_("Gebruiker %(user)s: %(role)s bij organisatie %(organisation)s")) % {
        "user": user,
        "role": role_label(role),
        "organisation": organisation,
    }


EXPORT_FORMATS: dict[str, str | Promise] = {
    "csv": _("CSV"),
    "xlsx": _("Excel"),
    "compare-csv": _("vergelijking van regio's (CSV)"),
}


def _figures_export(ref: str) -> str:
    """``csv:2026-Q3`` or ``xlsx:2026:region=3`` -> "Excel, periode 2026, regio 3"."""
    parts = ref.split(":")
    text = str(EXPORT_FORMATS.get(parts[0], parts[0]))
    if len(parts) > 1:
        text += ", " + str(_("periode %(period)s")) % {"period": parts[1]}
    for extra in parts[2:]:
        if extra.startswith("region="):
            text += ", " + str(_("regio %(id)s")) % {"id": extra.removeprefix("region=")}
        elif extra.startswith("municipality="):
            code = extra.removeprefix("municipality=")
            text += ", " + str(_("gemeente %(code)s")) % {"code": code}
    return text


# What a consent is for (participants.constants.ConsentKind; a test checks every kind).
CONSENT_WORDS = {
    "processing": _("verwerking van gegevens voor overbruggingszorg"),
    "share_at_handover": _("delen met de behandelaar bij de overdracht"),
}

ACCOUNT = numbered(_("Gebruiker %(id)s"))
CONTACT = numbered(_("Contact %(id)s"))
ENROLMENT = numbered(_("Inschrijving %(id)s"))
EPISODE = numbered(_("Wachtplek %(id)s"))
GRANT = numbered(_("Noodtoegang %(id)s"))
GROUP = numbered(_("Groep %(id)s"))
PARTICIPANT = numbered(_("Deelnemer %(id)s"))
REFERRAL = numbered(_("Verwijzing %(id)s"))
REGION = numbered(_("Regio %(id)s"))
MERGE = numbered(_("Samenvoeging %(id)s"))
SESSION = numbered(_("Bijeenkomst %(id)s"))
SIGNAL = numbered(_("Signaal %(id)s"))

EVENTS: dict[str, EventType] = {
    # Participants and their consents
    "participant.view": EventType(_("Dossier bekeken"), PARTICIPANT),
    "participant.create": EventType(_("Deelnemer geregistreerd"), PARTICIPANT),
    "participant.export": EventType(
        _("Gegevens van de deelnemer geëxporteerd"),
        choice({"html": _("als webpagina"), "json": _("als JSON-bestand")}),
    ),
    "participant.erase": EventType(_("Gegevens van de deelnemer gewist")),
    "participant.not_duplicate": EventType(
        _("Vastgelegd dat een mogelijk dubbele deelnemer iemand anders is"), PARTICIPANT
    ),
    "participant.merge": EventType(_("Twee dossiers van een deelnemer samengevoegd"), MERGE),
    "participant.merge.view": EventType(_("Samenvoeging bekeken"), MERGE),
    "participant.merge_undo": EventType(_("Samenvoeging teruggedraaid"), MERGE),
    "participant.correct": EventType(_("Gegevens van de deelnemer gecorrigeerd"), PARTICIPANT),
    "participant.history": EventType(
        _("Geschiedenis van de gegevens van de deelnemer bekeken"), PARTICIPANT
    ),
    "consent.give": EventType(_("Toestemming vastgelegd"), choice(CONSENT_WORDS)),
    "consent.withdraw": EventType(_("Toestemming ingetrokken"), choice(CONSENT_WORDS)),
    # Referrals, their steps and waiting places
    "referral.view": EventType(_("Verwijzing bekeken"), REFERRAL),
    "referral.create": EventType(_("Verwijzing aangemaakt"), REFERRAL),
    "referral.self_register": EventType(_("Zelf aangemeld"), REFERRAL),
    "referral.duplicate_candidates": EventType(_("Getoond als mogelijk dubbel bij een aanmelding")),
    "referral.duplicate_chosen": EventType(
        _("Gekozen als dezelfde persoon bij een aanmelding"), PARTICIPANT
    ),
    "referral.action": EventType(_("Verwijzing geopend voor een stap"), REFERRAL),
    "referral.accepted": EventType(_("Verwijzing geaccepteerd"), REFERRAL),
    "referral.declined": EventType(_("Verwijzing afgewezen"), REFERRAL),
    "referral.in_bridging": EventType(_("Overbrugging gestart"), REFERRAL),
    "referral.handed_over": EventType(_("Verwijzing overgedragen"), REFERRAL),
    "referral.closed": EventType(_("Verwijzing afgesloten"), REFERRAL),
    "referral.withdrawn": EventType(_("Verwijzing ingetrokken"), REFERRAL),
    "referral.correct": EventType(_("Verwijzing gecorrigeerd"), REFERRAL),
    "referral.wishes": EventType(_("Wensen van de deelnemer vastgelegd"), REFERRAL),
    "referral.expert_change": EventType(
        _("Andere ervaringsdeskundige op verzoek van de deelnemer"), REFERRAL
    ),
    "referral.history": EventType(_("Geschiedenis van een verwijzing bekeken"), REFERRAL),
    # Linking a referral to the provider's waiting place by its client reference
    "referral.reference": EventType(_("Kenmerk bij de aanbieder vastgelegd"), REFERRAL),
    "referral.link": EventType(_("Gekoppeld aan de wachtplek bij de aanbieder"), REFERRAL),
    "referral.unlink": EventType(_("Koppeling met de wachtplek ongedaan gemaakt"), REFERRAL),
    "episode.replaced": EventType(
        _("Ingevoerde wachtplek vervangen door die van de aanbieder"), EPISODE
    ),
    "referrals.list": EventType(_("Getoond in de lijst verwijzingen")),
    "referrals.export": EventType(_("In een export van verwijzingen")),
    "referrals.intake_queue": EventType(_("Getoond in de lijst aanmeldingen")),
    "handover.view": EventType(_("Overdracht bekeken"), REFERRAL),
    "handover.save": EventType(_("Overdracht bijgewerkt"), REFERRAL),
    "handover.complete": EventType(_("Overdracht afgerond"), REFERRAL),
    "handover.gp_letter": EventType(_("Brief aan de huisarts bekeken"), REFERRAL),
    "episode.view": EventType(_("Wachtplek bekeken"), EPISODE),
    "episode.create": EventType(_("Wachtplek toegevoegd"), EPISODE),
    "episode.update": EventType(_("Wachtplek bijgewerkt"), EPISODE),
    # The GGZ provider in the loop: its pages, its confirmation, the thread
    "referrals.provider_list": EventType(_("Getoond in de lijst overdrachten van de aanbieder")),
    "referral.provider_view": EventType(_("Verwijzing bekeken door de aanbieder"), REFERRAL),
    "handover.confirm": EventType(_("Overdracht bevestigd door de aanbieder"), REFERRAL),
    "handover.appointment": EventType(_("Eerste afspraak bij de aanbieder gepland"), REFERRAL),
    "handover.message": EventType(_("Bericht bij de overdracht geplaatst"), REFERRAL),
    "handover_experience.record": EventType(
        _("Ervaring bij de overdracht: formulier verstuurd"), REFERRAL
    ),
    "handover_experience.save": EventType(_("Ervaring bij de overdracht vastgelegd"), REFERRAL),
    "handover_experience.link": EventType(
        _("Eenmalige link voor de ervaring bij de overdracht"), REFERRAL
    ),
    "handover_experience.participant": EventType(
        _("Ervaring bij de overdracht ingevuld door de deelnemer"), REFERRAL
    ),
    # Peer groups, contacts, signals
    "group.view": EventType(_("Groep bekeken"), GROUP),
    "group.create": EventType(_("Groep aangemaakt"), GROUP),
    "group.update": EventType(_("Groep gewijzigd"), GROUP),
    "group.edit": EventType(_("Groep geopend om te wijzigen"), GROUP),
    "group.roster": EventType(_("Getoond op de deelnemerslijst van een groep"), GROUP),
    "group.enrol": EventType(_("Groep geopend om in te schrijven"), GROUP),
    "group.enrol_choices": EventType(_("Getoond bij het inschrijven voor een groep"), GROUP),
    "group.enrolment": EventType(_("Inschrijving geopend"), GROUP),
    "group.session": EventType(_("Bijeenkomst geopend"), GROUP),
    "group.session_log": EventType(_("Bijeenkomst vastleggen geopend"), GROUP),
    "group.session_roster": EventType(_("Getoond op de presentielijst"), GROUP),
    "enrolment.view": EventType(_("Inschrijving bekeken"), ENROLMENT),
    "enrolment.create": EventType(_("Ingeschreven voor een groep"), ENROLMENT),
    "enrolment.admit": EventType(_("Geplaatst in een groep"), ENROLMENT),
    "enrolment.end": EventType(_("Uitgeschreven uit een groep"), ENROLMENT),
    "session.log": EventType(_("Bijeenkomst vastgelegd"), SESSION),
    "session.view": EventType(_("Bijeenkomst bekeken"), SESSION),
    "contact.create": EventType(_("Contact vastgelegd"), CONTACT),
    "contact.correct": EventType(_("Contact gecorrigeerd"), CONTACT),
    "contact.withdraw": EventType(_("Contact ingetrokken"), CONTACT),
    "contact.history": EventType(_("Geschiedenis van een contact bekeken"), CONTACT),
    "positive_health.create": EventType(
        _("Positieve Gezondheid vastgelegd"), numbered(_("Meting %(id)s"))
    ),
    "positive_health.correct": EventType(
        _("Meting Positieve Gezondheid gecorrigeerd"), numbered(_("Meting %(id)s"))
    ),
    "positive_health.withdraw": EventType(
        _("Meting Positieve Gezondheid ingetrokken"), numbered(_("Meting %(id)s"))
    ),
    "positive_health.history": EventType(
        _("Geschiedenis van een meting bekeken"), numbered(_("Meting %(id)s"))
    ),
    "signal.view": EventType(_("Signaal bekeken"), SIGNAL),
    "signal.raise": EventType(_("Signaal gemeld"), SIGNAL),
    "signal.acknowledge": EventType(_("Signaal gezien"), SIGNAL),
    "signal.resolve": EventType(_("Signaal afgehandeld"), SIGNAL),
    "signals.list": EventType(_("Getoond in de lijst signalen")),
    "worklist": EventType(_("Getoond op een werklijst")),
    "team.view": EventType(_("Teamoverzicht bekeken")),
    "notifications.inbox": EventType(_("Getoond in de meldingen")),
    # The REST API
    "api.participant.list": EventType(_("Deelnemers opgevraagd via de API")),
    "api.participant.view": EventType(_("Deelnemer opgevraagd via de API"), PARTICIPANT),
    "api.participant.correct": EventType(
        _("Deelnemer geopend om te corrigeren via de API"), PARTICIPANT
    ),
    "api.referral.list": EventType(_("Verwijzingen opgevraagd via de API")),
    "api.referral.view": EventType(_("Verwijzing opgevraagd via de API"), REFERRAL),
    "api.referral.duplicate_candidates": EventType(
        _("Getoond als mogelijk dubbel bij een aanmelding via de API")
    ),
    "api.referral.correct": EventType(
        _("Verwijzing geopend om te corrigeren via de API"), REFERRAL
    ),
    "api.referral.action": EventType(_("Stap op een verwijzing via de API"), REFERRAL),
    "api.referral.replay": EventType(_("Verwijzing aanmaken herhaald via de API")),
    "api.handover.view": EventType(_("Overdracht opgevraagd via de API"), REFERRAL),
    "api.handover.save": EventType(_("Overdracht bijgewerkt via de API"), REFERRAL),
    "api.handover.complete": EventType(_("Overdracht afgerond via de API"), REFERRAL),
    "api.episode.list": EventType(_("Wachtplekken opgevraagd via de API")),
    "api.episode.view": EventType(_("Wachtplek opgevraagd via de API"), EPISODE),
    "api.episode.update": EventType(_("Wachtplek bijgewerkt via de API"), EPISODE),
    "api.episode.replay": EventType(_("Wachtplek toevoegen herhaald via de API")),
    "api.group.view": EventType(_("Groep opgevraagd via de API"), GROUP),
    "api.group.roster": EventType(_("Deelnemerslijst opgevraagd via de API"), GROUP),
    "api.group.sessions": EventType(_("Bijeenkomsten opgevraagd via de API"), GROUP),
    "api.group.session": EventType(_("Bijeenkomst opgevraagd via de API"), GROUP),
    "api.group.session_log": EventType(_("Bijeenkomst vastgelegd via de API"), GROUP),
    "api.session.view": EventType(_("Bijeenkomst opgevraagd via de API"), SESSION),
    "api.session.replay": EventType(_("Bijeenkomst vastleggen herhaald via de API")),
    "api.contact.list": EventType(_("Contacten opgevraagd via de API")),
    "api.contact.replay": EventType(_("Contact vastleggen herhaald via de API")),
    "api.positive_health.list": EventType(_("Positieve Gezondheid opgevraagd via de API")),
    "api.health.replay": EventType(_("Positieve Gezondheid vastleggen herhaald via de API")),
    "api.signal.list": EventType(_("Signalen opgevraagd via de API")),
    "api.signal.acknowledge": EventType(_("Signaal gezien via de API"), SIGNAL),
    "api.signal.resolve": EventType(_("Signaal afgehandeld via de API"), SIGNAL),
    "api.signal.replay": EventType(_("Signaal melden herhaald via de API")),
    # Both sides of the handover through the API and FHIR (referrals.api.provider,
    # voorzorg.fhir writes, referrals.fhir_services)
    "api.referral.link": EventType(_("Kenmerk van de aanbieder vastgelegd via de API"), REFERRAL),
    "api.referral.unlink": EventType(_("Koppeling met de aanbieder ongedaan via de API"), REFERRAL),
    "api.handover.messages": EventType(_("Berichten bij de overdracht opgevraagd via de API")),
    "api.handover.message": EventType(_("Bericht bij de overdracht via de API"), REFERRAL),
    "api.handover.message_replay": EventType(_("Bericht bij de overdracht herhaald via de API")),
    "fhir.Task.update": EventType(_("Overdracht bijgewerkt via FHIR")),
    "fhir.EpisodeOfCare.update": EventType(_("Wachtplek bijgewerkt via FHIR")),
    "episode.provider_update": EventType(_("Wachtplek bijgewerkt door de aanbieder"), EPISODE),
    "api_token.create": EventType(_("API-sleutel gemaakt"), numbered(_("API-sleutel %(id)s"))),
    "api_token.revoke": EventType(_("API-sleutel ingetrokken"), numbered(_("API-sleutel %(id)s"))),
    "fhir.Patient.handover": EventType(_("Overdracht opgehaald via FHIR")),
    # Figures and the waiting-list import
    "monitoring.export": EventType(_("Cijfers geëxporteerd"), _figures_export),
    "monitoring.report": EventType(_("Kwartaalrapportage geëxporteerd"), _figures_export),
    "waitlist.import": EventType(_("Wachtlijst geïmporteerd"), formatted(_("bestand %(ref)s"))),
    "waitlist.refusals": EventType(
        _("Weigeringen van een wachtlijstimport geëxporteerd"), numbered(_("Import %(id)s"))
    ),
    # The access log itself, and emergency access
    "audit.view": EventType(
        _("Toegangslog geraadpleegd"), choice({"django-admin": _("in het technisch beheer")})
    ),
    "audit.export": EventType(_("Toegangslog geëxporteerd")),
    "audit.participant_overview": EventType(_("Overzicht 'wie heeft dit dossier bekeken'")),
    "break_glass.grant": EventType(_("Noodtoegang gevraagd"), GRANT),
    "break_glass.refused": EventType(_("Noodtoegang geweigerd")),
    "break_glass.open": EventType(_("Dossier geopend met noodtoegang"), GRANT),
    "break_glass.view": EventType(_("Noodtoegang bekeken"), GRANT),
    "break_glass.list": EventType(_("Getoond in de lijst noodtoegang")),
    "break_glass.review": EventType(_("Noodtoegang beoordeeld"), GRANT),
    "role.refused": EventType(_("Pagina geweigerd voor deze rol"), formatted(_("pagina %(ref)s"))),
    # Accounts, roles, organisations, regions (the functional administrator)
    "accounts.list": EventType(_("Lijst gebruikers bekeken")),
    "account.view": EventType(_("Gebruiker bekeken"), ACCOUNT),
    "account.invite": EventType(_("Gebruiker uitgenodigd"), ACCOUNT),
    "account.invite_resend": EventType(_("Uitnodiging opnieuw verstuurd"), ACCOUNT),
    "account.update": EventType(_("Account gewijzigd"), with_fields(_("Gebruiker %(id)s"))),
    "account.deactivate": EventType(_("Account op inactief gezet"), ACCOUNT),
    "account.reactivate": EventType(_("Account weer actief gemaakt"), ACCOUNT),
    "account.second_factor_reset": EventType(_("Tweede stap hersteld"), ACCOUNT),
    "membership.add": EventType(_("Rol toegekend"), _membership),
    "membership.update": EventType(_("Rol gewijzigd"), _membership),
    "membership.end": EventType(_("Rol beëindigd"), _membership),
    "organisation.view": EventType(_("Organisatie bekeken"), numbered(_("Organisatie %(id)s"))),
    "organisation.create": EventType(
        _("Organisatie aangemaakt"), numbered(_("Organisatie %(id)s"))
    ),
    "organisation.update": EventType(
        _("Organisatie gewijzigd"), with_fields(_("Organisatie %(id)s"))
    ),
    "region.view": EventType(_("Regio bekeken"), REGION),
    "region.create": EventType(_("Regio aangemaakt"), REGION),
    "region.update": EventType(_("Regio gewijzigd"), with_fields(_("Regio %(id)s"))),
    "norm.update": EventType(_("Treeknorm gewijzigd"), REGION),
    # An experience expert's profile (the team lead's suggestions read it)
    "expert_profile.view": EventType(
        _("Profiel ervaringsdeskundige bekeken"), numbered(_("Rol %(id)s"))
    ),
    "expert_profile.update": EventType(
        _("Eigen profiel ervaringsdeskundige opgeslagen"), numbered(_("Rol %(id)s"))
    ),
}

# The FHIR API's reads and searches, one pair per resource type (voorzorg.fhir).
FHIR_RESOURCES: dict[str, str | Promise] = {
    "Patient": _("deelnemer"),
    "ServiceRequest": _("verwijzing"),
    "EpisodeOfCare": _("wachtplek"),
    "Task": _("overdracht"),
    "Group": _("groep"),
    "Encounter": _("contact"),
    "QuestionnaireResponse": _("Positieve Gezondheid"),
}
for _name, _noun in FHIR_RESOURCES.items():
    EVENTS[f"fhir.{_name}.read"] = EventType(
        format_lazy(_("Via FHIR opgevraagd: {resource}"), resource=_noun)
    )
    EVENTS[f"fhir.{_name}.search"] = EventType(
        format_lazy(_("Via FHIR gezocht: {resource}"), resource=_noun)
    )


def describe(event: str) -> Described:
    """``signal.acknowledge:2`` -> label "Signaal gezien", record "Signaal 2".

    An event without an entry (a row written before its label existed, or one no code
    writes) keeps its raw text as label, so nothing is ever hidden.
    """
    key, _sep, ref = event.partition(":")
    kind = EVENTS.get(key)
    if kind is None:
        return Described(raw=event, key=key, label=event, record="", known=False)
    record = "" if not ref else (kind.record(ref) if kind.record else ref)
    return Described(raw=event, key=key, label=str(kind.label), record=record, known=True)


def role_label(role: str) -> str:
    """``poh`` -> "POH-GGZ"; an empty role a dash; an unknown one as written."""
    if not role:
        return "—"
    try:
        return str(Role(role).label)
    except ValueError:
        return role
