"""Review items hold their critical touchpoints, say "no earlier data" instead of "steady",
and remember who opened their week.

Backfill, in order: each item's trend from the figures it already stores (the
cycle's current min_sample decides whether the week before had enough ratings);
every existing run counts as opened when it started (that is what the scheduler
assumed) and items point at their run; and where a week opened a moment's item
next to items of its own touchpoints (the old "baggage claim three times"), those
touchpoints' figures move inside the moment's item, and touchpoint items nobody
worked on (still open, no notes, no actions, no change in their history) go.
Items someone worked on stay, with their history.
"""

import math

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

Z_95 = 1.959963984540054


def trend_of(*, previous_d: int, previous_n: int, d: int, n: int, min_sample: int) -> tuple[str, bool | None]:
    """(trend, worsening) as analytics.stats.trend says today, frozen here for the backfill."""
    if previous_n < max(min_sample, 1) or n < max(min_sample, 1):
        return "no_earlier_data", None
    pooled = (previous_d + d) / (previous_n + n)
    variance = pooled * (1 - pooled) * (1 / previous_n + 1 / n)
    statistic = (d / n - previous_d / previous_n) / math.sqrt(variance) if variance else 0.0
    if statistic >= Z_95:
        return "worsening", True
    if statistic <= -Z_95:
        return "improving", False
    return "steady", False


FIGURES = ("n", "dissatisfied", "share", "wilson_low", "wilson_high", "previous_n", "previous_dissatisfied",
           "trend", "worsening", "reach", "severity")


def backfill(apps, schema_editor):
    ReviewItem = apps.get_model("reviews", "ReviewItem")
    ReviewItemTouchpoint = apps.get_model("reviews", "ReviewItemTouchpoint")
    ReviewRun = apps.get_model("reviews", "ReviewRun")
    ReviewEvent = apps.get_model("reviews", "ReviewEvent")

    for item in ReviewItem.objects.select_related("cycle").iterator():
        item.trend, item.worsening = trend_of(
            previous_d=item.previous_dissatisfied, previous_n=item.previous_n, d=item.dissatisfied, n=item.n,
            min_sample=item.cycle.min_sample,
        )
        item.save(update_fields=["trend", "worsening"])

    for run in ReviewRun.objects.filter(opened_at__isnull=True).iterator():
        run.opened_at = run.started_at
        run.save(update_fields=["opened_at"])
        ReviewItem.objects.filter(cycle_id=run.cycle_id, week_start=run.week_start).update(run=run)

    for moment_item in ReviewItem.objects.filter(touchpoint__isnull=True).iterator():
        siblings = ReviewItem.objects.filter(
            cycle_id=moment_item.cycle_id, moment_id=moment_item.moment_id, week_start=moment_item.week_start,
            touchpoint__isnull=False,
        )
        for sibling in siblings:
            ReviewItemTouchpoint.objects.get_or_create(
                review_item=moment_item, touchpoint_id=sibling.touchpoint_id,
                defaults={name: getattr(sibling, name) for name in FIGURES},
            )
            untouched = (
                sibling.status == "open" and not sibling.notes and not sibling.actions.exists()
                and not ReviewEvent.objects.filter(review_item=sibling).exclude(kind="opened").exists()
            )
            if untouched:
                sibling.delete()
    if schema_editor.connection.vendor == "postgresql":
        # The foreign keys just written are deferred; ALTER TABLE on a table with
        # pending trigger events is refused, so check them now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def restore_worsening(apps, schema_editor):
    apps.get_model("reviews", "ReviewItem").objects.filter(worsening__isnull=True).update(worsening=False)


class Migration(migrations.Migration):

    dependencies = [
        ('journeys', '0001_initial'),
        ('reviews', '0002_schedule_weekly_review'),
        ('touchpoints', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReviewItemTouchpoint',
            fields=[
                ('n', models.PositiveIntegerField(verbose_name='ratings')),
                ('dissatisfied', models.PositiveIntegerField(verbose_name='dissatisfied')),
                ('share', models.FloatField(verbose_name='dissatisfied share')),
                ('wilson_low', models.FloatField(verbose_name='Wilson lower bound')),
                ('wilson_high', models.FloatField(verbose_name='Wilson upper bound')),
                ('previous_n', models.PositiveIntegerField(default=0, verbose_name='ratings the week before')),
                ('previous_dissatisfied', models.PositiveIntegerField(default=0, verbose_name='dissatisfied the week before')),
                ('trend', models.CharField(choices=[('worsening', 'worsening'), ('improving', 'improving'), ('steady', 'steady'), ('no_earlier_data', 'no earlier data')], default='no_earlier_data', max_length=20, verbose_name='trend')),
                ('worsening', models.BooleanField(default=None, null=True, verbose_name='worsening')),
                ('reach', models.FloatField(default=0, verbose_name='word-of-mouth reach')),
                ('severity', models.FloatField(verbose_name='severity')),
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
            ],
            options={
                'verbose_name': 'critical touchpoint of a review item',
                'verbose_name_plural': 'critical touchpoints of review items',
                'ordering': ['-severity', 'id'],
            },
        ),
        migrations.AddField(
            model_name='reviewitem',
            name='run',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='items', to='reviews.reviewrun', verbose_name='opened in run'),
        ),
        migrations.AddField(
            model_name='reviewitem',
            name='trend',
            field=models.CharField(choices=[('worsening', 'worsening'), ('improving', 'improving'), ('steady', 'steady'), ('no_earlier_data', 'no earlier data')], default='no_earlier_data', max_length=20, verbose_name='trend'),
        ),
        migrations.AddField(
            model_name='reviewrun',
            name='opened_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='opened at'),
        ),
        migrations.AddField(
            model_name='reviewrun',
            name='opened_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='opened by'),
        ),
        migrations.AddField(
            model_name='reviewrun',
            name='trigger',
            field=models.CharField(blank=True, choices=[('schedule', 'the schedule'), ('page', 'the review page'), ('command', 'manage.py reviews_open_week')], max_length=20, verbose_name='opened through'),
        ),
        migrations.AlterField(
            model_name='reviewitem',
            name='worsening',
            field=models.BooleanField(default=None, null=True, verbose_name='worsening'),
        ),
        migrations.AddIndex(
            model_name='reviewrun',
            index=models.Index(fields=['cycle', '-opened_at'], name='reviewrun_cycle_opened'),
        ),
        migrations.AddField(
            model_name='reviewitemtouchpoint',
            name='review_item',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='critical_touchpoints', to='reviews.reviewitem'),
        ),
        migrations.AddField(
            model_name='reviewitemtouchpoint',
            name='touchpoint',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='touchpoints.touchpoint'),
        ),
        migrations.AddConstraint(
            model_name='reviewitemtouchpoint',
            constraint=models.UniqueConstraint(fields=('review_item', 'touchpoint'), name='reviewitemtouchpoint_unique'),
        ),
        migrations.AddConstraint(
            model_name='reviewitemtouchpoint',
            constraint=models.CheckConstraint(condition=models.Q(('dissatisfied__lte', models.F('n'))), name='reviewitemtouchpoint_dissatisfied_within_n'),
        ),
        migrations.AddConstraint(
            model_name='reviewitemtouchpoint',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('trend', 'no_earlier_data'), ('worsening__isnull', True)), models.Q(('trend', 'worsening'), ('worsening', True)), models.Q(('trend__in', ['improving', 'steady']), ('worsening', False)), _connector='OR'), name='reviewitemtouchpoint_worsening_matches_trend'),
        ),
        # After every field exists and before the constraint that the backfill satisfies.
        migrations.RunPython(backfill, restore_worsening),
        migrations.AddConstraint(
            model_name='reviewitem',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('trend', 'no_earlier_data'), ('worsening__isnull', True)), models.Q(('trend', 'worsening'), ('worsening', True)), models.Q(('trend__in', ['improving', 'steady']), ('worsening', False)), _connector='OR'), name='reviewitem_worsening_matches_trend'),
        ),
    ]
