from django.urls import path

from . import (
    editor_views,
    invitation_views,
    member_views,
    organization_settings_views,
    profile_views,
    share_link_views,
    views,
)

app_name = "journeys"

urlpatterns = [
    path("", views.cycle_list, name="cycle_list"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/archive/", views.cycle_archive, name="cycle_archive"),
    path("cycles/<int:pk>/settings/", views.cycle_settings, name="cycle_settings"),
    path("cycles/<int:pk>/share/", share_link_views.share_links, name="share_links"),
    path("cycles/<int:pk>/share/<int:share_link_pk>/revoke/", share_link_views.share_link_revoke_view,
         name="share_link_revoke"),
    path("settings/members/", member_views.members_home, name="members_home"),
    path("settings/profile/", profile_views.profile, name="profile"),
    path("settings/organization/", organization_settings_views.organization_settings_home,
         name="organization_settings_home"),
    path("organizations/<int:org_pk>/settings/", organization_settings_views.organization_settings,
         name="organization_settings"),
    path("organizations/<int:org_pk>/members/", member_views.members, name="members"),
    path("organizations/<int:org_pk>/members/<int:member_pk>/role/", member_views.member_role, name="member_role"),
    path("organizations/<int:org_pk>/members/<int:member_pk>/remove/", member_views.member_remove,
         name="member_remove"),
    path("organizations/<int:org_pk>/invitations/<int:invitation_pk>/resend/", member_views.invitation_resend_view,
         name="invitation_resend"),
    path("organizations/<int:org_pk>/invitations/<int:invitation_pk>/revoke/", member_views.invitation_revoke_view,
         name="invitation_revoke"),
    # The link of an invitation e-mail: public, the token is the credential.
    path("invitations/<str:token>/", invitation_views.invitation_accept_view, name="invitation_accept"),
    # JSON endpoints of the map editor (session auth + CSRF header).
    path("cycles/<int:pk>/editor/lane/", editor_views.editor_lane, name="editor_lane"),
    path("cycles/<int:pk>/editor/moments/", editor_views.moment_create, name="editor_moment_create"),
    path("cycles/<int:pk>/editor/moments/<int:moment_pk>/", editor_views.moment_detail, name="editor_moment"),
    path("cycles/<int:pk>/editor/reorder/", editor_views.moment_reorder, name="editor_reorder"),
]
