"""Alerts between Mondays (issue 16): one open per moment or touchpoint, and the hourly scan."""

import django.db.models.deletion
from django.db import migrations, models

SCAN_TASK_NAME = "Scan for alerts (hourly)"


def schedule(apps, schema_editor):
    """The hourly scan (beat) that closes quiet alerts even when no rating arrives."""
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _created = CrontabSchedule.objects.get_or_create(
        minute="30", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=SCAN_TASK_NAME,
        defaults={
            "task": "analytics.alerts_scan",
            "crontab": hourly,
            "enabled": True,
            "description": "Every hour: judge every moment and touchpoint over its last 7 days; opens and "
                           "closes alerts (a refresh after new ratings also does, for the cycles it touched).",
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCAN_TASK_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0005_comment_analysis'),
        ('journeys', '0004_comment_analysis'),
        ('touchpoints', '0007_apitoken_to_journeys'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.CreateModel(
            name='Alert',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('subject', models.CharField(choices=[('moment', 'moment'), ('touchpoint', 'touchpoint')], max_length=12, verbose_name='subject')),
                ('moment_name', models.CharField(max_length=120, verbose_name='moment')),
                ('touchpoint_name', models.CharField(blank=True, max_length=120, verbose_name='touchpoint')),
                ('window_start', models.DateField(verbose_name='window start')),
                ('window_end', models.DateField(verbose_name='window end')),
                ('n', models.PositiveIntegerField(verbose_name='ratings')),
                ('dissatisfied', models.PositiveIntegerField(verbose_name='dissatisfied')),
                ('p_value', models.FloatField(verbose_name='p-value')),
                ('min_sample', models.PositiveIntegerField(verbose_name='minimum sample')),
                ('critical_share', models.FloatField(verbose_name='critical dissatisfied share')),
                ('opened_at', models.DateTimeField(verbose_name='opened at')),
                ('latest_n', models.PositiveIntegerField(verbose_name='ratings in the latest window')),
                ('latest_dissatisfied', models.PositiveIntegerField(verbose_name='dissatisfied in the latest window')),
                ('latest_window_end', models.DateField(verbose_name='latest window end')),
                ('checked_at', models.DateTimeField(verbose_name='checked at')),
                ('last_critical_at', models.DateTimeField(verbose_name='last critical at')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                ('close_reason', models.CharField(blank=True, choices=[('recovered', 'recovered: the upper end of its interval fell below the critical share'), ('quiet', '7 days without being critical'), ('moment_deleted', 'the moment was deleted'), ('touchpoint_deleted', 'the touchpoint was deleted')], max_length=20, verbose_name='why it closed')),
                ('cycle', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='journeys.servicecycle')),
                ('moment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='alerts', to='journeys.moment')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='journeys.organization')),
                ('touchpoint', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='alerts', to='touchpoints.touchpoint')),
            ],
            options={
                'verbose_name': 'alert',
                'verbose_name_plural': 'alerts',
                'ordering': ['-opened_at', '-id'],
                'indexes': [models.Index(fields=['organization', '-opened_at'], name='alert_org_newest')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('closed_at__isnull', True), ('subject', 'moment')), fields=('moment',), name='alert_one_open_per_moment'), models.UniqueConstraint(condition=models.Q(('closed_at__isnull', True), ('subject', 'touchpoint')), fields=('touchpoint',), name='alert_one_open_per_touchpoint'), models.CheckConstraint(condition=models.Q(('subject__in', ['moment', 'touchpoint'])), name='alert_subject_valid'), models.CheckConstraint(condition=models.Q(('subject', 'touchpoint'), ('touchpoint__isnull', True), _connector='OR'), name='alert_moment_alert_has_no_touchpoint'), models.CheckConstraint(condition=models.Q(models.Q(('close_reason', ''), ('closed_at__isnull', True)), models.Q(('close_reason__in', ['recovered', 'quiet', 'moment_deleted', 'touchpoint_deleted']), ('closed_at__isnull', False)), _connector='OR'), name='alert_closed_has_a_reason'), models.CheckConstraint(condition=models.Q(('dissatisfied__lte', models.F('n')), ('latest_dissatisfied__lte', models.F('latest_n'))), name='alert_dissatisfied_within_n'), models.CheckConstraint(condition=models.Q(('window_end__gte', models.F('window_start'))), name='alert_window_order')],
            },
        ),
        migrations.RunPython(schedule, unschedule),
    ]
