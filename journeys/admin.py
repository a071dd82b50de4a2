from django.contrib import admin

from .models import Membership, Moment, Organization, ServiceCycle


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "wom_share_telling", "wom_people_told", "wom_share_social", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization"]
    search_fields = ["user__username", "user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]


class MomentInline(admin.TabularInline):
    model = Moment
    extra = 0
    fields = ["position", "name", "kind", "owner"]
    readonly_fields = ["position"]
    ordering = ["position"]
    show_change_link = True


@admin.register(ServiceCycle)
class ServiceCycleAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "timezone", "min_sample", "critical_share", "archived", "updated_at"]
    list_filter = ["archived", "organization", "timezone"]
    search_fields = ["name", "description", "organization__name"]
    inlines = [MomentInline]


@admin.register(Moment)
class MomentAdmin(admin.ModelAdmin):
    list_display = ["name", "cycle", "position", "kind", "owner"]
    list_filter = ["kind", "cycle__organization", "cycle"]
    search_fields = ["name", "description", "protocol", "cycle__name"]
    ordering = ["cycle", "position"]
    list_select_related = ["cycle", "owner"]
    # Position is dense and changed only through the reorder service.
    readonly_fields = ["position"]
