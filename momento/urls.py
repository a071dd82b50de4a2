"""The URL configuration: with settings.py, the one module that names every app.

Pages come from each app's `urls`; the REST API under /api/v1/ is one router of
every app's resources (so its root lists them all), plus the schema and its docs.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from analytics.alerts_api import AlertViewSet
from analytics.api import CycleCriticalMomentsView, CycleHeatmapView
from analytics.drivers_api import CycleKeyDriversView, CyclePathsView
from analytics.erasure_api import CustomerErasureView
from analytics.image_api import (
    CycleEmotionCurvePngView,
    CycleEmotionCurveSvgView,
    CycleHeatmapPngView,
    CycleHeatmapSvgView,
)
from analytics.insights_api import CycleCommentsView, CycleInsightsView
from analytics.wheel_api import CycleWheelView
from journeys.api import (
    ApiTokenViewSet,
    CycleShareLinkDetailView,
    CycleShareLinksView,
    CycleViewSet,
    InvitationViewSet,
    MembershipViewSet,
    MomentViewSet,
    OrganizationViewSet,
)
from momento.health import healthz
from momento.security import RateLimitedLoginView
from reviews.api import ReviewItemViewSet, WebhookViewSet
from touchpoints.api import (
    CycleRatingsExportView,
    RatingViewSet,
    SegmentViewSet,
    SurveyLinkViewSet,
    TouchpointViewSet,
)

# Plain pages for errors (templates/404.html, 500.html); JSON 500 under /api/.
handler500 = "momento.security.server_error"

router = DefaultRouter(trailing_slash=True)
# No "cycles.json/"-style twins of every route: the API speaks JSON only, the
# schema never listed them, and their create/actions answered 500 (issue 8 matrix).
router.include_format_suffixes = False
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("members", MembershipViewSet, basename="membership")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("tokens", ApiTokenViewSet, basename="apitoken")
router.register("cycles", CycleViewSet, basename="cycle")
router.register("moments", MomentViewSet, basename="moment")
router.register("touchpoints", TouchpointViewSet, basename="touchpoint")
router.register("segments", SegmentViewSet, basename="segment")
router.register("ratings", RatingViewSet, basename="rating")
router.register("survey-links", SurveyLinkViewSet, basename="surveylink")
router.register("review-items", ReviewItemViewSet, basename="reviewitem")
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("alerts", AlertViewSet, basename="alert")

api_v1: list[URLPattern | URLResolver] = [
    path("cycles/<int:pk>/ratings.csv", CycleRatingsExportView.as_view(), name="cycle-ratings-export"),
    path("cycles/<int:pk>/heatmap/", CycleHeatmapView.as_view(), name="cycle-heatmap"),
    path("cycles/<int:pk>/heatmap.png", CycleHeatmapPngView.as_view(), name="cycle-heatmap-png"),
    path("cycles/<int:pk>/heatmap.svg", CycleHeatmapSvgView.as_view(), name="cycle-heatmap-svg"),
    path("cycles/<int:pk>/emotion-curve.png", CycleEmotionCurvePngView.as_view(), name="cycle-emotion-curve-png"),
    path("cycles/<int:pk>/emotion-curve.svg", CycleEmotionCurveSvgView.as_view(), name="cycle-emotion-curve-svg"),
    path("cycles/<int:pk>/critical-moments/", CycleCriticalMomentsView.as_view(), name="cycle-critical-moments"),
    path("cycles/<int:pk>/insights/", CycleInsightsView.as_view(), name="cycle-insights"),
    path("cycles/<int:pk>/wheel.svg", CycleWheelView.as_view(), name="cycle-wheel"),
    path("cycles/<int:pk>/comments/", CycleCommentsView.as_view(), name="cycle-comments"),
    path("cycles/<int:pk>/share-links/", CycleShareLinksView.as_view(), name="cycle-share-links"),
    path("cycles/<int:pk>/share-links/<int:share_link_pk>/", CycleShareLinkDetailView.as_view(),
         name="cycle-share-link"),
    path("cycles/<int:pk>/key-drivers/", CycleKeyDriversView.as_view(), name="cycle-key-drivers"),
    path("cycles/<int:pk>/paths/", CyclePathsView.as_view(), name="cycle-paths"),
    path("customers/", CustomerErasureView.as_view(), name="customer-erasure"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", RateLimitedLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline scripts.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("reviews.urls")),
    path("", include("journeys.urls")),
    path("", include("analytics.urls")),
    path("", include("touchpoints.urls")),
]
