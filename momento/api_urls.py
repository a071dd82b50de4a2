"""URL configuration for the REST API under /api/: the v1 resources, the schema and its docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from analytics.api import CycleCriticalMomentsView, CycleHeatmapView
from journeys.api import CycleViewSet, MembershipViewSet, MomentViewSet, OrganizationViewSet
from journeys.invitation_api import InvitationViewSet
from reviews.api import ReviewItemViewSet, WebhookViewSet
from touchpoints.api import (
    ApiTokenViewSet,
    CycleRatingsExportView,
    RatingViewSet,
    SegmentViewSet,
    TouchpointViewSet,
)

router = DefaultRouter(trailing_slash=True)
# No "cycles.json/"-style twins of every route: the API speaks JSON only, the
# schema never listed them, and their create/actions answered 500 (issue 8 matrix).
router.include_format_suffixes = False
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("members", MembershipViewSet, basename="membership")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("cycles", CycleViewSet, basename="cycle")
router.register("moments", MomentViewSet, basename="moment")
router.register("touchpoints", TouchpointViewSet, basename="touchpoint")
router.register("segments", SegmentViewSet, basename="segment")
router.register("ratings", RatingViewSet, basename="rating")
router.register("tokens", ApiTokenViewSet, basename="apitoken")
router.register("review-items", ReviewItemViewSet, basename="reviewitem")
router.register("webhooks", WebhookViewSet, basename="webhook")

# Other apps add their /api/v1/ views here (e.g. analytics heatmaps).
v1_urlpatterns = [
    path("cycles/<int:pk>/ratings.csv", CycleRatingsExportView.as_view(), name="cycle-ratings-export"),
    path("cycles/<int:pk>/heatmap/", CycleHeatmapView.as_view(), name="cycle-heatmap"),
    path("cycles/<int:pk>/critical-moments/", CycleCriticalMomentsView.as_view(), name="cycle-critical-moments"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("v1/", include((v1_urlpatterns, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline scripts.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
