"""Schedule the hourly check that opens each cycle's week at Monday 06:00 local time.

Beat ticks at minute 0 of every UTC hour; `reviews.open_due_weeks` decides per
cycle, from the cycle's own time zone, whether its Monday 06:00 has come. A
PeriodicTask row (django-celery-beat) lets admins see, pause or move it.
"""

from django.db import migrations

TASK_NAME = "Open weekly reviews (Monday 06:00 in each cycle's time zone)"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "reviews.open_due_weeks",
            "crontab": hourly,
            "enabled": True,
            "description": "Every hour: for each cycle whose local time has passed Monday 06:00 and whose "
                           "last week is not reviewed yet, open its review items and mail the digest.",
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
