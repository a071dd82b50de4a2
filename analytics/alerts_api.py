"""REST API of alerts (/api/v1/alerts/): read-only, for anyone who reads the organization
(members, `read` tokens). Another organization's alert is 404. Filters: `cycle`,
`status` (open, closed), `since` (opened or closed at or after); page-number pagination
like the other lists, newest first."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets

from journeys.permissions import READ, request_organization_ids
from momento.api.errors import OBJECT_READ_ERRORS, READ_ERRORS, error_responses
from momento.api.fields import IdFilter
from momento.api.scoping import CapabilityMixin
from touchpoints.api.ratings import UtcIsoDateTimeFilter

from .models import Alert, AlertCloseReason, AlertSubject

STATUS_OPEN = "open"
STATUS_CLOSED = "closed"
STATUS_CHOICES = [(STATUS_OPEN, "open"), (STATUS_CLOSED, "closed")]

LATEST = inline_serializer(name="AlertLatestWindow", help_text=(
    "The last 7 days as of the latest scan (for a closed alert: when it closed)."), fields={
    "n": serializers.IntegerField(), "dissatisfied": serializers.IntegerField(),
    "share": serializers.FloatField(allow_null=True, help_text="null without ratings."),
    "wilson_low": serializers.FloatField(), "wilson_high": serializers.FloatField(),
    "window_end": serializers.DateField(help_text="Its last local day; it starts 6 days before."),
    "checked_at": serializers.DateTimeField(),
})


class AlertSerializer(serializers.ModelSerializer):
    cycle_name = serializers.CharField(source="cycle.name", read_only=True)
    moment_name = serializers.CharField(source="moment_label", read_only=True,
                                        help_text="Its name now, or when the alert opened if it was deleted.")
    touchpoint_name = serializers.CharField(source="touchpoint_label", read_only=True,
                                            help_text="Empty for a moment's alert.")
    moment = serializers.IntegerField(source="moment_id", read_only=True, allow_null=True,
                                      help_text="null once the moment was deleted.")
    touchpoint = serializers.IntegerField(source="touchpoint_id", read_only=True, allow_null=True,
                                          help_text="null for a moment's alert, or once the touchpoint was deleted.")
    subject = serializers.ChoiceField(choices=AlertSubject.choices, read_only=True)
    status = serializers.SerializerMethodField(help_text="open, or closed (see close_reason).")
    close_reason = serializers.ChoiceField(
        choices=AlertCloseReason.choices, read_only=True, allow_null=True, source="close_reason_or_none",
        help_text="recovered: the Wilson upper bound fell below critical_share; quiet: 7 days without being "
                  "critical; moment_deleted / touchpoint_deleted. null while open.")
    share = serializers.FloatField(read_only=True, help_text="dissatisfied / n of the window that opened it.")
    wilson_low = serializers.SerializerMethodField()
    wilson_high = serializers.SerializerMethodField()
    latest = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "organization", "cycle", "cycle_name", "subject", "moment", "moment_name", "touchpoint",
                  "touchpoint_name", "status", "opened_at", "closed_at", "close_reason", "window_start",
                  "window_end", "n", "dissatisfied", "share", "wilson_low", "wilson_high", "p_value", "min_sample",
                  "critical_share", "last_critical_at", "latest"]
        read_only_fields = fields
        extra_kwargs = {
            "window_start": {"help_text": "The window that opened it: 7 local days of the cycle."},
            "p_value": {"help_text": "One-sided exact binomial p-value of that window against H0: share ≤ "
                                     "critical_share; it survived Benjamini–Hochberg at q = 0.05."},
        }

    @extend_schema_field(serializers.ChoiceField(choices=STATUS_CHOICES))
    def get_status(self, alert: Alert) -> str:
        return STATUS_OPEN if alert.is_open else STATUS_CLOSED

    def get_wilson_low(self, alert: Alert) -> float:
        return alert.interval[0]

    def get_wilson_high(self, alert: Alert) -> float:
        return alert.interval[1]

    @extend_schema_field(LATEST)
    def get_latest(self, alert: Alert) -> dict:
        low, high = alert.latest_interval
        return {"n": alert.latest_n, "dissatisfied": alert.latest_dissatisfied, "share": alert.latest_share,
                "wilson_low": low, "wilson_high": high, "window_end": alert.latest_window_end,
                "checked_at": alert.checked_at}


class AlertFilter(django_filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id")
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status")
    since = UtcIsoDateTimeFilter(method="filter_since", help_text=(
        "Alerts opened or closed at or after this instant (ISO 8601 with offset)."))

    class Meta:
        model = Alert
        fields = ["cycle", "status", "since"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(closed_at__isnull=value == STATUS_OPEN)

    def filter_since(self, queryset, name, value):
        return queryset.filter(Q(opened_at__gte=value) | Q(closed_at__gte=value))


@extend_schema_view(
    list=extend_schema(summary="Alerts: moments and touchpoints critical over the last 7 days, newest first",
                       responses={200: AlertSerializer, **error_responses(400, *READ_ERRORS)}),
    retrieve=extend_schema(summary="One alert", responses={200: AlertSerializer,
                                                           **error_responses(*OBJECT_READ_ERRORS)}),
)
class AlertViewSet(CapabilityMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Alerts between Mondays: after each rollup refresh Momento judges every moment and
    touchpoint over its last 7 local days; an alert opens when one is critical beyond chance
    (Benjamini–Hochberg across the organization) and closes when it recovers, after 7
    quiet days, or when its subject is deleted. Read-only."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return (Alert.objects.filter(organization_id__in=request_organization_ids(self.request, READ))
                .select_related("cycle", "moment", "touchpoint").order_by("-opened_at", "-id"))
