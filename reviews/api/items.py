"""REST API for review items (/api/v1/review-items/): anyone who reads the organization
(members, `read` tokens) lists and retrieves them; team leads and above change status,
owner and notes, and add actions (tokens cannot: every change is signed by a person in
the history). Another organization's item is 404.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.insights_api import INSIGHTS, TERM
from journeys.permissions import (
    READ,
    REVIEW,
    request_organization_ids,
    request_person,
)
from momento.api.errors import OBJECT_READ_ERRORS, OBJECT_WRITE_ERRORS, READ_ERRORS, error_responses
from momento.api.fields import IdFilter
from momento.api.scoping import CapabilityMixin

from .. import effects, item_insights, selectors, services
from ..models import (
    ActionItem,
    ReviewEvent,
    ReviewItem,
    ReviewItemTouchpoint,
    ReviewStatus,
    Trend,
)

# --- Review items ------------------------------------------------------------------------------


class ActionItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionItem
        fields = ["id", "text", "due_date", "done", "created_at", "done_at"]
        read_only_fields = fields


class ReviewEventSerializer(serializers.ModelSerializer):
    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True,
        help_text="Who made the change; null when Momento made it (the schedule or manage.py reviews_open_week).")

    class Meta:
        model = ReviewEvent
        fields = ["id", "kind", "actor", "from_value", "to_value", "created_at"]
        read_only_fields = fields


TREND_HELP = ("How the dissatisfied share moved against the week before: worsening / improving (two-proportion "
              "z-test, 95 %), steady, or no_earlier_data when the week before had fewer ratings than the "
              "cycle's min_sample.")
WORSENING_HELP = "True/false from the trend; null when there was no earlier data to compare with (see trend)."


class ReviewItemTouchpointSerializer(serializers.ModelSerializer):
    touchpoint_name = serializers.CharField(source="touchpoint.name", read_only=True)
    touchpoint_key = serializers.CharField(source="touchpoint.key", read_only=True)
    channel = serializers.CharField(source="touchpoint.channel", read_only=True)
    trend = serializers.ChoiceField(choices=Trend.choices, read_only=True, help_text=TREND_HELP)
    worsening = serializers.BooleanField(read_only=True, allow_null=True, help_text=WORSENING_HELP)

    class Meta:
        model = ReviewItemTouchpoint
        fields = ["touchpoint", "touchpoint_name", "touchpoint_key", "channel", "n", "dissatisfied", "share",
                  "wilson_low", "wilson_high", "previous_n", "previous_dissatisfied", "trend", "worsening", "reach",
                  "severity"]
        read_only_fields = fields


def _effect_side(name: str, help_text: str) -> serializers.Serializer:
    return inline_serializer(name=name, help_text=help_text, fields={
        "n": serializers.IntegerField(help_text="Ratings of the item's scope (its moment's touchpoints, or its "
                                                "touchpoint) in the window."),
        "d": serializers.IntegerField(help_text="Dissatisfied ratings among them."),
        "share": serializers.FloatField(allow_null=True, help_text="d / n; null without ratings."),
        "low": serializers.FloatField(help_text="Wilson 95 % interval of the share, lower end."),
        "high": serializers.FloatField(help_text="Wilson 95 % interval of the share, upper end."),
        "start": serializers.DateField(help_text="First local day of the window (cycle time zone)."),
        "end": serializers.DateField(help_text="Last local day, included; the day before start while the window "
                                               "is still empty."),
    })


EFFECT = inline_serializer(
    name="ReviewItemEffect", allow_null=True,
    help_text=("Did the fix work? Null until the item has a done action or is resolved. The dissatisfied share of "
               "the item's scope in the 28 days before its first action was planned (before it was resolved, "
               "without actions) against the days after its last action was done (after it was resolved, without "
               "a done action), up to 28, as many as have passed; the days themselves belong to neither. "
               "Computed from the daily rollups when read."),
    fields={
        "before": _effect_side("ReviewItemEffectBefore", "The 28 days before the fix started."),
        "after": _effect_side("ReviewItemEffectAfter", "The days after the fix ended, up to 28."),
        "z": serializers.FloatField(help_text="Two-proportion z statistic (pooled) of after against before: "
                                              "negative when the share fell."),
        "verdict": serializers.ChoiceField(choices=effects.EffectVerdict.choices, help_text=(
            "improved / worse: the share is significantly lower / higher after (z ≤ −1.96 / z ≥ 1.96, two-sided "
            "95 %); no_change otherwise; too_early while fewer than the cycle's min_sample ratings came after.")),
    },
)


class ReviewItemSerializer(serializers.ModelSerializer):
    moment_name = serializers.CharField(source="moment.name", read_only=True)
    moment_protocol = serializers.CharField(source="moment.protocol", read_only=True)
    touchpoint_name = serializers.CharField(source="touchpoint.name", read_only=True, allow_null=True, default=None)
    week = serializers.CharField(source="iso_week", read_only=True, help_text="ISO week, e.g. 2026-W47.")
    owner_username = serializers.CharField(source="owner.username", read_only=True, allow_null=True, default=None)
    allowed_transitions = serializers.SerializerMethodField(help_text="Statuses this item may move to next.")
    trend = serializers.ChoiceField(choices=Trend.choices, read_only=True, help_text=TREND_HELP)
    worsening = serializers.BooleanField(read_only=True, allow_null=True, help_text=WORSENING_HELP)
    critical_touchpoints = ReviewItemTouchpointSerializer(
        many=True, read_only=True,
        help_text="A moment's item: its critical touchpoints of that week, most severe first (empty for a "
                  "touchpoint's own item, which is opened only where its moment is not critical).",
    )
    opened_by = serializers.CharField(source="run.opened_by.username", read_only=True, allow_null=True,
                                      default=None, help_text="Who opened the week; null for Momento.")
    actions = ActionItemSerializer(many=True, read_only=True)
    events = ReviewEventSerializer(many=True, read_only=True)
    effect = serializers.SerializerMethodField()

    class Meta:
        model = ReviewItem
        fields = [
            "id", "organization", "cycle", "moment", "moment_name", "moment_protocol", "touchpoint",
            "touchpoint_name", "week", "week_start", "n", "dissatisfied", "share", "wilson_low", "wilson_high",
            "previous_n", "previous_dissatisfied", "trend", "worsening", "reach", "severity", "critical_touchpoints",
            "status", "dismiss_reason", "allowed_transitions", "owner", "owner_username", "notes", "previous",
            "streak", "opened_at", "opened_by", "updated_at", "closed_at", "actions", "events", "effect",
        ]
        read_only_fields = fields

    def get_allowed_transitions(self, item: ReviewItem) -> list[str]:
        return services.allowed_transitions(item.status)

    @extend_schema_field(EFFECT)
    def get_effect(self, item: ReviewItem) -> effects.Effect | None:
        # A list computes every item's effect at once (ReviewItemViewSet.list); one item alone here.
        computed = self.context.get("effects")
        if computed is not None and item.pk in computed:
            return computed[item.pk]
        return effects.review_items_effects(items=[item])[item.pk]


def _term_changes(name: str, help_text: str) -> serializers.Serializer:
    return inline_serializer(name=name, many=True, help_text=help_text, fields={
        "term": serializers.CharField(help_text="As customers wrote it most often this week (the week before "
                                                "for a term that is gone)."),
        "stem": serializers.CharField(),
        "documents": serializers.IntegerField(help_text="Comments of dissatisfied customers of the scope that "
                                                        "carry it, in the item's week."),
        "previous_documents": serializers.IntegerField(help_text="The same, the week before."),
    })


ITEM_INSIGHTS = inline_serializer(
    name="ReviewItemInsights",
    help_text="What dissatisfied customers said in the item's ISO week (cycle time zone) about its scope: the "
              "moment for a moment's item, else the touchpoint; the terms stand out against the rest of the "
              "cycle. Only in the detail representation (GET /review-items/{id}/).",
    fields={
        "week": INSIGHTS,
        "previous_week": inline_serializer(name="ReviewItemPreviousWeekInsights", help_text=(
            "The same scope the week before (terms only, no verbatims)."), fields={
            "state": serializers.CharField(), "comments": serializers.IntegerField(),
            "dissatisfied_comments": serializers.IntegerField(), "terms": TERM}),
        "changes": inline_serializer(name="ReviewItemTermChanges", help_text=(
            "How the top terms moved since the week before, by stem."), fields={
            "new": _term_changes("ReviewItemTermNew", "Top terms this week that were not the week before."),
            "gone": _term_changes("ReviewItemTermGone", "Top terms of the week before that are not any more."),
            "up": _term_changes("ReviewItemTermUp", "Top terms in both weeks, in more comments this week; "
                                                    "largest rise first."),
            "down": _term_changes("ReviewItemTermDown", "Top terms in both weeks, in fewer comments this week; "
                                                        "largest fall first."),
        }),
        "comments_url": serializers.CharField(help_text=(
            "GET it for every comment of dissatisfied customers of this scope and week (cursor-paginated).")),
    },
)


class ReviewItemDetailSerializer(ReviewItemSerializer):
    """One item, with what its dissatisfied customers said (a few queries: not in the list)."""

    insights = serializers.SerializerMethodField()

    class Meta(ReviewItemSerializer.Meta):
        fields = [*ReviewItemSerializer.Meta.fields, "insights"]
        read_only_fields = fields

    @extend_schema_field(ITEM_INSIGHTS)
    def get_insights(self, item: ReviewItem) -> dict:
        found = item_insights.review_items_insights(cycle=item.cycle, items=[item])[item.pk]
        return {**found, "comments_url": item_insights.comments_api_url(item)}


class ReviewItemUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReviewStatus.choices, required=False,
                                     help_text="Next status: open → acknowledged → action_planned → resolved, "
                                               "dismissed (with a reason) from any of the first three, or open "
                                               "again (with a reason) from resolved.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                   help_text="Required when dismissing or reopening; kept in the history.")
    owner = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                     help_text="User id of a team lead (or above) of the organization; null: nobody.")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTES_MAX_LENGTH)


class ActionCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    due_date = serializers.DateField(required=False, allow_null=True)


class ActionUpdateSerializer(serializers.Serializer):
    done = serializers.BooleanField()


class ReviewItemFilter(django_filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id")
    owner = IdFilter(field_name="owner_id")
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)
    week = django_filters.CharFilter(method="filter_week", help_text="ISO week, e.g. 2026-W47.")
    worsening = django_filters.BooleanFilter(help_text="Items with no earlier data match neither true nor false.")
    trend = django_filters.ChoiceFilter(choices=Trend.choices)

    class Meta:
        model = ReviewItem
        fields = ["cycle", "owner", "status", "week", "worsening", "trend"]

    def filter_week(self, queryset, name, value):
        try:
            monday = selectors.iso_week_parse(value)
        except DjangoValidationError as error:
            raise ValidationError({"week": error.messages}) from None
        return queryset.filter(week_start=monday)



@extend_schema_view(
    list=extend_schema(summary="Review items (critical moments of a week), most severe first",
                       responses={200: ReviewItemSerializer, **error_responses(400, *READ_ERRORS)}),
    retrieve=extend_schema(summary="One review item with its actions, history and what its customers said",
                           responses={200: ReviewItemDetailSerializer, **error_responses(*OBJECT_READ_ERRORS)}),
    partial_update=extend_schema(
        summary="Change status, owner or notes of a review item",
        description="All given fields change together or none does. Status changes follow the workflow; "
                    "out-of-order changes are 400.",
        request=ReviewItemUpdateSerializer,
        responses={200: ReviewItemSerializer, **error_responses(*OBJECT_WRITE_ERRORS)},
    ),
)
class ReviewItemViewSet(CapabilityMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                        viewsets.GenericViewSet):
    """Review items: one per critical moment of a cycle's ISO week (its critical touchpoints
    inside it), and one per critical touchpoint whose moment is not critical.

    Anyone who reads the organization lists them; team leads, CX managers and
    admins (signed in, not API tokens) change them.
    """

    serializer_class = ReviewItemSerializer
    write_capability = REVIEW
    capability_denied_message = gettext_lazy(
        "Only team leads, CX managers and admins of the organization can change review items.")
    filterset_class = ReviewItemFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        return (
            ReviewItem.objects.filter(organization_id__in=request_organization_ids(self.request, READ))
            # The cycle (and its organization): the detail's insights read its time zone and settings.
            .select_related("organization", "cycle__organization", "moment", "touchpoint", "owner",
                            "run__opened_by")
            .prefetch_related("actions", "events__actor", "critical_touchpoints__touchpoint")
            .order_by("-week_start", "-severity", "id")
        )

    def get_serializer_class(self):
        return ReviewItemDetailSerializer if self.action == "retrieve" else ReviewItemSerializer

    def list(self, request: Request, *args, **kwargs) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        items = list(page if page is not None else queryset)
        # Every effect of the page in one aggregate over the rollups, not one per item.
        context = {**self.get_serializer_context(), "effects": effects.review_items_effects(items=items)}
        data = self.get_serializer(items, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _refreshed(self, item: ReviewItem) -> ReviewItem:
        return self.get_queryset().get(pk=item.pk)

    def partial_update(self, request: Request, pk=None) -> Response:
        item = self.get_object()
        data_in = ReviewItemUpdateSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        if not data:
            raise ValidationError({"detail": _("Give at least one of status, owner, notes.")})
        services.review_item_update(
            item=item, actor=request_person(request), owner=data.get("owner", services.UNCHANGED),
            notes=data.get("notes"), status=data.get("status"), reason=data.get("reason", ""),
        )
        return Response(self.get_serializer(self._refreshed(item)).data)

    def update(self, request: Request, *args, **kwargs) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(summary="Add an action item", request=ActionCreateSerializer,
                   responses={201: ActionItemSerializer, **error_responses(*OBJECT_WRITE_ERRORS)})
    @action(detail=True, methods=["post"], url_path="actions")
    def add_action(self, request: Request, pk=None) -> Response:
        item = self.get_object()
        data_in = ActionCreateSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        created = services.action_item_add(item=item, text=data_in.validated_data["text"],
                                           due_date=data_in.validated_data.get("due_date"),
                                           actor=request_person(request))
        return Response(ActionItemSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Tick an action item off (or reopen it)", request=ActionUpdateSerializer,
                   responses={200: ActionItemSerializer, **error_responses(*OBJECT_WRITE_ERRORS)})
    @action(detail=True, methods=["patch"], url_path=r"actions/(?P<action_id>\d+)")
    def update_action(self, request: Request, pk=None, action_id=None) -> Response:
        item = self.get_object()
        target = ActionItem.objects.filter(review_item=item, pk=action_id).first()
        if target is None:
            raise NotFound()
        data_in = ActionUpdateSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        updated = services.action_item_set_done(action=target, done=data_in.validated_data["done"],
                                                actor=request_person(request))
        return Response(ActionItemSerializer(updated).data)
