"""The weekly review of critical moments: items, their history and action items,
plus the webhooks that tell other systems when an item opens or changes status.

A review item is one problem of one ISO week of a cycle: a critical moment
(touchpoint empty), carrying its critical touchpoints inside it
(`ReviewItemTouchpoint`), or a critical touchpoint of a moment that is not
critical as a whole. The figures that made it critical are copied onto the item
when it opens, so the review reads what the team saw that Monday even if late
ratings change the rollups afterwards.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from analytics.models import Trend

__all__ = ["Trend"]  # re-exported: review items store the analytics' trend codes


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACTION_PLANNED = "action_planned", _("Action planned")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


FINAL_STATUSES = (ReviewStatus.RESOLVED, ReviewStatus.DISMISSED)


def _trend_matches_worsening(prefix: str) -> models.CheckConstraint:
    # `worsening` is the API's yes/no/unknown view of `trend`; both are stored so
    # filters stay plain column lookups, and this keeps them from disagreeing.
    return models.CheckConstraint(
        condition=(Q(trend=Trend.NO_EARLIER_DATA, worsening__isnull=True)
                   | Q(trend=Trend.WORSENING, worsening=True)
                   | Q(trend__in=[Trend.IMPROVING, Trend.STEADY], worsening=False)),
        name=f"{prefix}_worsening_matches_trend",
    )


class CriticalFigures(models.Model):
    """The figures that made a moment or touchpoint critical in one week (DESIGN.md "Critical moments")."""

    n = models.PositiveIntegerField(_("ratings"))
    dissatisfied = models.PositiveIntegerField(_("dissatisfied"))
    share = models.FloatField(_("dissatisfied share"))
    wilson_low = models.FloatField(_("Wilson lower bound"))
    wilson_high = models.FloatField(_("Wilson upper bound"))
    previous_n = models.PositiveIntegerField(_("ratings the week before"), default=0)
    previous_dissatisfied = models.PositiveIntegerField(_("dissatisfied the week before"), default=0)
    trend = models.CharField(_("trend"), max_length=20, choices=Trend.choices, default=Trend.NO_EARLIER_DATA)
    # Null: the week before had too few ratings to compare with (never "not worsening").
    worsening = models.BooleanField(_("worsening"), null=True, default=None)
    reach = models.FloatField(_("word-of-mouth reach"), default=0)
    severity = models.FloatField(_("severity"))

    class Meta:
        abstract = True

    @property
    def previous_share(self) -> float | None:
        return self.previous_dissatisfied / self.previous_n if self.previous_n else None

    @property
    def has_earlier_data(self) -> bool:
        return self.trend != Trend.NO_EARLIER_DATA


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("the schedule")
    PAGE = "page", _("the review page")
    COMMAND = "command", _("manage.py reviews_open_week")


class ReviewRun(models.Model):
    """One opening of one cycle's week: makes the hourly check and the digest idempotent.

    Its existence says "this week was reviewed" even when nothing was critical,
    so the scheduler does not try again, and `digest_sent_at` keeps a second run
    from mailing the team leads twice.
    """

    cycle = models.ForeignKey("journeys.ServiceCycle", on_delete=models.CASCADE, related_name="review_runs")
    week_start = models.DateField(_("week start (Monday)"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    items_opened = models.PositiveIntegerField(_("items opened"), default=0)
    source = models.CharField(_("figures computed from"), max_length=20, blank=True)
    digest_sent_at = models.DateTimeField(_("digest sent at"), null=True, blank=True)
    # Set once, by the run that opened the week's items (claimed with UPDATE … WHERE
    # opened_at IS NULL); a row without it only marks a digest attempt.
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("opened by"),
    )
    trigger = models.CharField(_("opened through"), max_length=20, choices=Trigger.choices, blank=True)

    class Meta:
        verbose_name = _("review run")
        verbose_name_plural = _("review runs")
        constraints = [models.UniqueConstraint(fields=["cycle", "week_start"], name="reviewrun_unique_cycle_week")]
        indexes = [models.Index(fields=["cycle", "-opened_at"], name="reviewrun_cycle_opened")]

    def __str__(self) -> str:
        return f"{self.cycle_id} {self.week_start}"


class ReviewItem(CriticalFigures):
    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(
        "journeys.Organization", on_delete=models.CASCADE, related_name="review_items"
    )
    cycle = models.ForeignKey("journeys.ServiceCycle", on_delete=models.CASCADE, related_name="review_items")
    moment = models.ForeignKey("journeys.Moment", on_delete=models.CASCADE, related_name="review_items")
    # Empty for the moment as a whole; set for one critical touchpoint of it.
    touchpoint = models.ForeignKey(
        "touchpoints.Touchpoint", on_delete=models.CASCADE, null=True, blank=True, related_name="review_items"
    )
    week_start = models.DateField(_("week start (Monday)"))
    # The run that opened it: who or what opened the week (the history shows it).
    run = models.ForeignKey(
        ReviewRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="items",
        verbose_name=_("opened in run"),
    )

    status = models.CharField(_("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    dismiss_reason = models.TextField(_("reason for dismissing"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="review_items", verbose_name=_("owner"),
    )
    notes = models.TextField(_("notes"), blank=True)
    # The same moment/touchpoint's item of the week before, when it was critical too.
    previous = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_item",
        verbose_name=_("previous week's item"),
    )
    streak = models.PositiveIntegerField(_("weeks in a row"), default=1)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-week_start", "-severity", "id"]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        constraints = [
            # NULL never equals NULL in a plain unique constraint, so moment-level
            # items (no touchpoint) get their own partial constraint; together they
            # make a re-run or a concurrent run unable to open a second item.
            models.UniqueConstraint(
                fields=["cycle", "moment", "week_start"], condition=Q(touchpoint__isnull=True),
                name="reviewitem_unique_moment_week",
            ),
            models.UniqueConstraint(
                fields=["cycle", "moment", "touchpoint", "week_start"], condition=Q(touchpoint__isnull=False),
                name="reviewitem_unique_touchpoint_week",
            ),
            models.CheckConstraint(condition=Q(status__in=ReviewStatus.values), name="reviewitem_status_valid"),
            models.CheckConstraint(
                condition=Q(dissatisfied__lte=models.F("n")), name="reviewitem_dissatisfied_within_n"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.DISMISSED) | ~Q(dismiss_reason=""),
                name="reviewitem_dismissed_has_reason",
            ),
            models.CheckConstraint(condition=Q(streak__gte=1), name="reviewitem_streak_positive"),
            _trend_matches_worsening("reviewitem"),
        ]
        indexes = [
            models.Index(fields=["cycle", "week_start"], name="reviewitem_cycle_week"),
            models.Index(fields=["organization", "status"], name="reviewitem_org_status"),
        ]

    def __str__(self) -> str:
        return f"{self.week_start} {self.moment_id}/{self.touchpoint_id or '-'} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def iso_week(self) -> str:
        year, week, _weekday = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)


class ReviewItemTouchpoint(CriticalFigures):
    """A critical touchpoint inside a critical moment's item, with its own figures of that week."""

    id = models.BigAutoField(primary_key=True)
    review_item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="critical_touchpoints")
    touchpoint = models.ForeignKey("touchpoints.Touchpoint", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["-severity", "id"]
        verbose_name = _("critical touchpoint of a review item")
        verbose_name_plural = _("critical touchpoints of review items")
        constraints = [
            models.UniqueConstraint(fields=["review_item", "touchpoint"], name="reviewitemtouchpoint_unique"),
            models.CheckConstraint(
                condition=Q(dissatisfied__lte=models.F("n")), name="reviewitemtouchpoint_dissatisfied_within_n"
            ),
            _trend_matches_worsening("reviewitemtouchpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.review_item_id}: {self.touchpoint_id}"


class ActionItem(models.Model):
    review_item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(_("action"), max_length=500)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["done", "due_date", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="actionitem_text_not_empty")]

    def __str__(self) -> str:
        return self.text


class ReviewEvent(models.Model):
    """One change to a review item: who (empty = Momento itself: the schedule or the command,
    as the item's run says), when, what, from → to."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        STATUS = "status", _("Status changed")
        OWNER = "owner", _("Owner changed")
        NOTES = "notes", _("Notes changed")
        ACTION_ADDED = "action_added", _("Action added")
        ACTION_DONE = "action_done", _("Action done")
        ACTION_REOPENED = "action_reopened", _("Action reopened")

    id = models.BigAutoField(primary_key=True)
    review_item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("who"),
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    from_value = models.TextField(_("from"), blank=True)
    to_value = models.TextField(_("to"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("review event")
        verbose_name_plural = _("review events")

    def __str__(self) -> str:
        return f"{self.review_item_id} {self.kind}: {self.from_value!r} → {self.to_value!r}"

    def _display(self, value: str) -> str:
        if self.kind not in (self.Kind.STATUS, self.Kind.OPENED):
            return value
        status, _sep, reason = value.partition(": ")
        label = ReviewStatus(status).label if status in ReviewStatus.values else status
        return f"{label}: {reason}" if reason else str(label)

    @property
    def from_display(self) -> str:
        return self._display(self.from_value)

    @property
    def to_display(self) -> str:
        return self._display(self.to_value)


# --- Webhooks -------------------------------------------------------------------


class WebhookEvent(models.TextChoices):
    ITEM_OPENED = "review_item.opened", _("Review item opened")
    ITEM_STATUS_CHANGED = "review_item.status_changed", _("Review item status changed")
    ALERT_OPENED = "alert.opened", _("Alert opened")
    ALERT_CLOSED = "alert.closed", _("Alert closed")


ALERT_EVENTS = (WebhookEvent.ALERT_OPENED, WebhookEvent.ALERT_CLOSED)


class WebhookKind(models.TextChoices):
    """What a webhook's body looks like: Momento's signed JSON event, or a message for a
    Slack incoming webhook (`text` and `blocks`; Slack ignores the signature headers)."""

    MOMENTO = "momento", _("Momento JSON event")
    SLACK = "slack", _("Slack incoming webhook")


validate_http_url = URLValidator(
    schemes=["http", "https"], message=_("Enter an http:// or https:// URL.")
)


def _default_events() -> list[str]:
    return list(WebhookEvent.values)


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class Webhook(models.Model):
    organization = models.ForeignKey("journeys.Organization", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500, validators=[validate_http_url])
    secret = models.CharField(
        _("signing secret"), max_length=128, default=new_webhook_secret,
        help_text=_("Momento signs every request body with HMAC-SHA256 using this secret."),
    )
    events = models.JSONField(_("events"), default=_default_events)
    kind = models.CharField(_("format"), max_length=10, choices=WebhookKind.choices, default=WebhookKind.MOMENTO)
    # The language of a Slack message's words (a Momento event carries codes and numbers only).
    language = models.CharField(_("language of messages"), max_length=8, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE)
    active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="webhook_url_http_or_https",
            ),
            models.CheckConstraint(condition=Q(kind__in=WebhookKind.values), name="webhook_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one webhook (a retry is a new row)."""

    id = models.BigAutoField(primary_key=True)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=60)
    # Same for every attempt of one event, sent as X-Momento-Delivery so a
    # receiver can drop a retry of something it already processed.
    event_id = models.UUIDField(_("event id"))
    payload = models.JSONField(_("payload"))
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    # The status and timing of the answer, never its body (reviews.egress).
    status_code = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event_id", "webhook", "attempt"], name="delivery_unique_attempt"),
        ]
        indexes = [models.Index(fields=["webhook", "-started_at"], name="delivery_webhook_recent")]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} #{self.attempt} ({self.status_code or self.error[:30]})"


# --- Alerts: what was sent when ---------------------------------------------------------


class AlertNotice(models.Model):
    """The e-mails and webhook events of one alert's opening or closing (analytics'
    `Alert`): sent once. Made when the scan announces it (or, should that be lost, by the
    periodic sweep), due at once or when the organization's quiet hours end, and claimed
    with `UPDATE … WHERE sent_at IS NULL` (row count checked) before anything is sent."""

    id = models.BigAutoField(primary_key=True)
    alert = models.ForeignKey("analytics.Alert", on_delete=models.CASCADE, related_name="notices")
    event = models.CharField(_("event"), max_length=20, choices=[(event.value, event.label) for event in ALERT_EVENTS])
    # The X-Momento-Delivery of its webhook calls: a retry of the notice is the same event.
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    due_at = models.DateTimeField(_("due at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    emails_sent = models.PositiveIntegerField(_("e-mails sent"), default=0)
    webhooks_called = models.PositiveIntegerField(_("webhooks called"), default=0)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("alert notice")
        verbose_name_plural = _("alert notices")
        constraints = [
            models.UniqueConstraint(fields=["alert", "event"], name="alertnotice_one_per_alert_event"),
            models.CheckConstraint(condition=Q(event__in=[event.value for event in ALERT_EVENTS]),
                                   name="alertnotice_event_valid"),
        ]
        indexes = [models.Index(fields=["due_at"], condition=Q(sent_at__isnull=True), name="alertnotice_due")]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.event} ({'sent' if self.sent_at else 'due ' + str(self.due_at)})"
