"""REST API for API tokens (/api/v1/tokens/): organization credentials, admins only.

A token is created from a browser session and shown once; it cannot mint tokens.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from momento.api.errors import OBJECT_READ_ERRORS, READ_ERRORS, WRITE_ERRORS, error_responses
from momento.api.scoping import ScopedQuerysetMixin

from ..models import ApiToken, Organization
from ..permissions import MANAGE, request_organization_ids, request_organizations, request_person
from ..tokens import api_token_create, api_token_revoke


class ApiTokenSerializer(serializers.ModelSerializer):
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiToken.Scope.choices))

    class Meta:
        model = ApiToken
        fields = ["id", "organization", "name", "prefix", "scopes", "created_by", "created_at", "last_used_at",
                  "revoked_at"]
        read_only_fields = fields


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret, shown this once only.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiToken.Scope.choices), min_length=1,
                                   max_length=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["organization"].queryset = request_organizations(request, MANAGE)


@extend_schema_view(
    list=extend_schema(summary="API tokens of the organizations you administer",
                       responses={200: ApiTokenSerializer, **error_responses(*READ_ERRORS)}),
    retrieve=extend_schema(summary="One API token",
                           responses={200: ApiTokenSerializer, **error_responses(*OBJECT_READ_ERRORS)}),
    create=extend_schema(summary="Create an API token (the secret is in this answer only)",
                         request=ApiTokenCreateSerializer,
                         responses={201: ApiTokenCreatedSerializer, **error_responses(*WRITE_ERRORS)}),
    destroy=extend_schema(summary="Revoke an API token",
                          responses={204: None, **error_responses(*OBJECT_READ_ERRORS)}),
)
class ApiTokenViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Admins only, and only from a browser session: a token cannot mint tokens."""

    serializer_class = ApiTokenSerializer
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "delete", "head", "options"]
    filter_backends: list = []

    def capability_for(self, request) -> str:
        return MANAGE

    def get_queryset(self):
        return ApiToken.objects.filter(
            organization_id__in=request_organization_ids(self.request, MANAGE)
        ).order_by("-created_at", "-id")

    def create(self, request: Request) -> Response:
        data = ApiTokenCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        token, plaintext = api_token_create(created_by=request_person(request), **data.validated_data)
        return Response({**ApiTokenSerializer(token).data, "token": plaintext}, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk=None) -> Response:
        api_token_revoke(token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


__all__ = ["ApiTokenViewSet"]
