"""Every page carries the Content Security Policy, runs no inline script or style, and a signed-in
page is never cached.

The pages are found the way a member of staff finds them: starting at home with the demo's data,
following every link (and, for the admin, every link a superuser sees), so that a page reached
only from another page is checked too; a guard then fails when a URL of the URLconf was never
reached, so a new page cannot be missed.
"""

import io
import os
import shutil
import subprocess
from collections import Counter, deque
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

from setting_records.models import User
from tests.setting_records.test_url_auth import ALL_URLS

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_CSP = {
    "default-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
}

# Pages of each kind visited at most this often: enough to meet each template's variants.
VISITS_PER_URL_NAME = 4

# Never followed: it ends the session (and is POST-only anyway).
NOT_FOLLOWED = {"logout", "admin:logout"}

# What third-party admin templates hold that the policy blocks, and why that is harmless:
# simple-history's history page drops a paginator's top border with a style attribute; the
# browser ignores it and a thin line shows. Nothing else in the admin is inline.
ADMIN_INLINE_ALLOWED = {"style attribute on <p>: 'border-top: 0'"}


class InlineCode(HTMLParser):
    """Collects whatever a strict CSP would block: inline scripts, styles and handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value for name, value in attrs}
        if tag == "style":
            self.found.append("<style> block")
        if tag == "script" and not names.get("src"):
            self.found.append("inline <script>")
        for name, value in names.items():
            if name == "style":
                self.found.append(f"style attribute on <{tag}>: {value!r}")
            elif name.startswith("on"):
                self.found.append(f"{name} handler on <{tag}>")
            elif name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL in {name} on <{tag}>")


class Links(HTMLParser):
    """Where a page leads: its links, and its forms' targets (whose GET shows the form)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        target = {"a": "href", "form": "action"}.get(tag)
        value = dict(attrs).get(target) if target else None
        if value:
            self.found.append(value)


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def links(html: str, base: str) -> Iterator[str]:
    parser = Links()
    parser.feed(html)
    for href in parser.found:
        parts = urlsplit(urljoin("http://testserver" + base, urldefrag(href).url))
        if parts.netloc == "testserver":
            yield parts.path + (f"?{parts.query}" if parts.query else "")


def csp_directives(response) -> set[str]:
    return {part.strip() for part in response["Content-Security-Policy"].split(";")}


def url_name(path: str) -> str | None:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name


def crawl(client, start: str) -> Iterator[tuple[str, object]]:
    """Every page reachable by links from ``start``, a few of each URL name."""
    seen: set[str] = set()
    per_name: Counter[str] = Counter()
    queue = deque([start])
    while queue:
        path = queue.popleft()
        name = url_name(path)
        if path in seen or name is None or name in NOT_FOLLOWED:
            continue
        if per_name[name] >= VISITS_PER_URL_NAME:
            continue
        seen.add(path)
        per_name[name] += 1
        response = client.get(path)
        yield path, response
        if response.get("Content-Type", "").startswith("text/html"):
            queue.extend(links(response.content.decode(), path))


def problems_with(path: str, response) -> list[str]:
    problems = []
    if "Content-Security-Policy" not in response:
        return [f"{path}: no Content-Security-Policy header"]
    missing = EXPECTED_CSP - csp_directives(response)
    if missing:
        problems.append(f"{path}: CSP lacks {sorted(missing)}")
    if "unsafe-inline" in response["Content-Security-Policy"]:
        problems.append(f"{path}: CSP allows unsafe-inline")
    if "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"{path}: signed-in response without Cache-Control: no-store")
    if response.get("Content-Type", "").startswith("text/html"):
        allowed = ADMIN_INLINE_ALLOWED if path.startswith("/admin/") else set()
        found = set(inline_code(response.content.decode())) - allowed
        problems += [f"{path}: {item}" for item in sorted(found)]
    return problems


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    return {user.username: user for user in User.objects.all()}


# simple-history's admin history page calls select_related() bare, which Django 6.1 deprecates.
@pytest.mark.filterwarnings("ignore:Calling select_related\\(\\) with no arguments")
def test_every_page_a_signed_in_user_reaches_carries_the_policy_and_no_store(client, demo):
    reached: set[str] = set()
    problems: list[str] = []
    statuses: Counter[int] = Counter()
    pdfs = 0

    def check(path, response):
        nonlocal pdfs
        pdfs += response.get("Content-Type") == "application/pdf"
        reached.add(str(url_name(path)))
        statuses[response.status_code] += 1
        problems.extend(problems_with(path, response))

    root = User.objects.create_superuser(username="root", password="x" * 20, email="r@x.org")
    for user, start in [
        (demo["manager"], "/"),
        (demo["keyperson"], "/"),
        (demo["practitioner"], "/"),
        (root, "/admin/"),
    ]:
        client.force_login(user)
        for path, response in crawl(client, start):
            check(path, response)
        client.logout()

    # What no link leads to (an admin page for a model with no rows yet, a form for a step no
    # demo request is at): the URLconf's own list, with sample arguments, so nothing is missed.
    for name, path in ALL_URLS:
        if name not in reached and name not in NOT_FOLLOWED:
            client.force_login(root if name.startswith("admin:") else demo["manager"])
            check(path, client.get(path))
            reached.add(name)

    assert problems == []
    assert statuses[500] == 0
    # The links reached real pages, not only 404s.
    assert statuses[200] > 100, statuses
    # The record packs were among them (their no-store is checked like any page's).
    assert pdfs >= 2
    assert {name for name, _ in ALL_URLS} - reached == NOT_FOLLOWED


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/password_reset/", "/admin/login/", "/no-such-page/"]
)
def test_signed_out_pages_carry_the_policy(client, db, path):
    response = client.get(path)
    assert csp_directives(response) >= EXPECTED_CSP
    assert inline_code(response.content.decode()) == []


def test_the_policy_names_no_nonce_and_allows_nothing_inline(client, manager):
    client.force_login(manager)
    policy = client.get("/")["Content-Security-Policy"]
    assert "nonce-" not in policy
    assert "unsafe" not in policy
    # Nothing broader than this site for scripts and styles: they fall back to default-src.
    assert "script-src" not in policy
    assert "style-src" not in policy


def test_static_files_stay_cacheable_for_a_signed_in_user(client, manager):
    client.force_login(manager)
    response = client.get("/static/css/app.css")
    response.close()
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=[str(t.relative_to(ROOT)) for t in TEMPLATES])
def test_no_template_holds_inline_script_or_style(template):
    # The print templates too: WeasyPrint ignores CSP, but one rule for all keeps it simple.
    assert inline_code(template.read_text()) == []


def test_the_guard_sees_what_it_must_refuse():
    page = (
        '<p style="color: red">x</p><style>p{}</style><script>alert(1)</script>'
        '<button onclick="go()">y</button><a href="javascript:go()">z</a>'
        '<script src="/static/app.js"></script>'
    )
    assert len(inline_code(page)) == 5


NO_INSTALL = ["-o", ".venv/.installed-test"]


def make_audit(*args: str) -> subprocess.CompletedProcess[str]:
    # Run as a top-level make (not under `make test`), never (re)installing into the venv.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    return subprocess.run(
        [shutil.which("make") or "make", "--no-print-directory", *NO_INSTALL, "audit", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_make_audit_says_plainly_when_the_service_cannot_be_asked():
    result = make_audit("AUDIT_PROBE=http://127.0.0.1:9/unreachable")
    assert result.returncode == 2
    assert "NOTHING WAS CHECKED" in result.stderr
    assert "pip-audit" not in result.stdout


def test_make_audit_checks_the_locked_requirements_strictly():
    dry = make_audit("-n")
    command = dry.stdout.strip().splitlines()[-1]
    assert "pip-audit --requirement requirements.lock" in command
    assert "--strict" in command
    assert "pypi.org/pypi/django/6." in dry.stdout
