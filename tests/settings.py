"""The project's settings as production runs them, with the few changes a test run needs."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("ACCESS_LOG_KEY", "test-only-access-log-key-" + "k" * 40)
# Each test points the log's anchor at its own temporary directory (tests/conftest.py); anything
# outside a test writes here, unless a test's own subprocess names its anchor.
os.environ.setdefault(
    "ACCESS_LOG_ANCHOR", str(Path(tempfile.mkdtemp(prefix="access-log-anchor-")) / "anchor.json")
)
# The test client and live server speak plain HTTP on loopback.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Where emailed links point: deliberately not the test client's "testserver".
os.environ.setdefault("SITE_URL", "https://records.example.org")

from setting_records.settings import *  # noqa: F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# One PBKDF2 login costs ~275 ms of CPU; tests log in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The manifest storage needs collectstatic; tests serve static files straight from static/.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# No collectstatic before tests: WhiteNoise finds files in static/ as runserver would.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
