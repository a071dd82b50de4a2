"""API tokens moved to journeys (journeys 0003 took over the table): touchpoints forgets the model."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("touchpoints", "0006_rating_import_queued_at"),
        ("journeys", "0003_apitoken_from_touchpoints"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="ApiToken")]),
    ]
