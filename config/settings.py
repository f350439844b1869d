"""CE Ledger settings: one file, driven by environment variables (see README)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.release import release

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "CE Ledger")
# The benchmark's baseline pages (/bench/hello, /bench/insert, /bench/select): 404 unless set.
BENCH_BASELINES = env_bool("CELEDGER_BENCH_BASELINES")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "django_htmx",
    "django_countries",
    "localflavor",
    "phonenumber_field",
    "django_tasks_db",
    "celedger.core",
    "celedger.accounts",
    "celedger.accreditation",
    "celedger.profiles",
    "celedger.publishers",
    "celedger.activities",
    "celedger.evaluations",
    "celedger.assessments",
    "celedger.credits",
    "celedger.certificates",
    "celedger.integrity",
    "celedger.reporting",
    "celedger.rollout",
    "celedger.baselines",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "celedger.core.middleware.DatabaseOutageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "celedger.core.middleware.RejectControlCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "celedger.accounts.middleware.SsoFormActionMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "celedger.publishers.middleware.PublisherTimezoneMiddleware",
]

if BENCH_BASELINES:
    MIDDLEWARE.insert(0, "celedger.baselines.middleware.QueryCountMiddleware")

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
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "celedger.core.context_processors.site",
                "celedger.publishers.context_processors.staff_nav",
                "celedger.profiles.context_processors.profile_reminders",
                "celedger.reporting.context_processors.reporting_reminders",
            ],
        },
    }
]

# Widgets written in Python, byte for byte as Django's templates (core/widgets.py, issue 10).
FORM_RENDERER = "celedger.core.widgets.WidgetRenderer"

# SQLite is the embedded default; DATABASE_URL switches to PostgreSQL in production.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A `SELECT 1` before each request's first query, so a connection the database
        # dropped (restart, failover) is replaced instead of failing one request per worker.
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
        # Behind PgBouncer in transaction mode a named cursor cannot outlive its
        # transaction: read `iterator()` results client-side (docs/operations.md).
        disable_server_side_cursors=env_bool("DATABASE_TRANSACTION_POOLING"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the task worker and the web process share the file.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Django's Redis cache with its client reused (core/redis_cache.py); every key carries
    # the release, so an upgrade reads nothing an older release's code cached
    # (config/release.py).
    CACHES = {
        "default": {
            "BACKEND": "celedger.core.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"celedger-{release(BASE_DIR)}",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from the cache and written through to the database (Redis may restart
# without signing everyone out); with no shared cache, from the database only.
SESSION_ENGINE = "celedger.core.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"

TASKS = {
    "default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}
}

# The outbox (celedger.core.outbox): side effects recorded with the write, delivered by
# `manage.py outbox_worker` with retries (backoff doubling from OUTBOX_BACKOFF_SECONDS).
OUTBOX_LEASE_SECONDS = float(os.environ.get("OUTBOX_LEASE_SECONDS", "60"))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "12"))
OUTBOX_BACKOFF_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_SECONDS", "2"))
OUTBOX_MAX_BACKOFF_SECONDS = float(os.environ.get("OUTBOX_MAX_BACKOFF_SECONDS", "3600"))
# Deliver in-process right after commit instead of in the worker (tests only).
OUTBOX_DELIVER_ON_COMMIT = env_bool("OUTBOX_DELIVER_ON_COMMIT")
# Background transcript PDFs (files and rows) are deleted this many days after they were
# built, by the outbox worker's hourly housekeeping.
TRANSCRIPT_PDF_KEEP_DAYS = int(os.environ.get("TRANSCRIPT_PDF_KEEP_DAYS", "7"))

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's, reading the session's user with their profile and staff answer
# in one statement (publishers/backends.py).
AUTHENTICATION_BACKENDS = [
    "celedger.publishers.backends.ModelBackend",
    "celedger.publishers.backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login; the guide's order (email, duplicate check, profile).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "email2*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# A page that comes back with an error elsewhere keeps the typed passwords (issue 15).
ACCOUNT_PASSWORD_INPUT_RENDER_VALUE = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_SIGNUP_FORM_CLASS = "celedger.profiles.forms.SignupProfileForm"
ACCOUNT_ADAPTER = "celedger.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "celedger.accounts.signup.SignupForm"}
# Single sign-on (allauth.socialaccount): each identity provider is a "Social application"
# row added in /site-admin/ (README "Single sign-on"): OpenID Connect or SAML 2.0.
# Just-in-time accounts: the first SSO sign-in creates the account (then the profile page).
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = True
# An SSO sign-in whose email the identity provider says is verified (OIDC `email_verified`,
# or the app's `verified_email` setting) signs in to the existing account with that email
# and links it. A provider that vouches for emails it does not control could take over
# accounts: turn it off per provider with {"email_authentication": false} (docs/accounts.md).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10

# Rate limits (allauth's limiter, in the shared cache; docs/accounts.md has the reasoning).
# A hospital's guest Wi-Fi is one address for a whole closing session: per-address limits
# carry at least 1,000 new learners in an hour (a rush of 1,000 in 15 minutes is ~67/min),
# while what an attacker guesses (an account's email, a phone, a name + phone pair) stays
# tight. Over the duplicate check's per-address allowance a sign-up continues with a code
# emailed to the address being signed up (step-up), not a dead end.
ACCOUNT_RATE_LIMITS = {
    "login": "300/m/ip",
    "login_failed": "60/m/ip,5/5m/key",
    "signup": "120/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "60/m/ip,5/m/key",
    "reset_password_from_key": "60/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "request_login_code": "120/m/ip,3/m/key",
    # The duplicate-account check (celedger.accounts.ratelimits). Per address: over it, step-up.
    "duplicate_check": "120/m/ip,2000/h/ip",
    # Keyed by what is guessed; over any of these the check is refused.
    "duplicate_check_phone": "5/h/key",
    "duplicate_check_pair": "3/h/key",
    "duplicate_check_email": "10/h/key",
    # Step-up codes emailed to one address (and per address, against mail bombing).
    "duplicate_check_code": "3/10m/key,600/h/ip",
}
# Behind a load balancer, client IPs (for rate limits) come from X-Forwarded-For.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Email: Django 6.1's MAILERS, configured from the usual EMAIL_* environment variables.
EMAIL_BACKEND_PATH = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILER_OPTIONS: dict[str, object] = {}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILER_OPTIONS = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS"),
        "use_ssl": env_bool("EMAIL_USE_SSL"),
        "timeout": int(os.environ.get("EMAIL_TIMEOUT", "20")),
    }
elif EMAIL_BACKEND_PATH.endswith("filebased.EmailBackend"):
    MAILER_OPTIONS = {"file_path": os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "mail"))}
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": MAILER_OPTIONS}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CE Ledger <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "US"
PHONENUMBER_DB_FORMAT = "E164"
COUNTRIES_FIRST = ["US", "CA"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads that are not personal data (publisher logos). Never served under a URL of its
# own: the app serves what is public through views.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
# Certificates, exports and uploads with personal data (celedger.core.files): a directory
# no web server serves, or an S3-compatible bucket (PRIVATE_STORAGE=s3).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private"))
PRIVATE_STORAGE: dict[str, object] = {
    "BACKEND": "celedger.core.files.PrivateFileSystemStorage",
    "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
}
if os.environ.get("PRIVATE_STORAGE", "").lower() == "s3":
    PRIVATE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 60,
        },
    }
# How an authorized download leaves: "" (Django streams it), "x-accel-redirect" (nginx,
# internal location at PRIVATE_FILES_ACCEL_PREFIX), "x-sendfile", "redirect" (signed S3 URL).
PRIVATE_FILES_SERVE = os.environ.get("PRIVATE_FILES_SERVE", "").strip().lower()
PRIVATE_FILES_ACCEL_PREFIX = os.environ.get("PRIVATE_FILES_ACCEL_PREFIX", "/private-files/")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security: production passes `manage.py check --deploy` with no warnings.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False) or not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/live$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Browser features no page uses stay off, also for anything embedded (django-permissions-policy).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}
