from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TouchpointsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "touchpoints"
    verbose_name = _("Touchpoints")

    def ready(self) -> None:
        # journeys' pages show touchpoints' figures (momento.events): wired here only.
        from journeys import events as journeys_events

        from . import receivers

        journeys_events.cycle_list_figures.connect(receivers.cycle_list_figures)
