from django.contrib import admin

from .models import CustomerErasure, Rating, Segment, Touchpoint


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ["name", "moment", "channel", "scale", "interaction", "key", "organization"]
    list_filter = ["channel", "scale", "interaction", "organization"]
    search_fields = ["name", "key", "moment__name"]
    list_select_related = ["moment", "organization"]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "organization"]
    list_filter = ["organization"]
    search_fields = ["name", "key"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["id", "touchpoint", "score", "scale", "normalized", "dissatisfied", "segment", "source",
                    "occurred_at", "received_at", "external_id"]
    list_filter = ["dissatisfied", "source", "scale", "organization", "segment"]
    search_fields = ["external_id", "comment", "touchpoint__name", "touchpoint__key"]
    list_select_related = ["touchpoint", "segment"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["touchpoint"]
    # Ratings are evidence: normalised value and flag are derived, never hand-edited; the
    # customer is linked by ingest and removed by erasure only (analytics.erasure).
    readonly_fields = ["normalized", "dissatisfied", "scale", "received_at", "customer"]
    show_full_result_count = False


@admin.register(CustomerErasure)
class CustomerErasureAdmin(admin.ModelAdmin):
    """The record of erasures on request: read only (the erasure page or API makes them)."""

    list_display = ["erased_at", "organization", "erased_by", "token", "ratings"]
    list_filter = ["organization"]
    search_fields = ["erased_by__username", "token__name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
