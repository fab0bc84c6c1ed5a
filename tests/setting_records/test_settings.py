"""Settings come from the environment; a production start without a secret is refused."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "a-long-production-secret-" + "k" * 50,
    "ACCESS_LOG_KEY": "a-long-access-log-key-" + "a" * 50,
    "ALLOWED_HOSTS": "records.example.org",
    "DEBUG": "false",
}


def bare_environment(**env: str) -> dict[str, str]:
    """Only what a process needs to run, so nothing the test run set leaks into the check."""
    kept = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return kept | {"DJANGO_SETTINGS_MODULE": "setting_records.settings"} | env


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=bare_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_manage("check", env={"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_defaults_to_off():
    result = run_manage("check", env={})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_nonsense_boolean_is_named_not_guessed():
    result = run_manage("check", env={"DEBUG": "perhaps"})
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'perhaps'" in result.stderr


def test_development_mode_starts_without_a_secret():
    result = run_manage("check", env={"DEBUG": "true"})
    assert result.returncode == 0, result.stderr


def test_deploy_checks_pass_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("", "django.db.backends.sqlite3"),
        ("postgres://app:pw@db.internal:5432/records", "django.db.backends.postgresql"),
    ],
)
def test_database_url_chooses_the_database(url, engine):
    code = (
        "from django.conf import settings; d = settings.DATABASES['default'];"
        "print(d['ENGINE'], d['CONN_MAX_AGE'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=bare_environment(DEBUG="true", **({"DATABASE_URL": url} if url else {})),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found_engine, conn_max_age = result.stdout.split()
    assert found_engine == engine
    # Persistent connections on PostgreSQL; none on the embedded SQLite file.
    assert int(conn_max_age) == (600 if url else 0)


def test_time_zone_and_language(settings):
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.LANGUAGE_CODE == "en-gb"
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
