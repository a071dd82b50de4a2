"""Touchpoints, customer segments and the ratings customers give them."""

from __future__ import annotations

import re
import secrets
import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scales import SCALES


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    APP = "app", _("App")
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")
    EMAIL = "email", _("E-mail")
    SOCIAL = "social", _("Social media")
    MESSAGING = "messaging", _("Messaging")
    IN_PERSON = "in_person", _("In person")
    KIOSK = "kiosk", _("Kiosk")
    PHYSICAL_PLACE = "physical_place", _("Physical place")
    OTHER = "other", _("Other")


class ScaleChoice(models.TextChoices):
    CSAT5 = "csat5", _("CSAT 1–5")
    STARS5 = "stars5", _("Stars 1–5")
    NPS11 = "nps11", _("NPS 0–10")
    CES7 = "ces7", _("CES 1–7 (7 = very easy)")
    THUMBS2 = "thumbs2", _("Thumbs up/down (0–1)")


def _score_in_scale_condition() -> Q:
    condition = Q()
    for code, scale in SCALES.items():
        condition |= Q(scale=code, score__gte=scale.low, score__lte=scale.high)
    return condition


# Touchpoint and segment keys (what REST clients and CSV files name them by).
KEY_MAX_LENGTH = 80


class Touchpoint(models.Model):
    class Interaction(models.TextChoices):
        HUMAN = "human", _("Human")
        DIGITAL = "digital", _("Digital")

    # Denormalised from moment.cycle.organization: REST clients address a
    # touchpoint by its key within their organization, and scoping is one join less.
    organization = models.ForeignKey("journeys.Organization", on_delete=models.CASCADE, related_name="touchpoints")
    moment = models.ForeignKey("journeys.Moment", on_delete=models.CASCADE, related_name="touchpoints")
    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    scale = models.CharField(_("scale"), max_length=8, choices=ScaleChoice.choices, default=ScaleChoice.CSAT5)
    interaction = models.CharField(
        _("human or digital"), max_length=8, choices=Interaction.choices, default=Interaction.DIGITAL
    )
    key = models.SlugField(
        _("key"), max_length=KEY_MAX_LENGTH, help_text=_("Stable identifier REST clients use to send ratings.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["moment__cycle", "moment__position", "id"]
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="touchpoint_unique_key_per_org"),
            models.CheckConstraint(condition=Q(scale__in=list(SCALES)), name="touchpoint_scale_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="touchpoint_channel_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_channel_display()})"


class Segment(models.Model):
    organization = models.ForeignKey("journeys.Organization", on_delete=models.CASCADE, related_name="segments")
    name = models.CharField(_("name"), max_length=120)
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["organization", "name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="segment_unique_key_per_org")]

    def __str__(self) -> str:
        return self.name


# Ratings sent without an external_id get one of these, so every stored rating
# has a key (shown in the API and the export) and re-importing an export finds
# each line again. Clients may not invent keys with this prefix.
SERVER_KEY_PREFIX = "momento:"
SERVER_KEY = re.compile(r"momento:[0-9a-f]{32}")


def rating_key_new() -> str:
    """A server-assigned external_id: the prefix and 32 hex digits.

    The first 12 digits are the time in milliseconds, so consecutive keys land
    next to each other in the unique index (random keys would touch a random
    page of a large index on every insert); 80 random bits make it unique.
    """
    return f"{SERVER_KEY_PREFIX}{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


class Rating(models.Model):
    class Source(models.TextChoices):
        API = "api", _("API")
        CSV = "csv", _("CSV import")
        FORM = "form", _("Form")

    id = models.BigAutoField(primary_key=True)
    # No foreign keys in the database: a deferred key costs one trigger event
    # per row and key, checked at commit, and measured 40 % of a bulk COPY per
    # key. The same guarantee is kept without them (docs/reliability.md):
    # ingestion validates every reference against the organization's catalogue
    # and, inside the INSERT's transaction, locks the touchpoints and segments it
    # writes to (FOR KEY SHARE, as the key's check did), so none can be deleted
    # under it; and on PostgreSQL a trigger on touchpoints and segments (migration
    # 0008) deletes a deleted touchpoint's ratings and clears a deleted segment,
    # whatever path deleted it, after waiting for those locks. Django's CASCADE /
    # SET_NULL below do the same first, on every database.
    organization = models.ForeignKey(
        "journeys.Organization", on_delete=models.CASCADE, related_name="ratings", db_index=False,
        db_constraint=False,
    )
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.CASCADE, related_name="ratings", db_index=False, db_constraint=False
    )
    # Copied from the touchpoint when the rating is recorded, so the score is
    # checked by the database and stays interpretable if the touchpoint changes.
    scale = models.CharField(_("scale"), max_length=8, choices=ScaleChoice.choices)
    score = models.SmallIntegerField(_("score"))
    normalized = models.FloatField(_("normalised score (0–100)"))
    dissatisfied = models.BooleanField(_("dissatisfied"))
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    # No index: only a segment's deletion (SET_NULL, admin) reads by it.
    segment = models.ForeignKey(
        Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="ratings", db_index=False,
        db_constraint=False,
    )
    comment = models.TextField(_("comment"), blank=True)
    first_contact_resolved = models.BooleanField(_("resolved at first contact"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.API)
    # The idempotency key: the client's, or one from rating_key_new() when it sent none.
    external_id = models.CharField(_("external id"), max_length=128, default=rating_key_new)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            # The idempotency key: a replayed external_id never makes a second row.
            models.UniqueConstraint(fields=["organization", "external_id"], name="rating_unique_external_id_per_org"),
            models.CheckConstraint(condition=_score_in_scale_condition(), name="rating_score_within_scale"),
            models.CheckConstraint(
                condition=Q(normalized__gte=0, normalized__lte=100), name="rating_normalized_in_range"
            ),
        ]
        # Every index is paid on each of millions of inserts, so each one is here
        # for what reads it. The primary key: the rollups' watermark reads ratings
        # by id range. The unique key above: idempotency, and an organization's
        # ratings (its deletion). `rating_touchpoint`: a touchpoint's ratings (its
        # deletion, "has it ratings?"); with one entry per touchpoint appended at
        # the end of its posting list, it is cheap to keep. Comments newest first
        # per touchpoint (insights' verbatims, the comments page) read only
        # ratings with a comment, so their index holds only those. On
        # PostgreSQL, BRIN indexes on `occurred_at` and `received_at` (migration
        # 0008; not in this list because SQLite has no BRIN) serve time ranges:
        # both columns follow the order ratings arrive in, and a BRIN entry
        # covers 128 pages, so they cost next to nothing to keep.
        indexes = [
            models.Index(fields=["touchpoint"], name="rating_touchpoint"),
            models.Index(fields=["touchpoint", "occurred_at"], condition=~Q(comment=""),
                         name="rating_commented_by_touchpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint_id}: {self.score} ({self.scale})"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Ready to import")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    SUCCEEDED = "succeeded", _("Imported")
    FAILED = "failed", _("Refused")
    EXPIRED = "expired", _("Expired")


class RatingImport(models.Model):
    """A ratings CSV uploaded through the import page, from preview to outcome.

    Between the upload and the import the file waits on disk under
    `settings.MOMENTO_UPLOAD_DIR` (as `stored_name`), where the worker streams
    it, so a 50 MB file never sits in a database row or in memory. The file is
    deleted once the import has an outcome; the row stays as the record of
    who imported what into which organization, and what came of it.
    """

    Status = ImportStatus

    organization = models.ForeignKey(
        "journeys.Organization", on_delete=models.CASCADE, related_name="rating_imports"
    )
    # Where the import was started from (the cycle page): such an import takes
    # only that cycle's touchpoints (a line naming another cycle's is refused).
    cycle = models.ForeignKey(
        "journeys.ServiceCycle", on_delete=models.SET_NULL, null=True, blank=True, related_name="rating_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="rating_imports", verbose_name=_("uploaded by"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size"))
    stored_name = models.CharField(max_length=64, editable=False)
    # Header, column mapping and first lines, computed once at upload.
    preview = models.JSONField(default=dict, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    row_count = models.PositiveIntegerField(_("lines"), default=0)
    created_count = models.PositiveIntegerField(_("new ratings"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates"), default=0)
    # The first errors by line ({"line", "field", "message"}) and how many there were in all.
    errors = models.JSONField(default=list, editable=False)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ratings import")
        verbose_name_plural = _("ratings imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values),
                name="rating_import_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="rating_import_status_created")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED, self.Status.EXPIRED)
