"""API tokens are organization credentials: the model moves from touchpoints to journeys.

No data moves. The state of the model is created here on the existing table
(`touchpoints_apitoken`), which is then renamed to `journeys_apitoken` (a
catalogue change on PostgreSQL and SQLite: instant, whatever the row count);
touchpoints' migration 0007 forgets the model. The content type follows, so
admin history and permissions stay attached.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="journeys", model="apitoken").exists():
        content_type.objects.filter(app_label="touchpoints", model="apitoken").update(app_label="journeys")


def content_type_goes_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="touchpoints", model="apitoken").exists():
        content_type.objects.filter(app_label="journeys", model="apitoken").update(app_label="touchpoints")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("journeys", "0002_invitations"),
        ("touchpoints", "0006_rating_import_queued_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("name", models.CharField(max_length=100, verbose_name="name")),
                        ("prefix", models.CharField(editable=False, max_length=16, unique=True,
                                                    verbose_name="prefix")),
                        ("secret_hash", models.CharField(editable=False, max_length=64)),
                        ("scopes", models.JSONField(default=list, verbose_name="scopes")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used at")),
                        ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="revoked at")),
                        ("created_by", models.ForeignKey(blank=True, null=True,
                                                         on_delete=django.db.models.deletion.SET_NULL,
                                                         related_name="created_api_tokens",
                                                         to=settings.AUTH_USER_MODEL, verbose_name="created by")),
                        ("organization", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                           related_name="api_tokens", to="journeys.organization")),
                    ],
                    options={
                        "verbose_name": "API token",
                        "verbose_name_plural": "API tokens",
                        "ordering": ["organization", "-created_at"],
                        "db_table": "touchpoints_apitoken",
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="apitoken", table=None),
        migrations.RunPython(content_type_follows, content_type_goes_back),
    ]
