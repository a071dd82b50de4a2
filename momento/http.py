"""The request a signed-in page receives, for the type checker.

django-stubs types `HttpRequest.user` as `User | AnonymousUser`; behind
`login_required` it is always a signed-in `User`. Views annotate their request
with `AuthenticatedHttpRequest` to say so (the pattern django-stubs documents):
it is an annotation only, Django still passes its own request object.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    user: User
