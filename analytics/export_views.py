"""A cycle's PDF report: made in the request, or by a task whose progress a page follows.

- `GET /cycles/<id>/report.pdf?start=&end=` (or `?weeks=`): the PDF itself, made
  in the request (a link a team lead can forward, or curl).
- `POST` to the same address: the dashboard's button. Starts an export task and
  answers where to follow it (JSON for the page's script; without JavaScript a
  redirect to the export's page). `exports/<id>/status/` is what the bar polls,
  `exports/<id>/report.pdf` the file once made.

Any member of the cycle's organization may export (it changes no data); another
organization's cycle or export is a 404. A bad period is a 400 that says why.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from journeys.selectors import cycle_get_for_user, organizations_for_user
from momento.http import AuthenticatedHttpRequest

from . import exports
from .models import ReportExport
from .periods import Period, local_today, period_parse
from .views import error_messages


def pdf_response(content: bytes, *, cycle_name: str, period: Period) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    name = slugify(cycle_name)[:60] or "cycle"
    response["Content-Disposition"] = (f'attachment; filename="momento-{name}-{period.start.isoformat()}-'
                                       f'{period.end.isoformat()}.pdf"')
    return response


def _export_urls(export: ReportExport) -> dict[str, str]:
    return {"status_url": reverse("analytics:export_status", args=[export.pk]),
            "download_url": reverse("analytics:export_download", args=[export.pk]),
            "page_url": reverse("analytics:export_detail", args=[export.pk])}


@login_required
@require_http_methods(["GET", "POST"])
def report_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, pk=pk)
    params = request.POST if request.method == "POST" else request.GET
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        period = period_parse(params=params, today=local_today(cycle.timezone))
    except ValidationError as error:
        if request.method == "GET":
            return render(request, "400.html", {"message": " ".join(error_messages(error))}, status=400)
        if wants_json:
            return JsonResponse({"errors": error_messages(error)}, status=400)
        for message in error_messages(error):
            messages.error(request, message)
        return redirect("analytics:dashboard", pk=cycle.pk)
    if request.method == "GET":
        from .report import report_pdf as report_pdf_make  # matplotlib and fpdf2: only where a report is made

        return pdf_response(report_pdf_make(cycle=cycle, period=period), cycle_name=cycle.name, period=period)
    export = exports.report_export_start(cycle=cycle, period=period, requested_by=request.user)
    if wants_json:
        progress = exports.report_export_progress(export=export)
        return JsonResponse({"export": export.pk, **progress.as_dict(), **_export_urls(export)}, status=202)
    return redirect("analytics:export_detail", pk=export.pk)


def _export_for(request: HttpRequest, pk: int) -> ReportExport:
    return get_object_or_404(
        ReportExport.objects.filter(organization__in=organizations_for_user(user=request.user))
        .defer("content"), pk=pk)


@login_required
@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The export's page: its progress while it is made, then the download (or why it failed)."""
    export = _export_for(request, pk)
    progress = exports.report_export_progress(export=export)
    return render(request, "analytics/export_detail.html", {
        "export": export, "progress": progress, **_export_urls(export),
        "dashboard_url": reverse("analytics:dashboard", args=[export.cycle_id]) if export.cycle_id else None,
    })


@login_required
@require_GET
def export_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the page polls: {state, done, total, error} with Celery's state words."""
    export = _export_for(request, pk)
    progress = exports.report_export_progress(export=export)
    return JsonResponse({**progress.as_dict(), **_export_urls(export)})


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_object_or_404(ReportExport.objects.filter(
        organization__in=organizations_for_user(user=request.user), status=ReportExport.Status.SUCCEEDED), pk=pk)
    return pdf_response(bytes(export.content or b""), cycle_name=export.cycle_name,
                        period=Period(start=export.period_start, end=export.period_end))
