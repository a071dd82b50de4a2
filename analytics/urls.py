from django.urls import path

from . import alert_views, comment_views, erasure_views, export_views, share_views, views, wheel_views

app_name = "analytics"

urlpatterns = [
    path("cycles/<int:pk>/dashboard/", views.dashboard, name="dashboard"),
    path("cycles/<int:pk>/wheel/", wheel_views.wheel, name="wheel"),
    path("cycles/<int:pk>/dashboard/comments/", comment_views.comments, name="comments"),
    path("cycles/<int:pk>/dashboard/recompute/", views.recompute, name="recompute"),
    path("cycles/<int:pk>/dashboard/tasks/<str:task_id>/", views.task_status, name="task_status"),
    path("alerts/", alert_views.alerts_home, name="alerts_home"),
    path("organizations/<int:org_pk>/alerts/", alert_views.alerts, name="alerts"),
    # The PDF report: GET makes it in the request, POST starts an export task.
    path("cycles/<int:pk>/report.pdf", export_views.report_pdf, name="report_pdf"),
    path("exports/<int:pk>/", export_views.export_detail, name="export_detail"),
    path("exports/<int:pk>/status/", export_views.export_status, name="export_status"),
    path("exports/<int:pk>/report.pdf", export_views.export_download, name="export_download"),
    # A share link's read-only pages: public, the link's token is all they know.
    path("shared/<str:share_token>/", share_views.shared_map, name="shared_map"),
    path("shared/<str:share_token>/dashboard/", share_views.shared_dashboard, name="shared_dashboard"),
    path("settings/erasure/", erasure_views.erasure_home, name="erasure_home"),
    path("organizations/<int:org_pk>/erasure/", erasure_views.erasure, name="erasure"),
]
