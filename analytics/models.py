"""Analytics storage: daily rollups of ratings, their watermark, heatmap snapshots.

Dashboards read `HeatmapSnapshot` rows; snapshots are computed from
`DailyRollup` rows; rollups are maintained incrementally from ratings newer
than `RollupWatermark.last_rating_id`. Nothing on a page scans raw ratings.
"""

from __future__ import annotations

import orjson
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext_lazy as _

from . import stats

# Rollups store "no segment" as 0 instead of NULL so that one plain unique
# constraint (and therefore INSERT … ON CONFLICT) works on PostgreSQL and SQLite.
NO_SEGMENT = 0


class Trend(models.TextChoices):
    """How a dissatisfied share moved against the period (or week, or column) before: the
    codes of `stats.trend`, one choice set for the snapshots, the API and review items."""

    WORSENING = stats.TREND_WORSENING, _("worsening")
    IMPROVING = stats.TREND_IMPROVING, _("improving")
    STEADY = stats.TREND_STEADY, _("steady")
    NO_EARLIER_DATA = stats.TREND_NO_EARLIER_DATA, _("no earlier data")


class RollupWatermark(models.Model):
    """How far (by rating id) the rollups have read. One row per rollup stream.

    Locked with SELECT … FOR UPDATE for the whole incremental refresh, in the same
    transaction as the upsert, so two runs at once queue up and a repeat finds
    nothing new: a rating is added to the rollups exactly once.
    """

    name = models.CharField(max_length=40, unique=True)
    last_rating_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rollup watermark")
        verbose_name_plural = _("rollup watermarks")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_rating_id}"


class DailyRollup(models.Model):
    """Counts of ratings per touchpoint × local day (cycle time zone) × segment."""

    id = models.BigAutoField(primary_key=True)
    # Indexed by the unique (touchpoint, day, segment_key) constraint alone: it
    # serves the heatmap's per-touchpoint day ranges, and each extra index costs
    # every rebuild and refresh. No foreign key in the database: every row is
    # computed from ratings, whose own key holds the touchpoint, and the deferred
    # check of each of ~16,000 rows made a full rebuild's commit take 60 ms.
    # Deleting a touchpoint still deletes its rollups (Django's CASCADE).
    touchpoint = models.ForeignKey(
        "touchpoints.Touchpoint", on_delete=models.CASCADE, related_name="rollups", db_index=False,
        db_constraint=False,
    )
    day = models.DateField(_("day"))
    segment_key = models.BigIntegerField(_("segment id (0 = none)"), default=NO_SEGMENT)
    n = models.BigIntegerField(default=0)
    dissatisfied = models.BigIntegerField(default=0)
    sum_normalized = models.FloatField(default=0)
    promoters = models.BigIntegerField(default=0)
    detractors = models.BigIntegerField(default=0)
    fcr_resolved = models.BigIntegerField(default=0)
    fcr_asked = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [
            models.UniqueConstraint(fields=["touchpoint", "day", "segment_key"], name="rollup_unique_tp_day_segment"),
            models.CheckConstraint(
                condition=Q(n__gte=0, dissatisfied__gte=0, dissatisfied__lte=models.F("n")),
                name="rollup_counts_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint_id} {self.day} seg={self.segment_key}: {self.dissatisfied}/{self.n}"


# The term of a `TermCount` row that counts the corpus itself: its documents are
# the comments (with or without words), its occurrences every term counted.
CORPUS = ""


class TermCount(models.Model):
    """Words and pairs of words of customers' comments per touchpoint × local day ×
    segment, maintained with the rollups by the same watermark pass
    (`analytics.comment_terms`); insights are computed from these, never from
    raw comments. `term` is a stem or two ("malet", "malet perd"); the row with
    `term = CORPUS` holds the totals. No foreign key in the database, as for
    `DailyRollup`: every row is computed from ratings, and Django's CASCADE
    deletes a touchpoint's rows."""

    id = models.BigAutoField(primary_key=True)
    touchpoint = models.ForeignKey(
        "touchpoints.Touchpoint", on_delete=models.CASCADE, related_name="term_counts", db_index=False,
        db_constraint=False,
    )
    day = models.DateField(_("day"))
    segment_key = models.BigIntegerField(_("segment id (0 = none)"), default=NO_SEGMENT)
    term = models.CharField(_("term"), max_length=61, blank=True)
    occurrences = models.BigIntegerField(default=0)
    documents = models.BigIntegerField(default=0)
    dissatisfied_occurrences = models.BigIntegerField(default=0)
    dissatisfied_documents = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("term count")
        verbose_name_plural = _("term counts")
        constraints = [
            models.UniqueConstraint(fields=["touchpoint", "day", "segment_key", "term"],
                                    name="termcount_unique_tp_day_segment_term"),
            models.CheckConstraint(
                condition=Q(documents__gte=0, dissatisfied_documents__gte=0,
                            dissatisfied_documents__lte=models.F("documents")),
                name="termcount_counts_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint_id} {self.day} seg={self.segment_key} {self.term!r}: {self.documents}"


class TermForm(models.Model):
    """How a term was written at a touchpoint, and how often: the most frequent
    form is what pages show for a stem ("maletas" for "malet")."""

    id = models.BigAutoField(primary_key=True)
    touchpoint = models.ForeignKey(
        "touchpoints.Touchpoint", on_delete=models.CASCADE, related_name="term_forms", db_index=False,
        db_constraint=False,
    )
    term = models.CharField(_("term"), max_length=61)
    form = models.CharField(_("form"), max_length=61)
    occurrences = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("term form")
        verbose_name_plural = _("term forms")
        constraints = [
            models.UniqueConstraint(fields=["touchpoint", "term", "form"], name="termform_unique_tp_term_form"),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint_id} {self.term!r} → {self.form!r} ×{self.occurrences}"


class CycleRollupState(models.Model):
    """Per cycle, a counter bumped whenever its rollups change.

    A snapshot remembers the version it was computed from; a different version
    means newer ratings (or a rebuild) reached the cycle and the snapshot is stale.
    """

    cycle = models.OneToOneField(
        "journeys.ServiceCycle", on_delete=models.CASCADE, primary_key=True, related_name="rollup_state"
    )
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.cycle_id}: version {self.version}"


def _json_text(value: object) -> str:
    return orjson.dumps(value).decode()


class SnapshotDataField(models.JSONField):
    """A JSONField written and read with orjson on PostgreSQL.

    A snapshot is ~100 KB of JSON, written after every refresh and read by
    every dashboard and heatmap API request; the standard library's json took
    ~2 ms to encode it and ~1 ms to decode it, orjson a fifth of that.
    """

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        from django.db.backends.postgresql.psycopg_any import Jsonb

        if not prepared:
            value = self.get_prep_value(value)
        return Jsonb(value, dumps=_json_text)

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str) and not isinstance(expression, KeyTransform):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                return value
        return super().from_db_value(value, expression, connection)


class SnapshotDimension(models.TextChoices):
    WEEKS = "weeks", _("ISO weeks")
    CHANNELS = "channels", _("Channels")
    SEGMENTS = "segments", _("Segments")


class HeatmapSnapshot(models.Model):
    Dimension = SnapshotDimension

    class Status(models.TextChoices):
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.BigAutoField(primary_key=True)
    cycle = models.ForeignKey("journeys.ServiceCycle", on_delete=models.CASCADE, related_name="heatmap_snapshots")
    dimension = models.CharField(_("columns"), max_length=10, choices=Dimension.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.READY)
    computed_at = models.DateTimeField(_("computed at"))
    # What the snapshot was computed from; a mismatch with the cycle now means stale.
    rollup_version = models.BigIntegerField(default=0)
    signature = models.CharField(max_length=64, blank=True)
    critical_count = models.PositiveIntegerField(default=0)
    data = SnapshotDataField(default=dict)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("heatmap snapshot")
        verbose_name_plural = _("heatmap snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "dimension", "period_start", "period_end"], name="snapshot_unique_cycle_view"
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="snapshot_period_order"),
            models.CheckConstraint(
                condition=Q(dimension__in=SnapshotDimension.values), name="snapshot_dimension_valid"
            ),
        ]
        indexes = [models.Index(fields=["cycle", "-computed_at"], name="snapshot_cycle_newest")]

    def __str__(self) -> str:
        return f"{self.cycle_id} {self.dimension} {self.period_start}–{self.period_end} ({self.status})"


# --- Alerts (issue 16) --------------------------------------------------------------------


class AlertSubject(models.TextChoices):
    MOMENT = "moment", _("moment")
    TOUCHPOINT = "touchpoint", _("touchpoint")


class AlertCloseReason(models.TextChoices):
    """Why an alert closed: codes, worded when shown."""

    RECOVERED = "recovered", _("recovered: the upper end of its interval fell below the critical share")
    QUIET = "quiet", _("7 days without being critical")
    MOMENT_DELETED = "moment_deleted", _("the moment was deleted")
    TOUCHPOINT_DELETED = "touchpoint_deleted", _("the touchpoint was deleted")


class Alert(models.Model):
    """A moment or touchpoint found critical over the rolling last 7 days, between
    Mondays (analytics.services.alerts). It keeps the window and figures that opened
    it, the latest scan's figures, and when and why it closed.

    One open alert per subject is a database rule (the partial unique constraints
    below), so a repeated or concurrent scan cannot open a second one. Deleting
    the subject keeps the alert (its id is set to NULL; the names are kept) and
    closes it with that reason.
    """

    Subject = AlertSubject
    CloseReason = AlertCloseReason

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey("journeys.Organization", on_delete=models.CASCADE, related_name="alerts")
    cycle = models.ForeignKey("journeys.ServiceCycle", on_delete=models.CASCADE, related_name="alerts")
    subject = models.CharField(_("subject"), max_length=12, choices=AlertSubject.choices)
    moment = models.ForeignKey("journeys.Moment", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="alerts")
    # Empty for a moment's alert; a touchpoint's alert keeps its moment too.
    touchpoint = models.ForeignKey("touchpoints.Touchpoint", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="alerts")
    # Names when it opened, shown once the moment or touchpoint is gone.
    moment_name = models.CharField(_("moment"), max_length=120)
    touchpoint_name = models.CharField(_("touchpoint"), max_length=120, blank=True)

    # What opened it: the window (local days of the cycle) and its figures.
    window_start = models.DateField(_("window start"))
    window_end = models.DateField(_("window end"))
    n = models.PositiveIntegerField(_("ratings"))
    dissatisfied = models.PositiveIntegerField(_("dissatisfied"))
    p_value = models.FloatField(_("p-value"))
    min_sample = models.PositiveIntegerField(_("minimum sample"))
    critical_share = models.FloatField(_("critical dissatisfied share"))
    opened_at = models.DateTimeField(_("opened at"))

    # The latest scan: its window's figures, and when the subject was last critical.
    latest_n = models.PositiveIntegerField(_("ratings in the latest window"))
    latest_dissatisfied = models.PositiveIntegerField(_("dissatisfied in the latest window"))
    latest_window_end = models.DateField(_("latest window end"))
    checked_at = models.DateTimeField(_("checked at"))
    last_critical_at = models.DateTimeField(_("last critical at"))

    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(_("why it closed"), max_length=20, choices=AlertCloseReason.choices,
                                    blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["moment"], condition=Q(closed_at__isnull=True, subject="moment"),
                                    name="alert_one_open_per_moment"),
            models.UniqueConstraint(fields=["touchpoint"],
                                    condition=Q(closed_at__isnull=True, subject="touchpoint"),
                                    name="alert_one_open_per_touchpoint"),
            models.CheckConstraint(condition=Q(subject__in=AlertSubject.values), name="alert_subject_valid"),
            models.CheckConstraint(condition=Q(subject="touchpoint") | Q(touchpoint__isnull=True),
                                   name="alert_moment_alert_has_no_touchpoint"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, close_reason="")
                | Q(closed_at__isnull=False, close_reason__in=AlertCloseReason.values),
                name="alert_closed_has_a_reason"),
            models.CheckConstraint(
                condition=Q(dissatisfied__lte=models.F("n"), latest_dissatisfied__lte=models.F("latest_n")),
                name="alert_dissatisfied_within_n"),
            models.CheckConstraint(condition=Q(window_end__gte=models.F("window_start")),
                                   name="alert_window_order"),
        ]
        indexes = [models.Index(fields=["organization", "-opened_at"], name="alert_org_newest")]

    def __str__(self) -> str:
        name = f"{self.moment_name} › {self.touchpoint_name}" if self.touchpoint_name else self.moment_name
        return f"{name} ({self.opened_at:%Y-%m-%d}{', closed' if self.closed_at else ''})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def close_reason_or_none(self) -> str | None:
        return self.close_reason or None

    @property
    def moment_label(self) -> str:
        """The moment's name now, or as it was when it opened once the moment is gone."""
        return self.moment.name if self.moment is not None else self.moment_name

    @property
    def touchpoint_label(self) -> str:
        if self.subject != AlertSubject.TOUCHPOINT:
            return ""
        return self.touchpoint.name if self.touchpoint is not None else self.touchpoint_name

    @property
    def share(self) -> float:
        return self.dissatisfied / self.n if self.n else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return stats.wilson_interval(self.dissatisfied, self.n)

    @property
    def latest_share(self) -> float | None:
        return self.latest_dissatisfied / self.latest_n if self.latest_n else None

    @property
    def latest_interval(self) -> tuple[float, float]:
        return stats.wilson_interval(self.latest_dissatisfied, self.latest_n)
class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being made")
    SUCCEEDED = "succeeded", _("Ready")
    FAILED = "failed", _("Failed")


class ReportExport(models.Model):
    """A cycle's PDF report for a period, made by a task (analytics.exports).

    The PDF is kept in the row (a few hundred KB) so the web process serves what a
    worker made without a shared disk; rows older than a day are deleted. The row
    outlives its cycle (SET_NULL, with the name kept): an export of a cycle deleted
    meanwhile ends failed with `error_code` "cycle_deleted", and its page says so.
    """

    Status = ExportStatus

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey("journeys.Organization", on_delete=models.CASCADE, related_name="report_exports")
    cycle = models.ForeignKey("journeys.ServiceCycle", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="report_exports")
    cycle_name = models.CharField(_("cycle"), max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("requested by"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    # The requester's language: the PDF is written in it.
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    # Why it failed, as a code the page words (analytics.exports.FAILURES).
    error_code = models.CharField(max_length=40, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ExportStatus.values), name="report_export_status_valid"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="report_export_period_order"),
        ]
        indexes = [models.Index(fields=["created_at"], name="report_export_created")]

    def __str__(self) -> str:
        return f"{self.cycle_name} {self.period_start}–{self.period_end} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.SUCCEEDED, ExportStatus.FAILED)
class KeyDriverSnapshot(models.Model):
    """Key drivers and the customer's path of one view (cycle × outcome × period ×
    segment), as JSON of ids, codes and figures (`analytics.services.drivers`).
    Computed by a task after the rollups change, and when read missing or stale;
    like a heatmap snapshot it remembers the rollup version and the signature of
    what it shows."""

    id = models.BigAutoField(primary_key=True)
    cycle = models.ForeignKey("journeys.ServiceCycle", on_delete=models.CASCADE, related_name="key_driver_snapshots")
    # "t<touchpoint id>" or "m<moment id>"; "" when the cycle has no outcome to explain.
    outcome = models.CharField(max_length=24, blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    # "" all customers, "none" ratings without a segment, else the segment id.
    segment = models.CharField(max_length=24, blank=True)
    computed_at = models.DateTimeField(_("computed at"))
    rollup_version = models.BigIntegerField(default=0)
    signature = models.CharField(max_length=64, blank=True)
    data = SnapshotDataField(default=dict)

    class Meta:
        verbose_name = _("key driver snapshot")
        verbose_name_plural = _("key driver snapshots")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "outcome", "period_start", "period_end", "segment"],
                                    name="keydrivers_unique_view"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="keydrivers_period_order"),
        ]
        indexes = [models.Index(fields=["cycle", "-computed_at"], name="keydrivers_cycle_newest")]

    def __str__(self) -> str:
        return f"{self.cycle_id} {self.outcome} {self.period_start}–{self.period_end} {self.segment}"
