"""One organization's complete data set, and a fingerprint of it.

The isolation and role matrices build an organization with one object of
every kind a URL can point at (cycle, moments, touchpoints, segment, ratings,
API token, CSV import, review item with an action, webhook, pending invitation, alert with its notice,
survey link, share link, PDF report export, a recompute task id). Every text in it carries a marker, so a response that leaks any of it is
caught by a substring search. `organization_fingerprint` reads every row that
belongs to the organization, through whatever path leads to it, so "nothing
changed" is checked for the whole organization, not for the object the URL
named.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import FieldError
from django.db import connection
from django.utils import timezone

from analytics.models import Alert, ReportExport
from journeys.models import ApiToken, Invitation, Membership, Organization, Profile, ShareLink
from journeys.share_links import share_link_create
from journeys.tokens import api_token_create
from reviews.models import ActionItem, AlertNotice, ReviewItem, Webhook, WebhookDelivery
from tests.factories import (
    MembershipFactory,
    MomentFactory,
    OrganizationFactory,
    SegmentFactory,
    ServiceCycleFactory,
    TouchpointFactory,
    UserFactory,
)
from touchpoints.models import Rating, RatingImport, SurveyLink
from touchpoints.scales import SCALES

# Apps whose models hold organization data. A new model in them must be
# reachable from an organization (ORGANIZATION_PATHS) or be listed as global.
OWN_APPS = ("journeys", "touchpoints", "analytics", "reviews")
ORGANIZATION_PATHS = (
    "organization", "cycle__organization", "moment__cycle__organization", "touchpoint__organization",
    "review_item__organization", "webhook__organization", "memberships__organization", "alert__organization",
    "user__memberships__organization",
)
# Not organization data: the rollup watermark is one global row (ids of ratings
# already folded into rollups), moved by any organization's ingestion.
GLOBAL_MODELS = {"analytics.rollupwatermark"}
MISSING_ID = 987654321
BOOKKEEPING = {"last_login", "last_used_at"}


@dataclass
class World:
    """Every object of one organization that a URL parameter can name."""

    label: str
    organization: Organization
    admin: object
    cycle: object
    moments: list
    touchpoint: object
    segment: object
    rating: object
    token: ApiToken
    token_plaintext: str
    rating_import: RatingImport
    review_item: ReviewItem
    action: ActionItem
    webhook: Webhook
    invitation: Invitation
    alert: Alert
    survey_link: SurveyLink
    share_link: ShareLink
    report_export: ReportExport
    task_id: str
    markers: list[str] = field(default_factory=list)

    @property
    def moment(self):
        return self.moments[0]

    @property
    def membership(self):
        """The admin's membership (the organization's last admin: it cannot be removed)."""
        return self.organization.memberships.get(user=self.admin)

    def member(self, role: str):
        """A new member of this organization with `role`."""
        user = UserFactory(username=f"{self.label}-{role}-{UserFactory._meta.model.objects.count()}")
        MembershipFactory(user=user, organization=self.organization, role=role)
        return user


def world_build(label: str) -> World:
    """An organization named with `label` (the leak marker) and one of everything."""
    organization = OrganizationFactory(name=f"{label} Airways", slug=f"{label}-airways")
    admin = UserFactory(username=f"{label}-admin", email=f"{label}-admin@example.com")
    MembershipFactory(user=admin, organization=organization, role=Membership.Role.ADMIN)
    cycle = ServiceCycleFactory(organization=organization, name=f"{label} journey", description=f"{label} cycle")
    moments = [
        MomentFactory(cycle=cycle, name=f"{label} check-in", protocol=f"{label} protocol", owner=admin),
        MomentFactory(cycle=cycle, name=f"{label} boarding"),
    ]
    touchpoint = TouchpointFactory(moment=moments[0], name=f"{label} kiosk", key=f"{label}-kiosk")
    TouchpointFactory(moment=moments[1], name=f"{label} gate", key=f"{label}-gate")
    segment = SegmentFactory(organization=organization, name=f"{label} business", key=f"{label}-business")
    scale = SCALES[touchpoint.scale]
    now = timezone.now()
    rating = Rating.objects.create(
        organization=organization, touchpoint=touchpoint, scale=touchpoint.scale, score=1,
        normalized=scale.normalise(1), dissatisfied=scale.is_dissatisfied(1), occurred_at=now - dt.timedelta(days=2),
        segment=segment, comment=f"{label} comment", external_id=f"{label}-rating-1",
    )
    token, plaintext = api_token_create(
        organization=organization, name=f"{label} kiosk client", scopes=["ingest", "read"], created_by=admin
    )
    rating_import = RatingImport.objects.create(
        organization=organization, cycle=cycle, created_by=admin, file_name=f"{label}-ratings.csv", file_size=10,
        stored_name=f"{label}-missing-file.csv", preview={"header": ["touchpoint_key", "score"]},
    )
    monday = (now - dt.timedelta(days=now.weekday() + 7)).date()
    review_item = ReviewItem.objects.create(
        organization=organization, cycle=cycle, moment=moments[0], week_start=monday, n=30, dissatisfied=20,
        share=2 / 3, wilson_low=0.49, wilson_high=0.81, severity=14.7, notes=f"{label} notes", owner=admin,
    )
    action = ActionItem.objects.create(review_item=review_item, text=f"{label} action", created_by=admin)
    webhook = Webhook.objects.create(
        organization=organization, url=f"http://{label}.example/hook", description=f"{label} hook",
        secret=f"{label}secret" + "0" * 40,
    )
    WebhookDelivery.objects.create(
        webhook=webhook, event="review_item.opened", event_id="6b0c3a4e-0000-4000-8000-000000000001",
        payload={"label": label}, attempt=1, started_at=now,
    )
    # A pending invitation; its address is marked (another organization must never see it).
    invitation = Invitation.objects.create(
        organization=organization, email=f"{label}-invitee@example.com", role=Membership.Role.CX_MANAGER,
        token_hash=hashlib.sha256(f"{label}-invitation".encode()).hexdigest(), invited_by=admin, sent_at=now,
        expires_at=now + dt.timedelta(days=7),
    )
    # An open alert of the check-in moment, already told (its notice sent), and the admin's profile.
    alert = Alert.objects.create(
        organization=organization, cycle=cycle, subject="moment", moment=moments[0], moment_name=moments[0].name,
        window_start=monday, window_end=monday + dt.timedelta(days=6), n=40, dissatisfied=30, p_value=1e-6,
        min_sample=20, critical_share=0.25, opened_at=now, latest_n=40, latest_dissatisfied=30,
        latest_window_end=monday + dt.timedelta(days=6), checked_at=now, last_critical_at=now,
    )
    AlertNotice.objects.create(alert=alert, event="alert.opened", due_at=now, sent_at=now)
    Profile.objects.create(user=admin, language="en")
    # A survey link: its public pages are reached by token (a credential of its own, like an
    # invitation's); the matrices send one nobody was given, the API and Collect pages its id.
    survey_link = SurveyLink.objects.create(
        organization=organization, touchpoint=touchpoint, name=f"{label} poster", question_en=f"{label} question?",
        segment=segment, created_by=admin,
    )
    share_link, _share_token = share_link_create(cycle=cycle, created_by=admin, name=f"{label} board")
    report_export = ReportExport.objects.create(
        organization=organization, cycle=cycle, cycle_name=cycle.name, requested_by=admin,
        period_start=monday, period_end=monday + dt.timedelta(days=6), status=ReportExport.Status.SUCCEEDED,
        content=f"%PDF-1.4 {label} report".encode(), size=20,
    )
    # analytics.views.task_status answers only for task ids a recompute of this cycle started.
    # Not marked: pages echo their own URL (the language switcher's "next"), which is no leak.
    task_id = "recompute-" + hashlib.sha256(label.encode()).hexdigest()[:12]
    cache.set(f"analytics:task:{task_id}", cycle.pk, 3600)
    return World(
        label=label, organization=organization, admin=admin, cycle=cycle, moments=moments, touchpoint=touchpoint,
        segment=segment, rating=rating, token=token, token_plaintext=plaintext, rating_import=rating_import,
        review_item=review_item, action=action, webhook=webhook, invitation=invitation, alert=alert,
        survey_link=survey_link, share_link=share_link, report_export=report_export, task_id=task_id,
        markers=[label, token.prefix],
    )


@functools.cache
def _organization_path(model) -> str | None:
    """The lookup from `model` to its organization ("pk" for Organization itself), found once."""
    if model is Organization:
        return "pk"
    for path in ORGANIZATION_PATHS:
        try:
            str(model.objects.filter(**{path: 0}).query)
        except FieldError:
            continue
        return path
    return None


def _organization_queryset(model, organization: Organization):
    path = _organization_path(model)
    if path is None:
        return None
    queryset = model.objects.filter(**{path: organization.pk})
    return queryset.distinct() if "__" in path and path.startswith("memberships") else queryset


def unscoped_models() -> list[str]:
    """Models of our apps with no path to an organization and not declared global."""
    missing = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in OWN_APPS or label in GLOBAL_MODELS:
            continue
        if _organization_queryset(model, Organization(pk=0)) is None:
            missing.append(label)
    return missing


@functools.cache
def _fingerprint_models() -> tuple:
    user_model = apps.get_model("auth", "User")
    return tuple(m for m in apps.get_models() if m._meta.app_label in OWN_APPS and m._meta.label_lower
                 not in GLOBAL_MODELS and _organization_path(m) is not None) + (user_model,)


_FINGERPRINT_SQL: dict[int, list[tuple[str, str, tuple]]] = {}


def organization_fingerprint(organization: Organization) -> dict[str, str]:
    """Model label → digest of all its rows that belong to `organization` (users of its members too).

    The SQL is compiled once per organization and run with a bare cursor: the
    matrices take a fingerprint after every request.
    """
    statements = _FINGERPRINT_SQL.get(organization.pk)
    if statements is None:
        statements = []
        for model in _fingerprint_models():
            # Signing in stamps last_login, a token's use its last_used_at: bookkeeping, not data.
            names = [f.attname for f in model._meta.concrete_fields if f.attname not in BOOKKEEPING]
            queryset = _organization_queryset(model, organization).order_by("pk").values_list(*names)
            sql, params = queryset.query.sql_with_params()
            statements.append((model._meta.label_lower, sql, params))
        _FINGERPRINT_SQL[organization.pk] = statements  # the SQL depends on nothing but the id
    digests = {}
    with connection.cursor() as cursor:
        for label, sql, params in statements:
            cursor.execute(sql, params)
            # PostgreSQL hands binary columns (a PDF report) over as memoryviews, whose repr is an address.
            rows = [tuple(bytes(value) if isinstance(value, memoryview) else value for value in row)
                    for row in cursor.fetchall()]
            digests[label] = f"{len(rows)}:{hashlib.sha256(repr(rows).encode()).hexdigest()[:16]}"
    return digests
