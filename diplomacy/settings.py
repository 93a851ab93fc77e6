"""Django settings, read from the environment (see .env.example) with defaults for a developer."""

import hashlib
import logging
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import structlog
from django.core.exceptions import ImproperlyConfigured

from diplomacy import embedded_postgres

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def throttle_rate(name: str, default: str) -> str | None:
    """A DRF throttle rate ("100/minute") from the environment; "off" or empty disables that throttle."""
    value = os.environ.get(name, default).strip()
    return None if value in {"", "off"} else value


DEBUG = env_bool("DJANGO_DEBUG", True)
# Prometheus metrics at /metrics (apikit/metrics.py): for staff sessions and the bearer token METRICS_TOKEN.
METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "").strip()
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DJANGO_DEBUG-on"
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# HTTPS (docs/operations.md, .env.example's production block). Behind a proxy that ends TLS, it says so in
# X-Forwarded-Proto: DJANGO_SECURE_PROXY_SSL_HEADER=true trusts that header (only behind such a proxy).
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = env_bool("DJANGO_USE_X_FORWARDED_HOST", False)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "django_structlog",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "apikit",
    "events",
]

MIDDLEWARE = [
    "django_structlog.middlewares.RequestMiddleware",
    "apikit.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "apikit.middleware.JSONNotFoundMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apikit.replicas.ReplicaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "apikit.middleware.DatabaseUnavailableMiddleware",  # last: it sees the views' exceptions
]
if METRICS_ENABLED:
    # django-prometheus: the first middleware times the whole request; the second counts and times it by route
    # (the view's name) and status; it sits before DatabaseUnavailableMiddleware, so a 503 is counted once.
    INSTALLED_APPS.append("django_prometheus")
    MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
    MIDDLEWARE.insert(-1, "django_prometheus.middleware.PrometheusAfterMiddleware")

# Password guessing (django-axes): after AXES_FAILURE_LIMIT failed logins for one username from one address,
# that pair is locked out for AXES_COOLOFF_MINUTES, on the admin's login and the API's token endpoint alike
# (429 with Retry-After; JSON on the API). Keyed on both: nobody can lock a user out from elsewhere.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "apikit.security.lockout_response"
AXES_VERBOSE = False
# The client's address: REMOTE_ADDR, or behind DJANGO_TRUSTED_PROXIES proxies the address they add to
# X-Forwarded-For (never trusted without proxies: a client could name any address).
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXIES", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

# API tokens (django-rest-knox): stored as SHA-512 digests, valid API_TOKEN_TTL_DAYS, revoked by their owner.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=float(os.environ.get("API_TOKEN_TTL_DAYS", "30"))),
    "AUTH_HEADER_PREFIX": "Token",
}

ROOT_URLCONF = "diplomacy.urls"
WSGI_APPLICATION = "diplomacy.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL always: the server named by DATABASE_URL, or an embedded one in .pgdata/ when unset.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if not DATABASE_URL:
    DATABASE_URL = embedded_postgres.database_url(Path(os.environ.get("EMBEDDED_PGDATA", BASE_DIR / ".pgdata")))
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured(
        "DATABASE_URL must be a postgres:// or postgresql:// URL; no other database is supported."
    )


# Connections: a new one per request by default; DB_CONN_MAX_AGE=seconds keeps each worker's connection open
# between requests (persistent connections); DB_POOL=true gives each process a psycopg pool instead (Django's,
# DB_POOL_MAX_SIZE connections at most; it needs DB_CONN_MAX_AGE=0). docs/performance.md measures the two.
DB_CONN_MAX_AGE = int(os.environ.get("DB_CONN_MAX_AGE", "0"))
DB_POOL = env_bool("DB_POOL", False)
if DB_POOL and DB_CONN_MAX_AGE:
    raise ImproperlyConfigured("DB_POOL needs DB_CONN_MAX_AGE=0: the pool keeps the connections.")


def database(url: str, **options) -> dict:
    config = dj_database_url.parse(url, conn_max_age=DB_CONN_MAX_AGE)
    if METRICS_ENABLED:
        config["ENGINE"] = "django_prometheus.db.backends.postgresql"  # counts connections and queries
    if DB_POOL:
        # timeout: how long a request waits for a connection; when the server is gone, the pool cannot make one
        # and the request gets its 503 after this many seconds instead of hanging for psycopg's default 30
        options["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "4")),
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "3")),
        }
        # the pool then checks a connection before handing it out: one that died in the pool (a restarted
        # server) is replaced, not given to a request
        config["CONN_HEALTH_CHECKS"] = True
    # dj-database-url leaves a socket directory given as ?host=... in OPTIONS; Django's tools (dbshell) read HOST.
    if "host" in config.get("OPTIONS", {}):
        config["HOST"] = config["OPTIONS"].pop("host")
    # Django leaves psycopg's prepared statements off (threshold None), which also ignores an explicit
    # prepare=True. Django's own cursors bind on the client and are never prepared whatever this says; the
    # API's page statements ask for it (apikit/db.py: prepared), and nothing else reaches the threshold.
    config.setdefault("OPTIONS", {}).update(prepare_threshold=2**31 - 1, **options)
    return config


DATABASES = {"default": database(DATABASE_URL)}

# Streaming replicas of the primary (docs/operations.md): API reads go to one of them, writes and everything
# in a write's transaction to the primary, and a user who wrote reads from a replica only once it has replayed
# that write (apikit/replicas.py).
DATABASE_REPLICAS = []
for number, url in enumerate(filter(None, os.environ.get("DATABASE_REPLICA_URLS", "").replace(" ", "").split(",")), 1):
    if not url.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS: replica {number} is not a postgres:// URL.")
    DATABASES[f"replica{number}"] = database(
        url, connect_timeout=int(os.environ.get("DATABASE_REPLICA_CONNECT_TIMEOUT", "2"))
    )
    DATABASES[f"replica{number}"]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(f"replica{number}")
DATABASE_ROUTERS = ["apikit.replicas.ReplicaRouter"]
DATABASE_REPLICA_APPS = ["events"]  # accounts, tokens, sessions and the admin's log stay on the primary
DATABASE_REPLICA_PATHS = ["/api/"]  # the admin reads the primary: curators see what they saved
# A replica further behind than this (seconds) is skipped; one that cannot be reached is tried again after
# DATABASE_REPLICA_RETRY seconds.
DATABASE_REPLICA_MAX_LAG = float(os.environ.get("DATABASE_REPLICA_MAX_LAG", "30"))
DATABASE_REPLICA_RETRY = float(os.environ.get("DATABASE_REPLICA_RETRY", "5"))
# How long a user's last write position is kept (longer than the lag allowed, so a replica within the lag has
# replayed every write older than this).
DATABASE_READ_YOUR_WRITES_SECONDS = int(os.environ.get("DATABASE_READ_YOUR_WRITES_SECONDS", "300"))
if DATABASE_READ_YOUR_WRITES_SECONDS <= DATABASE_REPLICA_MAX_LAG:
    raise ImproperlyConfigured("DATABASE_READ_YOUR_WRITES_SECONDS must be longer than DATABASE_REPLICA_MAX_LAG.")
# A lost database is answered 503 with this Retry-After (seconds).
DATABASE_RETRY_AFTER = int(os.environ.get("DATABASE_RETRY_AFTER", "5"))
# X-Served-By names the database that served a request's reads ("primary", "replica1", ...).
DATABASE_SERVED_BY_HEADER = env_bool("DATABASE_SERVED_BY_HEADER", False)

# The API keeps list totals, relations and other derived values in the cache, keyed on the data version
# (apikit/versions.py), so nothing in it is ever stale. CACHE_URL=redis://host:6379/0 shares it between
# processes (a deployment with several workers); unset, each process keeps its own in memory.
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "apikit.metrics.RedisCache"
            if METRICS_ENABLED
            else "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # data versions count per database: keys of two databases sharing a Redis must not meet
            "KEY_PREFIX": hashlib.sha256(DATABASE_URL.encode()).hexdigest()[:12],
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured("CACHE_URL must be a redis:// URL, or unset for a cache in each process.")
else:
    CACHES = {
        "default": {
            "BACKEND": "apikit.metrics.LocMemCache"
            if METRICS_ENABLED
            else "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }
    }


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Where the project keeps source documents and the data derived from them.
SEEDS_DIR = BASE_DIR / "seeds"
FIXTURES_DIR = BASE_DIR / "fixtures"

# The JSON API (events/api/). Only the JSON parser: generated clients break when form bodies are advertised.
REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Token first: an anonymous write is then answered 401 with WWW-Authenticate, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["apikit.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apikit.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "apikit.schema.AutoSchema",
    "EXCEPTION_HANDLER": "apikit.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    # Rates such as "100/minute"; "off" (or empty) disables a throttle, e.g. for load and contract tests.
    "DEFAULT_THROTTLE_RATES": {
        "anon": throttle_rate("API_ANON_RATE", "600/minute"),
        "user": throttle_rate("API_USER_RATE", "off"),
    },
    "ORDERING_PARAM": "ordering",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Diplomatic event database API",
    "DESCRIPTION": (
        "Which countries and officials met, travelled and signed what with whom, when and where, with every "
        "fact traceable to the document that states it. See docs/api.md for conventions: uncertain dates, "
        "pagination, CSV, errors, ETags."
    ),
    "VERSION": "1.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",  # operation ids and tags by resource: agreements_list, ...
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The docs send nothing to a third party: Redoc in the system's fonts, not Google's (apikit's redoc.html).
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
                "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},
                "code": {"fontFamily": "ui-monospace, 'Cascadia Mono', 'DejaVu Sans Mono', monospace"},
            }
        }
    },
    "ENUM_NAME_OVERRIDES": {
        "DatePrecisionEnum": "events.choices.DatePrecision",
        "DateBasisEnum": "events.choices.DateBasis",
        "EndCauseEnum": "events.choices.EndCause",
        "AgreementKindEnum": "events.choices.AgreementKind",
        "AgreementStatusEnum": "events.choices.AgreementStatus",
        "PartyActionKindEnum": "events.choices.PartyActionKind",
        "EventKindEnum": "events.choices.EventKind",
        "ParticipantRoleEnum": "events.choices.ParticipantRole",
        "CameoCodeEnum": "events.choices.CameoCode",
        "PloverEventTypeEnum": "events.choices.PloverEventType",
        "PloverModeEnum": "events.choices.PloverMode",
        "SourceKindEnum": "events.choices.SourceKind",
        "DateQualifierEnum": "events.choices.DateQualifier",
        "ActorKindEnum": "events.choices.ActorKind",
        "SuccessionKindEnum": "events.choices.SuccessionKind",
        "ErrorTypeEnum": "apikit.schema.ERROR_TYPES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apikit.schema.open_response_enums",
        "apikit.schema.drop_unused_components",
        "apikit.schema.require_response_fields",
    ],
}

# Cross-origin browser clients: comma-separated origins, e.g. https://app.example.org
CORS_ALLOWED_ORIGINS = [o for o in os.environ.get("CORS_ALLOWED_ORIGINS", "").split(",") if o]
CORS_URLS_REGEX = r"^/api/.*$"
# Response headers a browser client may read (ETag for conditional requests, the request id for support).
CORS_EXPOSE_HEADERS = ["ETag", "X-Request-ID", "Retry-After"]

# Logs (docs/operations.md): one JSON object per line with the request's id (django-structlog), or readable
# lines for development. The id is the client's X-Request-ID when it sends one, and is sent back in the response.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "console" if DEBUG else "json")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# The id of a request is the X-Request-ID that the client or the proxy in front sends, when it sends one.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = env_bool("LOG_TRUST_REQUEST_ID", True)
_SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer()
                if LOG_FORMAT == "json"
                else structlog.dev.ConsoleRenderer(colors=False),
            ],
            "foreign_pre_chain": _SHARED_PROCESSORS,
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # django-structlog's request_finished says it once, with the request id
        "django.request": {"level": "CRITICAL"},
        "django.server": {"level": "WARNING"},
    },
}
# django-structlog logs request_started and request_finished; the second says all the first does (but the user
# agent) and the outcome. The first is logged at DEBUG (LOG_LEVEL=DEBUG shows it): one line per request, as
# logging is the largest part of what the middleware costs a request (docs/performance.md, Connections).
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG
structlog.configure(
    processors=[
        structlog.stdlib.filter_by_level,
        *_SHARED_PROCESSORS,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.StackInfoRenderer(),
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)
