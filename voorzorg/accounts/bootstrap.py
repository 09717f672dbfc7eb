"""The first functional administrator of a new installation (``manage.py bootstrap_admin``).

A fresh database has no user who can sign in and set up the rest in the application.
``createsuperuser`` makes a technical account without a role, which lands on "geen rol";
this makes a user with the admin role at an organisation (found, or made as a
municipality), optionally in a region, so her start page works at the first sign-in.

She gets no password on the command line: the operator hands her a one-time link to set
one (Django's password-reset token: valid for PASSWORD_RESET_TIMEOUT and only until the
password is set), after which the first sign-in asks her to set up the authenticator app.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from voorzorg.core.links import absolute_url

from .constants import OrganisationKind, Role
from .models import Membership, Organisation, Region, User


class BootstrapError(Exception):
    """The administrator cannot be made as asked; the message says why, for the operator."""


@dataclass(frozen=True)
class BootstrapResult:
    user: User
    membership: Membership
    organisation_created: bool
    regions: list[str]
    set_password_url: str
    login_url: str
    two_factor_setup_url: str


def functional_admin_exists() -> bool:
    """An active user holds the admin role somewhere."""
    return Membership.objects.filter(role=Role.ADMIN, user__is_active=True).exists()


def _messages(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def _organisation(name: str, cbs_code: str) -> tuple[Organisation, bool]:
    """The organisation called ``name``, or a new municipality with ``cbs_code``."""
    found = list(Organisation.objects.filter(name__iexact=name.strip())[:2])
    if len(found) > 1:
        raise BootstrapError(f"More than one organisation is called {name!r}; rename one first.")
    if found:
        organisation = found[0]
        if cbs_code and organisation.cbs_code != cbs_code:
            raise BootstrapError(
                f"Organisation {organisation.name!r} exists with CBS code "
                f"{organisation.cbs_code or '(none)'}, not {cbs_code}."
            )
        return organisation, False
    if not cbs_code:
        raise BootstrapError(
            f"No organisation is called {name!r}. Give --cbs-code (e.g. GM0014) to create it "
            "as a municipality, or use the name of an existing organisation."
        )
    organisation = Organisation(
        name=name.strip(), kind=OrganisationKind.MUNICIPALITY, cbs_code=cbs_code
    )
    try:
        organisation.full_clean()
    except ValidationError as error:
        raise BootstrapError(f"Cannot create organisation {name!r}: {_messages(error)}") from error
    organisation.save()
    return organisation, True


def _add_to_region(name: str, organisation: Organisation) -> None:
    """Put the organisation's municipality in region ``name`` (made when missing)."""
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        municipality = organisation
    elif organisation.municipality_id:
        municipality = organisation.municipality
    else:
        raise BootstrapError(
            f"Organisation {organisation.name!r} has no municipality, so it lies in no "
            "region. Set its municipality in the admin first, or leave out --region."
        )
    region = Region.objects.filter(name__iexact=name.strip()).first()
    if region is None:
        region = Region(name=name.strip())
        try:
            region.full_clean()
        except ValidationError as error:
            raise BootstrapError(f"Cannot create region {name!r}: {_messages(error)}") from error
        region.save()
    region.municipalities.add(municipality)


def _regions_of(organisation: Organisation) -> list[str]:
    """The regions an admin of ``organisation`` works in (as referrals.selectors says)."""
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        regions = Region.objects.filter(municipalities=organisation.pk)
    else:
        regions = Region.objects.filter(municipalities=organisation.municipality_id)
    return list(regions.order_by("name").values_list("name", flat=True))


@transaction.atomic
def admin_bootstrap(
    *,
    email: str,
    full_name: str,
    organisation_name: str,
    cbs_code: str = "",
    region_name: str = "",
    force: bool = False,
) -> BootstrapResult:
    """Make a functional administrator; all or nothing.

    Refuses when an active administrator exists (unless ``force``) and when the e-mail
    address is taken: an existing account is changed in the admin, never here.
    """
    if functional_admin_exists() and not force:
        raise BootstrapError(
            "A functional administrator already exists: she can add more in the "
            "application. Use --force to add one from here anyway."
        )
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise BootstrapError(f"A user with e-mail address {email} already exists.")
    organisation, created = _organisation(organisation_name, cbs_code.strip().upper())
    if region_name.strip():
        _add_to_region(region_name, organisation)
    try:
        # No password (unusable): she sets her own through the one-time link. Staff and
        # superuser, as the demo's administrators: the user admin is where she adds
        # colleagues and resets a lost authenticator app.
        user = User.objects.create_user(
            email, None, full_name=full_name.strip(), is_staff=True, is_superuser=True
        )
        membership = Membership(user=user, organisation=organisation, role=Role.ADMIN)
        membership.full_clean()
        membership.save()
    except ValidationError as error:
        raise BootstrapError(f"Cannot create the administrator: {_messages(error)}") from error
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return BootstrapResult(
        user=user,
        membership=membership,
        organisation_created=created,
        regions=_regions_of(organisation),
        set_password_url=absolute_url(
            reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
        ),
        login_url=absolute_url(reverse("accounts:login")),
        two_factor_setup_url=absolute_url(reverse("two_factor:setup")),
    )
