from django.urls import path

from . import collect_views, cycle_views, editor_views, segment_views, survey_views, token_views, views

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
    # Survey links: the "Collect" page of a touchpoint, for its team.
    path("touchpoints/<int:touchpoint_pk>/collect/", collect_views.collect, name="collect"),
    path("collect/<int:link_pk>/", collect_views.survey_link_edit, name="survey_link_edit"),
    path("collect/<int:link_pk>/active/", collect_views.survey_link_active, name="survey_link_active"),
    # The public survey pages: no login, the token is the link.
    path("s/<str:survey_token>/", survey_views.survey, name="survey"),
    path("s/<str:survey_token>/r/<str:signed>/", survey_views.survey_recipient, name="survey_recipient"),
    path("s/<str:survey_token>/embed/", survey_views.survey_embed, name="survey_embed"),
    path("s/<str:survey_token>/kiosk/", survey_views.survey_kiosk, name="survey_kiosk"),
    path("s/<str:survey_token>/print/", survey_views.survey_print, name="survey_print"),
    path("s/<str:survey_token>/qr.png", survey_views.survey_qr_png, name="survey_qr_png"),
    path("s/<str:survey_token>/qr.svg", survey_views.survey_qr_svg, name="survey_qr_svg"),
]
