"""DELETE /api/v1/customers/ {"customer": "<your reference>"}: erase a customer on request.

Admins and CX managers (session), or a token with scope `erase`. The organization is
the token's, or the person's (`?organization=` among several). The answer is the
same for a reference Momento never saw: 200 with `removed: 0`.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from journeys.models import Organization
from journeys.permissions import ERASE, READ, request_organization_ids, request_token
from momento.api.errors import error_responses
from momento.api.parsers import StrictJSONParser
from momento.api.scoping import CapabilityMixin
from touchpoints.models import CUSTOMER_REFERENCE_MAX_LENGTH

from .erasure import customer_erase

ERASURE_REQUEST = inline_serializer(name="CustomerErasureRequest", fields={
    "customer": serializers.CharField(max_length=CUSTOMER_REFERENCE_MAX_LENGTH,
                                      help_text="The reference you sent as `customer` with their ratings."),
})
ERASURE_RESULT = inline_serializer(name="CustomerErasureResult", fields={
    "removed": serializers.IntegerField(help_text="Ratings removed; 0 when Momento held none of this customer."),
    "erased_at": serializers.DateTimeField(),
    "erasure": serializers.IntegerField(help_text="The id of the erasure's record (when, by whom, how many)."),
})


def _from_token(request: Request) -> Organization | None:
    token = request_token(request)
    return token.organization if token is not None else None


def erase_organization(request: Request) -> Organization:
    """The organization to erase in: the token's, or the person's one where they may
    erase (`?organization=` picks among several; another organization is a 404)."""
    found = _from_token(request)
    if found is not None:
        return found
    allowed = request_organization_ids(request, ERASE)
    chosen = request.query_params.get("organization")
    if chosen:
        if not chosen.isdigit() or int(chosen) not in request_organization_ids(request, READ):
            raise NotFound()
        if int(chosen) not in allowed:
            raise PermissionDenied()
        return Organization.objects.get(pk=int(chosen))
    if len(allowed) != 1:
        raise ValidationError({"organization": [_("You belong to several organizations: add "
                                                  "?organization=<id> to say which one.")]})
    return Organization.objects.get(pk=allowed[0])


class CustomerErasureView(CapabilityMixin, APIView):
    write_capability = ERASE
    parser_classes = [StrictJSONParser]
    http_method_names = ["delete", "options"]

    @extend_schema(
        operation_id="customer_erase", tags=["customers"],
        summary="Erase a customer's ratings on request (GDPR / LOPDGDD)",
        description="Removes every rating of the customer your reference names in the organization, brings "
                    "rollups, comment terms and snapshots up to date and records the erasure (when, by whom, how "
                    "many ratings; never the reference). An unknown reference answers the same, with removed: 0. "
                    "Scope `erase` (tokens), or an admin or CX manager.",
        parameters=[OpenApiParameter("organization", int, required=False,
                                     description="Session users in several organizations: which one.")],
        request=ERASURE_REQUEST,
        responses={200: ERASURE_RESULT, **error_responses(400, 401, 403, 404, 413, 429)},
    )
    def delete(self, request: Request) -> Response:
        organization = erase_organization(request)
        body = request.data if isinstance(request.data, dict) else {}
        unknown = sorted(set(body) - {"customer"})
        if unknown:
            raise ValidationError({name[:50]: [_("Unknown field.")] for name in unknown[:5]})
        if "customer" not in body:
            raise ValidationError({"customer": [_("This field is required.")]})
        user = request.user if isinstance(request.user, User) and request_token(request) is None else None
        record = customer_erase(organization=organization, reference=body["customer"], by=user,
                                token=request_token(request))
        return Response({"removed": record.ratings, "erased_at": record.erased_at, "erasure": record.pk})
