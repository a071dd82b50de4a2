from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        # Lower apps announce (momento.events), analytics listens: wired here only.
        from journeys import events as journeys_events
        from touchpoints import events as touchpoints_events

        from . import receivers

        touchpoints_events.ratings_stored.connect(receivers.ratings_stored)
        journeys_events.cycle_timezone_changed.connect(receivers.cycle_timezone_changed)
        journeys_events.comment_analysis_changed.connect(receivers.comment_analysis_changed)
        journeys_events.cycle_list_figures.connect(receivers.cycle_list_figures)
        journeys_events.moment_figures.connect(receivers.moment_figures)
        journeys_events.moment_removed.connect(receivers.subject_removed)
        touchpoints_events.touchpoint_removed.connect(receivers.subject_removed)
