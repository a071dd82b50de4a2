from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Weekly reviews")

    def ready(self) -> None:
        # Lower apps announce (momento.events), reviews listens: wired here only.
        from analytics import events as analytics_events

        from . import receivers

        analytics_events.alerts_opened.connect(receivers.alerts_opened)
        analytics_events.alerts_closed.connect(receivers.alerts_closed)
