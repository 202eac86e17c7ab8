"""Django settings for Xuefen, every value read from the environment (see README, Configuration)."""
from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from accounts.providers.config import socialaccount_providers

from .env import env_bool, env_email, env_list, env_required, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
# Production (DEBUG=false) has no default secret: a missing SECRET_KEY fails at start-up.
SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-xuefen-key") if DEBUG else env_required("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "accounts",
    "credits",
    # OAuth linking of forge accounts (and optional university SSO) through django-allauth.
    "accounts.linking",
    "accounts.providers.gitee",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.gitlab",
    "allauth.socialaccount.providers.openid_connect",
]

MIDDLEWARE = [
    "config.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.RememberLanguageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.linking.middleware.OAuthNotConfiguredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a lock-out into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "credits.context_processors.review_nav",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env_str("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite serialises writers: WAL lets readers run beside a writer, IMMEDIATE transactions take the
    # write lock up front (no deadlocked lock upgrades), and the timeout lets a worker thread and the web wait.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
    # Test databases are files too: an in-memory shared-cache database uses table locks that ignore the
    # timeout, so a worker thread writing beside the test thread fails instead of waiting.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(tempfile.gettempdir(), f"xuefen-test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Throttling first (axes), then the one password door: username or student id, normalised (it is a ModelBackend,
# so permission checks stay plain). No other backend checks passwords: Django's and allauth's would accept
# spellings (exact, case-insensitive) that the throttle would count apart.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ThrottleBackend",
    "accounts.backends.UsernameOrStudentIdBackend",
]
# Login throttling: 5 failures for one account (however its name is spelt) from one address lock it for
# 15 minutes (a cool-off, not a ban). Per account and address, not per address alone: a campus shares a few
# NAT addresses, and one student's typos must not lock out the rest.
AXES_FAILURE_LIMIT = int(env_str("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env_str("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.backends.throttle_username"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every manage.py command
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
# Our catalogues first: LOCALE_PATHS outrank every installed app's, so a third-party translation of the same
# word (django_celery_beat renders "Name" as 任务名) never replaces ours; clashing words also carry a context.
LOCALE_PATHS = [BASE_DIR / "config" / "locale", BASE_DIR / "accounts" / "locale", BASE_DIR / "credits" / "locale",
                BASE_DIR / "accounts" / "linking" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# A university's own registrar export formats (YAML files, one per format); the shipped ones stay available.
EXPORT_FORMATS_DIR = env_str("EXPORT_FORMATS_DIR")

# Celery: without a broker, tasks run eagerly in-process (the embedded setup).
# The in-memory transport (not Celery's amqp:// default) backs an in-process worker when one is started.
# "memory://localhost/" rather than "memory://": kombu warns "No hostname was supplied" for a bare scheme.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not env_str("CELERY_BROKER_URL")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The one place task time limits are set (every task inherits them). Every task is a short unit (long work
# re-enqueues its continuation), so the broker can redeliver a dead worker's task within minutes.
CELERY_TASK_TIME_LIMIT = int(env_str("CELERY_TASK_TIME_LIMIT", "300"))
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Sync work is cut into units (SYNC_UNIT_PAGES list pages, SYNC_UNIT_STORED backfilled PRs or
# SYNC_UNIT_SECONDS, whichever comes first) that re-enqueue their continuation.
SYNC_UNIT_PAGES = int(env_str("SYNC_UNIT_PAGES", "10"))
SYNC_UNIT_STORED = int(env_str("SYNC_UNIT_STORED", "300"))
SYNC_UNIT_SECONDS = float(env_str("SYNC_UNIT_SECONDS", "120"))
# A late-acked task whose worker died is redelivered after this many seconds; it sits just above the longest
# unit (the task time limit), so a SIGKILLed worker costs minutes, and a running unit is never handed to a
# second worker.
# Kombu looks for such orphans every interval × throttle seconds (Redis transport defaults: 10 × 10).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(env_str("CELERY_VISIBILITY_TIMEOUT", str(CELERY_TASK_TIME_LIMIT + 60))),
    "unacked_restore_interval": int(env_str("CELERY_UNACKED_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": int(env_str("CELERY_UNACKED_RESTORE_THROTTLE", "10")),
}

# Forges: API roots and service-token pools (comma-separated); forgesim stands in offline.
GITHUB_API_URL = env_str("GITHUB_API_URL", "https://api.github.com").rstrip("/")
GITHUB_URL = env_str("GITHUB_URL", "https://github.com").rstrip("/")
GITEE_API_URL = env_str("GITEE_API_URL", "https://gitee.com/api/v5").rstrip("/")
GITEE_URL = env_str("GITEE_URL", "https://gitee.com").rstrip("/")
GITLAB_URL = env_str("GITLAB_URL", "https://gitlab.com").rstrip("/")
FORGE_TOKENS = {
    "github": env_list("GITHUB_TOKENS"),
    "gitee": env_list("GITEE_TOKENS"),
    "gitlab": env_list("GITLAB_TOKENS"),
}
# How far back a newly linked identity's backfill looks (days); later runs resume where it stopped.
SYNC_BACKFILL_DAYS = int(env_str("SYNC_BACKFILL_DAYS", "730"))
# First back-off after a forge 5xx or malformed page; doubles per retry (rate limits use the forge's reset).
SYNC_RETRY_BACKOFF_SECONDS = float(env_str("SYNC_RETRY_BACKOFF_SECONDS", "30"))
# Work queued or running without a heartbeat for this long is re-enqueued by the sweep, whatever its age.
SYNC_STALE_SECONDS = float(env_str("SYNC_STALE_SECONDS", "300"))
# A unit that failed transiently this many times in a row (each after the in-place retries) ends in `error`.
SYNC_MAX_TRANSIENT_RETRIES = int(env_str("SYNC_MAX_TRANSIENT_RETRIES", "8"))
# One retry rule for every forge request (credits.forges.retry): attempts per request with jittered
# exponential backoff, and the longest retry-after waited in place (longer waits reschedule the task).
FORGE_RETRY_ATTEMPTS = int(env_str("FORGE_RETRY_ATTEMPTS", "4"))
FORGE_RETRY_BACKOFF_SECONDS = float(env_str("FORGE_RETRY_BACKOFF_SECONDS", "0.5"))
FORGE_RETRY_MAX_BACKOFF_SECONDS = float(env_str("FORGE_RETRY_MAX_BACKOFF_SECONDS", "8"))
FORGE_RETRY_MAX_WAIT_SECONDS = float(env_str("FORGE_RETRY_MAX_WAIT_SECONDS", "5"))
# Seconds a forge client waits for one answer before the attempt counts as failed.
FORGE_TIMEOUT_SECONDS = float(env_str("FORGE_TIMEOUT_SECONDS", "30"))
# Seconds PyGithub waits between requests; real GitHub asks for pacing, forgesim does not.
GITHUB_SECONDS_BETWEEN_REQUESTS = float(env_str("GITHUB_SECONDS_BETWEEN_REQUESTS", "0.25"))

# Fernet keys for tokens at rest, newest first (MultiFernet); production must set its own.
FIELD_ENCRYPTION_KEYS = env_list(
    "FIELD_ENCRYPTION_KEYS", "ZGV2LW9ubHkta2V5LWZvci14dWVmZW4tZGVtby0wMDA=" if DEBUG else ""
) or [env_required("FIELD_ENCRYPTION_KEYS")]

# OAuth (django-allauth): forge accounts are only ever linked to a signed-in person (accounts/linking), never
# used to sign in or up. Apps come from the environment, not database rows; a forge without a client id
# offers no link button. University single sign-on (OpenID Connect) exists only when OIDC_SERVER_URL is set.
SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
    github_url=GITHUB_URL, gitee_url=GITEE_URL, gitee_api_url=GITEE_API_URL, gitlab_url=GITLAB_URL,
    clients={p: (env_str(f"{p.upper()}_CLIENT_ID"), env_str(f"{p.upper()}_CLIENT_SECRET"))
             for p in ("github", "gitee", "gitlab")},
    oidc={"server_url": env_str("OIDC_SERVER_URL"), "client_id": env_str("OIDC_CLIENT_ID"),
          "secret": env_str("OIDC_CLIENT_SECRET"), "name": env_str("OIDC_NAME"),
          "username_claim": env_str("OIDC_USERNAME_CLAIM")},
)
SOCIALACCOUNT_ADAPTER = "accounts.linking.adapter.SocialAccountAdapter"
ACCOUNT_ADAPTER = "accounts.linking.adapter.AccountAdapter"
# A forge token is used once, to read the profile's numeric id; allauth must never keep one (in clear).
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_AUTO_SIGNUP = False
ACCOUNT_EMAIL_VERIFICATION = "none"

# Mail (invitations, password resets): one URL in django-environ's forms; development prints to the console,
# production must say where mail goes (a silently printed invitation reaches nobody).
globals().update(env_email("EMAIL_URL", "consolemail://" if DEBUG else env_required("EMAIL_URL")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Xuefen <xuefen@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = int(env_str("EMAIL_TIMEOUT", "20"))
# The portal's public root for links in mail sent from commands (invite_users); pages use the request's host.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
# Invitation and password links stop working after this many days, and as soon as a password is set.
PASSWORD_RESET_TIMEOUT = int(env_str("INVITATION_TIMEOUT_DAYS", "7")) * 24 * 3600

# HTTPS as deployed: a TLS-terminating proxy (Caddy in docker-compose) in front of gunicorn.
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env_str("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# "HEADER,value" the proxy sets on HTTPS requests, so redirects and OAuth callbacks are built as https://.
# Trust it only behind a proxy that overwrites the header (the default in production, where the proxy is).
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER", "" if DEBUG else "HTTP_X_FORWARDED_PROTO,https")
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header.split(",", 1)) if "," in _proxy_header else None
# The container's own health check speaks plain HTTP to 127.0.0.1: it must not be redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# /healthz answers 503 when no sync of a forge succeeded for this long (hourly schedules; a day allows retries).
HEALTHZ_SYNC_MAX_AGE_MINUTES = int(env_str("HEALTHZ_SYNC_MAX_AGE_MINUTES", "360"))

# LOG_FORMAT=json: one JSON object a line with task, repository and request ids (config/logs.py).
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "config.logs.ContextFilter"}},
    "formatters": {"json": {"()": "config.logs.JsonFormatter"},
                   "text": {"format": "%(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"],
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"urllib3": {"level": "WARNING"}, "github": {"level": "WARNING"}},
}
# Celery workers keep this configuration (and its JSON lines) instead of installing their own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
