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
# A refused form says why in the site frame, not Django's bare page (issue #21).
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # allauth's session list
    "django_htmx",
    # Accounts (issue #19): sign-in, sign-up by invitation, e-mail verification, password
    # reset, single sign-on, two-factor, sessions. Sift's own part is the `accounts` app.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    *(["allauth.socialaccount.providers.orcid"] if env_str("SIFT_ORCID_CLIENT_ID", "") else []),
    *(["allauth.socialaccount.providers.google"] if env_str("SIFT_GOOGLE_CLIENT_ID", "") else []),
    "allauth.mfa",
    "allauth.usersessions",
    "reviews",
    "screening",
    "appraisal",
    "reporting",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
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
                "accounts.context_processors.accounts",
            ],
        },
    },
]

# --- Database: PostgreSQL when DATABASE_URL is set, else SQLite in var/ ---------------
# Every SQLite database gets these, the embedded default and one named by DATABASE_URL
# alike (issue #16: through DATABASE_URL, 166 of 200 concurrent votes failed with
# "database is locked"). The web process and the worker write to one file: WAL lets readers
# go on while an import writes, IMMEDIATE avoids lock upgrades failing mid-transaction, and
# the timeout lets a writer wait its turn instead of failing.
SQLITE_OPTIONS = {
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
    # page_size only takes effect on a new database (before WAL is on): records of a few kB
    # fit a 16 kB page instead of spilling into overflow pages.
    "init_command": (
        "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
    ),
}


def database_config(url: str, var_dir: Path) -> dict:
    if url:
        # Health checks: a kept connection that PostgreSQL dropped while idle (a restart, a
        # proxy's timeout) is replaced before a request uses it, instead of failing it.
        config = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    else:
        var_dir.mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": var_dir / "sift.sqlite3"}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    return config


DATABASE_URL = env_str("DATABASE_URL", "")
DATABASES = {"default": database_config(DATABASE_URL, VAR_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "reviews:list"
LOGOUT_REDIRECT_URL = "account_login"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

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

# --- Background jobs (config/jobs.py): every clock of the job protocol, in one place -----
# A running job's row beats at least every HEARTBEAT_EVERY seconds; one silent for its
# kind's STALE_AFTER is presumed dead (worker killed): another run may take it over, a
# worker that starts queues it again, and its page says no worker is on it. A job waiting
# WAITING_AFTER seconds without a worker says so too. A message that meets a live run looks
# again after BUSY_RETRY. SIFT_JOB_STALE_AFTER (seconds) shortens every stale time at once:
# the integration tests' real workers use it, production does not.
_STALE = env_int("SIFT_JOB_STALE_AFTER", 0)
SIFT_JOBS = {
    "WAITING_AFTER": 30,
    "HEARTBEAT_EVERY": min(15, _STALE / 4) if _STALE else 15,
    # Soft time limit: the run's failure path cleans up; hard (soft + 5 min): the worker
    # is killed, its heartbeat stops and the job is taken over (or given up).
    "KINDS": {
        "import": {"STALE_AFTER": _STALE or 60, "BUSY_RETRY": _STALE or 60, "SOFT_LIMIT": 4 * 3600},
        "preview": {"STALE_AFTER": _STALE or 60, "BUSY_RETRY": _STALE or 60, "SOFT_LIMIT": 3600},
        "dedup": {
            "STALE_AFTER": _STALE or 120,
            "BUSY_RETRY": min(30, _STALE or 30),
            "SOFT_LIMIT": 4 * 3600,
        },
        "bulk": {
            "STALE_AFTER": _STALE or 120,
            "BUSY_RETRY": (_STALE or 120) + 5,
            "SOFT_LIMIT": 3600,
        },
        "ranking": {"SOFT_LIMIT": 600},
        "ranking_prepare": {"SOFT_LIMIT": 3600},
    },
    "HARD_LIMIT_MARGIN": 300,
}

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
CACHES = {
    "default": (
        # Short timeouts: with Redis gone, a request waits a second, never hangs.
        {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
         "KEY_PREFIX": "sift-cache",
         "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}  # fmt: skip

# --- Accounts (django-allauth; Sift's part: accounts/) ---------------------------------
# Sign-up only through an invitation unless the site allows open sign-up.
SIFT_OPEN_SIGNUP = env_bool("SIFT_OPEN_SIGNUP", False)
SIFT_INVITATION_DAYS = env_int("SIFT_INVITATION_DAYS", 14)
# Links in mail sent by the worker (no request there to take the host from).
SIFT_SITE_URL = env_str("SIFT_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
ACCOUNT_FORMS = {"login": "accounts.login_form.LoginForm"}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a mail scanner opening the link must not confirm it
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Sift] "
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = True  # as before allauth: a session lasts SESSION_COOKIE_AGE
# Failed sign-ins: one limiter, allauth's, keyed on (login name, client address) as
# django-axes' combined keying, so a stranger guessing a colleague's password locks out
# only themselves; plus a ceiling per client address (password spraying). The client
# address is the one the trusted proxy reports (SIFT_TRUSTED_PROXY_COUNT or
# SIFT_CLIENT_IP_HEADER), never X-Forwarded-For unless told: a client could forge it.
SIFT_LOGIN_MAX_FAILURES = env_int("SIFT_LOGIN_MAX_FAILURES", 5)
SIFT_LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("SIFT_LOGIN_MAX_FAILURES_PER_ADDRESS", 25)
SIFT_LOGIN_LOCKOUT_SECONDS = env_int("SIFT_LOGIN_LOCKOUT_SECONDS", 900)
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("SIFT_TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("SIFT_CLIENT_IP_HEADER", "") or None


def login_failed_rate(per_key: int, per_address: int, seconds: int) -> str:
    """allauth's `login_failed` rate; its "key" is (login name, client address)
    (accounts.adapter.AccountAdapter), never the login name alone."""
    rates = [f"{per_key}/{seconds}s/key"]
    if per_address:
        rates.insert(0, f"{per_address}/{seconds}s/ip")
    return ",".join(rates)


ACCOUNT_RATE_LIMITS = {
    "login_failed": login_failed_rate(
        SIFT_LOGIN_MAX_FAILURES, SIFT_LOGIN_MAX_FAILURES_PER_ADDRESS, SIFT_LOGIN_LOCKOUT_SECONDS
    ),
}
if not env_bool("SIFT_RATE_LIMITS", True):  # benchmarks only: one address, many people
    ACCOUNT_RATE_LIMITS = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Sift"
# Sessions are recorded at sign-in; tracking each request's activity would be a database
# write on every page (a reviewer screens hundreds an hour).
USERSESSIONS_TRACK_ACTIVITY = False


def _social_providers() -> dict:
    """Single sign-on, each provider on only when its client id is set (.env.example)."""
    providers: dict[str, dict] = {}
    if env_str("SIFT_OIDC_CLIENT_ID", ""):
        providers["openid_connect"] = {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": env_str("SIFT_OIDC_ID", "university"),
                    "name": env_str("SIFT_OIDC_NAME", "University sign-in"),
                    "client_id": env_str("SIFT_OIDC_CLIENT_ID"),
                    "secret": env_str("SIFT_OIDC_SECRET", ""),
                    "settings": {
                        "server_url": env_str("SIFT_OIDC_SERVER_URL"),
                        "token_auth_method": env_str("SIFT_OIDC_TOKEN_AUTH", "client_secret_basic"),
                    },
                }
            ],
        }
    if env_str("SIFT_ORCID_CLIENT_ID", ""):
        providers["orcid"] = {
            "BASE_DOMAIN": env_str("SIFT_ORCID_DOMAIN", "orcid.org"),
            "MEMBER_API": env_bool("SIFT_ORCID_MEMBER_API", False),
            "APPS": [{"client_id": env_str("SIFT_ORCID_CLIENT_ID"),
                      "secret": env_str("SIFT_ORCID_SECRET")}],
        }  # fmt: skip
    if env_str("SIFT_GOOGLE_CLIENT_ID", ""):
        providers["google"] = {
            "SCOPE": ["profile", "email"],
            "APPS": [{"client_id": env_str("SIFT_GOOGLE_CLIENT_ID"),
                      "secret": env_str("SIFT_GOOGLE_SECRET")}],
        }  # fmt: skip
    return providers


SOCIALACCOUNT_PROVIDERS = _social_providers()
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # starting a sign-in is a POST (no login CSRF)
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # a provider's e-mail never takes over an account
SOCIALACCOUNT_AUTO_SIGNUP = True


# --- Mail: sent by the worker (accounts.tasks), never inside a request -----------------
# Embedded default: each message goes to the log and to the outbox page under
# /site-admin/mail/. EMAIL_HOST set: SMTP. SIFT_EMAIL_BACKEND: any Django mail backend
# (its options then come from the same EMAIL_* variables where it takes them).
def _mailers() -> dict:
    host = env_str("EMAIL_HOST", "")
    if not host:
        backend = env_str("SIFT_EMAIL_BACKEND", "accounts.mail.LogBackend")
        return {"default": {"BACKEND": backend}}
    port = env_int("EMAIL_PORT", 587)
    options = {
        "host": host,
        "port": port,
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", port == 587),
        "use_ssl": env_bool("EMAIL_USE_SSL", port == 465),
        "timeout": env_int("EMAIL_TIMEOUT", 20),
    }
    backend = env_str("SIFT_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


MAILERS = _mailers()
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Sift <sift@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SIFT_MAIL_MAX_ATTEMPTS = env_int("SIFT_MAIL_MAX_ATTEMPTS", 6)
# Votes and resolutions: one look at a stage (conflicts waiting, complete) this long after
# the first of a burst (accounts.notifications).
SIFT_NOTIFY_DEBOUNCE_SECONDS = env_int("SIFT_NOTIFY_DEBOUNCE_SECONDS", 30)

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
