"""Writes about staff accounts: the functional administrator's changes (accounts, roles,
organisations, regions, norms), the second-factor reset, and nightly housekeeping.

Every change of the administrator runs in one transaction with its access-log row
(through the port ``access_log``) and refuses what lies outside her region(s): the pages
only offer what she may choose, and the service checks it again (docs/administration.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from importlib import import_module

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise
from voorzorg.core.links import absolute_url
from voorzorg.core.outbox import outbox_record

from .access_log import CREATE, DELETE, UPDATE, Auditor
from .constants import Role
from .models import Membership, Organisation, Region, User
from .selectors import (
    account_beyond_scope,
    admin_regions,
    managed_organisations,
    managed_users,
    regions_of_organisation,
)


def second_factor_reset(*, actor: Auditor, user: User) -> int:
    """Remove all of ``user``'s second-factor devices (app and backup codes); return how many.

    For a lost or replaced phone. Her next sign-in, or her next page in a session that is
    still open, leads to setting up a new app. Her open sessions lose their verification at
    once: django-otp finds the device they were verified with gone. Written to the access
    log as a delete, by whom and from where, with the account's id in the event.
    """
    with transaction.atomic():
        removed = 0
        for model in (TOTPDevice, StaticDevice):
            # Backup tokens go with their StaticDevice (on_delete=CASCADE).
            removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
        actor.audit(
            action=DELETE,
            event=f"account.second_factor_reset:{user.pk}",
            access_granted=True,
        )
    return removed


# --- The functional administrator: accounts ----------------------------------------------

# What other apps undo when an account is made inactive (the API app revokes its tokens),
# registered in their ``AppConfig.ready()`` and called inside the same transaction.
DeactivationHook = Callable[[Auditor, User], None]
_deactivation_hooks: list[DeactivationHook] = []


def register_deactivation_hook(hook: DeactivationHook) -> None:
    if hook not in _deactivation_hooks:
        _deactivation_hooks.append(hook)


def admin_of(actor: Auditor) -> Membership:
    """The administrator's role she acts in; refused for anyone else."""
    membership = actor.membership
    if actor.user is None or membership is None or membership.role != Role.ADMIN:
        raise ApplicationError(_("Alleen een functioneel beheerder kan dit wijzigen."))
    return membership


def refusal(message: str, field: str | None = None) -> ApplicationError:
    return ApplicationError(message, extra={field: [message]} if field else None)


def _user_in_scope(admin: Membership, user: User) -> None:
    if not managed_users(admin).filter(pk=user.pk).exists():
        raise refusal(_("Deze gebruiker valt buiten uw regio's."))


def _account_in_scope(admin: Membership, user: User) -> None:
    """The whole account may be changed (``account_beyond_scope``); refused otherwise."""
    _user_in_scope(admin, user)
    reason = account_beyond_scope(admin, user)
    if reason:
        raise refusal(reason)


def _normalised_email(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


def _email_is_free(email: str, *, exclude: User | None = None) -> None:
    taken = User.objects.filter(email__iexact=email)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        # Also for an account outside her regions: an address identifies one person.
        raise refusal(
            _(
                "Er bestaat al een account met dit e-mailadres. Zoek het op in de lijst "
                "gebruikers, of vraag het technisch beheer als het daar niet staat."
            ),
            "email",
        )


def _save_user(user: User, **kwargs: object) -> None:
    try:
        with transaction.atomic():
            user.save(**kwargs)
    except IntegrityError as exc:
        # The same address saved for another account a moment ago (the unique constraint).
        raise refusal(_("Er bestaat al een account met dit e-mailadres."), "email") from exc


def user_invite(
    *,
    actor: Auditor,
    email: str,
    full_name: str,
    organisation: Organisation,
    role: str,
    region: Region | None = None,
    is_team_lead: bool = False,
) -> User:
    """A new account with its first role; she chooses her own password from an e-mail.

    No password is typed by the administrator: the account gets none it can sign in with,
    and the invitation (sent after the commit, through the outbox) holds a one-time link
    to the password page (Django's password-reset token, valid PASSWORD_RESET_TIMEOUT).
    At her first sign-in she sets up the authenticator app.
    """
    admin = admin_of(actor)
    email = _normalised_email(email)
    with transaction.atomic():
        _email_is_free(email)
        user = User(email=email, full_name=full_name.strip())
        user.set_unusable_password()
        full_clean_or_raise(user, exclude=["password"])
        _save_user(user)
        _membership_create(
            actor=actor,
            admin=admin,
            user=user,
            organisation=organisation,
            role=role,
            region=region,
            is_team_lead=is_team_lead,
        )
        actor.audit(action=CREATE, event=f"account.invite:{user.pk}")
        _invitation_record(user)
    return user


def _invitation_record(user: User) -> None:
    from .tasks import account_invitation_send  # the task module imports this one

    outbox_record(task=account_invitation_send, args=[user.pk])


def user_invitation_resend(*, actor: Auditor, user: User) -> None:
    """Send the invitation again (a new link): only while she has not chosen a password."""
    admin = admin_of(actor)
    with transaction.atomic():
        _account_in_scope(admin, user)
        if not user.is_active:
            raise refusal(_("Dit account is niet actief. Activeer het eerst."))
        if user.has_usable_password():
            raise refusal(
                _(
                    "Deze gebruiker heeft al een wachtwoord gekozen. Een nieuw wachtwoord "
                    "vraagt zij zelf aan via 'Wachtwoord vergeten'."
                )
            )
        actor.audit(action=UPDATE, event=f"account.invite_resend:{user.pk}")
        _invitation_record(user)


def account_invitation_message(user: User) -> tuple[str, str]:
    """Subject and body of the invitation, with a fresh one-time link to set a password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "set_password_url": absolute_url(
                reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
            ),
            "login_url": absolute_url(reverse("accounts:login")),
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        }
        subject = render_to_string("accounts/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/invitation_email.txt", context)
    return subject, body


def account_invitation_send(*, user_id: int) -> bool:
    """E-mail the invitation; False (nothing sent) once it is no longer wanted.

    Safe to repeat: an account made inactive, or whose owner has chosen a password in the
    meantime, gets nothing; otherwise a second run sends a second, equally valid link.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return False
    subject, body = account_invitation_message(user)
    send_mail(subject, body, None, [user.email])
    return True


def user_update(*, actor: Auditor, user: User, full_name: str, email: str) -> User:
    """Change a name or an e-mail address (the sign-in name). Logged with what changed."""
    admin = admin_of(actor)
    email = _normalised_email(email)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        _account_in_scope(admin, locked)
        changed = [
            field
            for field, value in (("full_name", full_name.strip()), ("email", email))
            if getattr(locked, field) != value
        ]
        if not changed:
            return locked
        if "email" in changed:
            _email_is_free(email, exclude=locked)
        locked.full_name = full_name.strip()
        locked.email = email
        full_clean_or_raise(locked, exclude=["password"])
        _save_user(locked, update_fields=changed)
        actor.audit(action=UPDATE, event=f"account.update:{locked.pk}:{','.join(changed)}")
    return locked


def user_deactivate(*, actor: Auditor, user: User) -> User:
    """Make an account inactive: never deleted, so what she did stays hers in every record.

    From the next request on her sessions count as signed out (the authentication
    backends refuse an inactive user) and her API keys are revoked (the API app's hook),
    so they do not come back when the account is made active again.
    """
    admin = admin_of(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        _account_in_scope(admin, locked)
        if locked.pk == actor.user.pk:
            raise refusal(_("U kunt uw eigen account niet op inactief zetten."))
        if not locked.is_active:
            return locked  # idempotency: already inactive, nothing to do or log
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        actor.audit(action=UPDATE, event=f"account.deactivate:{locked.pk}")
        for hook in _deactivation_hooks:
            hook(actor, locked)
    return locked


def user_reactivate(*, actor: Auditor, user: User) -> User:
    """Make an inactive account active again, with the roles it still has."""
    admin = admin_of(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        _account_in_scope(admin, locked)
        if locked.is_active:
            return locked
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        actor.audit(action=UPDATE, event=f"account.reactivate:{locked.pk}")
    return locked


def user_second_factor_reset(*, actor: Auditor, user: User) -> int:
    """``second_factor_reset`` from the administrator's pages: within her regions only."""
    admin = admin_of(actor)
    with transaction.atomic():
        _account_in_scope(admin, user)
        return second_factor_reset(actor=actor, user=user)


# --- The functional administrator: roles ------------------------------------------------


def _membership_event(event: str, membership: Membership) -> str:
    # The row outlives the role: it names whose role, which role and where.
    return f"{event}:{membership.user_id}:{membership.role}:{membership.organisation_id}"


def _membership_in_scope(admin: Membership, membership: Membership) -> None:
    """The role's organisation, and a coordinator's region, lie in her regions. An
    administrator's role only where all its regions are hers (else it would reach further
    than her own)."""
    if not managed_organisations(admin).filter(pk=membership.organisation_id).exists():
        raise refusal(_("Kies een organisatie in uw regio's."), "organisation")
    regions = admin_regions(admin)
    if membership.region_id is not None and not regions.filter(pk=membership.region_id).exists():
        raise refusal(_("Kies een van uw regio's."), "region")
    if membership.role == Role.ADMIN:
        theirs = set(regions_of_organisation(membership.organisation).values_list("pk", flat=True))
        if not theirs <= set(regions.values_list("pk", flat=True)):
            raise refusal(
                _(
                    "Een beheerder bij deze organisatie zou ook regio's buiten de uwe "
                    "beheren. Vraag dat aan het technisch beheer."
                ),
                "role",
            )


def _membership_create(
    *,
    actor: Auditor,
    admin: Membership,
    user: User,
    organisation: Organisation,
    role: str,
    region: Region | None,
    is_team_lead: bool,
) -> Membership:
    membership = Membership(
        user=user,
        organisation=organisation,
        role=role,
        # A region belongs to a coordinator's role only; a team lead is an expert.
        region=region if role == Role.COORDINATOR else None,
        is_team_lead=is_team_lead,
    )
    if Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
        raise refusal(_("Deze gebruiker heeft deze rol bij deze organisatie al."), "role")
    # The constraints' own messages are English and name fields; clean() and the check
    # above say the same in Dutch, beside the field.
    full_clean_or_raise(membership, validate_unique=False, validate_constraints=False)
    _membership_in_scope(admin, membership)
    membership.save()
    actor.audit(action=CREATE, event=_membership_event("membership.add", membership))
    return membership


def membership_add(
    *,
    actor: Auditor,
    user: User,
    organisation: Organisation,
    role: str,
    region: Region | None = None,
    is_team_lead: bool = False,
) -> Membership:
    """Give a user of her regions a role at an organisation of her regions."""
    admin = admin_of(actor)
    with transaction.atomic():
        # Lock the user: two roles added at once pass the duplicate check one by one.
        User.objects.select_for_update().filter(pk=user.pk).first()
        _user_in_scope(admin, user)
        return _membership_create(
            actor=actor,
            admin=admin,
            user=user,
            organisation=organisation,
            role=role,
            region=region,
            is_team_lead=is_team_lead,
        )


def membership_update(
    *, actor: Auditor, membership: Membership, region: Region | None, is_team_lead: bool
) -> Membership:
    """Change a role's region (coordinator) or team-lead flag (expert)."""
    admin = admin_of(actor)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("organisation")
        locked = locked.get(pk=membership.pk)
        _membership_in_scope(admin, locked)
        changed = []
        if locked.role == Role.COORDINATOR and locked.region_id != getattr(region, "pk", None):
            locked.region = region
            changed.append("region")
        if locked.is_team_lead != is_team_lead:
            locked.is_team_lead = is_team_lead
            changed.append("is_team_lead")
        if not changed:
            return locked
        full_clean_or_raise(locked, validate_unique=False, validate_constraints=False)
        _membership_in_scope(admin, locked)
        locked.save(update_fields=changed)
        actor.audit(action=UPDATE, event=_membership_event("membership.update", locked))
    return locked


def membership_end(*, actor: Auditor, membership: Membership) -> None:
    """End a role: the row goes (its API keys with it); the log keeps whose role it was.

    Not the last role of an account (make the account inactive instead, so it stays in
    her scope and can come back), and not the role she acts in herself.
    """
    admin = admin_of(actor)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=membership.user_id).first()
        locked = Membership.objects.select_related("organisation").filter(pk=membership.pk)
        locked = locked.first()
        if locked is None:
            return  # idempotency: ended already
        _membership_in_scope(admin, locked)
        if locked.pk == admin.pk:
            raise refusal(_("U kunt de rol waarin u nu werkt niet zelf beëindigen."))
        if not Membership.objects.filter(user=locked.user_id).exclude(pk=locked.pk).exists():
            raise refusal(
                _(
                    "Dit is de laatste rol van deze gebruiker. Zet het account op inactief "
                    "in plaats van de rol te beëindigen."
                )
            )
        event = _membership_event("membership.end", locked)
        locked.delete()
        actor.audit(action=DELETE, event=event)


def sessions_clear_expired() -> None:
    """Delete the sessions whose expiry date has passed (what ``clearsessions`` does).

    Django never deletes a session it does not see again, so without this the session
    table grows with every visitor who left without signing out.
    """
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


def lockout_records_delete_older_than(*, days: int) -> int:
    """Delete django-axes' rows (attempts, failures, sign-ins) older than ``days`` days.

    Returns how many rows went. Kept ``AXES_KEEP_DAYS`` (90) by the nightly task: long
    enough to review a brute-force attempt or a strange sign-in afterwards; a lockout only
    lasts AXES_COOLOFF_TIME, so no running lockout is lifted by this.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    with transaction.atomic():
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            count, _ = model.objects.filter(attempt_time__lt=cutoff).delete()
            deleted += count
    return deleted
