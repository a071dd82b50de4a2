"""Organizations, members and the service cycle drawn as moments of truth."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class CommentLanguage(models.TextChoices):
    """The language comment analysis stems an organization's comments in: detected
    per comment (by its share of Spanish and English stop words), or one for all."""

    AUTO = "auto", _("Detect per comment")
    SPANISH = "es", _("Spanish")
    ENGLISH = "en", _("English")


class AlertRecipients(models.TextChoices):
    """Who is e-mailed when an alert opens or closes (webhooks are called whatever this says)."""

    BOTH = "both", _("The moment's owner and the team leads")
    OWNER = "owner", _("The moment's owner")
    TEAM_LEADS = "team_leads", _("The team leads")
    NONE = "none", _("Nobody (webhooks only)")


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    # Negative word-of-mouth estimate; defaults from the seeds (ThinkJar: 13 %
    # of unhappy customers tell 15 or more people; 42 % vent on social media).
    wom_share_telling = models.FloatField(
        _("share of dissatisfied who tell others"),
        default=0.13,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    wom_people_told = models.PositiveIntegerField(_("people told by each"), default=15)
    wom_share_social = models.FloatField(
        _("share of dissatisfied who vent on social media"),
        default=0.42,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    # Customers' comments are analysed for their words (analytics.comment_terms)
    # unless the organization switches it off; then no term of theirs is kept.
    comment_analysis = models.BooleanField(_("analyse comments"), default=True)
    comment_language = models.CharField(_("language of comments"), max_length=4, choices=CommentLanguage.choices,
                                        default=CommentLanguage.AUTO)
    # Alerts between Mondays (analytics' alerts, delivered by reviews): who is e-mailed,
    # and the hours nothing is sent (alerts found then go out when they end).
    alert_recipients = models.CharField(_("who is told of alerts"), max_length=12, choices=AlertRecipients.choices,
                                        default=AlertRecipients.BOTH)
    quiet_hours_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    quiet_hours_timezone = models.CharField(_("time zone of the quiet hours"), max_length=64, default="UTC",
                                            validators=[validate_timezone])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.CheckConstraint(
                condition=Q(wom_share_telling__gte=0, wom_share_telling__lte=1)
                & Q(wom_share_social__gte=0, wom_share_social__lte=1),
                name="organization_wom_shares_in_unit_range",
            ),
            models.CheckConstraint(condition=Q(comment_language__in=CommentLanguage.values),
                                   name="organization_comment_language_valid"),
            models.CheckConstraint(condition=Q(alert_recipients__in=AlertRecipients.values),
                                   name="organization_alert_recipients_valid"),
            # Quiet hours are both ends or none, and not an empty (or whole-day) span.
            models.CheckConstraint(
                condition=Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                | (Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False)
                   & ~Q(quiet_hours_start=models.F("quiet_hours_end"))),
                name="organization_quiet_hours_both_ends"),
        ]

    def __str__(self) -> str:
        return self.name


    @property
    def quiet_hours(self) -> tuple[dt.time, dt.time, str] | None:
        """(from, until, time zone) when the organization has quiet hours."""
        if self.quiet_hours_start is None or self.quiet_hours_end is None:
            return None
        return (self.quiet_hours_start, self.quiet_hours_end, self.quiet_hours_timezone)


class MembershipRole(models.TextChoices):
    # "Admin" alone is also the admin site's link; the role is a person (es: "Administrador").
    ADMIN = "admin", pgettext_lazy("role", "Admin")
    CX_MANAGER = "cx_manager", _("CX manager")
    TEAM_LEAD = "team_lead", _("Team lead")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    Role = MembershipRole

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org"),
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class Invitation(models.Model):
    """An e-mail address invited to join an organization with a role (journeys.invitations).

    The link's token is stored only as its SHA-256, like API tokens; it expires
    and serves once (`accepted_at`). Revoking or resending kills the old link.
    Nothing here refers to an account before the invitation is accepted: the
    invitee may join with any account, whatever its e-mail.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    # Lower-cased: one pending invitation per address and organization.
    email = models.EmailField(_("e-mail"), max_length=254)
    role = models.CharField(_("role"), max_length=20, choices=Membership.Role.choices, default=Membership.Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"], condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
            ),
            models.CheckConstraint(condition=Q(role__in=Membership.Role.values), name="invitation_role_valid"),
            models.CheckConstraint(condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                                   name="invitation_not_accepted_and_revoked"),
            models.CheckConstraint(condition=Q(email=Lower("email")),
                                   name="invitation_email_lower_case"),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization} ({self.role})"


class ServiceCycle(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="cycles")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])
    # Thresholds for critical moments (DESIGN.md "Critical moments").
    min_sample = models.PositiveIntegerField(
        _("minimum sample"), default=20, validators=[MinValueValidator(1)],
        help_text=_("Fewer ratings than this can never make a moment critical."),
    )
    critical_share = models.FloatField(
        _("critical dissatisfied share"), default=0.25,
        validators=[MinValueValidator(0.01), MaxValueValidator(1)],
        help_text=_("A moment is critical when the Wilson 95% lower bound of its dissatisfied share reaches this."),
    )
    archived = models.BooleanField(_("archived"), default=False)
    # Bumped on every change to the moments' order or membership, so an editor
    # working from a stale order can be told instead of silently overwriting.
    structure_version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "name"]
        verbose_name = _("service cycle")
        verbose_name_plural = _("service cycles")
        constraints = [
            models.CheckConstraint(
                condition=Q(critical_share__gt=0, critical_share__lte=1), name="cycle_critical_share_in_range"
            ),
            models.CheckConstraint(condition=Q(min_sample__gte=1), name="cycle_min_sample_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class MomentKind(models.TextChoices):
    ZMOT = "ZMOT", _("ZMOT · zero moment (research before buying)")
    FMOT = "FMOT", _("FMOT · first moment (first contact)")
    SMOT = "SMOT", _("SMOT · second moment (using it)")
    TMOT = "TMOT", _("TMOT · third moment (response and feedback)")


class Moment(models.Model):
    Kind = MomentKind

    cycle = models.ForeignKey(ServiceCycle, on_delete=models.CASCADE, related_name="moments")
    # Dense 0-based order within the cycle; only services in journeys.services
    # change it, always keeping it 0..n-1.
    position = models.PositiveIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    protocol = models.TextField(
        _("protocol"), blank=True, help_text=_("What the front line does at this moment.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="owned_moments", verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cycle", "position"]
        verbose_name = _("moment of truth")
        verbose_name_plural = _("moments of truth")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "position"], name="moment_unique_position_per_cycle"),
            models.CheckConstraint(condition=Q(kind__in=MomentKind.values), name="moment_kind_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="moment_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.name}"


class ApiToken(models.Model):
    """A secret a REST client sends as `Authorization: Bearer <token>`.

    Bound to one organization. Only a SHA-256 of the token is stored: the
    plaintext is shown once at creation and cannot be recovered, so a leaked
    database does not leak working credentials. `prefix` is the public part of
    the token, used to find the row and to tell tokens apart in lists.
    """

    class Scope(models.TextChoices):
        INGEST = "ingest", _("Ingest ratings")
        READ = "read", _("Read data")
        ERASE = "erase", _("Erase customers on request")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="created_api_tokens", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["organization", "-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class Profile(models.Model):
    """What a person chooses for themselves: the language Momento writes to them in
    (alert e-mails, the weekly digest) and shows its pages in once they save it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(condition=Q(language__in=[code for code, _name in settings.LANGUAGES]),
                                   name="profile_language_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.language})"
class ShareLink(models.Model):
    """A read-only link to one cycle's map and dashboard for people without an account
    (journeys.share_links).

    The link's token is stored only as its SHA-256, like API tokens and invitations:
    the URL is shown once, when the link is made. It dies at `expires_at` or when
    revoked. A fixed period (both dates or neither) pins what the visitor sees;
    comments and verbatims are shown only when `include_comments` says so.
    """

    cycle = models.ForeignKey(ServiceCycle, on_delete=models.CASCADE, related_name="share_links")
    name = models.CharField(_("name"), max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    period_start = models.DateField(_("fixed period from"), null=True, blank=True)
    period_end = models.DateField(_("fixed period to"), null=True, blank=True)
    include_comments = models.BooleanField(_("include customers' comments"), default=False)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["cycle", "-created_at", "-id"]
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__isnull=True, period_end__isnull=True)
                | Q(period_start__isnull=False, period_end__isnull=False, period_start__lte=models.F("period_end")),
                name="sharelink_period_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id}: {self.name or self.pk}"
