from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "journeys"
    verbose_name = _("Journeys")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .navigation import user_capabilities_warm

        def warm_navigation(sender, request, user, **kwargs) -> None:
            # Roles are read once at login for the navigation links, not on every page.
            user_capabilities_warm(user=user)

        user_logged_in.connect(warm_navigation, dispatch_uid="journeys.warm_navigation", weak=False)
