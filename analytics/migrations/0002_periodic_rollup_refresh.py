"""Schedule the rollup refresh with django-celery-beat, so admins can see and change it."""

from django.conf import settings
from django.db import migrations

TASK_NAME = "Refresh analytics rollups"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    RollupWatermark = apps.get_model("analytics", "RollupWatermark")
    RollupWatermark.objects.get_or_create(name="ratings")
    every, _ = IntervalSchedule.objects.get_or_create(
        every=getattr(settings, "MOMENTO_ROLLUP_INTERVAL_MINUTES", 5), period="minutes"
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "analytics.rollups_refresh",
            "interval": every,
            "enabled": True,
            "description": "Adds ratings that arrived since the last run to the daily rollups "
                           "and recomputes the heatmaps of the cycles they touched.",
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_rollups_and_snapshots"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
