"""The weekly digest e-mail to team leads, sent once per cycle and week.

Each team lead (and any other owner of an item still in progress) gets: the
items they own that are still in progress, what turned critical this week, and
what is still open from earlier weeks. HTML and plain text, through Django's
e-mail backend (console by default, SMTP from the environment).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from journeys.models import ServiceCycle
from journeys.profiles import user_languages

from . import effects, item_insights, selectors
from .models import FINAL_STATUSES, ReviewItem, ReviewItemTouchpoint, ReviewRun

logger = logging.getLogger(__name__)


def site_url() -> str:
    return settings.MOMENTO_SITE_URL.rstrip("/")


def _recipients(cycle: ServiceCycle, items: list[ReviewItem]) -> list:
    owner_ids = {item.owner_id for item in items if item.owner_id and item.status not in FINAL_STATUSES}
    eligible = selectors.review_owner_candidates(organization=cycle.organization)
    return list(
        get_user_model().objects.filter(
            Q(pk__in=selectors.team_leads(organization=cycle.organization).values("pk"))
            | Q(pk__in=eligible.filter(pk__in=owner_ids).values("pk"))
        ).exclude(email="").order_by("username")
    )


def review_digest_messages(*, cycle: ServiceCycle, week_start: dt.date) -> list[EmailMultiAlternatives]:
    """Build (not send) one digest per recipient, each in the recipient's language (their
    profile; the site's default otherwise). Four queries (items, their touchpoints,
    recipients, their languages), plus what customers said: a term table per week of the items, then a few
    queries per item (its terms' written forms, its verbatim), computed once for every recipient;
    and "Did the fixes work?": the items fixed since four weeks before the week (with their
    actions) and one aggregate of the rollups for all their effects."""
    items = list(
        ReviewItem.objects.filter(cycle=cycle)
        .filter(Q(week_start=week_start) | Q(week_start__lt=week_start) & ~Q(status__in=FINAL_STATUSES))
        .select_related("moment", "touchpoint", "owner")
        .prefetch_related(Prefetch(
            "critical_touchpoints",
            queryset=ReviewItemTouchpoint.objects.select_related("touchpoint").order_by("-severity", "id"),
        ))
        .order_by("-severity", "moment__position", "id")
    )
    new_items = [item for item in items if item.week_start == week_start]
    still_open = [item for item in items if item.week_start < week_start]
    fixed = _fixes(cycle, week_start)
    if not items and not fixed:
        return []
    said = item_insights.review_items_week_insights(cycle=cycle, items=items)
    for item in items:
        item.said = said[item.pk]  # type: ignore[attr-defined]  # read by the e-mail's item template
    week = selectors.iso_week_label(week_start)
    page_url = f"{site_url()}{reverse('reviews:week', args=[cycle.pk])}?week={week}"
    messages = []
    recipients = _recipients(cycle, items)
    languages = user_languages(user_ids=[recipient.pk for recipient in recipients])
    for recipient in recipients:
        with translation.override(languages[recipient.pk]):
            messages.append(_digest_message(recipient, {
                "recipient": recipient,
                "language": languages[recipient.pk],
                "cycle": cycle,
                "week": week,
                "week_start": week_start,
                "week_end": week_start + dt.timedelta(days=6),
                "mine": sorted(
                    (item for item in items if item.owner_id == recipient.pk and item.status not in FINAL_STATUSES),
                    key=lambda item: (item.week_start, item.severity), reverse=True,
                ),
                "new_items": new_items,
                "still_open": still_open,
                "fixed": fixed,
                "page_url": page_url,
            }))
    return messages


def _digest_message(recipient, context: dict) -> EmailMultiAlternatives:
    subject = render_to_string("reviews/email/digest_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("reviews/email/digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    )
    message.attach_alternative(render_to_string("reviews/email/digest.html", context), "text/html")
    return message


def _fixes(cycle: ServiceCycle, week_start: dt.date) -> list[ReviewItem]:
    """Items whose fix ended since four weeks before the week, each with its `effect`."""
    since = effects.local_midnight(cycle=cycle, day=week_start - dt.timedelta(days=effects.EFFECT_DAYS))
    fixed = list(effects.review_items_fixed_since(cycle=cycle, since=since))
    found = effects.review_items_effects(items=fixed)
    for item in fixed:
        item.effect = found[item.pk]  # type: ignore[attr-defined]  # read by the e-mail's templates
    return [item for item in fixed if found[item.pk] is not None]


def review_digest_send(*, cycle: ServiceCycle, week_start: dt.date) -> int:
    """Send the week's digest once; a repeated call sends nothing. Returns messages sent.

    The run row is claimed with `UPDATE … WHERE digest_sent_at IS NULL` and the
    row count checked, so two workers cannot both send; if sending fails the
    claim is released and the error re-raised for the task to retry.
    """
    ReviewRun.objects.get_or_create(cycle=cycle, week_start=week_start)
    claimed = ReviewRun.objects.filter(cycle=cycle, week_start=week_start, digest_sent_at__isnull=True).update(
        digest_sent_at=timezone.now()
    )
    if not claimed:
        return 0
    try:
        # Each recipient's own language inside; the default for anything said outside one.
        with translation.override(settings.LANGUAGE_CODE):
            messages = review_digest_messages(cycle=cycle, week_start=week_start)
        if not messages:
            return 0
        sent = get_connection().send_messages(messages) or 0
    except Exception:
        ReviewRun.objects.filter(cycle=cycle, week_start=week_start).update(digest_sent_at=None)
        logger.exception("digest of cycle %s week %s failed", cycle.pk, week_start)
        raise
    logger.info("digest of cycle %s week %s: %s messages", cycle.pk, week_start, sent)
    return sent
