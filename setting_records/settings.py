"""Settings for Setting Records, read from the environment.

Development values are set by ``make run``; with ``DEBUG`` off (the default) the
production hardening below is switched on and ``SECRET_KEY`` must be given.
"""

import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value before starting with DEBUG off."
        )
    # Only for a developer's own machine: DEBUG is on and nothing here is real.
    SECRET_KEY = "dev-only-insecure-key-never-used-with-debug-off"  # noqa: S105

# The access log's HMAC key, held outside the database so that someone who can rewrite the log's
# table cannot recompute its chain or forge its anchor (setting_records/log_key.py). Given as
# ACCESS_LOG_KEY or as a file named by ACCESS_LOG_KEY_FILE (for secrets mounted as files).
ACCESS_LOG_KEY = os.environ.get("ACCESS_LOG_KEY", "")
if not ACCESS_LOG_KEY and os.environ.get("ACCESS_LOG_KEY_FILE"):
    try:
        ACCESS_LOG_KEY = Path(os.environ["ACCESS_LOG_KEY_FILE"]).read_text().strip()
    except OSError as error:
        raise ImproperlyConfigured(
            f"ACCESS_LOG_KEY_FILE names a file that cannot be read: {error}."
        ) from None
if not ACCESS_LOG_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "ACCESS_LOG_KEY is not set. Set it (or ACCESS_LOG_KEY_FILE) to a long random value, "
            "kept outside the database and its backups, before starting with DEBUG off."
        )
    # Only for a developer's own machine, like the development SECRET_KEY above.
    ACCESS_LOG_KEY = "dev-only-access-log-key-never-used-with-debug-off"
elif len(ACCESS_LOG_KEY) < 32:
    raise ImproperlyConfigured("ACCESS_LOG_KEY must be at least 32 characters long.")
# Where the log's signed head is written after every append (setting_records/log_anchor.py).
ACCESS_LOG_ANCHOR = Path(
    os.environ.get("ACCESS_LOG_ANCHOR") or BASE_DIR / "var" / "access-log-anchor.json"
)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")


def site_url(value: str, *, debug: bool, allowed_hosts: list[str]) -> str:
    """The address staff reach the app at, for links in emails (never the request's Host header).

    ``SITE_URL`` when given; with ``DEBUG`` on, ``make run``'s address; otherwise HTTPS on the
    first concrete name in ``ALLOWED_HOSTS``. A password-reset link built from a Host header an
    attacker chose would send the reset token to the attacker's server.
    """
    if not value:
        named = [host for host in allowed_hosts if "*" not in host and not host.startswith(".")]
        if debug:
            value = "http://127.0.0.1:8000"
        elif named:
            value = f"https://{named[0]}"
        else:
            raise ImproperlyConfigured(
                "SITE_URL is not set, and ALLOWED_HOSTS names no host to build it from. Set it to "
                "the address staff use, such as https://records.example.org."
            )
    parts = urlsplit(value)
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or "@" in parts.netloc
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
    ):
        raise ImproperlyConfigured(
            f"SITE_URL must be a scheme and a host only, like https://records.example.org, "
            f"not {value!r}."
        )
    return f"{parts.scheme}://{parts.netloc}"


SITE_URL = site_url(os.environ.get("SITE_URL", ""), debug=DEBUG, allowed_hosts=ALLOWED_HOSTS)
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "setting_records.admin_config.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "setting_records",
    "children",
    "access_requests",
    "complaints",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before the two below: they stay cacheable and need no CSP.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "setting_records.middleware.AbsoluteSessionTimeoutMiddleware",
    "setting_records.middleware.NoStoreWhenSignedInMiddleware",
    "setting_records.two_factor.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "setting_records.urls"
WSGI_APPLICATION = "setting_records.wsgi.application"

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
                "setting_records.context_processors.membership",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent connections buy nothing on SQLite; WAL lets a reader and a writer overlap.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "setting_records.User"

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username and address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    # Then the per-username slow-down, still before the password is checked.
    "setting_records.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# No anonymous user row: anonymous visitors see nothing and are never granted anything.
ANONYMOUS_USER_NAME = None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Five wrong passwords for one username from one address lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The cool-off runs from the failure that caused the lockout: trying again while locked out
# does not start it again, so a stranger cannot keep an account locked by knocking.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Axes keeps only a keyed hash of the typed username (a password typed into the username box
# is never stored; setting_records/axes_username.py), and masks both from the request data it
# keeps beside each attempt.
AXES_USERNAME_CALLABLE = "setting_records.axes_username.hashed_username"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address"]
# Axes' attempts are not shown in the admin: a superuser could read them, or delete one and so
# lift a lockout with nothing in the access log.
AXES_ENABLE_ADMIN = False
# Sign-ins are already in the project's own tamper-evident access log.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Two-factor login (django-otp): the authenticator app's label, and device keys hidden in the
# admin. A wrong code doubles the wait before the next try (1 s, 2 s, 4 s ...) on that device.
OTP_TOTP_ISSUER = "Setting Records"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# The client's address, for the lockout above. Without a proxy it is the connection's own
# address and X-Forwarded-For is never read (anyone can send that header). Behind the TLS
# proxy (BEHIND_TLS_PROXY), every connection comes from the proxy, so the address is taken
# from X-Forwarded-For: TRUSTED_PROXY_COUNT is how many proxies stand in front of the app,
# each adding the address it saw to the end of the header; the client is the entry that many
# places from the end, and whatever a client wrote into the header itself is to its left.
BEHIND_TLS_PROXY = envbool("BEHIND_TLS_PROXY", False)
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 1)
if BEHIND_TLS_PROXY:
    if TRUSTED_PROXY_COUNT < 1:
        raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 1 or more with BEHIND_TLS_PROXY.")
    AXES_IPWARE_META_PRECEDENCE_ORDER: tuple[str, ...] = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    # django-ipware counts the proxies after the client within the header; the last proxy's
    # own address is the connection's, not in the header, hence one fewer.
    AXES_IPWARE_PROXY_COUNT: int | None = TRUSTED_PROXY_COUNT - 1
    # Take that position even when a client has padded the header with addresses of its own.
    IPWARE_STRICT = False
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    AXES_IPWARE_PROXY_COUNT = None

# Across all addresses, failures for one username slow further attempts for it down: after
# LOGIN_THROTTLE_AFTER failures within the cool-off, one attempt per delay that doubles from
# LOGIN_THROTTLE_BASE_SECONDS up to at most LOGIN_THROTTLE_MAX_SECONDS (setting_records/
# login_throttle.py). A stranger can slow a manager down, never lock them out.
LOGIN_THROTTLE_AFTER = envint("LOGIN_THROTTLE_AFTER", 10)
LOGIN_THROTTLE_BASE_SECONDS = envint("LOGIN_THROTTLE_BASE_SECONDS", 2)
LOGIN_THROTTLE_MAX_SECONDS = envint("LOGIN_THROTTLE_MAX_SECONDS", 60)
# A browser that has signed in as a user holds a device cookie for LOGIN_DEVICE_COOKIE_DAYS,
# which spares that user's attempts from it the slow-down for LOGIN_DEVICE_FAILURE_LIMIT
# attempts; a success replaces the cookie, so in effect these are its wrong passwords
# (setting_records/login_device.py).
LOGIN_DEVICE_COOKIE_DAYS = envint("LOGIN_DEVICE_COOKIE_DAYS", 90)
LOGIN_DEVICE_FAILURE_LIMIT = envint("LOGIN_DEVICE_FAILURE_LIMIT", 5)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Thirty minutes without a request ends the session; every request starts the clock again.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# However busy, a session ends this many hours after its login (setting_records/middleware.py).
SESSION_ABSOLUTE_HOURS = envint("SESSION_ABSOLUTE_HOURS", 10)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# None where nothing is collected (the tests serve static/ through WhiteNoise's finders).
STATIC_ROOT: Path | None = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Private files (released record packs later) live outside static/ and are never served directly.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend",
        ),
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": envint("EMAIL_PORT", 25),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": envbool("EMAIL_USE_TLS", False),
        },
    }
}
if "smtp" not in MAILERS["default"]["BACKEND"]:
    MAILERS["default"]["OPTIONS"] = {}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "setting-records@localhost")
# A set-password link (a new account's first, or "forgotten your password") works for three days.
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# History is evidence: it is never rolled back, in the app or in the admin.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Content Security Policy (Django's own middleware): pages load scripts, styles, images and
# fonts from this site only, run no inline script or style (templates have none; a test walks
# every page), embed no plugins, cannot be framed, post forms only here, set no <base>.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint reports every page it lays out; a hundred-page pack is not news.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
