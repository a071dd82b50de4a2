"""The map editor's JSON endpoints for touchpoints (the moments' are journeys.editor_views).

Same contract as the moments' endpoints, whose helpers they share: session
auth and CSRF header, 400 with field messages (nothing written), 403 for
read-only roles, 404 for another organization, a JSON 404 with the fresh lane
for a touchpoint or moment deleted meanwhile (in another tab).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from journeys.editor_views import _bad_request, _editor_endpoint, _form_errors, _gone, _ok
from journeys.models import Moment

from .forms import TouchpointForm
from .models import Touchpoint
from .services import touchpoint_add, touchpoint_remove, touchpoint_update

TOUCHPOINT_GONE = gettext_lazy("This touchpoint no longer exists: it was deleted, perhaps in another tab or by "
                               "someone else. The map now shows the cycle as it is.")


@require_POST
@_editor_endpoint
def touchpoint_create(request: HttpRequest, cycle, data: dict, moment_pk: int) -> JsonResponse:
    moment = Moment.objects.select_related("cycle__organization").filter(pk=moment_pk, cycle=cycle).first()
    if moment is None:
        return _gone(request, cycle)
    form = TouchpointForm(data)
    if not form.is_valid():
        return _bad_request(_form_errors(form))
    touchpoint = touchpoint_add(moment=moment, **form.service_fields())
    return _ok(request, cycle, _("Touchpoint “%(name)s” added.") % {"name": touchpoint.name}, status=201)


@require_http_methods(["PATCH", "DELETE"])
@_editor_endpoint(gone=TOUCHPOINT_GONE)
def touchpoint_detail(request: HttpRequest, cycle, data: dict, touchpoint_pk: int) -> JsonResponse:
    touchpoint = Touchpoint.objects.filter(pk=touchpoint_pk, moment__cycle=cycle).first()
    if touchpoint is None:
        return _gone(request, cycle, TOUCHPOINT_GONE)
    if request.method == "DELETE":
        try:
            touchpoint_remove(touchpoint=touchpoint)
        except ValidationError:
            if not Touchpoint.objects.filter(pk=touchpoint.pk).exists():
                return _gone(request, cycle, TOUCHPOINT_GONE)
            raise
        return _ok(request, cycle, _("Touchpoint “%(name)s” deleted.") % {"name": touchpoint.name})
    form = TouchpointForm(data)
    if not form.is_valid():
        return _bad_request(_form_errors(form))
    touchpoint = touchpoint_update(touchpoint=touchpoint, **form.service_fields())
    return _ok(request, cycle, _("Touchpoint “%(name)s” saved.") % {"name": touchpoint.name})
