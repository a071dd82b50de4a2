from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from momento.health import healthz
from momento.security import RateLimitedLoginView

# Plain pages for errors (templates/404.html, 500.html); JSON 500 under /api/.
handler500 = "momento.security.server_error"


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", RateLimitedLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz", healthz, name="healthz"),
    path("api/", include("momento.api_urls")),
    path("", include("reviews.urls")),
    path("", include("journeys.urls")),
    path("", include("analytics.urls")),
    path("", include("touchpoints.urls")),
]
