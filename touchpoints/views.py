"""The ratings import page: upload a CSV → preview and column mapping → import
with a progress bar → counts, or the errors by line with nothing written.

Organization scoping and roles come from journeys.permissions: another
organization's import or cycle is a 404; a member without the `ingest`
capability (team lead, viewer) gets a 403 that says who may import.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from journeys.models import Organization, ServiceCycle
from journeys.organization_pages import organization_for, organization_home, other_organizations
from journeys.permissions import INGEST, READ, request_can, request_organization_ids
from momento.http import AuthenticatedHttpRequest

from . import imports, selectors
from .csv_preview import COLUMN_FIELDS, IMPORT_COLUMNS, preview_display
from .forms import RatingsUploadForm
from .models import RatingImport
from .problems import stored_message

# Multipart overhead allowed on top of the file itself.
UPLOAD_BODY_MARGIN = 64 * 1024
SHOWN_ERRORS = 50
# Outcomes of an import that stopped for a reason other than the file's content.
STOPPED_CODES = frozenset({"upload_gone", "import_crashed", "database_unavailable", "import_stalled"})


def _cannot_import() -> str:
    return _("Only CX managers and admins can import ratings.")


def _cycle_for(request: HttpRequest, pk: int) -> ServiceCycle:
    cycle = get_object_or_404(
        ServiceCycle.objects.select_related("organization"), pk=pk,
        organization_id__in=request_organization_ids(request, READ),
    )
    if not request_can(request, cycle.organization_id, INGEST):
        raise PermissionDenied(_cannot_import())
    return cycle


def _import_for(request: HttpRequest, pk: int) -> RatingImport:
    rating_import = get_object_or_404(
        RatingImport.objects.select_related("organization", "cycle", "created_by"), pk=pk,
        organization_id__in=request_organization_ids(request, READ),
    )
    if not request_can(request, rating_import.organization_id, INGEST):
        raise PermissionDenied(_cannot_import())
    return rating_import


class _SizeLimitHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes the limit (bodies without Content-Length)."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _upload_page(request: HttpRequest, organization: Organization, cycle: ServiceCycle | None,
                 form: RatingsUploadForm, status: int = 200, refused: str | None = None) -> HttpResponse:
    touchpoints = list(selectors.import_touchpoints(organization=organization, cycle=cycle)[:300])
    return render(request, "touchpoints/import_upload.html", {
        "organization": organization,
        "cycle": cycle,
        "form": form,
        "refused": refused,
        "max_bytes": settings.MOMENTO_CSV_MAX_BYTES,
        "too_large_message": imports.too_large_message(),
        "columns": [(name, COLUMN_FIELDS[name], name in ("score", "touchpoint_key")) for name in IMPORT_COLUMNS],
        "touchpoints": touchpoints,
        "recent": selectors.rating_imports_recent(organization=organization),
        "other_organizations": other_organizations(request, organization, INGEST),
    }, status=status)


def _upload(request: AuthenticatedHttpRequest, organization: Organization, cycle: ServiceCycle | None) -> HttpResponse:
    """GET: the upload form. POST: keep the file and go to its preview.

    csrf_exempt outside, csrf_protect inside: the size checks must run before
    anything (the CSRF check included) reads a 200 MB body.
    """
    if request.method == "GET":
        return _upload_page(request, organization, cycle, RatingsUploadForm())
    limit = settings.MOMENTO_CSV_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + UPLOAD_BODY_MARGIN:
        return _upload_page(request, organization, cycle, RatingsUploadForm(), status=413,
                            refused=imports.too_large_message(declared))
    handler = _SizeLimitHandler(request, limit=limit)
    request.upload_handlers.insert(0, handler)
    return _upload_checked(request, organization, cycle, handler)


@csrf_protect
def _upload_checked(request: AuthenticatedHttpRequest, organization: Organization, cycle: ServiceCycle | None,
                    handler: _SizeLimitHandler) -> HttpResponse:
    form = RatingsUploadForm(request.POST, request.FILES)
    if handler.exceeded:
        return _upload_page(request, organization, cycle, RatingsUploadForm(), status=413,
                            refused=imports.too_large_message())
    if not form.is_valid():
        return _upload_page(request, organization, cycle, form, status=400)
    try:
        rating_import = imports.rating_import_upload(
            organization=organization, cycle=cycle, file=form.cleaned_data["file"], created_by=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error("file", message)
        return _upload_page(request, organization, cycle, form, status=400)
    return redirect("touchpoints:import_detail", pk=rating_import.pk)


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    organization = organization_for(request, org_pk, INGEST, _cannot_import())
    return _upload(request, organization, None)


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def cycle_import_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_for(request, pk)
    return _upload(request, cycle.organization, cycle)


@login_required
@require_GET
def imports_home(request: HttpRequest) -> HttpResponse:
    """The navigation's entry point: the import page of the user's (first) organization."""
    return organization_home(request, INGEST, _cannot_import(), "touchpoints:import_upload")


def _result_html(request: HttpRequest, rating_import: RatingImport) -> str:
    return render_to_string("touchpoints/_import_result.html", _result_context(rating_import), request=request)


def _result_context(rating_import: RatingImport) -> dict:
    dashboard_url = None
    if rating_import.cycle_id:
        dashboard_url = reverse("analytics:dashboard", args=[rating_import.cycle_id])
    return {
        "rating_import": rating_import,
        # Stored as codes: shown in the language of whoever reads the page.
        "shown_errors": [{**error, "message": stored_message(error)} for error in rating_import.errors[:SHOWN_ERRORS]],
        "stopped_reason": _stopped_reason(rating_import),
        "dashboard_url": dashboard_url,
        "again_url": _again_url(rating_import),
    }


def _stopped_reason(rating_import: RatingImport) -> str | None:
    """Why an import ended without reading the whole file (not a problem of the file), if it did."""
    errors = rating_import.errors
    if rating_import.status == RatingImport.Status.FAILED and len(errors) == 1 \
            and errors[0].get("code") in STOPPED_CODES:
        return stored_message(errors[0])
    return None


def _again_url(rating_import: RatingImport) -> str:
    if rating_import.cycle_id:
        return reverse("touchpoints:cycle_import_upload", args=[rating_import.cycle_id])
    return reverse("touchpoints:import_upload", args=[rating_import.organization_id])


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rating_import = _import_for(request, pk)
    progress = selectors.rating_import_progress(rating_import=rating_import)
    return render(request, "touchpoints/import_detail.html", {
        "rating_import": rating_import,
        "preview": preview_display(rating_import.preview),
        "progress": progress,
        "started": rating_import.status != RatingImport.Status.UPLOADED,
        "status_url": reverse("touchpoints:import_status", args=[rating_import.pk]),
        **_result_context(rating_import),
    })


@login_required
@require_POST
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    rating_import = _import_for(request, pk)
    try:
        imports.rating_import_start(rating_import=rating_import)
    except imports.ImportNotStartable as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("touchpoints:import_detail", pk=rating_import.pk)


@login_required
@require_GET
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the progress bar polls: state, lines done of total, and the result once finished."""
    rating_import = _import_for(request, pk)
    progress = selectors.rating_import_progress(rating_import=rating_import)
    payload = {
        "status": progress.status, "finished": progress.finished, "done": progress.done, "total": progress.total,
        "percent": progress.percent,
    }
    if progress.finished:
        payload["result_html"] = _result_html(request, rating_import)
    return JsonResponse(payload)
