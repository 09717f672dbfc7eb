from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Membership, Organisation, Region, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "role", "region", "is_team_lead"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["full_name"]
    list_display = ["full_name", "email", "is_active", "last_login"]
    search_fields = ["full_name", "email"]
    list_filter = ["is_active", "memberships__role"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "full_name", "password")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Data"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "agb_code", "cbs_code", "municipality"]
    list_filter = ["kind"]
    search_fields = ["name", "agb_code", "cbs_code"]
    autocomplete_fields = ["municipality"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["municipalities"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "region", "is_team_lead"]
    list_filter = ["role", "is_team_lead", "region"]
    search_fields = ["user__full_name", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation", "region"]
