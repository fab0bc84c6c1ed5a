"""Structural rules of the code base that a reviewer would otherwise have to remember."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["setting_records", "children", "access_requests", "complaints"]
ALLOWED_GUARDIAN_IMPORTERS = {
    Path("setting_records/access.py"),
    Path("setting_records/object_permissions.py"),
}


def python_files():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT)


def test_only_the_access_policy_imports_guardian():
    importers = {
        path
        for path in python_files()
        if re.search(r"^\s*(from|import)\s+guardian\b", (ROOT / path).read_text(), re.M)
    }
    assert importers <= ALLOWED_GUARDIAN_IMPORTERS, sorted(map(str, importers))
    assert Path("setting_records/access.py") in importers


def test_views_never_fetch_domain_objects_by_hand():
    """Views get children, records and grants through the policy, never straight from a model."""
    pattern = re.compile(
        r"\b(Child|Record|NeedToKnowGrant|ChildPerson|Person|Family)\.objects\b"
        r"|get_object_or_404|get_list_or_404"
    )
    offenders = [
        str(path)
        for path in python_files()
        if path.name == "views.py" and pattern.search((ROOT / path).read_text())
    ]
    assert not offenders
