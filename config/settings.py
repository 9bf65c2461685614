"""The one settings module, driven by the environment (see .env.example).

With nothing configured Sift runs embedded: SQLite in var/, Celery over a filesystem
transport in var/broker (no Redis), DEBUG on only when SIFT_DEBUG says so.
"""

import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SIFT_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("SIFT_DEBUG", False)


def _embedded_secret_key() -> str | None:
    """Embedded mode (no DATABASE_URL): a random key made once per install in var/, so
    `manage.py` works without set-up. A server with PostgreSQL must set SECRET_KEY."""
    if env_str("DATABASE_URL", ""):
        return None
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY", _embedded_secret_key())
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "reviews",
    "screening",
    "appraisal",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- Database: PostgreSQL when DATABASE_URL is set, else SQLite in var/ ---------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    # Health checks: a kept connection that PostgreSQL dropped while idle (a restart, a
    # proxy's timeout) is replaced before a request uses it, instead of failing that request.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "sift.sqlite3",
            # The web process and the worker write to one file: WAL lets readers go on
            # while an import writes, IMMEDIATE avoids lock upgrades failing mid-transaction.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                # page_size only takes effect on a new database (before WAL is on): records
                # of a few kB fit a 16 kB page instead of spilling into overflow pages.
                "init_command": (
                    "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reviews:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Ranking's per-batch term counts: a cache of the worker's, computed again if deleted.
RANKING_CACHE_DIR = Path(env_str("SIFT_RANKING_CACHE", str(VAR_DIR / "cache" / "ranking")))
MEDIA_URL = "media/"  # never served publicly: files are reached through access-checked views


def _default_storage() -> dict:
    """Uploaded files (search exports, full-text PDFs): a local folder (MEDIA_ROOT), or an
    S3-compatible bucket when SIFT_S3_BUCKET is set (django-storages: `pip install .[s3]`;
    credentials from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)."""
    bucket = env_str("SIFT_S3_BUCKET", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options: dict[str, object] = {
        "bucket_name": bucket,
        "default_acl": None,  # private objects
        "querystring_auth": True,  # links that expire
        "file_overwrite": False,
    }
    if endpoint := env_str("SIFT_S3_ENDPOINT_URL", ""):
        options["endpoint_url"] = endpoint  # MinIO, Ceph, Scaleway, ...
    if region := env_str("SIFT_S3_REGION", ""):
        options["region_name"] = region
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": _default_storage(),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env_bool("SIFT_STATIC_MANIFEST", True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Uploads: search-result files of up to SIFT_MAX_UPLOAD_MB stream to disk ------------
SIFT_MAX_UPLOAD_MB = env_int("SIFT_MAX_UPLOAD_MB", 1024)
SIFT_MAX_PDF_MB = env_int("SIFT_MAX_PDF_MB", 200)  # per full-text PDF
# A bulk upload of full texts may hold many PDFs (Django's default allows 100 files).
DATA_UPLOAD_MAX_NUMBER_FILES = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None

# --- Celery: Redis when REDIS_URL is set, else a filesystem transport in var/broker -----
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    for folder in ("out", "processed", "control"):
        (VAR_DIR / "broker" / folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": 3600}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "broker" / "out"),
        "data_folder_out": str(VAR_DIR / "broker" / "out"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
)
CELERY_TASK_IGNORE_RESULT = True  # the database row is each job's source of truth
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-job leaves the message for the next one
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("SIFT_TASKS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SIFT_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SIFT_SSL_REDIRECT", False)
# Only behind a TLS proxy that sets X-Forwarded-Proto itself; otherwise clients could spoof it.
if env_bool("SIFT_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SIFT_HSTS_SECONDS", 0 if DEBUG else 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SIFT_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
}
# Failed sign-ins (config/login.py): per username, and five times as many per address.
SIFT_LOGIN_MAX_FAILURES = env_int("SIFT_LOGIN_MAX_FAILURES", 5)
SIFT_LOGIN_LOCKOUT_SECONDS = env_int("SIFT_LOGIN_LOCKOUT_SECONDS", 900)
CACHES = {
    "default": (
        # Short timeouts: with Redis gone, a request waits a second, never hangs.
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
         "KEY_PREFIX": "sift-cache",
         "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}  # fmt: skip
# models.W040: SQLite ignores the non-key columns of a covering index, as intended (the
# embedded mode); PostgreSQL uses them (screening.Decision's decision_stage_paper).
SILENCED_SYSTEM_CHECKS = env_list("SIFT_SILENCED_CHECKS", ["models.W040"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("SIFT_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
