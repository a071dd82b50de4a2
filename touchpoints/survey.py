"""Answering a survey link: the public page's one write, and what guards it.

`survey_answer` takes what a visitor posted and either stores one rating, through
the same ingestion service as the REST API (`ratings_ingest`, source "form"), so
rollups, alerts and comment analysis see it like any other, or says why not.
In the order they are checked, each cheaper than the next:

1. **Rate limits** per client address (all links) and per link, counted in the
   cache in fixed windows as the login limit counts failures
   (momento.security); over either, nothing else is looked at (429). A cache
   outage lets answers through, as the API throttle does: refusing customers
   while Redis restarts would lose ratings the database can still take.
2. **Honeypot**: a field people never see; a bot that fills it is thanked and
   nothing is stored (it learns nothing to adapt to).
3. **The form's stamp**: the page signs the time it served the form (no server
   state). Missing, altered, another link's or older than a day: the form is
   shown again. Less than `MOMENTO_SURVEY_MIN_SECONDS` (2 s) after it was
   served: refused as a bot; the person is asked to confirm again, with the
   same stamp, so the second tap counts.
4. **One rating per device per day** (when the link asks for it): a signed
   cookie set by the answer; the kiosk, one device for many customers, and
   per-recipient links, already one per recipient, skip it.
5. **The score and comment**, checked by the ingestion service itself; its
   problems are told in the visitor's words.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from .ingest import MAX_COMMENT_LENGTH, RatingsInvalid
from .ingest_write import RatingsConflicted
from .models import Rating, SurveyLink
from .services import ratings_ingest
from .survey_links import recipient_external_id

logger = logging.getLogger(__name__)

_STAMP_SALT = "momento.survey.form"
_DEVICE_SALT = "momento.survey.device"
DEVICE_COOKIE = "momento_rated"
DEVICE_SECONDS = 24 * 3600
# Cache keys of the rate limits: "<prefix>:address:<hash>:<window>", "<prefix>:link:<id>:<window>".
RATE_KEY_PREFIX = "survey-rate"


class Mode(StrEnum):
    PAGE = "page"
    EMBED = "embed"
    KIOSK = "kiosk"


class Status(StrEnum):
    STORED = "stored"
    ALREADY_RATED = "already_rated"  # this recipient (or this device today) has rated
    INVALID = "invalid"  # score or comment refused: the form again, with messages
    TOO_FAST = "too_fast"  # under the bot guard's minimum: confirm again
    STALE = "stale"  # the form's stamp is missing, altered or too old: the form again
    IGNORED = "ignored"  # the honeypot was filled: thanked, nothing stored
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class SurveyAnswer:
    """What the visitor's browser sent (form fields as text) and where from."""

    score: str
    comment: str = ""
    stamp: str = ""
    honeypot: str = ""
    mode: Mode = Mode.PAGE
    address: str = ""
    device_cookie: str | None = None
    # The per-recipient link's reference (None on the public link). Issue 18 passes it on
    # to the rating as a hashed customer reference; today it only keys the rating.
    recipient: str | None = None


@dataclass
class SurveyOutcome:
    status: Status
    errors: dict[str, str] = field(default_factory=dict)
    score: int | None = None
    comment: str = ""
    # The stamp the form shown again must carry: the visitor's own after TOO_FAST (their
    # next tap is later than the minimum), a new one otherwise (None).
    stamp: str | None = None
    retry_after: int = 0
    rating_id: int | None = None
    set_device_cookie: bool = False


# --- The form's stamp ---------------------------------------------------------------------


def form_stamp_new(link: SurveyLink, *, now: dt.datetime | None = None) -> str:
    """The signed time this link's form is served at (milliseconds)."""
    served = (now or timezone.now()).timestamp()
    return signing.dumps({"l": link.pk, "t": int(served * 1000)}, salt=_STAMP_SALT)


def form_stamp_age(link: SurveyLink, stamp: str, *, now: dt.datetime | None = None) -> float | None:
    """Seconds since the form was served, or None when the stamp is not this link's or too old."""
    try:
        data = signing.loads(stamp, salt=_STAMP_SALT)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("l") != link.pk or type(data.get("t")) is not int:
        return None
    age = (now or timezone.now()).timestamp() - data["t"] / 1000
    return age if age <= settings.MOMENTO_SURVEY_FORM_MAX_AGE_SECONDS else None


# --- Rate limits and the device cookie --------------------------------------------------------


def _count(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def survey_rate_limit(*, link: SurveyLink, address: str, now: dt.datetime | None = None) -> int:
    """Count one answer from `address` to `link`; seconds to wait when over a limit, else 0."""
    window = settings.MOMENTO_SURVEY_LIMIT_WINDOW_SECONDS
    seconds = int((now or timezone.now()).timestamp())
    slot = seconds // window
    hashed = hashlib.sha256((address or "unknown").encode()).hexdigest()[:32]
    try:
        per_address = _count(f"{RATE_KEY_PREFIX}:address:{hashed}:{slot}", window)
        per_link = _count(f"{RATE_KEY_PREFIX}:link:{link.pk}:{slot}", window)
    except (RedisError, OSError) as error:
        logger.warning("survey rate limit not applied: the cache is unreachable: %r", error)
        return 0
    if per_address > settings.MOMENTO_SURVEY_ADDRESS_LIMIT or per_link > settings.MOMENTO_SURVEY_LINK_LIMIT:
        return max(1, window - seconds % window)
    return 0


def device_cookie_value(link: SurveyLink) -> str:
    return signing.dumps({"l": link.pk}, salt=_DEVICE_SALT)


def device_has_rated(link: SurveyLink, cookie: str | None) -> bool:
    """This device answered `link` within the last day (only asked when the link limits devices)."""
    if not link.one_per_device or not cookie:
        return False
    try:
        data = signing.loads(cookie, salt=_DEVICE_SALT, max_age=DEVICE_SECONDS)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and data.get("l") == link.pk


def recipient_has_rated(link: SurveyLink, recipient: str) -> bool:
    """For the page a per-recipient link opens: a read, so a GET can say "already rated"."""
    return Rating.objects.filter(organization_id=link.organization_id,
                                 external_id=recipient_external_id(link, recipient)).exists()


# --- The answer --------------------------------------------------------------------------------


def comment_allowed(link: SurveyLink, mode: Mode) -> bool:
    return link.comment_enabled and (mode != Mode.KIOSK or link.kiosk_comment)


def _parse_score(text: str) -> int | None:
    text = (text or "").strip()
    if text.lstrip("-").isdigit() and len(text) <= 3:
        return int(text)
    return None


def _visitor_message(field_name: str, code: str, *, comment: str) -> str:
    if field_name == "comment":
        if code == "too_long":
            return _("Your comment is too long: at most %(max)s characters; it has %(count)s. Shorten it and "
                     "send it again.") % {"max": f"{MAX_COMMENT_LENGTH:,}", "count": f"{len(comment):,}"}
        return _("Your comment has characters that cannot be stored. Remove them and send it again.")
    if field_name == "score" and code == "required":
        return _("Choose a score first.")
    return _("Choose one of the scores shown.")


def _refusal(link: SurveyLink, answer: SurveyAnswer, *, now: dt.datetime, score: int | None,
             comment: str) -> SurveyOutcome | None:
    """Steps 1 to 4 of the module's docstring: why the answer is not even looked at, if it is not."""
    retry_after = survey_rate_limit(link=link, address=answer.address, now=now)
    if retry_after:
        return SurveyOutcome(Status.RATE_LIMITED, retry_after=retry_after, score=score, comment=comment)
    if answer.honeypot:
        return SurveyOutcome(Status.IGNORED)
    age = form_stamp_age(link, answer.stamp, now=now)
    if age is None:
        return SurveyOutcome(Status.STALE, score=score, comment=comment)
    if age < settings.MOMENTO_SURVEY_MIN_SECONDS:
        return SurveyOutcome(Status.TOO_FAST, stamp=answer.stamp, score=score, comment=comment)
    if _limits_device(link, answer) and device_has_rated(link, answer.device_cookie):
        return SurveyOutcome(Status.ALREADY_RATED)
    if score is None:
        code = "score_not_integer" if answer.score.strip() else "required"
        return SurveyOutcome(Status.INVALID, errors={"score": _visitor_message("score", code, comment="")},
                             comment=comment)
    return None


def _limits_device(link: SurveyLink, answer: SurveyAnswer) -> bool:
    return link.one_per_device and answer.mode != Mode.KIOSK and answer.recipient is None


def survey_answer(*, link: SurveyLink, answer: SurveyAnswer, now: dt.datetime | None = None) -> SurveyOutcome:
    """Check and store one visitor's answer (see the module's docstring for the order).

    `link` is open (the caller looked it up with `survey_link_open`). Nothing is
    written unless the status is STORED.
    """
    now = now or timezone.now()
    comment = answer.comment.replace("\r\n", "\n") if comment_allowed(link, answer.mode) else ""
    score = _parse_score(answer.score)
    shown_comment = comment[:MAX_COMMENT_LENGTH]  # what the form shows again, if it must
    refused = _refusal(link, answer, now=now, score=score, comment=shown_comment)
    if refused is not None:
        return refused
    row: dict = {"touchpoint": link.touchpoint_id, "score": score, "segment": link.segment_id, "comment": comment}
    if answer.recipient is not None:
        row["external_id"] = recipient_external_id(link, answer.recipient)
    try:
        result = ratings_ingest(organization=link.organization, rows=[row], source=Rating.Source.FORM)
    except RatingsConflicted:
        return SurveyOutcome(Status.ALREADY_RATED)  # this recipient rated before, with another score
    except RatingsInvalid as invalid:
        errors = {error.field: _visitor_message(error.field, error.code, comment=comment)
                  for error in invalid.errors if error.field in ("score", "comment")}
        if not errors:
            raise
        return SurveyOutcome(Status.INVALID, errors=errors, score=None if "score" in errors else score,
                             comment=shown_comment)
    if not result.created_flags[0]:
        return SurveyOutcome(Status.ALREADY_RATED)
    return SurveyOutcome(Status.STORED, rating_id=result.ids[0], set_device_cookie=_limits_device(link, answer),
                         score=score, comment=shown_comment)


def survey_link_open(token: str) -> SurveyLink | None:
    """The link behind a public token while it takes ratings; None when unknown, inactive or ended
    (its touchpoint deleted, it is gone too)."""
    if not token or len(token) > 64:
        return None
    try:
        # get(), not first(): the model's ordering would join the touchpoint's moment and cycle.
        link = SurveyLink.objects.select_related("touchpoint", "organization").get(token=token)
    except SurveyLink.DoesNotExist:
        return None
    return link if link.is_open() else None
