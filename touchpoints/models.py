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
# A persona's quote is one or two sentences in the customer's words.
QUOTE_MAX_LENGTH = 280


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
    # The cycle's overall (loyalty) question, e.g. NPS "would you recommend us": the
    # outcome key drivers explain by default. At most one per cycle (touchpoint_update).
    loyalty_question = models.BooleanField(
        _("loyalty question"), default=False,
        help_text=_("The overall question (e.g. would you recommend us) whose answer key drivers explain."),
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
    # A persona: who they are (description), what they want (goals), and a short quote in their words.
    description = models.TextField(_("description"), blank=True)
    goals = models.TextField(_("goals"), blank=True)
    quote = models.CharField(_("quote"), max_length=QUOTE_MAX_LENGTH, blank=True)

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


# The longest customer reference a client may send (before it is hashed).
CUSTOMER_REFERENCE_MAX_LENGTH = 256


class CustomerSecret(models.Model):
    """The organization's key for customer references (HMAC-SHA256): the same
    reference always gives the same customer inside one organization, and a hash
    says nothing outside it. Made on first use (`touchpoints.customers`)."""

    organization = models.OneToOneField("journeys.Organization", on_delete=models.CASCADE, primary_key=True,
                                        related_name="customer_secret")
    secret = models.CharField(max_length=64, editable=False)

    def __str__(self) -> str:
        return f"customer secret of {self.organization_id}"


class Customer(models.Model):
    """A customer of one organization, known only by the keyed hash of the
    reference a client gave (booking code, account id, e-mail hash): Momento
    never stores the reference itself. Erasure deletes the row with its ratings."""

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey("journeys.Organization", on_delete=models.CASCADE, related_name="customers",
                                     db_index=False)
    key = models.CharField(_("customer hash"), max_length=64, help_text=_("HMAC-SHA256 of the client's reference."))

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="customer_unique_key_per_org")]

    def __str__(self) -> str:
        return self.key[:12]


class CustomerErasure(models.Model):
    """The record of an erasure on request (GDPR / LOPDGDD): when, by whom, how many
    ratings. Never the reference, nor its hash: the record must not identify the customer."""

    organization = models.ForeignKey("journeys.Organization", on_delete=models.CASCADE,
                                     related_name="customer_erasures")
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now)
    erased_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="customer_erasures", verbose_name=_("erased by"))
    token = models.ForeignKey("journeys.ApiToken", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="customer_erasures", verbose_name=_("API token"))
    ratings = models.PositiveIntegerField(_("ratings removed"), default=0)

    class Meta:
        ordering = ["-erased_at", "-id"]
        verbose_name = _("customer erasure")
        verbose_name_plural = _("customer erasures")

    def __str__(self) -> str:
        return f"{self.erased_at:%Y-%m-%d %H:%M}: {self.ratings}"


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
    # 0013) deletes a deleted touchpoint's ratings and clears a deleted segment,
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
    # The customer who gave it (a keyed hash of the client's reference), when the client said.
    # No constraint in the database: a check per inserted row costs ingest, and the two
    # writers hold the row locks that keep it true (touchpoints.customers: ingest holds
    # FOR KEY SHARE on the customers it links until it commits, erasure takes FOR UPDATE
    # before it deletes the ratings, then the customer).
    customer = models.ForeignKey(Customer, on_delete=models.DO_NOTHING, null=True, blank=True,
                                 related_name="ratings", db_index=False, db_constraint=False)

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
        # 0013; not in this list because SQLite has no BRIN) serve time ranges:
        # both columns follow the order ratings arrive in, and a BRIN entry
        # covers 128 pages, so they cost next to nothing to keep.
        indexes = [
            models.Index(fields=["touchpoint"], name="rating_touchpoint"),
            models.Index(fields=["touchpoint", "occurred_at"], condition=~Q(comment=""),
                         name="rating_commented_by_touchpoint"),
            # Linked ratings only (unlinked ones cost it nothing): erasure finds a customer's
            # ratings by its first column, and key drivers read every column they group
            # from the index alone (an index-only scan, in customer order) instead of the table.
            models.Index(fields=["customer", "touchpoint", "occurred_at", "dissatisfied", "segment"],
                         name="rating_customer", condition=Q(customer__isnull=False)),
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


# A survey link's public token: 128 random bits, URL-safe (22 characters).
SURVEY_TOKEN_BYTES = 16
SURVEY_QUESTION_MAX_LENGTH = 300


def survey_token_new() -> str:
    return secrets.token_urlsafe(SURVEY_TOKEN_BYTES)


class SurveyLink(models.Model):
    """A public link that collects ratings of one touchpoint: `/s/<token>/`.

    Whoever has the link may rate the touchpoint, nothing else: the public page
    shows the question (the touchpoint's name by default) and the scale, never
    the organization's other data. The token is a public address (printed in
    QR codes, sent in e-mails), not a secret that unlocks anything, so it is
    stored as it is and the API can give the URL back. Empty question and
    prompt texts mean "the default for the touchpoint and its scale", rendered
    in the visitor's language (touchpoints.survey_texts).
    """

    organization = models.ForeignKey("journeys.Organization", on_delete=models.CASCADE, related_name="survey_links")
    # Deleting the touchpoint deletes its links: their pages answer the same 404 as an unknown token.
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="survey_links")
    token = models.CharField(max_length=32, unique=True, default=survey_token_new, editable=False)
    name = models.CharField(_("name"), max_length=120, blank=True,
                            help_text=_("For your team only, e.g. “Poster at baggage claim”."))
    question_es = models.CharField(_("question (Spanish)"), max_length=SURVEY_QUESTION_MAX_LENGTH, blank=True)
    question_en = models.CharField(_("question (English)"), max_length=SURVEY_QUESTION_MAX_LENGTH, blank=True)
    comment_enabled = models.BooleanField(_("ask for a comment"), default=True)
    comment_prompt_es = models.CharField(_("comment prompt (Spanish)"), max_length=SURVEY_QUESTION_MAX_LENGTH,
                                         blank=True)
    comment_prompt_en = models.CharField(_("comment prompt (English)"), max_length=SURVEY_QUESTION_MAX_LENGTH,
                                         blank=True)
    # A kiosk's on-screen keyboard is in the way of the next customer: off unless asked for.
    kiosk_comment = models.BooleanField(_("comment box on the kiosk"), default=False)
    segment = models.ForeignKey(Segment, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="survey_links", verbose_name=_("segment"))
    one_per_device = models.BooleanField(_("one rating per device per day"), default=False)
    active = models.BooleanField(_("active"), default=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["touchpoint", "-created_at", "-id"]
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")
        indexes = [models.Index(fields=["touchpoint", "active"], name="survey_link_touchpoint_active")]

    def __str__(self) -> str:
        return self.name or self.token

    def is_open(self, *, now=None) -> bool:
        """Active and not past its end: its page takes ratings."""
        return self.active and (self.ends_at is None or self.ends_at > (now or timezone.now()))
