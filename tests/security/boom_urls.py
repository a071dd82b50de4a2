"""The project's URLs plus two views that fail, for the error-page tests."""

from django.urls import path

from momento.urls import handler500  # noqa: F401 - handler500 is looked up here
from momento.urls import urlpatterns as project_urlpatterns


class SecretFailure(RuntimeError):
    pass


def page_that_fails(request):
    raise SecretFailure("database password is hunter2")


urlpatterns = [
    path("boom/", page_that_fails),
    path("api/v1/boom/", page_that_fails),
    *project_urlpatterns,
]
