"""Security plumbing that is not one app's business.

* `ForwardedForMiddleware`: behind `MOMENTO_TRUSTED_PROXIES` proxies of our
  own (docker-compose's, which sends ratings and pages to different servers),
  the client's address is the one the outermost of them saw, read from the
  right of X-Forwarded-For; everything that limits by address (sign-ins,
  survey answers, the API's throttle) then sees the customer, not the proxy.
* `SecurityHeadersMiddleware`: a Content-Security-Policy (Django 5.2 has no
  built-in one) and a Permissions-Policy on every response. X-Frame-Options,
  nosniff, Referrer-Policy and HSTS come from Django's own middleware and
  settings.
* Login rate limiting: failed sign-ins are counted per username + client
  address in the cache (Redis in production, so every web process shares the
  count). Past `LOGIN_FAILURE_LIMIT` failures within
  `LOGIN_FAILURE_WINDOW_SECONDS` the password is not even checked (the
  authentication backend refuses), and the login page answers 429 with a
  message saying when to try again. The admin login shares the same backend.
* `server_error`: the 500 handler. Pages get templates/500.html; the API gets
  `{"detail": …}` JSON. Neither ever carries a traceback (that is DEBUG's
  technical page, which production never shows).
"""

from __future__ import annotations

import hashlib
import math

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import requires_csrf_token

DEFAULT_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; "
    # Plotly sets style attributes from JavaScript (d3 .attr("style", …)); scripts stay strict.
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy unless a view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "MOMENTO_CONTENT_SECURITY_POLICY", DEFAULT_CONTENT_SECURITY_POLICY)
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class ForwardedForMiddleware:
    """REMOTE_ADDR becomes the address our outermost trusted proxy saw.

    Each proxy appends the address it received the request from to
    X-Forwarded-For, so with N proxies of our own the N-th entry from the right
    is the client as the first of them saw it; entries left of it are whatever
    the client wrote and are never read. With no proxies configured (the
    default) nothing changes: the header alone is never trusted. A request
    with fewer entries than proxies did not come through them all and keeps
    its direct peer's address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        proxies = settings.MOMENTO_TRUSTED_PROXIES
        if proxies and "HTTP_X_FORWARDED_FOR" in request.META:
            hops = [hop.strip() for hop in request.META["HTTP_X_FORWARDED_FOR"].split(",")]
            if len(hops) >= proxies and hops[-proxies]:
                request.META["REMOTE_ADDR"] = hops[-proxies]
        return self.get_response(request)


# --- Login rate limiting ------------------------------------------------------------------


def _client_address(request: HttpRequest | None) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client wants it to be.
    # Behind proxies of our own, ForwardedForMiddleware has put the client's address there.
    return (request.META.get("REMOTE_ADDR") if request is not None else "") or "unknown"


def _login_key(request: HttpRequest | None, username: str) -> str:
    identity = f"{(username or '').strip().lower()}\0{_client_address(request)}"
    return "login-failures:" + hashlib.sha256(identity.encode("utf-8")).hexdigest()


def _limit() -> int:
    return settings.LOGIN_FAILURE_LIMIT


def _window() -> int:
    return settings.LOGIN_FAILURE_WINDOW_SECONDS


def login_locked(*, request: HttpRequest | None, username: str) -> bool:
    """Too many recent failures for this username from this address."""
    return (cache.get(_login_key(request, username)) or 0) >= _limit()


def login_failure_record(*, request: HttpRequest | None, username: str) -> int:
    """Count one failure; the window starts at the first failure (fixed window)."""
    key = _login_key(request, username)
    cache.add(key, 0, timeout=_window())
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=_window())
        return 1


def login_failures_clear(*, request: HttpRequest | None, username: str) -> None:
    cache.delete(_login_key(request, username))


@receiver(user_login_failed, dispatch_uid="momento.security.login_failed")
def _count_failed_login(sender, credentials, request=None, **kwargs):
    login_failure_record(request=request, username=credentials.get("username", ""))


@receiver(user_logged_in, dispatch_uid="momento.security.logged_in")
def _forget_failed_logins(sender, request, user, **kwargs):
    login_failures_clear(request=request, username=user.get_username())


class RateLimitedModelBackend(ModelBackend):
    """Django's backend, except that a locked username + address is refused unchecked,
    so guessing goes no faster however many passwords are tried."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field(), "")
        if login_locked(request=request, username=username or ""):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


class RateLimitedLoginView(auth_views.LoginView):
    """The login page; a locked-out username + address gets 429 and says how long to wait."""

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if login_locked(request=request, username=username):
            form = self.get_form()
            minutes = max(1, math.ceil(_window() / 60))
            message = ngettext(
                "Too many failed attempts. Try again in %(minutes)s minute.",
                "Too many failed attempts. Try again in %(minutes)s minutes.",
                minutes,
            ) % {"minutes": minutes}
            form.errors.clear()
            context = self.get_context_data(form=form, locked_out=message)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(_window())
            return response
        return super().post(request, *args, **kwargs)


# --- Errors ------------------------------------------------------------------------------


@requires_csrf_token
def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """500 without details: JSON for the API, the plain page for everything else."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Internal server error. It has been logged; please try again later.")},
                            status=500)
    try:
        template = loader.get_template(template_name)
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        return HttpResponseServerError("<h1>Server Error (500)</h1>", content_type="text/html")
    # No request context: context processors query the database, which may be what failed.
    return HttpResponseServerError(template.render())
