"""A person's own page: the language Momento writes to them in (issue 16).

Any signed-in person, for themselves only (there is no other person's profile to
name). Saving also switches the pages to that language, as the language menu does.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import profiles
from .forms import ProfileForm, add_service_errors


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "GET":
        form = ProfileForm(initial={"language": profiles.user_language(user=user)})  # type: ignore[arg-type]
        return render(request, "journeys/profile.html", {"form": form})
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            chosen = profiles.profile_language_set(user=user, language=form.cleaned_data["language"])  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            translation.activate(chosen.language)
            messages.success(request, _("Saved: Momento writes to you in %(language)s.")
                             % {"language": translation.get_language_info(chosen.language)["name_local"]})
            response = redirect("journeys:profile")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, chosen.language, samesite="Lax",
                                secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY)
            return response
    return render(request, "journeys/profile.html", {"form": form}, status=400)
