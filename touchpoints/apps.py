from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TouchpointsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "touchpoints"
    verbose_name = _("Touchpoints")
