from django.urls import path

from . import views, webhook_views

app_name = "reviews"

urlpatterns = [
    path("reviews/", views.reviews_home, name="home"),
    path("cycles/<int:pk>/reviews/", views.review_week, name="week"),
    path("cycles/<int:pk>/reviews/open/", views.open_week, name="open_week"),
    path("cycles/<int:pk>/reviews/items/<int:item_id>/status/", views.item_status, name="item_status"),
    path("cycles/<int:pk>/reviews/items/<int:item_id>/owner/", views.item_owner, name="item_owner"),
    path("cycles/<int:pk>/reviews/items/<int:item_id>/notes/", views.item_notes, name="item_notes"),
    path("cycles/<int:pk>/reviews/items/<int:item_id>/actions/", views.item_action_add, name="item_action_add"),
    path("cycles/<int:pk>/reviews/items/<int:item_id>/actions/<int:action_id>/done/", views.item_action_done,
         name="item_action_done"),
    # Webhooks, for admins.
    path("settings/webhooks/", webhook_views.webhooks_home, name="webhooks_home"),
    path("organizations/<int:org_pk>/webhooks/", webhook_views.webhook_list, name="webhooks"),
    path("organizations/<int:org_pk>/webhooks/<int:webhook_pk>/", webhook_views.webhook_detail, name="webhook"),
    path("organizations/<int:org_pk>/webhooks/<int:webhook_pk>/rotate/", webhook_views.webhook_rotate,
         name="webhook_rotate"),
    path("organizations/<int:org_pk>/webhooks/<int:webhook_pk>/delete/", webhook_views.webhook_delete,
         name="webhook_delete"),
]
