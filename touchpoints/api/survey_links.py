"""REST API for survey links: make, list, change and end them; per-recipient links.

`POST /api/v1/survey-links/` {touchpoint, question: {es, en}, …} answers the link
with everything needed to use it: `url`, `qr_png_url`, `qr_svg_url`,
`embed_html`, `email_html`, `kiosk_url`, `print_url`. Reading needs `read`,
changing `edit` (CX managers and admins; tokens never edit), and minting
per-recipient links `ingest`: each one decides the key of a future rating,
so it is the right of whoever may record ratings (an `ingest` token of a
mailing tool included).
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from journeys.permissions import INGEST, READ, request_organization_ids
from momento.api.errors import OBJECT_READ_ERRORS, OBJECT_WRITE_ERRORS, READ_ERRORS, WRITE_ERRORS, error_responses
from momento.api.fields import IdFilter
from momento.api.scoping import ScopedQuerysetMixin

from ..models import SURVEY_QUESTION_MAX_LENGTH, Segment, SurveyLink, Touchpoint
from ..survey_links import (
    MAX_RECIPIENTS,
    RECIPIENT_MAX_LENGTH,
    email_buttons_html,
    embed_html,
    recipient_clean,
    recipient_url,
    survey_link_create,
    survey_link_deactivate,
    survey_link_update,
    survey_link_urls,
)
from ..survey_texts import LANGUAGES, texts_by_language


class LocalizedTextSerializer(serializers.Serializer):
    es = serializers.CharField(max_length=SURVEY_QUESTION_MAX_LENGTH, allow_blank=True, required=False)
    en = serializers.CharField(max_length=SURVEY_QUESTION_MAX_LENGTH, allow_blank=True, required=False)


class ShownTextsSerializer(serializers.Serializer):
    question = LocalizedTextSerializer()
    comment_prompt = LocalizedTextSerializer()


LOCALIZED = {"type": "object", "properties": {language: {"type": "string"} for language in LANGUAGES},
             "required": list(LANGUAGES)}


@extend_schema_field(OpenApiTypes.URI)
class LinkUrlField(serializers.Field):
    """One of a link's public addresses (`survey_link_urls`), named by the field."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, link: SurveyLink) -> str:
        return getattr(survey_link_urls(link), str(self.field_name))


class SurveyLinkSerializer(serializers.ModelSerializer):
    cycle = serializers.IntegerField(source="touchpoint.moment.cycle_id", read_only=True)
    question = serializers.SerializerMethodField(help_text="As written; an empty text means the default.")
    comment_prompt = serializers.SerializerMethodField(help_text="As written; an empty text means the default.")
    shown = serializers.SerializerMethodField(help_text="What visitors read, defaults filled in.")
    is_open = serializers.SerializerMethodField(help_text="Active and not past ends_at: its page takes ratings.")
    url = LinkUrlField(help_text="The public page.")
    kiosk_url = LinkUrlField()
    embed_url = LinkUrlField(help_text="The form for an iframe (see embed_html).")
    print_url = LinkUrlField(help_text="A printable poster: the QR code with the question under it.")
    qr_png_url = LinkUrlField()
    qr_svg_url = LinkUrlField()
    embed_html = serializers.SerializerMethodField(help_text="An iframe and the widget script for a web page.")
    email_html = serializers.SerializerMethodField(help_text="A row of one-click score buttons for an e-mail, "
                                                             "by language.")

    class Meta:
        model = SurveyLink
        fields = ["id", "organization", "cycle", "touchpoint", "name", "question", "comment_enabled",
                  "comment_prompt", "kiosk_comment", "segment", "one_per_device", "active", "ends_at", "is_open",
                  "shown", "url", "kiosk_url", "embed_url", "print_url", "qr_png_url", "qr_svg_url", "embed_html",
                  "email_html", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(LOCALIZED)
    def get_question(self, link: SurveyLink) -> dict:
        return {"es": link.question_es, "en": link.question_en}

    @extend_schema_field(LOCALIZED)
    def get_comment_prompt(self, link: SurveyLink) -> dict:
        return {"es": link.comment_prompt_es, "en": link.comment_prompt_en}

    @extend_schema_field(ShownTextsSerializer)
    def get_shown(self, link: SurveyLink) -> dict:
        return texts_by_language(link)

    def get_is_open(self, link: SurveyLink) -> bool:
        return link.is_open()

    def get_embed_html(self, link: SurveyLink) -> str:
        return embed_html(link)

    @extend_schema_field(LOCALIZED)
    def get_email_html(self, link: SurveyLink) -> dict:
        return {language: email_buttons_html(link, language=language) for language in LANGUAGES}


class SurveyLinkUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, allow_blank=True, required=False)
    question = LocalizedTextSerializer(required=False, help_text="Empty or left out: the default question of the "
                                                                 "touchpoint's scale.")
    comment_enabled = serializers.BooleanField(required=False)
    comment_prompt = LocalizedTextSerializer(required=False)
    kiosk_comment = serializers.BooleanField(required=False, help_text="Show the comment box on the kiosk too.")
    segment = serializers.PrimaryKeyRelatedField(queryset=Segment.objects.none(), allow_null=True, required=False,
                                                 help_text="Every rating through the link carries this segment.")
    one_per_device = serializers.BooleanField(required=False, help_text="One rating per device per day (a cookie).")
    active = serializers.BooleanField(required=False)
    ends_at = serializers.DateTimeField(allow_null=True, required=False, help_text="In the future, or null.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["segment"].queryset = Segment.objects.filter(
                organization_id__in=request_organization_ids(request, READ))

    def service_fields(self) -> dict:
        data = dict(self.validated_data)
        data.pop("touchpoint", None)
        for name in ("question", "comment_prompt"):
            texts = data.pop(name, None) or {}
            data.update({f"{name}_{language}": text for language, text in texts.items()})
        return data


class SurveyLinkCreateSerializer(SurveyLinkUpdateSerializer):
    touchpoint = serializers.PrimaryKeyRelatedField(queryset=Touchpoint.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["touchpoint"].queryset = Touchpoint.objects.filter(
                organization_id__in=request_organization_ids(request, READ))


class RecipientLinksInputSerializer(serializers.Serializer):
    recipients = serializers.ListField(
        child=serializers.CharField(max_length=RECIPIENT_MAX_LENGTH, trim_whitespace=True),
        min_length=1, max_length=MAX_RECIPIENTS,
        help_text="Your reference of each recipient (a ticket number, a customer id): each gets a link "
                  "that records one rating at most.")
    # The site's languages, as the other language fields of the API (one enum in the schema).
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default="en",
                                       help_text="Language of the e-mail buttons.")

    def validate_recipients(self, recipients: list[str]) -> list[str]:
        errors: dict[str, list[str]] = {}
        for index, recipient in enumerate(recipients):
            try:
                recipient_clean(recipient)
            except ValidationError as error:
                errors[str(index)] = error.messages
        if errors:
            raise serializers.ValidationError(errors)
        return recipients


RECIPIENT_LINKS = inline_serializer(name="RecipientLinks", fields={"links": serializers.ListField(
    child=inline_serializer(name="RecipientLink", fields={
        "recipient": serializers.CharField(), "url": serializers.URLField(),
        "email_html": serializers.CharField(help_text="One-click score buttons for this recipient."),
    }))})


class SurveyLinkFilter(django_filters.FilterSet):
    organization = IdFilter(field_name="organization_id")
    cycle = IdFilter(field_name="touchpoint__moment__cycle_id")
    touchpoint = IdFilter(field_name="touchpoint_id")
    active = django_filters.BooleanFilter()

    class Meta:
        model = SurveyLink
        fields = ["organization", "cycle", "touchpoint", "active"]


def _person(request: Request) -> User | None:
    return request.user if isinstance(request.user, User) else None


@extend_schema_view(
    list=extend_schema(summary="Survey links", responses={200: SurveyLinkSerializer, **error_responses(*READ_ERRORS)}),
    retrieve=extend_schema(summary="One survey link",
                           responses={200: SurveyLinkSerializer, **error_responses(*OBJECT_READ_ERRORS)}),
    create=extend_schema(summary="Make a survey link for a touchpoint", request=SurveyLinkCreateSerializer,
                         responses={201: SurveyLinkSerializer, **error_responses(*WRITE_ERRORS)}),
    partial_update=extend_schema(summary="Change a survey link (its address stays)", request=SurveyLinkUpdateSerializer,
                                 responses={200: SurveyLinkSerializer, **error_responses(*OBJECT_WRITE_ERRORS)}),
)
class SurveyLinkViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Public survey links of your organizations' touchpoints."""

    serializer_class = SurveyLinkSerializer
    filterset_class = SurveyLinkFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def capability_for(self, request) -> str:
        # The whole route, not only its POST: another method on it is then a 405, as on the ratings'.
        if "recipient_links" in (getattr(self, "action_map", None) or {}).values():
            return INGEST
        return super().capability_for(request)

    def get_queryset(self):
        links = SurveyLink.objects.select_related("touchpoint__moment", "segment")
        if self.capability_for(self.request) == INGEST:
            # An ingest-only token reads nothing, but may mint recipient links of its organization's links.
            visible = {*request_organization_ids(self.request, READ), *request_organization_ids(self.request, INGEST)}
            links = links.filter(organization_id__in=visible)
        else:
            links = self.scoped(links)
        return links.order_by("touchpoint_id", "-created_at", "-id")

    def create(self, request: Request) -> Response:
        data = SurveyLinkCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        touchpoint = data.validated_data["touchpoint"]
        self.check_object_permissions(request, touchpoint)
        link = survey_link_create(touchpoint=touchpoint, created_by=_person(request), **data.service_fields())
        return Response(SurveyLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        link = self.get_object()
        data = SurveyLinkUpdateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        link = survey_link_update(link=link, **data.service_fields())
        return Response(SurveyLinkSerializer(link).data)

    @extend_schema(summary="End a survey link (its page answers 404; its ratings stay)", request=None,
                   responses={200: SurveyLinkSerializer, **error_responses(*OBJECT_WRITE_ERRORS)})
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk=None) -> Response:
        link = survey_link_deactivate(link=self.get_object())
        return Response(SurveyLinkSerializer(link).data)

    @extend_schema(summary="Per-recipient links: one rating at most per recipient (needs ingest)",
                   request=RecipientLinksInputSerializer,
                   responses={200: RECIPIENT_LINKS, **error_responses(*OBJECT_WRITE_ERRORS)})
    @action(detail=True, methods=["post"], url_path="recipient-links")
    def recipient_links(self, request: Request, pk=None) -> Response:
        link = self.get_object()
        data = RecipientLinksInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        language = data.validated_data["language"]
        return Response({"links": [
            {"recipient": recipient, "url": recipient_url(link, recipient),
             "email_html": email_buttons_html(link, language=language, recipient=recipient)}
            for recipient in data.validated_data["recipients"]]})
