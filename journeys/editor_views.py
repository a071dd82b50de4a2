"""Small JSON endpoints behind the map editor (session auth, CSRF header).

Each endpoint parses its input with a form, calls the same service the REST API
calls, and answers with the freshly rendered lane so the page redraws from the
server's truth. Errors: 400 with field messages (nothing written), 403 for
read-only roles, 404 for another organization's cycle, 409 with the true
order when the editor's order is stale. A moment or touchpoint that is not
(or no longer) in the cycle, deleted in another tab, say, is a JSON 404 that
says so, with the fresh lane to redraw.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial, wraps

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from momento.request_guard import UnsafeJson, json_body_parse

from . import selectors, services
from .editor_state import lane_payload
from .forms import MomentAddForm, MomentForm, ReorderForm
from .models import Moment
from .permissions import EDIT, user_can


def _json_login_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({"message": _("Your session has ended. Log in again.")}, status=401)
        return view(request, *args, **kwargs)
    return wrapper


def _body(request: HttpRequest) -> dict | None:
    # The shared guard: a body nested without end or with text no database
    # stores (U+0000, a lone surrogate) is refused like malformed JSON.
    try:
        data = json_body_parse(request.body or b"{}")
    except UnsafeJson:
        return None
    return data if isinstance(data, dict) else None


def _bad_request(errors: dict[str, list[str]], message: str | None = None) -> JsonResponse:
    first = next((messages[0] for messages in errors.values() if messages), "")
    return JsonResponse({"message": message or first or _("Please correct the errors."), "errors": errors},
                        status=400)


def _form_errors(form) -> dict[str, list[str]]:
    return {field: [str(message) for message in messages] for field, messages in form.errors.items()}


def _validation_errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [str(message) for message in ValidationError(messages).messages]
                for field, messages in error.error_dict.items()}
    return {"__all__": [str(message) for message in error.messages]}


def _editor_cycle(request: HttpRequest, pk: int):
    """The cycle if the user may edit it; 404 outside their organizations, 403 when read-only."""
    cycle = selectors.cycle_get_for_user(user=request.user, pk=pk)
    if not user_can(user=request.user, organization=cycle.organization, capability=EDIT):
        return cycle, JsonResponse({"message": _("Only CX managers and admins can change this cycle.")}, status=403)
    return cycle, None


MOMENT_GONE = gettext_lazy("This moment no longer exists: it was deleted, perhaps in another tab or by someone "
                           "else. The map now shows the cycle as it is.")


def _gone(request: HttpRequest, cycle, message=MOMENT_GONE) -> JsonResponse:
    """404 for a moment (or touchpoint) that is not in the cycle (any more), with the lane as it is."""
    return _ok(request, cycle, str(message), status=404)


def _ok(request: HttpRequest, cycle, message: str, status: int = 200) -> JsonResponse:
    payload = lane_payload(request=request, cycle=cycle, can_edit=True)
    payload["message"] = message
    return JsonResponse(payload, status=status)


def _editor_endpoint(view: Callable | None = None, *, gone=MOMENT_GONE) -> Callable:
    """Login, organization scoping, edit role and JSON parsing for every write; a row
    deleted between the view's read and the service's lock answers `gone`."""
    if view is None:
        return partial(_editor_endpoint, gone=gone)

    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, *args, **kwargs):
        cycle, denied = _editor_cycle(request, pk)
        if denied is not None:
            return denied
        data = _body(request)
        if data is None:
            return _bad_request({}, _("The request was not valid JSON."))
        try:
            return view(request, cycle, data, *args, **kwargs)
        except ValidationError as error:
            return _bad_request(_validation_errors(error))
        except ObjectDoesNotExist:  # deleted between the view's read and the service's lock
            return _gone(request, cycle, gone)
    return _json_login_required(wrapper)


@_json_login_required
@require_GET
def editor_lane(request: HttpRequest, pk: int) -> JsonResponse:
    cycle = selectors.cycle_get_for_user(user=request.user, pk=pk)
    can_edit = user_can(user=request.user, organization=cycle.organization, capability=EDIT)
    return JsonResponse(lane_payload(request=request, cycle=cycle, can_edit=can_edit))


@require_POST
@_editor_endpoint
def moment_create(request: HttpRequest, cycle, data: dict) -> JsonResponse:
    form = MomentAddForm(data)
    if not form.is_valid():
        return _bad_request(_form_errors(form))
    moment = services.moment_add(cycle=cycle, name=form.cleaned_data["name"], kind=form.cleaned_data["kind"])
    return _ok(request, cycle, _("Moment “%(name)s” added.") % {"name": moment.name}, status=201)


@require_http_methods(["PATCH", "DELETE"])
@_editor_endpoint
def moment_detail(request: HttpRequest, cycle, data: dict, moment_pk: int) -> JsonResponse:
    moment = Moment.objects.filter(pk=moment_pk, cycle=cycle).first()
    if moment is None:
        return _gone(request, cycle)
    if request.method == "DELETE":
        try:
            services.moment_remove(moment=moment)
        except ValidationError:
            if not Moment.objects.filter(pk=moment.pk).exists():  # deleted meanwhile by another request
                return _gone(request, cycle)
            raise
        return _ok(request, cycle, _("Moment “%(name)s” deleted.") % {"name": moment.name})
    form = MomentForm(data, members=selectors.organization_members(organization=cycle.organization))
    if not form.is_valid():
        return _bad_request(_form_errors(form))
    # Only the fields the editor sent change; the service validates the rest again.
    fields = {name: value for name, value in form.cleaned_data.items() if name in data}
    moment = services.moment_update(moment=moment, **fields)
    return _ok(request, cycle, _("Moment “%(name)s” saved.") % {"name": moment.name})


@require_POST
@_editor_endpoint
def moment_reorder(request: HttpRequest, cycle, data: dict) -> JsonResponse:
    form = ReorderForm({"order": json.dumps(data.get("order")), "expected_version": data.get("expected_version")})
    if not form.is_valid():
        return _bad_request(_form_errors(form))
    try:
        services.moment_reorder(
            cycle=cycle, order=form.cleaned_data["order"], expected_version=form.cleaned_data["expected_version"]
        )
    except services.StaleOrderError:
        payload = lane_payload(request=request, cycle=cycle, can_edit=True)
        payload["message"] = _(
            "Someone else changed this cycle meanwhile. The current order has been loaded; "
            "please make your change again."
        )
        return JsonResponse(payload, status=409)
    return _ok(request, cycle, _("New order saved."))
