from django.db import migrations, models


class Migration(migrations.Migration):
    """A touchpoint a CX manager marks as the cycle's loyalty question (the key drivers' outcome)."""

    dependencies = [
        ('touchpoints', '0011_rating_customer'),
    ]

    operations = [
        migrations.AddField(
            model_name='touchpoint',
            name='loyalty_question',
            field=models.BooleanField(default=False, help_text='The overall question (e.g. would you recommend us) whose answer key drivers explain.', verbose_name='loyalty question'),
        ),
    ]
