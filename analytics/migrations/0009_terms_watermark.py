"""The words of comments get a watermark of their own ("terms"), counted up to
where the ratings' watermark stands: until now they were counted with the ratings."""

from django.db import migrations


def create(apps, schema_editor):
    RollupWatermark = apps.get_model("analytics", "RollupWatermark")
    ratings = RollupWatermark.objects.filter(name="ratings").values_list("last_rating_id", flat=True).first() or 0
    RollupWatermark.objects.get_or_create(name="terms", defaults={"last_rating_id": ratings})


def remove(apps, schema_editor):
    apps.get_model("analytics", "RollupWatermark").objects.filter(name="terms").delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0008_key_drivers")]

    operations = [migrations.RunPython(create, remove)]
