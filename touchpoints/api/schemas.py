"""Shapes of the ratings endpoints: the serializers that render and document them, and the
documented answers (batch results and errors, conflicts, CSV uploads)."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers

from ..ingest import MAX_COMMENT_LENGTH
from ..models import CUSTOMER_REFERENCE_MAX_LENGTH, Rating

# --- Ratings -----------------------------------------------------------------------------


class RatingSerializer(serializers.ModelSerializer):
    touchpoint_key = serializers.CharField(read_only=True)
    customer_hash = serializers.CharField(
        read_only=True, allow_null=True,
        help_text="The customer, as the keyed hash (HMAC-SHA256, hex) of the reference the client sent as "
                  "`customer`; null when none was sent. Momento never stores the reference itself.",
    )

    class Meta:
        model = Rating
        fields = ["id", "organization", "touchpoint", "touchpoint_key", "scale", "score", "normalized",
                  "dissatisfied", "occurred_at", "received_at", "segment", "comment", "first_contact_resolved",
                  "source", "external_id", "customer_hash"]
        read_only_fields = fields
        extra_kwargs = {"external_id": {"help_text": "The client's idempotency key, or the one Momento assigned "
                                                     "(`momento:` + 32 hex digits) when none was sent."}}


class RatingIngestedSerializer(RatingSerializer):
    duplicate = serializers.BooleanField(
        read_only=True, help_text="True when external_id was already stored: this is the stored rating."
    )

    class Meta(RatingSerializer.Meta):
        fields = [*RatingSerializer.Meta.fields, "duplicate"]
        read_only_fields = fields


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "maxLength": 80}],
                      "nullable": True, "description": "Segment id or key."})
class SegmentReferenceField(serializers.Field):
    pass


class RatingInputSerializer(serializers.Serializer):
    """Documents one rating as sent by a client (validated by plain code, not by this class)."""

    touchpoint = serializers.IntegerField(required=False, help_text="Touchpoint id (or send touchpoint_key).")
    touchpoint_key = serializers.CharField(required=False, max_length=80,
                                           help_text="The touchpoint's stable key (or send touchpoint).")
    score = serializers.IntegerField(help_text="An integer on the touchpoint's scale (csat5 1–5, nps11 0–10, …).")
    occurred_at = serializers.DateTimeField(
        required=False, allow_null=True,
        help_text="ISO 8601 with offset; default now; more than 5 minutes ahead is refused.",
    )
    segment = SegmentReferenceField(required=False)
    comment = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=MAX_COMMENT_LENGTH)
    first_contact_resolved = serializers.BooleanField(required=False, allow_null=True)
    external_id = serializers.CharField(
        required=False, allow_null=True, max_length=128,
        help_text="Your idempotency key, unique per organization: a replay with the same content returns the "
                  "stored rating; different content is a conflict. Omitted or null: Momento assigns "
                  "`momento:` + 32 hex digits. Not empty; other keys starting with `momento:` are refused.",
    )


    customer = serializers.CharField(
        required=False, allow_null=True, max_length=CUSTOMER_REFERENCE_MAX_LENGTH,
        help_text="Your reference of the customer who gave the rating (booking code, account id, e-mail hash), so "
                  "that key drivers can link the moments one customer rated. Momento keeps only a keyed hash of "
                  "it (HMAC-SHA256 with a secret of your organization), shown as `customer_hash`; white space "
                  "around it is ignored; no control characters. A replay that names a customer must name the "
                  "same one.",
    )


class RatingBatchInputSerializer(serializers.Serializer):
    ratings = RatingInputSerializer(many=True, help_text="1 to 5,000 ratings, validated and stored all or nothing.")


BATCH_RESULT = inline_serializer(
    name="RatingBatchResult",
    fields={
        "created": serializers.IntegerField(),
        "duplicate": serializers.IntegerField(),
        "ids": serializers.ListField(child=serializers.IntegerField(),
                                     help_text="The stored rating id of each item, in order."),
        "duplicate_indexes": serializers.ListField(child=serializers.IntegerField(),
                                                   help_text="Items that replayed an external_id."),
    },
)
BATCH_ERRORS = inline_serializer(
    name="RatingBatchErrors",
    fields={
        "detail": serializers.CharField(),
        "errors": inline_serializer(name="RatingItemError", many=True, fields={
            "index": serializers.IntegerField(), "field": serializers.CharField(),
            "code": serializers.CharField(help_text="What is wrong, for programs (e.g. external_id_conflict)."),
            "message": serializers.CharField(help_text="The same, in the request's language."),
        }),
    },
)
RATING_CONFLICT = inline_serializer(
    name="RatingConflict",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(help_text="external_id_conflict"),
        "fields": serializers.ListField(child=serializers.CharField(),
                                        help_text="The fields whose content differs from the stored rating."),
        "rating": RatingSerializer(help_text="The rating stored under this external_id."),
    },
)
CSV_RESULT = inline_serializer(
    name="RatingCsvResult",
    fields={"rows": serializers.IntegerField(), "created": serializers.IntegerField(),
            "duplicate": serializers.IntegerField()},
)
CSV_ERRORS = inline_serializer(
    name="RatingCsvErrors",
    fields={
        "detail": serializers.CharField(),
        "total_errors": serializers.IntegerField(),
        "errors": inline_serializer(name="RatingCsvLineError", many=True, fields={
            "line": serializers.IntegerField(), "field": serializers.CharField(),
            "code": serializers.CharField(help_text="What is wrong, for programs (e.g. external_id_conflict)."),
            "message": serializers.CharField(help_text="The same, in the request's language."),
        }),
    },
)
CSV_UPLOAD = inline_serializer(name="RatingCsvUpload", fields={"file": serializers.FileField(
    help_text="UTF-8 CSV; header: touchpoint_key (or touchpoint), score, occurred_at, segment, comment, "
              "first_contact_resolved, external_id.")})
ORGANIZATION_PARAMETER = OpenApiParameter(
    "organization", int, required=False,
    description="Session users in several organizations: the organization to record into "
                "(tokens always record into their own).",
)
