from django.contrib import admin

from .models import Rating, Segment, Touchpoint


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
    # Ratings are evidence: normalised value and flag are derived, never hand-edited.
    readonly_fields = ["normalized", "dissatisfied", "scale", "received_at"]
    show_full_result_count = False
