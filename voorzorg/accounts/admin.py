from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor.admin import AdminSiteOTPRequired

from .access_log import actor_of
from .models import Membership, Norm, Organisation, Region, User
from .services import second_factor_reset

# The technical admin shows staff accounts and the access log: like every page with
# person data, it needs the second factor. Unverified staff are sent to our sign-in.
admin.site.__class__ = AdminSiteOTPRequired


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "role", "region", "is_team_lead"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["full_name"]
    list_display = ["full_name", "email", "is_active", "has_second_factor", "last_login"]
    search_fields = ["full_name", "email"]
    list_filter = ["is_active", "memberships__role"]
    inlines = [MembershipInline]
    actions = ["reset_second_factor"]
    fieldsets = (
        (None, {"fields": ("email", "full_name", "password")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Data"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # One subquery for the whole list instead of one query per row.
        devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(_has_second_factor=Exists(devices))

    @admin.display(boolean=True, description=_("tweede stap ingesteld"))
    def has_second_factor(self, user: User) -> bool:
        return user._has_second_factor

    @admin.action(description=_("Tweede stap herstellen (nieuwe app instellen)"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """For a lost or new phone: removes the app and backup codes; at the next page
        the user sets up a new app. Each reset is written to the access log."""
        actor = actor_of(request)
        users = list(queryset)
        for user in users:
            second_factor_reset(actor=actor, user=user)
        self.message_user(
            request,
            ngettext(
                "De tweede stap van %(count)d gebruiker is hersteld.",
                "De tweede stap van %(count)d gebruikers is hersteld.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "agb_code", "cbs_code", "municipality"]
    list_filter = ["kind"]
    search_fields = ["name", "agb_code", "cbs_code"]
    autocomplete_fields = ["municipality"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Its municipalities and its own hour rate of bridging work (empty: the setting
    BRIDGING_HOUR_RATE), which the cost per participant reached is computed with."""

    list_display = ["name", "bridging_hour_rate"]
    filter_horizontal = ["municipalities"]


@admin.register(Norm)
class NormAdmin(admin.ModelAdmin):
    """Per-region Treeknorm in days; a region without one uses 28 / 70 / 98. Pages judge
    waits against it at once; figures follow at the next recompute (hourly for recent
    periods, nightly for history)."""

    list_display = ["region", "aanmeld_days", "behandel_days", "total_days", "updated_at"]
    list_select_related = ["region"]
    search_fields = ["region__name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "region", "is_team_lead"]
    list_filter = ["role", "is_team_lead", "region"]
    search_fields = ["user__full_name", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation", "region"]
