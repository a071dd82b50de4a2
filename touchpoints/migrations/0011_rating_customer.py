import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The ratings table's only change for customers: a nullable column (no
    foreign-key constraint, see Rating.customer) and a partial index of the
    linked ratings. Kept apart from the other changes of issue 18."""

    dependencies = [
        ('touchpoints', '0010_customers'),
    ]

    operations = [
        migrations.AddField(
            model_name='rating',
            name='customer',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='ratings', to='touchpoints.customer'),
        ),
        migrations.AddIndex(
            model_name='rating',
            index=models.Index(condition=models.Q(('customer__isnull', False)), fields=['customer', 'touchpoint', 'occurred_at', 'dissatisfied', 'segment'], name='rating_customer'),
        ),
    ]
