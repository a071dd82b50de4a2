from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("cycles/<int:pk>/reviews/", views.review_week, name="week"),
    path("cycles/<int:pk>/reviews/items/<int:item_id>/status/", views.item_status, name="item_status"),
    path("cycles/<int:pk>/reviews/items/<int:item_id>/owner/", views.item_owner, name="item_owner"),
    path("cycles/<int:pk>/reviews/items/<int:item_id>/notes/", views.item_notes, name="item_notes"),
    path("cycles/<int:pk>/reviews/items/<int:item_id>/actions/", views.item_action_add, name="item_action_add"),
    path("cycles/<int:pk>/reviews/items/<int:item_id>/actions/<int:action_id>/done/", views.item_action_done,
         name="item_action_done"),
]
