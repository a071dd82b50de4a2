from django.urls import path

from . import comment_views, erasure_views, views

app_name = "analytics"

urlpatterns = [
    path("cycles/<int:pk>/dashboard/", views.dashboard, name="dashboard"),
    path("cycles/<int:pk>/dashboard/comments/", comment_views.comments, name="comments"),
    path("cycles/<int:pk>/dashboard/recompute/", views.recompute, name="recompute"),
    path("cycles/<int:pk>/dashboard/tasks/<str:task_id>/", views.task_status, name="task_status"),
    path("settings/erasure/", erasure_views.erasure_home, name="erasure_home"),
    path("organizations/<int:org_pk>/erasure/", erasure_views.erasure, name="erasure"),
]
