"""The public survey pages: `/s/<token>/` and its kiosk, embedded, printable and
per-recipient forms, and its QR codes.

No login: the token in the address is the link. The pages show the question
and the scale, never the organization's other data nor anything a customer
wrote. They are small (one stylesheet, one module of a few lines, an SVG
sprite) and work without JavaScript as plain forms; they speak the visitor's
language (the browser's, or `?lang=es|en`, carried through the form).

A GET never writes: mail scanners and link previews fetch every link of an
e-mail, so `?score=4` only shows that choice made, with one tap to confirm.
The one write is the POST to `/s/<token>/` (or to a recipient's address),
CSRF-protected, through `touchpoints.survey.survey_answer`. An unknown,
inactive or ended link, or one whose touchpoint was deleted, is one friendly
404 in the visitor's language. Only the embedded form may be framed by
another site; everything else keeps `X-Frame-Options: DENY` and
`frame-ancestors 'none'`.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from momento.security import DEFAULT_CONTENT_SECURITY_POLICY

from .models import SurveyLink
from .survey import (
    DEVICE_COOKIE,
    DEVICE_SECONDS,
    Mode,
    Status,
    SurveyAnswer,
    SurveyOutcome,
    comment_allowed,
    device_cookie_value,
    device_has_rated,
    form_stamp_new,
    recipient_has_rated,
    survey_answer,
    survey_link_open,
)
from .survey_links import recipient_from_signed, survey_link_urls
from .survey_texts import comment_prompt, option_for, question_text, scale_ends, scale_options

LANGUAGE_NAMES = {"es": "Español", "en": "English"}
# The embedded form may be framed by any site (its owner pastes the snippet where they like).
EMBED_CONTENT_SECURITY_POLICY = DEFAULT_CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")
QR_CACHE_SECONDS = 3600


def _language(request: HttpRequest) -> str:
    """`lang` from the address or the form, else what the browser asked for (LocaleMiddleware)."""
    asked = request.POST.get("lang") if request.method == "POST" else request.GET.get("lang")
    if asked in LANGUAGE_NAMES:
        return asked
    current = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return current if current in LANGUAGE_NAMES else settings.LANGUAGE_CODE


def _switcher(request: HttpRequest, language: str, path: str | None = None) -> list[dict]:
    kept = {key: request.GET[key] for key in ("score",) if request.method == "GET" and key in request.GET}
    return [{"code": code, "name": name, "current": code == language,
             "href": f"{path or request.path}?{urlencode({**kept, 'lang': code})}"}
            for code, name in LANGUAGE_NAMES.items()]


def _page(request: HttpRequest, template: str, context: dict, *, language: str, status: int = 200,
          mode: Mode = Mode.PAGE, path: str | None = None) -> HttpResponse:
    with translation.override(language):
        response = render(request, template, {
            "mode": mode.value, "languages": _switcher(request, language, path), **context,
        }, status=status)
    response["Content-Language"] = language
    if mode == Mode.EMBED:
        _allow_framing(request, response)
    return response


def _allow_framing(request: HttpRequest, response: HttpResponse) -> None:
    """The embedded form is the one page another site may frame.

    Framed by another site, the form's CSRF cookie is a third-party cookie:
    over HTTPS it is sent as SameSite=None (browsers refuse that on plain
    HTTP, where only a same-site embedding works). Browsers that block
    third-party cookies get the friendly CSRF page, which opens the survey in
    its own window.
    """
    response.xframe_options_exempt = True  # type: ignore[attr-defined]
    response["Content-Security-Policy"] = EMBED_CONTENT_SECURITY_POLICY
    if request.is_secure() and "CSRF_COOKIE" in request.META:
        response.set_cookie(settings.CSRF_COOKIE_NAME, request.META["CSRF_COOKIE"], max_age=settings.CSRF_COOKIE_AGE,
                            path=settings.CSRF_COOKIE_PATH, secure=True, httponly=settings.CSRF_COOKIE_HTTPONLY,
                            samesite="None")
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False  # the middleware would set it again as Lax


def _unavailable(request: HttpRequest, *, damaged: bool = False) -> HttpResponse:
    return _page(request, "touchpoints/survey/unavailable.html", {"damaged": damaged},
                 language=_language(request), status=404)


def _form(request: HttpRequest, link: SurveyLink, *, mode: Mode, language: str, action: str,
          outcome: SurveyOutcome | None = None, status: int = 200, notice: str = "",
          preselected: int | None = None) -> HttpResponse:
    touchpoint = link.touchpoint
    with translation.override(language):
        options = scale_options(touchpoint.scale)
        score = outcome.score if outcome is not None else preselected
        context = {
            "link": link, "question": question_text(link, touchpoint), "scale": touchpoint.scale,
            "options": options, "ends": scale_ends(touchpoint.scale) or (
                (options[0].label, options[-1].label) if touchpoint.scale == "csat5" else None),
            "score": score, "comment": outcome.comment if outcome is not None else "",
            "errors": outcome.errors if outcome is not None else {},
            "stamp": (outcome.stamp if outcome is not None and outcome.stamp else form_stamp_new(link)),
            "comment_allowed": comment_allowed(link, mode), "comment_prompt": comment_prompt(link),
            "preselected": preselected is not None and outcome is None, "notice": notice,
            # A score already chosen (one click, or a form shown again) is confirmed, not "sent".
            "confirm": score is not None,
            "chosen": option_for(touchpoint.scale, preselected) if preselected is not None else None,
            "action": action, "one_per_device": link.one_per_device and mode != Mode.KIOSK and "/r/" not in action,
            "reset_url": _mode_url(link, mode, language), "idle_seconds": settings.MOMENTO_SURVEY_KIOSK_IDLE_SECONDS,
        }
    return _page(request, "touchpoints/survey/form.html", context, language=language, status=status, mode=mode)


def _mode_url(link: SurveyLink, mode: Mode, language: str) -> str:
    name = {Mode.PAGE: "survey", Mode.EMBED: "survey_embed", Mode.KIOSK: "survey_kiosk"}[mode]
    return f"{reverse(f'touchpoints:{name}', args=[link.token])}?{urlencode({'lang': language})}"


def _preselected(request: HttpRequest, link: SurveyLink) -> tuple[int | None, str]:
    """The score a one-click link chose (`?score=4`), and a notice when it is not on the scale."""
    raw = request.GET.get("score")
    if raw is None:
        return None, ""
    score = int(raw) if raw.strip().isdigit() and len(raw.strip()) <= 3 else None
    if score is None or option_for(link.touchpoint.scale, score) is None:
        return None, _("That score is not on this scale. Choose one below.")
    return score, ""


def _show(request: HttpRequest, link: SurveyLink, *, mode: Mode, action: str) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        if mode != Mode.KIOSK and "/r/" not in action and device_has_rated(link, request.COOKIES.get(DEVICE_COOKIE)):
            return _done(request, link, Status.ALREADY_RATED, mode=mode, language=language)
        preselected, notice = _preselected(request, link)
    return _form(request, link, mode=mode, language=language, action=action, notice=notice, preselected=preselected)


def _done(request: HttpRequest, link: SurveyLink, status: Status, *, mode: Mode, language: str) -> HttpResponse:
    return _page(request, "touchpoints/survey/thanks.html", {
        "already": status == Status.ALREADY_RATED, "reset_url": _mode_url(link, mode, language),
    }, language=language, mode=mode)


def _answer(request: HttpRequest, link: SurveyLink, *, action: str, recipient: str | None = None) -> HttpResponse:
    language = _language(request)
    posted_mode = request.POST.get("mode", "")
    mode = Mode(posted_mode) if posted_mode in Mode._value2member_map_ and recipient is None else Mode.PAGE
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.MOMENTO_SURVEY_MAX_BODY_BYTES:
        return _page(request, "touchpoints/survey/too_large.html", {"back": _mode_url(link, mode, language)},
                     language=language, status=413, mode=mode)
    answer = SurveyAnswer(
        score=request.POST.get("score", ""), comment=request.POST.get("comment", ""),
        stamp=request.POST.get("stamp", ""), honeypot=request.POST.get("website", ""), mode=mode,
        # REMOTE_ADDR, as the login limit (ForwardedForMiddleware sets it behind our proxies).
        address=request.META.get("REMOTE_ADDR", ""), device_cookie=request.COOKIES.get(DEVICE_COOKIE),
        recipient=recipient,
    )
    with translation.override(language):
        outcome = survey_answer(link=link, answer=answer)
        if outcome.status == Status.RATE_LIMITED:
            response = _page(request, "touchpoints/survey/limited.html", {
                "minutes": max(1, -(-outcome.retry_after // 60)), "back": _mode_url(link, mode, language),
            }, language=language, status=429, mode=mode)
            response["Retry-After"] = str(outcome.retry_after)
            return response
        if outcome.status in (Status.STORED, Status.IGNORED, Status.ALREADY_RATED):
            shown = Status.ALREADY_RATED if outcome.status == Status.ALREADY_RATED else Status.STORED
            response = _done(request, link, shown, mode=mode, language=language)
            if outcome.set_device_cookie:
                response.set_cookie(DEVICE_COOKIE, device_cookie_value(link), max_age=DEVICE_SECONDS,
                                    path=reverse("touchpoints:survey", args=[link.token]), httponly=True,
                                    secure=request.is_secure(), samesite="None" if request.is_secure() else "Lax")
            return response
        notice = {
            Status.TOO_FAST: _("That was quick! Please check your answer and confirm it once more."),
            Status.STALE: _("This form had expired. Please check your answer and send it again."),
            Status.INVALID: "",
        }[outcome.status]
    return _form(request, link, mode=mode, language=language, action=action, outcome=outcome, status=400,
                 notice=notice)


# --- Routes ------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, survey_token: str) -> HttpResponse:
    """The public page: GET shows the form (a one-click `?score=` pre-chosen), POST answers."""
    link = survey_link_open(survey_token)
    if link is None:
        return _unavailable(request)
    action = reverse("touchpoints:survey", args=[link.token])
    if request.method == "GET":
        return _show(request, link, mode=Mode.PAGE, action=action)
    return _answer(request, link, action=action)


@never_cache
@require_http_methods(["GET", "POST"])
def survey_recipient(request: HttpRequest, survey_token: str, signed: str) -> HttpResponse:
    """A per-recipient link from an e-mail: the same form, one answer per recipient."""
    link = survey_link_open(survey_token)
    if link is None:
        return _unavailable(request)
    recipient = recipient_from_signed(link, signed)
    if recipient is None:
        return _unavailable(request, damaged=True)
    action = reverse("touchpoints:survey_recipient", args=[link.token, signed])
    if request.method == "GET":
        if recipient_has_rated(link, recipient):
            return _done(request, link, Status.ALREADY_RATED, mode=Mode.PAGE, language=_language(request))
        return _show(request, link, mode=Mode.PAGE, action=action)
    return _answer(request, link, action=action, recipient=recipient)


def _mode_page(request: HttpRequest, survey_token: str, mode: Mode) -> HttpResponse:
    link = survey_link_open(survey_token)
    if link is None:
        return _unavailable(request)
    # Both post to the public page's address, with their mode in the form.
    return _show(request, link, mode=mode, action=reverse("touchpoints:survey", args=[link.token]))


@never_cache
@require_GET
def survey_embed(request: HttpRequest, survey_token: str) -> HttpResponse:
    """The form for an iframe on another site."""
    return _mode_page(request, survey_token, Mode.EMBED)


@never_cache
@require_GET
def survey_kiosk(request: HttpRequest, survey_token: str) -> HttpResponse:
    """Full screen for a tablet: a tap answers, then the page resets (and after idling)."""
    return _mode_page(request, survey_token, Mode.KIOSK)


@never_cache
@require_GET
def survey_print(request: HttpRequest, survey_token: str) -> HttpResponse:
    """A printable page: the QR code with the question under it, and the address."""
    link = survey_link_open(survey_token)
    if link is None:
        return _unavailable(request)
    language = _language(request)
    with translation.override(language):
        question = question_text(link)
    urls = survey_link_urls(link)
    return _page(request, "touchpoints/survey/print.html", {
        "question": question, "url": urls.url, "qr_svg": reverse("touchpoints:survey_qr_svg", args=[link.token]),
    }, language=language)


def _qr(request: HttpRequest, survey_token: str, kind: str) -> HttpResponse:
    link = survey_link_open(survey_token)
    if link is None:
        return _unavailable(request)
    code = segno.make(survey_link_urls(link).url, error="m", micro=False)
    buffer = io.BytesIO()
    if kind == "png":
        code.save(buffer, kind="png", scale=10, border=4)
        response = HttpResponse(buffer.getvalue(), content_type="image/png")
    else:
        code.save(buffer, kind="svg", scale=10, border=4, xmldecl=False, svgclass=None, lineclass=None)
        response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    patch_cache_control(response, public=True, max_age=QR_CACHE_SECONDS)
    return response


@require_GET
def survey_qr_png(request: HttpRequest, survey_token: str) -> HttpResponse:
    return _qr(request, survey_token, "png")


@require_GET
def survey_qr_svg(request: HttpRequest, survey_token: str) -> HttpResponse:
    return _qr(request, survey_token, "svg")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: Django's page everywhere but the survey pages, where a visitor
    whose browser withheld the form's cookie (an embedded form, cookies blocked) is told how to
    rate in a window of its own."""
    if not request.path.startswith("/s/"):
        return django_csrf_failure(request, reason=reason)
    token = request.path.split("/")[2] if request.path.count("/") >= 3 else ""
    return _page(request, "touchpoints/survey/csrf.html", {
        "open_url": reverse("touchpoints:survey", args=[token]) if token else "", "reason": reason,
    }, language=_language(request), status=403, mode=Mode.EMBED if request.POST.get("mode") == "embed" else Mode.PAGE)
