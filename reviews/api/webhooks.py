"""REST API for webhooks (/api/v1/webhooks/): admins only; another organization's webhook is 404."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from journeys.permissions import (
    MANAGE,
    request_organization_ids,
    request_organizations,
)
from momento.api.errors import OBJECT_READ_ERRORS, OBJECT_WRITE_ERRORS, READ_ERRORS, WRITE_ERRORS, error_responses
from momento.api.scoping import CapabilityMixin

from .. import webhooks
from ..models import (
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    WebhookKind,
)

# --- Webhooks --------------------------------------------------------------------------------


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), read_only=True)

    class Meta:
        model = Webhook
        fields = ["id", "organization", "url", "events", "kind", "language", "active", "description", "created_at",
                  "updated_at"]
        read_only_fields = fields


KIND_HELP = ("momento: the signed JSON event (default). slack: a Slack incoming webhook, which gets Slack's "
             "{text, blocks} message written from the event in `language`, signed the same way.")


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="Verify X-Momento-Signature with this. "
                                                             "Shown when created or rotated only.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookCreateSerializer(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Webhook.objects.none(),
                                                      help_text="One of your organizations where you are admin.")
    url = serializers.CharField(max_length=500, help_text=(
        "http:// or https:// URL that receives the POSTs. Its host must resolve to public internet addresses "
        "only (checked now and before every delivery; loopback, private, link-local, multicast and reserved "
        "addresses are a 400 on `url`); redirects are not followed."))
    events = serializers.ListField(child=serializers.CharField(), required=False,
                                   help_text=f"Any of {', '.join(WebhookEvent.values)}; default all.")
    active = serializers.BooleanField(required=False, default=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    kind = serializers.ChoiceField(choices=WebhookKind.choices, required=False, default=WebhookKind.MOMENTO,
                                   help_text=KIND_HELP)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, default=settings.LANGUAGE_CODE,
                                       help_text="Language of Slack messages.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["organization"].queryset = request_organizations(request, MANAGE)


class WebhookUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False,
                                help_text="A new URL, checked as on registration (public addresses only).")
    events = serializers.ListField(child=serializers.CharField(), required=False)
    active = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    kind = serializers.ChoiceField(choices=WebhookKind.choices, required=False, help_text=KIND_HELP)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False,
                                       help_text="Language of Slack messages.")


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "event_id", "attempt", "status_code", "succeeded", "error",
                  "started_at", "finished_at", "duration_ms", "payload"]
        read_only_fields = fields


class AdminsOnlyMixin(CapabilityMixin):
    """Every method, reads included, needs the `manage` capability (admins)."""

    def capability_for(self, request) -> str:
        return MANAGE


@extend_schema_view(
    list=extend_schema(summary="Webhooks of your organizations (admins)",
                       responses={200: WebhookSerializer, **error_responses(*READ_ERRORS)}),
    retrieve=extend_schema(summary="One webhook", responses={200: WebhookSerializer,
                                                             **error_responses(*OBJECT_READ_ERRORS)}),
    create=extend_schema(summary="Register a webhook", request=WebhookCreateSerializer,
                         responses={201: WebhookWithSecretSerializer, **error_responses(*WRITE_ERRORS)}),
    partial_update=extend_schema(summary="Change a webhook", request=WebhookUpdateSerializer,
                                 responses={200: WebhookSerializer, **error_responses(*OBJECT_WRITE_ERRORS)}),
    destroy=extend_schema(summary="Remove a webhook",
                          responses={204: OpenApiResponse(description="Removed."),
                                     **error_responses(*OBJECT_READ_ERRORS)}),
)
class WebhookViewSet(AdminsOnlyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Webhooks (admins only): Momento POSTs signed review and alert events to these URLs.

    Each request carries `X-Momento-Signature: sha256=<HMAC-SHA256 of "<timestamp>.<body>">`
    made with the webhook's secret, and `X-Momento-Timestamp`, `X-Momento-Event`,
    `X-Momento-Delivery` (the event id, the same on every retry).
    """

    serializer_class = WebhookSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Webhook.objects.filter(organization_id__in=request_organization_ids(self.request, MANAGE)).order_by("id")

    def create(self, request: Request) -> Response:
        data_in = WebhookCreateSerializer(data=request.data, context=self.get_serializer_context())
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        webhook = webhooks.webhook_create(
            organization=data["organization"], url=data["url"], events=data.get("events"),
            active=data["active"], description=data["description"], kind=data["kind"], language=data["language"],
        )
        return Response(WebhookWithSecretSerializer(webhook).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        webhook = self.get_object()
        data_in = WebhookUpdateSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        webhook = webhooks.webhook_update(webhook=webhook, **data_in.validated_data)
        return Response(WebhookSerializer(webhook).data)

    def update(self, request: Request, *args, **kwargs) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request: Request, pk=None) -> Response:
        webhooks.webhook_delete(webhook=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Replace the signing secret", request=None,
                   responses={200: WebhookWithSecretSerializer, **error_responses(*OBJECT_WRITE_ERRORS)})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk=None) -> Response:
        webhook = webhooks.webhook_secret_rotate(webhook=self.get_object())
        return Response(WebhookWithSecretSerializer(webhook).data)

    @extend_schema(summary="Delivery attempts of a webhook, newest first",
                   responses={200: WebhookDeliverySerializer(many=True), **error_responses(*OBJECT_READ_ERRORS)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk=None) -> Response:
        webhook = self.get_object()
        page = self.paginate_queryset(WebhookDelivery.objects.filter(webhook=webhook).order_by("-started_at", "-id"))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
