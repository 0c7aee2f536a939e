"""DealDesk settings, read from the environment.

Defaults are safe for a local demo (SQLite, console email, the local Stripe
sandbox). With ``DEALDESK_ENV=production`` the app refuses to start unless a
real secret key, allowed hosts and HTTPS settings are in place.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DEALDESK_VAR_DIR", BASE_DIR / "var"))

_DEMO_SECRET_KEY = "dealdesk-insecure-demo-key-never-use-in-production"


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEALDESK_ENV = os.environ.get("DEALDESK_ENV", "development")
if DEALDESK_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DEALDESK_ENV must be 'development' or 'production'.")
PRODUCTION = DEALDESK_ENV == "production"

SECRET_KEY = os.environ.get("SECRET_KEY", _DEMO_SECRET_KEY)
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Where the app is reachable, for links in emails and Stripe redirect URIs.
DEALDESK_BASE_URL = os.environ.get("DEALDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",  # the operator's views (superusers), at /admin/
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django.forms",
    "django_tasks",
    "django_ratelimit",
    "django_tasks_db",
    "dealdesk.workspaces",
    "dealdesk.catalog",
    "dealdesk.crm",
    "dealdesk.quotes",
    "dealdesk.payments",
    "dealdesk.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dealdesk.workspaces.middleware.WorkspaceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dealdesk.urls"
WSGI_APPLICATION = "dealdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dealdesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'dealdesk.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded demo database is written by several request threads and the task
    # worker at once: take the write lock at BEGIN (a deferred transaction that later
    # writes fails at once with "database is locked") and wait for it instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "workspaces.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "dealdesk" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "dealdesk" / "static"]
WHITENOISE_USE_FINDERS = DEBUG
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "DealDesk <noreply@dealdesk.invalid>")
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (the demo): one file a mail.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# Stripe. With no keys set, everything points at the local Stripe sandbox
# (``python -m stripe_sandbox`` on 127.0.0.1:12111), whose keys are these defaults.
_STRIPE_SANDBOX = "http://127.0.0.1:12111"
_stripe_configured = bool(os.environ.get("STRIPE_SECRET_KEY"))
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "sk_test_sandbox_platform")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "pk_test_sandbox_platform")
STRIPE_CLIENT_ID = os.environ.get("STRIPE_CLIENT_ID", "ca_sandbox_dealdesk")
STRIPE_WEBHOOK_SECRET = os.environ.get(
    "STRIPE_WEBHOOK_SECRET", "whsec_sandbox_dealdesk_demo_endpoint_secret"
)
STRIPE_API_BASE = os.environ.get(
    "STRIPE_API_BASE", "https://api.stripe.com" if _stripe_configured else _STRIPE_SANDBOX
)
STRIPE_CONNECT_BASE = os.environ.get(
    "STRIPE_CONNECT_BASE",
    "https://connect.stripe.com" if _stripe_configured else _STRIPE_SANDBOX,
)
STRIPE_JS_URL = os.environ.get(
    "STRIPE_JS_URL",
    "https://js.stripe.com/v3/" if _stripe_configured else f"{_STRIPE_SANDBOX}/v3/",
)
STRIPE_DASHBOARD_URL = os.environ.get(
    "STRIPE_DASHBOARD_URL",
    "https://dashboard.stripe.com" if _stripe_configured else f"{_STRIPE_SANDBOX}/dashboard",
)
# Show each line's tax on the buyer's Stripe invoice with inclusive TaxRates (amounts are
# the same either way, see payments/charge_plan.py). On with real keys; off for the local
# sandbox, which does not serve /v1/tax_rates.
STRIPE_TAX_RATES_ENABLED = env_bool("STRIPE_TAX_RATES_ENABLED", default=_stripe_configured)
# A worker processing a Stripe event holds it this long; a worker that died leaves it to
# be claimed again once the lease runs out (payments/event_processing.py).
STRIPE_EVENT_LEASE_SECONDS = int(os.environ.get("STRIPE_EVENT_LEASE_SECONDS", "300"))

# Workspace logos: checked from the image header before any pixel is decoded (a small
# file can declare a huge image), then re-encoded at most DISPLAY_WIDTH wide.
DEALDESK_LOGO_MAX_BYTES = int(os.environ.get("DEALDESK_LOGO_MAX_BYTES", str(200 * 1024)))
DEALDESK_LOGO_MAX_SIDE = int(os.environ.get("DEALDESK_LOGO_MAX_SIDE", "2000"))
DEALDESK_LOGO_MAX_PIXELS = int(os.environ.get("DEALDESK_LOGO_MAX_PIXELS", str(4_000_000)))
DEALDESK_LOGO_DISPLAY_WIDTH = int(os.environ.get("DEALDESK_LOGO_DISPLAY_WIDTH", "600"))

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# `make bench` only: routes the baseline views of bench/ under /bench/. Never set otherwise.
DEALDESK_BENCH = env_bool("DEALDESK_BENCH", default=False)

# Throttling counters (django-ratelimit, see workspaces/throttle.py) and cached quote pages
# are shared by every worker on every host; counters are incremented atomically. Both live
# in Redis, never in a per-process or database cache.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    # Shared by every worker on every host (rendered quote documents); never process memory.
    "default": {
        "BACKEND": "dealdesk.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "dealdesk-cache",
    },
    "ratelimit": {
        "BACKEND": "dealdesk.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "dealdesk",
    },
}
RATELIMIT_USE_CACHE = "ratelimit"
# Behind a proxy every request comes from the proxy: name the header that carries the
# client's address, set by the proxy itself (e.g. HTTP_X_REAL_IP).
RATELIMIT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY") or None
# Attempts allowed per window: "10/15m" is 10 per 15 minutes.
RATELIMITS = {
    "sign_in_account_failures": "10/15m",
    "sign_in_ip": "50/15m",
    "sign_up_ip": "10/h",
    "password_reset_ip": "10/h",
    "invitation_accept_ip": "20/h",
    "invitation_send_ip": "30/h",
    "purchase_start_quote": "20/h",  # per quote link: Purchase attempts, whoever sends them
    "public_pdf_ip": "60/10m",  # a quote's PDF from one client address
}
# django-ratelimit names only django_redis as supported; Django's own RedisCache counts
# with Redis's atomic INCR as well, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint reports every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # The stripe library logs every request at INFO; our gateway logs failures itself.
        "stripe": {"level": "WARNING"},
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"


# Content-Security-Policy (django-csp): pages run and style only our own static files, no
# inline script or style. The few pages that need Stripe's origins add them with the
# decorators in payments/csp.py (the buyer's quote page, Settings → Integrations).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # Named so that payments/csp.py adds to them instead of replacing default-src.
        "script-src": [SELF],
        "style-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "img-src": [SELF, "data:"],  # workspace logos are data: URIs
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

if PRODUCTION:
    if SECRET_KEY == _DEMO_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "DEALDESK_ENV=production needs SECRET_KEY: a random value of at least 50 "
            "characters, e.g. from python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off when DEALDESK_ENV=production.")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DEALDESK_ENV=production needs ALLOWED_HOSTS: the host names the app serves."
        )
    if not os.environ.get("REDIS_URL"):
        raise ImproperlyConfigured(
            "DEALDESK_ENV=production needs REDIS_URL (e.g. redis://127.0.0.1:6379/0): "
            "throttling counts attempts and rendered quote pages are cached there, "
            "shared by every worker."
        )
    if not _stripe_configured:
        raise ImproperlyConfigured(
            "DEALDESK_ENV=production needs STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY, "
            "STRIPE_CLIENT_ID and STRIPE_WEBHOOK_SECRET from your Stripe dashboard."
        )
    if not DEALDESK_BASE_URL.startswith("https://"):
        raise ImproperlyConfigured("DEALDESK_BASE_URL must be an https:// address in production.")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
        # Only behind a proxy that sets this header itself.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
