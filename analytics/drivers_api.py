"""REST API of key drivers and the customer's path (issue 18), under /api/v1/cycles/<id>/…:

- `key-drivers/?outcome=&weeks=|start=&end=&segment=`: each moment's effect on the
  outcome (Newcombe's interval) and the logistic model's adjusted effect;
- `paths/`: the same customers' paths (critical moments met, bad moments per
  customer, the outcome's share by that number).

Scoped like every other resource: another organization's cycle is 404; an outcome
that is not one of the cycle's touchpoints, a segment of no organization of
the caller's, a bad period, or a cycle without an outcome to explain is 400.
Too few linked customers is an answer (200, `state`), not an error.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from journeys.models import ServiceCycle
from journeys.permissions import READ, request_organization_ids
from momento.api.errors import OBJECT_READ_ERRORS, error_responses
from momento.api.scoping import CapabilityMixin

from . import key_drivers, services
from .periods import local_today
from .scopes import scope_parse
from .services.snapshots import cycle_structure

PARAMETERS = [
    OpenApiParameter("outcome", int, description="A touchpoint of the cycle whose dissatisfied (or detractor) "
                     "answers are explained. Default: the touchpoint marked as the loyalty question, else the "
                     "cycle's TMOT moment (its last)."),
    OpenApiParameter("weeks", int, description="The last N ISO weeks (default 8)."),
    OpenApiParameter("start", OpenApiTypes.DATE, description="Custom period start (with end), cycle time zone."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Custom period end."),
    OpenApiParameter("segment", str, description="Only ratings of this segment (an id of the organization), or "
                                                 "none (ratings without one)."),
]
OUTCOME = inline_serializer(name="KeyDriverOutcome", fields={
    "kind": serializers.ChoiceField(choices=["touchpoint", "moment"]),
    "id": serializers.IntegerField(), "name": serializers.CharField(), "moment_id": serializers.IntegerField(),
})
ADJUSTED = inline_serializer(name="KeyDriverAdjusted", allow_null=True, fields={
    "effect": serializers.FloatField(), "low": serializers.FloatField(), "high": serializers.FloatField(),
}, help_text="The logistic model's average marginal effect of being dissatisfied at this moment, the other "
             "moments held as they were, with its 95 % (delta-method) interval; null when the model was not fitted "
             "or the moment had too few customers.")
DRIVER = inline_serializer(name="KeyDriver", many=True, help_text="By effect, highest first; moments without "
                           "enough linked customers last, in cycle order.", fields={
    "moment_id": serializers.IntegerField(), "name": serializers.CharField(), "kind": serializers.CharField(),
    "position": serializers.IntegerField(),
    "effect": serializers.FloatField(allow_null=True, help_text="Outcome dissatisfied share among customers dissatisfied "
                                     "here minus among customers satisfied here; null: not enough linked customers."),
    "low": serializers.FloatField(allow_null=True, help_text="Newcombe's hybrid score 95 % interval (1998, method 10)."),
    "high": serializers.FloatField(allow_null=True),
    "dissatisfied_share": serializers.FloatField(allow_null=True, help_text="Of the customers who rated this moment and "
                                                 "the outcome, those dissatisfied here."),
    "customers_dissatisfied": serializers.IntegerField(), "customers_satisfied": serializers.IntegerField(),
    "outcome_share_dissatisfied": serializers.FloatField(allow_null=True), "outcome_share_satisfied": serializers.FloatField(allow_null=True),
    "enough": serializers.BooleanField(help_text="At least min_sample customers in each group."),
    "critical": serializers.BooleanField(help_text="A critical moment of the period (it or a touchpoint of it)."),
    "adjusted": ADJUSTED,
    "agreement": serializers.ChoiceField(
        choices=list(key_drivers.AGREEMENTS), allow_null=True,
        help_text="both intervals exclude zero on the same side (both), only the plain one (raw_only: the effect "
                  "comes with other moments these customers also met), only the model's (adjusted_only), neither, "
                  "or on opposite sides."),
})
MODEL = inline_serializer(name="KeyDriverModel", fields={
    "state": serializers.ChoiceField(choices=list(key_drivers.MODEL_STATES), help_text="too_few: fewer "
                                     "than two moments with enough customers; separation: a moment predicts the "
                                     "outcome perfectly; no_fit: the fit did not converge."),
    "customers": serializers.IntegerField(), "moments": serializers.IntegerField(),
})
META: dict[str, serializers.Field] = {
    "cycle": serializers.IntegerField(),
    "computed_at": serializers.DateTimeField(),
    "period": inline_serializer(name="KeyDriverPeriod", fields={
        "start": serializers.DateField(), "end": serializers.DateField(), "days": serializers.IntegerField(),
        "weeks": serializers.IntegerField(allow_null=True)}),
    "segment": serializers.CharField(allow_null=True, help_text="The segment filter: an id, none, or null (all)."),
    "outcome": OUTCOME,
    "min_sample": serializers.IntegerField(),
    "state": serializers.ChoiceField(choices=list(key_drivers.STATES), help_text="no_linked_customers: no rating in the period names a "
                                     "customer; no_outcome_customers: none of them answered the outcome; too_few: no "
                                     "moment has min_sample customers both dissatisfied and satisfied there."),
    "customers": serializers.IntegerField(help_text="Linked customers who answered the outcome."),
    "linked_customers": serializers.IntegerField(help_text="Linked customers with a rating in the period."),
}
KEY_DRIVERS_RESPONSE = inline_serializer(name="KeyDrivers", fields={**META, "drivers": DRIVER, "model": MODEL})
BAD_MOMENTS = inline_serializer(name="PathBadMoments", many=True, fields={
    "bad_moments": serializers.IntegerField(), "or_more": serializers.BooleanField(),
    "customers": serializers.IntegerField(), "share": serializers.FloatField(allow_null=True),
    "with_outcome": serializers.IntegerField(), "outcome_dissatisfied": serializers.IntegerField(),
    "outcome_share": serializers.FloatField(allow_null=True), "low": serializers.FloatField(allow_null=True),
    "high": serializers.FloatField(allow_null=True), "enough": serializers.BooleanField(),
})
PATHS_RESPONSE = inline_serializer(name="CustomerPaths", fields={**META, "paths": inline_serializer(
    name="CustomerPath", fields={
        "customers": serializers.IntegerField(help_text="Linked customers who rated at least one moment (the "
                                                        "outcome's aside)."),
        "met_critical": inline_serializer(name="PathMetCritical", fields={
            "customers": serializers.IntegerField(), "share": serializers.FloatField(allow_null=True),
            "low": serializers.FloatField(allow_null=True), "high": serializers.FloatField(allow_null=True)}),
        "bad_moments": BAD_MOMENTS,
        "second_bad_moment": inline_serializer(name="PathSecondBadMoment", allow_null=True, fields={
            "effect": serializers.FloatField(), "low": serializers.FloatField(), "high": serializers.FloatField()},
            help_text="Outcome dissatisfied share with two or more bad moments minus with exactly one (Newcombe)."),
    }), "critical_moment_ids": serializers.ListField(child=serializers.IntegerField())})


class _DriversView(CapabilityMixin, APIView):

    def current(self, request: Request, pk: int) -> services.CurrentDrivers:
        cycle = get_object_or_404(
            ServiceCycle.objects.select_related("organization").filter(
                organization_id__in=request_organization_ids(request, READ)), pk=pk)
        scope, errors = scope_parse(cycle=cycle, params=request.query_params, today=local_today(cycle.timezone))
        structure = cycle_structure(cycle=cycle, dimension="weeks")
        if not structure.moments:
            errors["cycle"] = [_("This cycle has no moments of truth yet.")]
        outcome = None
        try:
            outcome = key_drivers.outcome_parse(value=request.query_params.get("outcome"), cycle=cycle,
                                                touchpoints=structure.touchpoints, moments=structure.moments)
        except DjangoValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        view = services.DriversView(outcome=outcome, period=scope.period, segment=scope.segment_id)
        return services.key_drivers_current(cycle=cycle, view=view, structure=structure)

    @staticmethod
    def meta(current: services.CurrentDrivers) -> dict:
        data = current.snapshot.data
        return {"cycle": current.snapshot.cycle_id, "computed_at": current.snapshot.computed_at,
                **{name: data[name] for name in ("period", "segment", "outcome", "min_sample", "state", "customers",
                                                 "linked_customers")}}


class CycleKeyDriversView(_DriversView):
    @extend_schema(
        operation_id="cycle_key_drivers", tags=["analytics"], parameters=PARAMETERS,
        summary="Which moments of truth drive the outcome (loyalty), among linked customers",
        description="Customers are linked by the `customer` reference sent with their ratings. For each moment: "
                    "the outcome's dissatisfied (or detractor) share among customers dissatisfied there minus among "
                    "those satisfied there, with Newcombe's interval, and beside it a logistic model's adjusted "
                    "effect that accounts for the moments customers met together.",
        responses={200: KEY_DRIVERS_RESPONSE, **error_responses(400, *OBJECT_READ_ERRORS)},
    )
    def get(self, request: Request, pk: int) -> Response:
        current = self.current(request, pk)
        return Response({**self.meta(current), "drivers": current.snapshot.data["drivers"],
                         "model": current.snapshot.data["model"]})


class CyclePathsView(_DriversView):
    @extend_schema(
        operation_id="cycle_paths", tags=["analytics"], parameters=PARAMETERS,
        summary="The customers' path: critical moments met, bad moments per customer, outcome by that number",
        responses={200: PATHS_RESPONSE, **error_responses(400, *OBJECT_READ_ERRORS)},
    )
    def get(self, request: Request, pk: int) -> Response:
        current = self.current(request, pk)
        return Response({**self.meta(current), "paths": current.snapshot.data["paths"],
                         "critical_moment_ids": current.snapshot.data["critical_moment_ids"]})
