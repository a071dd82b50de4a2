"""Momento settings, read from the environment.

Settings fail closed: unset, DEBUG is off and SECRET_KEY is required. `make run`
(and the test suite) turn DEBUG on; then, with nothing else set, the app runs
embedded (SQLite in the project folder, Celery eager, local memory cache) so
`make run` works on a bare machine. `DATABASE_URL` switches to
PostgreSQL, `REDIS_URL` to a Redis broker, result backend and cache with real
workers. Every variable is documented in `.env.example`.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

# numpy's BLAS (OpenBLAS) starts a thread per core for every matrix operation. Web and
# Celery processes are already one per core: on a busy machine those threads fight for
# the same cores and the key-driver model's least squares ran 20x slower (issue 18).
# Set before numpy is first imported; an explicit value in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# Fail closed: unset means production. `make run` / `make test` (and the test
# suite's settings, tests/settings.py) turn it on for local development.
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG=False Momento refuses to start with an "
            "insecure key: set SECRET_KEY in the environment (see .env.example)."
        )
    SECRET_KEY = "django-insecure-momento-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "journeys",
    "touchpoints",
    "analytics",
    "reviews",
]

MIDDLEWARE = [
    # Behind MOMENTO_TRUSTED_PROXIES proxies: the client's address from X-Forwarded-For.
    "momento.security.ForwardedForMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # U+0000 in a query string is a 400 before any view (momento/request_guard.py).
    "momento.request_guard.HostileQueryStringMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # With a read replica: a browser that has just written reads the primary for a while.
    "momento.replica.PrimaryPinMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy and Permissions-Policy (Django 5.2 has no CSP of its own).
    "momento.security.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "momento.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "journeys.navigation.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "momento.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no server-side pooling; a short busy timeout avoids "database is
    # locked" when the dev server and an eager task write at the same moment.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

# A PostgreSQL streaming replica for the heavy reads (dashboards, heatmap and
# critical-moments API, exports, reports): momento/replica.py decides what reads
# from it; everything else, and every write, stays on the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    # Tests without a real replica read the primary's test database through this alias.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["momento.replica.ReplicaRouter"]
# The dashboard says how far behind its figures are past this many seconds of lag;
# a browser that has just written reads the primary for MOMENTO_REPLICA_PIN_SECONDS.
MOMENTO_REPLICA_LAG_WARNING_SECONDS = env_int("MOMENTO_REPLICA_LAG_WARNING_SECONDS", 30)
MOMENTO_REPLICA_PIN_SECONDS = env_int("MOMENTO_REPLICA_PIN_SECONDS", 15)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed sign-ins are counted per username + address; past the limit within the
# window the password is not checked and the login page answers 429 (momento.security).
AUTHENTICATION_BACKENDS = ["momento.security.RateLimitedModelBackend"]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "journeys:cycle_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "momento.static_storage.ModuleManifestStaticFilesStorage"
        )
    },
}

# --- Redis, Celery, cache -------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker the app runs embedded: tasks execute in-process, at once.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 900)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 840)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A Redis outage must not hang a web request that queues a task: connect and
# publish give up within about a second (callers log and carry on; see
# analytics.services.ratings_arrived). Workers reconnect on their own.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 2)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
_visibility_timeout = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # An unacknowledged task (acks_late) whose worker died is redelivered after
    # this many seconds. Keep it above the longest task time limit and countdown.
    "visibility_timeout": _visibility_timeout,
    # Workers sweep for such tasks every interval × throttle seconds (kombu's
    # default ~100 s); a short visibility timeout (tests) wants quicker sweeps.
    "unacked_restore_interval": max(1, min(10, _visibility_timeout // 2)),
    "unacked_restore_throttle": 1 if _visibility_timeout < 100 else 10,
    "socket_connect_timeout": 2,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
# Queues by kind, so a long job never delays a short one: `refresh` (rollups after
# ingest, snapshots, the alert scan, the weekly opening), `heavy` (rebuilds, recounts, imports,
# exports, reports) and `deliveries` (e-mail, webhooks). A worker started without
# -Q consumes them all (`make worker`); docker-compose.yml runs one per group, and
# README says how to add workers elsewhere. Every task is named here
# (tests/test_celery_queues.py); `celery` is kept so tasks queued by an older
# release are still consumed.
CELERY_TASK_QUEUES = [Queue(name) for name in ("refresh", "heavy", "deliveries", "celery")]
CELERY_TASK_DEFAULT_QUEUE = "refresh"
CELERY_TASK_ROUTES = {
    name: {"queue": queue}
    for queue, names in {
        "refresh": [
            "analytics.rollups_refresh", "analytics.heatmaps_refresh", "analytics.cycle_recompute",
            "reviews.open_due_weeks", "reviews.open_week", "analytics.alerts_scan",
        ],
        "heavy": [
            "analytics.rollups_rebuild", "analytics.cycle_rebuild", "analytics.comment_terms_recount",
            "analytics.terms_refresh",
            "touchpoints.ratings_import", "analytics.report_export", "analytics.key_drivers_refresh",
        ],
        "deliveries": ["reviews.webhook_deliver", "reviews.alert_notices_send_due"],
    }.items()
    for name in names
}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "momento"),
            # Fail fast when Redis is down (callers degrade, see the throttle).
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- E-mail ----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "momento@localhost")

# --- REST API ----------------------------------------------------------------
# The access system (roles and token scopes → capabilities) that the shared API
# plumbing (momento/api/scoping.py) asks, named here so momento imports no app.
MOMENTO_ACCESS_POLICY = "journeys.permissions"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its authenticate_header makes anonymous calls 401, not 403.
        "journeys.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "momento.api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "momento.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "momento.api.errors.exception_handler",
    # Per API token, else per signed-in user (journeys.authentication). Rating
    # ingestion has its own, higher limit; a 429 carries Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["journeys.authentication.MomentoRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api": os.environ.get("API_THROTTLE_RATE", "50/s"),
        "ingest": os.environ.get("API_INGEST_THROTTLE_RATE", "200/s"),
    },
}
# A 5,000-rating JSON batch is ~1–2 MB; 10 MB leaves room for long comments
# and still refuses bodies far beyond any legitimate batch (413).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
# Largest ratings CSV accepted by the API upload (bytes).
MOMENTO_CSV_MAX_BYTES = env_int("MOMENTO_CSV_MAX_BYTES", 50 * 1024 * 1024)
# Where the import page keeps an uploaded CSV until the worker has imported it
# (deleted afterwards). Web and worker must both see it: same machine or a shared volume.
MOMENTO_UPLOAD_DIR = Path(os.environ.get("MOMENTO_UPLOAD_DIR", "") or BASE_DIR / "media" / "imports")

SPECTACULAR_SETTINGS = {
    "TITLE": "Momento API",
    "DESCRIPTION": "Service cycles, moments of truth, touchpoint ratings and critical moments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Default hook, plus the 400 of every paginated list (momento/api/pagination.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums", "momento.api.pagination.schema_document_bad_page",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ScaleEnum": "touchpoints.models.ScaleChoice",
        "ChannelEnum": "touchpoints.models.Channel",
        "RoleEnum": "journeys.models.Membership.Role",
        "SourceEnum": "touchpoints.models.Rating.Source",
        "ReviewStatusEnum": "reviews.models.ReviewStatus",
        "TrendEnum": "analytics.models.Trend",
        "ReviewEventKindEnum": "reviews.models.ReviewEvent.Kind",
        # Named because the review enums above would otherwise collide with them.
        "MomentKindEnum": "journeys.models.Moment.Kind",
        "SnapshotStatusEnum": "analytics.models.HeatmapSnapshot.Status",
        "EffectVerdictEnum": "reviews.effects.EffectVerdict",
        # "kind" of a webhook beside the moment's and the review event's.
        "WebhookKindEnum": "reviews.models.WebhookKind",
        "AlertSubjectEnum": "analytics.models.AlertSubject",
        "AlertCloseReasonEnum": "analytics.models.AlertCloseReason",
        "KeyDriverStateEnum": "analytics.key_drivers.STATES",
        "KeyDriverModelStateEnum": "analytics.key_drivers.MODEL_STATES",
    },
}

# --- Security (strict when DEBUG is off) ---------------------------------------
# Behind a proxy that terminates TLS, the proxy redirects plain HTTP and says
# "https" in X-Forwarded-Proto; otherwise Django redirects itself. Either can be
# overridden (SECURE_SSL_REDIRECT=False: an explicit opt-out, e.g. docker-compose on 127.0.0.1).
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not BEHIND_TLS_PROXY)
# Probes ask over plain HTTP inside the network (docker-compose, load balancers).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies of our own stand in front of gunicorn, each appending to
# X-Forwarded-For (docker-compose's: 1; with a TLS proxy before it: 2). 0 (the
# default): the header is ignored and the client is the connection's peer.
MOMENTO_TRUSTED_PROXIES = env_int("MOMENTO_TRUSTED_PROXIES", 0)
if MOMENTO_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("MOMENTO_TRUSTED_PROXIES must be 0 or more")

# --- Momento ----------------------------------------------------------------
# Largest batch a client may POST in one request (DESIGN.md: up to 5,000).
MOMENTO_MAX_BATCH = 5000
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "momento-demo-2026")
# Days an invitation link to join an organization stays valid (journeys.invitations).
MOMENTO_INVITATION_DAYS = env_int("MOMENTO_INVITATION_DAYS", 7)
# Days a read-only share link of a cycle lives when its maker gives no expiry (journeys.share_links).
MOMENTO_SHARE_LINK_DAYS = env_int("MOMENTO_SHARE_LINK_DAYS", 30)
# Analytics: ingests within this many seconds share one rollup refresh; beat
# also refreshes every MOMENTO_ROLLUP_INTERVAL_MINUTES (a PeriodicTask row).
# Under steady ingest a rating is on the dashboard about this long after it
# was stored (plus the refresh): 5 s keeps that well inside the 15 s target, and
# each refresh's burst of work small (`make bench`, mixed load).
MOMENTO_ROLLUP_DEBOUNCE_SECONDS = env_int("MOMENTO_ROLLUP_DEBOUNCE_SECONDS", 5)
MOMENTO_ROLLUP_INTERVAL_MINUTES = env_int("MOMENTO_ROLLUP_INTERVAL_MINUTES", 5)
# PostgreSQL: at most this many ingest transactions write ratings at once; the
# others wait for a slot, asleep (touchpoints.watermark). Half the cores by default,
# the other half left to pages and workers where they share the machine with the
# database; raise it for a database server of its own. 0: no limit.
MOMENTO_INGEST_DB_SLOTS = env_int("MOMENTO_INGEST_DB_SLOTS", max(1, (os.cpu_count() or 2) // 2))
# A Celery worker lowers its scheduling priority by this much when it starts
# (`nice`; 0 leaves it): where the worker shares cores with gunicorn, dashboards
# and ingestion come first and background work takes what they leave, the
# refresh after ingest still within seconds (`make bench`, mixed load).
MOMENTO_WORKER_NICE = env_int("MOMENTO_WORKER_NICE", 5)
# The words of new comments are counted this many seconds after the refresh that
# counted their ratings, in a task of their own (analytics.terms_refresh): cutting
# comments into words costs far more than counting ratings, and the insights
# of critical moments are read again only when the words changed, so under
# steady ingest the counts follow every refresh and the words every half
# minute. 0: with every refresh. Embedded mode counts them at once.
MOMENTO_TERMS_DEBOUNCE_SECONDS = env_int("MOMENTO_TERMS_DEBOUNCE_SECONDS", 30)
# Key drivers after new ratings are computed at most once per this many seconds
# per cycle (at once after a quiet spell, else when the interval ends): they fit
# a model over every linked customer, and under steady ingest they had followed
# every refresh (`make bench`, mixed load). 0: after every refresh.
MOMENTO_KEY_DRIVERS_INTERVAL_SECONDS = env_int("MOMENTO_KEY_DRIVERS_INTERVAL_SECONDS", 30)
# A full rebuild (PostgreSQL, 200,000 ratings or more) reads the ratings in this
# many id slices at once, each on its own database connection; about the number
# of cores the database server can spare.
MOMENTO_ROLLUP_PARALLEL_READS = env_int("MOMENTO_ROLLUP_PARALLEL_READS", 2)
# Weekly reviews: the address links in digest e-mails and webhooks point at, and
# how webhook deliveries are tried (timeout per try, tries, backoff base doubling).
MOMENTO_SITE_URL = os.environ.get("MOMENTO_SITE_URL", "http://127.0.0.1:8000")
MOMENTO_WEBHOOK_TIMEOUT_SECONDS = env_int("MOMENTO_WEBHOOK_TIMEOUT_SECONDS", 5)
MOMENTO_WEBHOOK_MAX_ATTEMPTS = env_int("MOMENTO_WEBHOOK_MAX_ATTEMPTS", 5)
MOMENTO_WEBHOOK_BACKOFF_SECONDS = env_int("MOMENTO_WEBHOOK_BACKOFF_SECONDS", 30)
# Webhook URLs must resolve to public internet addresses (checked at registration and
# at every delivery; reviews.egress). True lets them reach loopback and private
# networks: for tests and for on-premise receivers inside the company's network.
MOMENTO_WEBHOOK_ALLOW_PRIVATE = env_bool("MOMENTO_WEBHOOK_ALLOW_PRIVATE", False)

# Survey links (touchpoints.survey): answers counted per client address (all links) and per
# link in fixed windows; over either the page answers 429. A rating posted sooner than
# MIN_SECONDS after its form was served is a bot's; a form older than its max age is shown again.
MOMENTO_SURVEY_ADDRESS_LIMIT = env_int("MOMENTO_SURVEY_ADDRESS_LIMIT", 60)
MOMENTO_SURVEY_LINK_LIMIT = env_int("MOMENTO_SURVEY_LINK_LIMIT", 1200)
MOMENTO_SURVEY_LIMIT_WINDOW_SECONDS = env_int("MOMENTO_SURVEY_LIMIT_WINDOW_SECONDS", 600)
MOMENTO_SURVEY_MIN_SECONDS = 2.0
MOMENTO_SURVEY_FORM_MAX_AGE_SECONDS = 24 * 3600
# A 10,000-character comment of 4-byte characters is 120 KB form-encoded; past this, 413.
MOMENTO_SURVEY_MAX_BODY_BYTES = 256 * 1024
MOMENTO_SURVEY_KIOSK_IDLE_SECONDS = 20
# Survey pages explain a refused form in the visitor's words; elsewhere Django's page.
CSRF_FAILURE_VIEW = "touchpoints.survey_views.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # fontTools tells every glyph it keeps when the PDF report embeds its font.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
