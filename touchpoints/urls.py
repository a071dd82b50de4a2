from django.urls import path

from . import cycle_views, editor_views, segment_views, token_views, views

app_name = "touchpoints"

urlpatterns = [
    # The cycle list's actions that build a cycle with touchpoints.
    path("cycles/new/", cycle_views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/duplicate/", cycle_views.cycle_duplicate, name="cycle_duplicate"),
    # The map editor's touchpoint endpoints (JSON; the moments' are journeys').
    path("cycles/<int:pk>/editor/moments/<int:moment_pk>/touchpoints/", editor_views.touchpoint_create,
         name="editor_touchpoint_create"),
    path("cycles/<int:pk>/editor/touchpoints/<int:touchpoint_pk>/", editor_views.touchpoint_detail,
         name="editor_touchpoint"),
    # Ratings import (CSV) for CX managers and admins.
    path("imports/", views.imports_home, name="imports_home"),
    path("organizations/<int:org_pk>/imports/", views.import_upload, name="import_upload"),
    path("cycles/<int:pk>/imports/", views.cycle_import_upload, name="cycle_import_upload"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/start/", views.import_start, name="import_start"),
    path("imports/<int:pk>/status/", views.import_status, name="import_status"),
    # Personas (customer segments): every member reads, CX managers and admins edit.
    path("settings/personas/", segment_views.segments_home, name="segments_home"),
    path("organizations/<int:org_pk>/personas/", segment_views.segments, name="segments"),
    path("organizations/<int:org_pk>/personas/<int:segment_pk>/", segment_views.segment_edit, name="segment_edit"),
    # API tokens for admins.
    path("settings/tokens/", token_views.tokens_home, name="tokens_home"),
    path("organizations/<int:org_pk>/tokens/", token_views.tokens, name="tokens"),
    path("organizations/<int:org_pk>/tokens/<int:token_pk>/revoke/", token_views.token_revoke, name="token_revoke"),
]
