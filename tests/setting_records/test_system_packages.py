"""system-packages.sh: the one list of Debian packages that `make run`, `make test` and CI use.

The script runs against stand-ins for dpkg-query, apt-get and id on PATH, so each case says
exactly which packages the "machine" has and whether we are root, and nothing is installed.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "system-packages.sh"
APP = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"]
TEST = [*APP, "poppler-utils", "chromium"]


def _tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path):
    """A fake Debian machine: `installed` lists its packages, `root` says who runs the script."""
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "apt.log"
    _tool(
        fake,
        "dpkg-query",
        # dpkg-query -W -f=FORMAT NAME: status for the packages in $FAKE_INSTALLED.
        'for p in $FAKE_INSTALLED; do [ "$p" = "${@: -1}" ] && '
        '{ printf "install ok installed"; exit 0; }; done; exit 1',
    )
    _tool(fake, "apt-get", f'echo "$*" >> "{log}"')
    _tool(fake, "id", 'echo "$FAKE_UID"')
    for name in ("grep", "ls", "cat"):
        (fake / name).symlink_to(shutil.which(name))

    def run(scope, *extra, installed=(), root=False, ci=False, debian=True):
        if not debian:
            (fake / "dpkg-query").unlink(missing_ok=True)
            (fake / "apt-get").unlink(missing_ok=True)
        env = {
            "PATH": str(fake),
            "FAKE_INSTALLED": " ".join(installed),
            "FAKE_UID": "0" if root else "1000",
        }
        if ci:
            env["CI"] = "true"
        result = subprocess.run(
            [shutil.which("bash"), str(SCRIPT), scope, *extra],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        result.apt_calls = log.read_text().splitlines() if log.exists() else []
        return result

    return run


def test_everything_present_is_quick_and_silent(machine):
    result = machine("test", installed=TEST)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert result.apt_calls == []


def test_missing_package_without_root_names_the_command_and_fails(machine):
    result = machine("app", installed=[p for p in APP if p != "libharfbuzz-subset0"])
    assert result.returncode == 1
    assert "libharfbuzz-subset0" in result.stderr
    assert "sudo apt-get update && sudo apt-get install -y libharfbuzz-subset0" in result.stderr
    assert "brew install pango harfbuzz" in result.stderr
    assert result.apt_calls == []


def test_missing_packages_as_root_are_installed_after_one_update(machine):
    result = machine("test", installed=["libpango-1.0-0", "libpangoft2-1.0-0"], root=True)
    assert result.returncode == 0, result.stderr
    update, install = result.apt_calls
    assert update == "update -q"
    assert install.startswith("install -y")
    for package in ("libharfbuzz-subset0", "fonts-dejavu-core", "poppler-utils", "chromium"):
        assert package in install.split()
    assert "libpango-1.0-0" not in install.split()


def test_app_scope_asks_nothing_of_the_test_tools(machine):
    result = machine("app", installed=APP)
    assert (result.returncode, result.stderr) == (0, "")


def test_chromium_is_optional_outside_ci_and_required_in_ci(machine):
    without_chromium = [p for p in TEST if p != "chromium"]
    local = machine("test", installed=without_chromium)
    assert local.returncode == 0
    assert "browser tests will be skipped" in local.stderr

    ci = machine("test", installed=without_chromium, ci=True)
    assert ci.returncode == 1
    assert "sudo apt-get update && sudo apt-get install -y chromium" in ci.stderr


def test_report_mode_lists_what_is_missing_and_changes_nothing(machine):
    result = machine("test", "report", installed=APP, root=True)
    assert result.returncode == 0
    lines = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[1:]}
    assert lines == {
        **dict.fromkeys(APP, "present"),
        "poppler-utils": "MISSING",
        "chromium": "MISSING",
    }
    assert result.apt_calls == []


def test_another_system_gets_the_homebrew_line(machine):
    result = machine("test", installed=TEST, debian=False)
    assert result.returncode == 1
    assert "brew install poppler" in result.stderr


def test_bad_arguments_are_refused(machine):
    assert machine("everything").returncode == 2


def test_make_checks_packages_before_anything_else():
    # Run as a top-level make even when the suite itself runs under `make test`.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    for target, scope in (("run", "app"), ("test", "test")):
        dry = subprocess.run(
            [shutil.which("make") or "make", "-n", "-B", "--no-print-directory", target],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        first = dry.stdout.splitlines()[0]
        assert first == f"bash system-packages.sh {scope}", dry.stdout
