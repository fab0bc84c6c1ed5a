"""The access log's key comes from outside the database; with DEBUG off, none means no start."""

from tests.setting_records.test_settings import PRODUCTION, run_manage

WITHOUT_KEY = {k: v for k, v in PRODUCTION.items() if k != "ACCESS_LOG_KEY"}
PRINT_KEY = ("shell", "-c", "from django.conf import settings; print(settings.ACCESS_LOG_KEY)")


def test_refuses_to_start_without_the_key_when_debug_is_off():
    result = run_manage("check", env=WITHOUT_KEY)
    assert result.returncode != 0
    assert "ACCESS_LOG_KEY is not set" in result.stderr


def test_the_key_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "access-log-key"
    key_file.write_text("a-key-mounted-as-a-file-" + "f" * 40 + "\n")
    result = run_manage(*PRINT_KEY, env=WITHOUT_KEY | {"ACCESS_LOG_KEY_FILE": str(key_file)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "a-key-mounted-as-a-file-" + "f" * 40


def test_a_key_file_that_cannot_be_read_is_named(tmp_path):
    missing = tmp_path / "nowhere"
    result = run_manage("check", env=WITHOUT_KEY | {"ACCESS_LOG_KEY_FILE": str(missing)})
    assert result.returncode != 0
    assert "ACCESS_LOG_KEY_FILE names a file that cannot be read" in result.stderr


def test_a_short_key_is_refused():
    result = run_manage("check", env=PRODUCTION | {"ACCESS_LOG_KEY": "too-short"})
    assert result.returncode != 0
    assert "ACCESS_LOG_KEY must be at least 32 characters long" in result.stderr


def test_development_mode_has_its_own_key_and_anchor_under_var():
    code = "from django.conf import settings; print(settings.ACCESS_LOG_ANCHOR)"
    result = run_manage("shell", "-c", code, env={"DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].endswith("var/access-log-anchor.json")
