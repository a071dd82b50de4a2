from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        # journeys announces, analytics listens: the one place this is wired (journeys/events.py).
        from journeys import events

        from . import receivers

        events.on_cycle_timezone_changed(receivers.cycle_timezone_changed)
