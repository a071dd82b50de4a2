from django.contrib import admin

from .models import ActionItem, ReviewEvent, ReviewItem, ReviewItemTouchpoint, ReviewRun, Webhook, WebhookDelivery


class ReviewItemTouchpointInline(admin.TabularInline):
    # Figures frozen when the week opened: shown, never edited.
    model = ReviewItemTouchpoint
    extra = 0
    can_delete = False
    readonly_fields = ["touchpoint", "n", "dissatisfied", "share", "wilson_low", "wilson_high", "previous_n",
                       "previous_dissatisfied", "trend", "worsening", "reach", "severity"]

    def has_add_permission(self, request, obj=None):
        return False


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    readonly_fields = ["created_by", "created_at", "done_at"]


class ReviewEventInline(admin.TabularInline):
    # History is written by reviews.services only; the admin shows it.
    model = ReviewEvent
    extra = 0
    can_delete = False
    readonly_fields = ["actor", "kind", "from_value", "to_value", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = ["week_start", "cycle", "moment", "touchpoint", "status", "owner", "severity", "streak"]
    list_filter = ["status", "trend", "organization", "week_start"]
    search_fields = ["moment__name", "touchpoint__name", "notes"]
    list_select_related = ["cycle", "moment", "touchpoint", "owner"]
    readonly_fields = [
        "organization", "cycle", "moment", "touchpoint", "week_start", "n", "dissatisfied", "share", "wilson_low",
        "wilson_high", "previous_n", "previous_dissatisfied", "trend", "worsening", "reach", "severity", "previous",
        "streak", "status", "dismiss_reason", "owner", "run", "opened_at", "updated_at", "closed_at",
    ]
    inlines = [ReviewItemTouchpointInline, ActionItemInline, ReviewEventInline]


@admin.register(ReviewRun)
class ReviewRunAdmin(admin.ModelAdmin):
    list_display = ["cycle", "week_start", "items_opened", "opened_at", "opened_by", "trigger", "digest_sent_at"]
    list_filter = ["cycle"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "organization", "active", "created_at"]
    list_filter = ["active", "organization"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "webhook", "attempt", "status_code", "succeeded", "started_at", "duration_ms"]
    list_filter = ["succeeded", "event"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
