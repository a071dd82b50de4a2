"""The weekly review page and its small POST forms (status, owner, notes, actions).

Reads go through selectors scoped to the user's organizations (another
organization's cycle or item is a 404); writes go through reviews.services,
which decide who may change what (viewers get 403). Every POST redirects back
to the page with a message, keeping the week, the filters and the item in view.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypedDict, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from analytics.alert_selectors import alerts_by_moment_in
from analytics.models import Alert
from journeys.permissions import REVIEW, user_can
from journeys.selectors import cycle_get_for_user, cycles_for_user
from momento.http import AuthenticatedHttpRequest

from . import effects, emails, item_insights, selectors, services
from .forms import ActionDoneForm, ActionForm, NotesForm, OwnerForm, StatusForm
from .models import ActionItem, ReviewItem, ReviewRun, ReviewStatus, Trigger
from .sparklines import sparkline_label, sparkline_svg

if TYPE_CHECKING:
    from django.utils.safestring import SafeString
    from django_stubs_ext import WithAnnotations

# Lazy: built at import, these were English whatever the reader's language.
STATUS_ACTIONS: dict[str, Promise] = {
    ReviewStatus.ACKNOWLEDGED: gettext_lazy("Acknowledge"),
    ReviewStatus.ACTION_PLANNED: gettext_lazy("Mark action planned"),
    ReviewStatus.RESOLVED: gettext_lazy("Resolve"),
}


class _WeekItemShown(TypedDict):
    """What the week page's template reads on each item besides its fields."""

    sparkline: SafeString
    next_statuses: list[tuple[str, Promise]]
    can_dismiss: bool
    can_reopen: bool
    insights: item_insights.ItemInsights
    comments_url: str
    effect: effects.Effect | None
    offer_reopen: bool
    alerts: list[Alert]
    alert_open: bool


def dashboard_url(cycle_pk: int) -> str:
    return reverse("analytics:dashboard", args=[cycle_pk])


def _filters(request: HttpRequest, cycle, owners: list) -> tuple[dict, list[str]]:
    """Parse ?week, ?status, ?owner; return the values and the messages for bad ones."""
    errors: list[str] = []
    week_text = (request.GET.get("week") or "").strip()
    week = selectors.last_complete_week(cycle=cycle)
    if week_text:
        try:
            week = selectors.iso_week_parse(week_text)
        except ValidationError as error:
            errors.extend(error.messages)
    status = (request.GET.get("status") or "").strip()
    if status and status not in ReviewStatus.values:
        errors.append(_("Unknown status filter."))
        status = ""
    owner_text = (request.GET.get("owner") or "").strip()
    owner_id, unassigned = None, False
    if owner_text == "none":
        unassigned = True
    elif owner_text == "me":
        owner_id = request.user.pk
    elif owner_text:
        if owner_text.isdigit() and int(owner_text) in {owner.pk for owner in owners}:
            owner_id = int(owner_text)
        else:
            errors.append(_("Unknown owner filter."))
            owner_text = ""
    return {"week": week, "status": status, "owner": owner_text, "owner_id": owner_id,
            "unassigned": unassigned}, errors


@login_required
@require_GET
def review_week(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, pk=pk)
    switch_to = (request.GET.get("cycle") or "").strip()
    if switch_to and switch_to != str(cycle.pk):
        target = cycle_get_for_user(user=request.user, pk=int(switch_to)) if switch_to.isdigit() else None
        if target is None:
            raise Http404
        query = request.GET.copy()
        query.pop("cycle")
        return redirect(f"{reverse('reviews:week', args=[target.pk])}?{query.urlencode()}")

    owners = list(selectors.review_owner_candidates(organization=cycle.organization))
    filters, errors = _filters(request, cycle, owners)
    for error in errors:
        messages.error(request, error)
    items = list(selectors.review_items_for_week(
        cycle=cycle, week_start=filters["week"], status=filters["status"] or None,
        owner_id=filters["owner_id"], unassigned=filters["unassigned"],
    ))
    shares = selectors.sparkline_shares(cycle=cycle, items=items)
    said = item_insights.review_items_insights(cycle=cycle, items=items)
    can_change = user_can(capability=REVIEW, user=request.user, organization=cycle.organization)
    # "Did the fixes work?": items fixed since four weeks before this week that the
    # page does not show already (resolved ones of earlier weeks, mostly).
    fixed_since = filters["week"] - dt.timedelta(days=effects.EFFECT_DAYS)
    fixed = list(effects.review_items_fixed_since(
        cycle=cycle, since=effects.local_midnight(cycle=cycle, day=fixed_since),
        exclude_ids=[item.pk for item in items], status=filters["status"] or None,
        owner_id=filters["owner_id"], unassigned=filters["unassigned"],
    ))
    found = effects.review_items_effects(items=[*items, *fixed])
    for shown in cast("list[WithAnnotations[ReviewItem, _WeekItemShown]]", [*items, *fixed]):
        shown.effect = found[shown.pk]
        shown.offer_reopen = can_change and effects.offers_reopening(shown, found[shown.pk])
    alerts = alerts_by_moment_in(
        cycle_ids=[cycle.pk], moment_ids={item.moment_id for item in items},
        start=min((item.week_start for item in items), default=filters["week"]),
        end=max((item.week_end for item in items), default=filters["week"])) if items else {}
    weeks_label = _("Dissatisfied share, last %(weeks)s weeks") % {"weeks": selectors.SPARKLINE_WEEKS}
    # Typed with what the loop sets on each item for the template.
    for item in cast("list[WithAnnotations[ReviewItem, _WeekItemShown]]", items):
        label = sparkline_label(shares[item.pk], weeks_label=weeks_label, no_data=_("no ratings"))
        item.sparkline = sparkline_svg(shares[item.pk], critical_share=cycle.critical_share, label=label)
        item.next_statuses = [(status, STATUS_ACTIONS[status]) for status in services.allowed_transitions(item.status)
                              if status in STATUS_ACTIONS]
        item.can_dismiss = not item.is_final
        item.can_reopen = ReviewStatus.OPEN in services.allowed_transitions(item.status)
        item.insights = said[item.pk]
        item.comments_url = item_insights.comments_page_url(item)
        # The alerts of its moment (its own or its touchpoints') during the item's week.
        item.alerts = [alert for alert in alerts.get(item.moment_id, [])
                       if alert.window_start <= item.week_end
                       and (alert.is_open or alert.latest_window_end >= item.week_start)]
        item.alert_open = any(alert.is_open for alert in item.alerts)
    week = filters["week"]
    last_week = selectors.last_complete_week(cycle=cycle)
    last_week_run = selectors.review_run_opened(cycle=cycle, week_start=last_week)
    this_week = [item for item in items if item.week_start == week]
    earlier = [item for item in items if item.week_start != week]
    context = {
        "cycle": cycle,
        "week": week,
        "week_label": selectors.iso_week_label(week),
        "previous_week_label": selectors.iso_week_label(week - dt.timedelta(weeks=1)),
        "next_week_label": selectors.iso_week_label(week + dt.timedelta(weeks=1)),
        "week_end": week + dt.timedelta(days=6),
        "this_week": this_week,
        "earlier": earlier,
        "fixed": [item for item in fixed if found[item.pk] is not None],
        "fixed_since": fixed_since,
        "filters": filters,
        "statuses": ReviewStatus.choices,
        "owners": owners,
        "cycles": list(cycles_for_user(user=request.user).order_by("name")),
        "can_change": can_change,
        "last_week": last_week,
        "last_week_label": selectors.iso_week_label(last_week),
        "last_week_run": last_week_run,
        "last_week_opener": opener_label(last_week_run) if last_week_run else "",
        "schedule": selectors.review_schedule_status(),
        "dashboard_url": dashboard_url(cycle.pk),
        "return_to": request.get_full_path(),
    }
    return render(request, "reviews/week.html", context, status=400 if errors else 200)


@login_required
@require_GET
def reviews_home(request: HttpRequest) -> HttpResponse:
    """The navigation's "Weekly review": straight to the review of the only cycle, else a choice."""
    cycles = list(cycles_for_user(user=request.user).order_by("organization__name", "name"))
    if len(cycles) == 1:
        return redirect("reviews:week", pk=cycles[0].pk)
    return render(request, "reviews/home.html", {"cycles": cycles})


@login_required
@require_POST
def open_week(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """"Open this week's review": the last week that ended in the cycle's time zone, as the
    schedule would open it (items, then the digest), recorded as opened by this person."""
    cycle = cycle_get_for_user(user=request.user, pk=pk)
    if not user_can(capability=REVIEW, user=request.user, organization=cycle.organization):
        raise PermissionDenied
    week = selectors.last_complete_week(cycle=cycle)
    label = selectors.iso_week_label(week)
    back = redirect(f"{reverse('reviews:week', args=[cycle.pk])}?{urlencode({'week': label})}")
    asked_at = timezone.now()
    opened = []
    if selectors.review_run_opened(cycle=cycle, week_start=week) is None:
        try:
            opened = services.review_week_open(cycle=cycle, week_start=week, actor=request.user)
        except ValidationError as error:
            _report(request, error)
            return back
    run = selectors.review_run_opened(cycle=cycle, week_start=week)
    # Opened now or before (review_run_opened reads only runs with opened_at set).
    assert run is not None and run.opened_at is not None
    if run.opened_by_id != request.user.pk or run.opened_at < asked_at:
        messages.info(request, _("Week %(week)s was already opened (%(when)s, by %(who)s); nothing was changed.")
                      % {"week": label, "when": date_format(timezone.localtime(run.opened_at), "SHORT_DATETIME_FORMAT"),
                         "who": opener_label(run)})
        return back
    try:
        emails.review_digest_send(cycle=cycle, week_start=week)
    except OSError:
        # Logged by review_digest_send, which also releases its claim: the items are open
        # either way, and the digest can go later (manage.py reviews_open_week sends it).
        messages.warning(request, _("The digest e-mail could not be sent (the mail server refused it); "
                                    "run python manage.py reviews_open_week later to send it."))
    if opened:
        messages.success(request, ngettext("Week %(week)s opened: %(count)s critical item.",
                                           "Week %(week)s opened: %(count)s critical items.", len(opened))
                         % {"week": label, "count": len(opened)})
    else:
        messages.success(request, _("Week %(week)s opened: nothing was critical.") % {"week": label})
    return back


def opener_label(run: ReviewRun) -> str:
    """Who or what opened a week: a username, the command, or the schedule."""
    if run.opened_by is not None:
        return run.opened_by.get_username()
    if run.trigger == Trigger.COMMAND:
        return "manage.py reviews_open_week"
    return _("the schedule")


# --- Changes ---------------------------------------------------------------------------------


def _item(request: HttpRequest, pk: int, item_id: int) -> ReviewItem:
    item = selectors.review_item_get_for_user(user=request.user, pk=item_id)
    if item.cycle_id != pk:
        raise Http404
    return item


def _back(request: HttpRequest, item: ReviewItem) -> HttpResponseRedirect:
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = f"{reverse('reviews:week', args=[item.cycle_id])}?{urlencode({'week': item.iso_week})}"
    return redirect(f"{target.split('#')[0]}#item-{item.pk}")


def _report(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form_errors(request: HttpRequest, form) -> None:
    for field, field_errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in field_errors:
            messages.error(request, f"{label}: {message}" if label else message)


def _change(request: HttpRequest, item: ReviewItem, action, success: str) -> HttpResponseRedirect:
    try:
        action()
    except PermissionDenied:
        raise
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, success)
    return _back(request, item)


@login_required
@require_POST
def item_status(request: AuthenticatedHttpRequest, pk: int, item_id: int) -> HttpResponse:
    item = _item(request, pk, item_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, item)
    data = form.cleaned_data
    if data["status"] == ReviewStatus.OPEN:
        success = _("Item reopened.")
    else:
        success = _("Status changed to “%(status)s”.") % {"status": ReviewStatus(data["status"]).label}
    return _change(
        request, item,
        lambda: services.review_item_transition(item=item, status=data["status"], actor=request.user,
                                                reason=data["reason"]),
        success,
    )


@login_required
@require_POST
def item_owner(request: AuthenticatedHttpRequest, pk: int, item_id: int) -> HttpResponse:
    item = _item(request, pk, item_id)
    if not user_can(capability=REVIEW, user=request.user, organization=item.organization):
        raise PermissionDenied
    form = OwnerForm(request.POST, candidates=selectors.review_owner_candidates(organization=item.organization))
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, item)
    owner = form.cleaned_data["owner"]
    return _change(
        request, item, lambda: services.review_item_assign(item=item, owner=owner, actor=request.user),
        _("Owner changed.") if owner else _("The item has no owner now."),
    )


@login_required
@require_POST
def item_notes(request: AuthenticatedHttpRequest, pk: int, item_id: int) -> HttpResponse:
    item = _item(request, pk, item_id)
    form = NotesForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, item)
    return _change(
        request, item,
        lambda: services.review_item_notes_update(item=item, notes=form.cleaned_data["notes"], actor=request.user),
        _("Notes saved."),
    )


@login_required
@require_POST
def item_action_add(request: AuthenticatedHttpRequest, pk: int, item_id: int) -> HttpResponse:
    item = _item(request, pk, item_id)
    form = ActionForm(request.POST)
    if not form.is_valid():
        if not user_can(capability=REVIEW, user=request.user, organization=item.organization):
            raise PermissionDenied
        _form_errors(request, form)
        return _back(request, item)
    data = form.cleaned_data
    return _change(
        request, item,
        lambda: services.action_item_add(item=item, text=data["text"], due_date=data["due_date"], actor=request.user),
        _("Action added."),
    )


@login_required
@require_POST
def item_action_done(request: AuthenticatedHttpRequest, pk: int, item_id: int, action_id: int) -> HttpResponse:
    item = _item(request, pk, item_id)
    action = ActionItem.objects.filter(pk=action_id, review_item=item).first()
    if action is None:
        raise Http404
    form = ActionDoneForm(request.POST)
    form.is_valid()  # a checkbox: absent means "not done"
    done = form.cleaned_data.get("done", False)
    return _change(
        request, item, lambda: services.action_item_set_done(action=action, done=done, actor=request.user),
        _("Action marked done.") if done else _("Action reopened."),
    )
