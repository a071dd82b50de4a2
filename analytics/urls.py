from django.urls import path

from . import alert_views, comment_views, views, wheel_views

app_name = "analytics"

urlpatterns = [
    path("cycles/<int:pk>/dashboard/", views.dashboard, name="dashboard"),
    path("cycles/<int:pk>/wheel/", wheel_views.wheel, name="wheel"),
    path("cycles/<int:pk>/dashboard/comments/", comment_views.comments, name="comments"),
    path("cycles/<int:pk>/dashboard/recompute/", views.recompute, name="recompute"),
    path("cycles/<int:pk>/dashboard/tasks/<str:task_id>/", views.task_status, name="task_status"),
    path("alerts/", alert_views.alerts_home, name="alerts_home"),
    path("organizations/<int:org_pk>/alerts/", alert_views.alerts, name="alerts"),
]
