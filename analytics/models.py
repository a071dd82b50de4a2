"""Analytics storage: daily rollups of ratings, their watermark, heatmap snapshots.

Dashboards read `HeatmapSnapshot` rows; snapshots are computed from
`DailyRollup` rows; rollups are maintained incrementally from ratings newer
than `RollupWatermark.last_rating_id`. Nothing on a page scans raw ratings.
"""

from __future__ import annotations

import orjson
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
