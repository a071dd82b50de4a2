from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Weekly reviews")

    def ready(self) -> None:
        # Lower apps ask (momento.events), reviews answers: wired here only.
        from analytics import events as analytics_events

        from . import report

        analytics_events.report_sections.connect(report.report_sections)
