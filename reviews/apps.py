from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Weekly reviews")

    def ready(self) -> None:
        # Lower apps announce and ask (momento.events), reviews listens and answers: wired here only.
        from analytics import events as analytics_events

        from . import receivers, report

        analytics_events.alerts_opened.connect(receivers.alerts_opened)
        analytics_events.alerts_closed.connect(receivers.alerts_closed)
        analytics_events.report_sections.connect(report.report_sections)
