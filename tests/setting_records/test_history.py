"""P13: every change to every record is kept, with who and when."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command

from access_requests.models import ReferenceCounter
from setting_records.models import (
    AccessLogEntry,
    DeviceCookieFailures,
    LockoutTally,
    LoginTurn,
    Setting,
    User,
)
from setting_records.object_permissions import (
    ChildUserObjectPermission,
    SettingUserObjectPermission,
)

ROOT = Path(__file__).resolve().parents[2]
APPS = ["setting_records", "children", "access_requests", "complaints"]
# guardian's rows are an index of facts that are themselves kept in history; the access log
# has its own integrity (a hash chain behind an append-only trigger); a lockout's tally is a
# counter that ends as one row of that log, and a device cookie's failures a counter that only
# ever withdraws a favour, as a slowed-down username's next turn only ever holds attempts back;
# a reference counter's every number is in the history of the request
# it was given to.
WITHOUT_HISTORY = {
    ChildUserObjectPermission,
    SettingUserObjectPermission,
    AccessLogEntry,
    LockoutTally,
    DeviceCookieFailures,
    LoginTurn,
    ReferenceCounter,
}


def domain_models():
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if not model.__name__.startswith("Historical"):
                yield model


def test_every_domain_model_keeps_history():
    missing = [
        model.__name__
        for model in domain_models()
        if model not in WITHOUT_HISTORY and not hasattr(model, "history")
    ]
    assert not missing, f"Models without history: {missing}"


def test_history_is_not_editable_in_the_admin():
    registered = {model.__name__ for model in admin.site._registry}
    assert not {name for name in registered if name.startswith("Historical")}
    assert not registered & {"AccessLogEntry", "Record", "Child"}


@pytest.mark.django_db
def test_every_history_row_of_the_demo_names_who_made_it():
    call_command("seed_demo", verbosity=0)
    for model in domain_models():
        if model in WITHOUT_HISTORY:
            continue
        unnamed = model.history.filter(history_user_id__isnull=True).count()
        assert unnamed == 0, f"{model.__name__}: {unnamed} history rows name no user"


def test_a_change_made_through_the_web_names_its_user(client, superuser, setting):
    client.force_login(superuser)
    response = client.post(
        f"/admin/setting_records/setting/{setting.pk}/change/",
        {
            "name": "Little Acorns Day Nursery",
            "ofsted_urn": setting.ofsted_urn,
            "address": "",
            "complaints_procedure": setting.complaints_procedure,
        },
    )
    assert response.status_code == 302
    assert setting.history.first().history_user == superuser


def test_deleting_an_account_does_not_erase_its_history(db, setting):
    """simple-history's own foreign key would be SET_NULL; the id here is kept."""
    from setting_records.history import save_as

    temp = User.objects.create_user(username="temp")
    setting.name = "Renamed by temp"
    save_as(setting, actor=temp, reason="test")
    temp_id = temp.pk
    User.history.filter(id=temp_id).delete()
    temp.delete()
    assert setting.history.first().history_user_id == temp_id


# Nothing may write a tracked model in a way that skips its history.

SKIPPING_WRITES = {"update", "bulk_create", "bulk_update", "raw", "extra"}
# (file, function): the places allowed to do it, each with its reason.
ALLOWED = {
    # The first demo account has no one to create it; its creation row names itself.
    ("setting_records/demo.py", "create_staff"),
}


def queryset_writes(tree: ast.AST):
    """Calls such as ``X.objects.filter(...).update(...)`` or ``X.history.update(...)``."""
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in SKIPPING_WRITES:
                continue
            receiver = ast.unparse(node.func.value)
            on_queryset = any(
                part in receiver for part in (".objects", ".history", ".filter(", ".all(")
            )
            if on_queryset or node.func.attr == "bulk_create":
                yield function.name, node.lineno, ast.unparse(node)[:80]


def test_no_code_writes_around_history():
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            relative = str(path.relative_to(ROOT))
            for function, line, call in queryset_writes(ast.parse(path.read_text())):
                if (relative, function) not in ALLOWED:
                    offenders.append(f"{relative}:{line} {call}")
    assert not offenders, "\n".join(offenders)


def test_raw_sql_only_where_expected():
    expected = {
        "setting_records/access_log.py",  # the advisory lock
        "setting_records/submissions.py",  # the advisory lock on a one-time submission key
        "setting_records/log_guard.py",  # the append-only triggers
        "setting_records/app_role.py",  # the app's own PostgreSQL role, and what it may not do
        "setting_records/management/commands/grant_app_role.py",  # runs app_role.grant
        "setting_records/backup/database.py",  # the backup's snapshot and row counts (read-only)
        "children/management/commands/bench_search.py",  # ANALYZE after seeding a benchmark
    }
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts and ".cursor()" in path.read_text():
                found.add(str(path.relative_to(ROOT)))
    assert found == expected


def test_the_scan_finds_what_it_looks_for():
    code = (
        "def f():\n"
        "    Record.objects.filter(pk=1).update(body='x')\n"
        "    Child.objects.bulk_create([])\n"
    )
    assert [line for _, line, _ in queryset_writes(ast.parse(code))] == [2, 3]
    assert not list(queryset_writes(ast.parse("def f():\n    d = {}\n    d.update(x=1)\n")))


def test_setting_history_is_kept_with_reason(db, manager):
    setting = Setting.objects.get()
    from setting_records.history import save_as

    setting.address = "New address"
    save_as(setting, actor=manager, reason="Moved")
    latest = setting.history.first()
    assert (latest.history_user, latest.history_change_reason) == (manager, "Moved")
