"""Structural rules of the code base that a reviewer would otherwise have to remember."""

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
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


def test_only_the_access_policy_imports_guardian() -> None:
    importers = {
        path
        for path in python_files()
        if re.search(r"^\s*(from|import)\s+guardian\b", (ROOT / path).read_text(), re.M)
    }
    assert importers <= ALLOWED_GUARDIAN_IMPORTERS, sorted(map(str, importers))
    assert Path("setting_records/access.py") in importers


def test_views_never_fetch_domain_objects_by_hand() -> None:
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


# Which way the imports run. setting_records (the setting, its staff, the access policy) sits
# below the apps that hold children, access requests and complaints: they import the policy,
# and the policy imports only their models. An import that runs back up from setting_records/
# into an app (a function-local import is the usual sign) would let a cycle in.

PROJECT_PACKAGES = set(APPS)


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str  # the module imported, resolved to a project module where there is one
    local: bool  # inside a function or method: runs at call time, not import time
    typing_only: bool  # under ``if TYPE_CHECKING:``: never runs


def _module_name(path: Path) -> str:
    parts = path.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imported(node: ast.Import | ast.ImportFrom, path: Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = _module_name(path).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    # ``from children import services`` imports the module children.services.
    return [
        f"{base}.{alias.name}" if _is_module(f"{base}.{alias.name}") else base
        for alias in node.names
    ]


def _is_type_checking(test: ast.expr) -> bool:
    return ast.unparse(test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}


def imports_of(path: Path) -> list[Import]:
    """Every import in the file, wherever it is: module level, in a function, or type-only."""
    found: list[Import] = []

    def walk(nodes: Iterable[ast.AST], *, local: bool, typing_only: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.extend(
                    Import(path, node.lineno, name, local, typing_only)
                    for name in _imported(node, path)
                )
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                walk(ast.iter_child_nodes(node), local=True, typing_only=typing_only)
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                walk(node.body, local=local, typing_only=True)
                walk(node.orelse, local=local, typing_only=typing_only)
            else:
                walk(ast.iter_child_nodes(node), local=local, typing_only=typing_only)

    walk(
        ast.parse((ROOT / path).read_text(), filename=str(path)).body,
        local=False,
        typing_only=False,
    )
    return found


def project_imports() -> list[Import]:
    return [
        found
        for path in python_files()
        for found in imports_of(path)
        if found.module.split(".")[0] in PROJECT_PACKAGES
    ]


# Entry points that wire the apps together: nothing imports them, so they close no cycle.
SETTING_RECORDS_MAY_IMPORT = {
    (Path("setting_records/management/commands/seed_demo.py"), "children.demo"),
    (Path("setting_records/management/commands/seed_demo.py"), "children.demo_sharing"),
    (Path("setting_records/management/commands/seed_demo.py"), "children.demo_statements"),
    (Path("setting_records/management/commands/seed_demo.py"), "access_requests.demo"),
    (
        Path("setting_records/management/commands/seed_demo.py"),
        "access_requests.demo_rectification",
    ),
    (Path("setting_records/management/commands/seed_demo.py"), "complaints.demo"),
}


def test_imports_run_one_way_between_setting_records_and_the_apps_above_it() -> None:
    """children and access_requests import the policy; setting_records imports only their models."""
    imports = project_imports()
    upward = [
        f"{found.path}:{found.line} imports {found.module}"
        for found in imports
        if found.path.parts[0] == "setting_records"
        and found.module.split(".")[0] in {"children", "access_requests", "complaints"}
        and found.module.split(".")[1:2] != ["models"]
        and (found.path, found.module) not in SETTING_RECORDS_MAY_IMPORT
    ]
    assert not upward
    policy_users = {
        found.path.parts[0]
        for found in imports
        if found.module == "setting_records.access" and not found.typing_only
    }
    assert {"children", "access_requests"} <= policy_users


def test_the_policy_imports_its_models_at_module_level() -> None:
    imported = {
        found.module
        for found in imports_of(Path("setting_records/access.py"))
        if not found.local and not found.typing_only
    }
    assert {"children.models", "access_requests.models", "setting_records.models"} <= imported
    assert not [found for found in imports_of(Path("setting_records/access.py")) if found.local]


def test_nothing_the_policy_imports_imports_it_back() -> None:
    """A cycle through the policy would need a function-local import somewhere to break it."""
    runtime: dict[str, set[str]] = {}
    for path in python_files():
        runtime[_module_name(path)] = {
            found.module
            for found in imports_of(path)
            if not found.local and not found.typing_only and _is_module(found.module)
        }
    seen: set[str] = set()
    to_visit = list(runtime["setting_records.access"])
    while to_visit:
        module = to_visit.pop()
        if module not in seen:
            seen.add(module)
            to_visit.extend(runtime.get(module, ()))
    assert "setting_records.access" not in seen
    assert {"children.models", "access_requests.models"} <= seen


# Function-local imports of the project's own modules, each for a reason that is not a cycle.
DELIBERATE_LOCAL_IMPORTS = {
    # Django's documented place to connect signal receivers: once every app's models are loaded.
    (Path("setting_records/apps.py"), "setting_records.signals"),
    (Path("children/apps.py"), "children.services"),
    (Path("children/apps.py"), "setting_records.signals"),
    # WeasyPrint takes about 2 s to import: only the requests that render a PDF pay for it.
    (Path("access_requests/pack.py"), "access_requests.pdf"),
    (Path("access_requests/services/release.py"), "access_requests.pdf"),
    (Path("access_requests/views.py"), "access_requests.pdf"),
    (Path("children/views.py"), "children.sharing_pdf"),
    (Path("complaints/record_views.py"), "access_requests.pdf"),
}


def test_no_function_local_imports_of_the_project_but_deliberate_ones() -> None:
    local = {
        (found.path, found.module)
        for found in project_imports()
        if found.local and not found.typing_only
    }
    assert local <= DELIBERATE_LOCAL_IMPORTS, sorted(local - DELIBERATE_LOCAL_IMPORTS)
