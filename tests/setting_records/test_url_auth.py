"""Every URL needs a login, except the few that cannot (18F tock's test_url_auth), and the
second factor from those who need one."""

import re
import uuid
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import add_authenticator

# Reachable without logging in, on purpose: the way in, and the way back in.
ANONYMOUS_ALLOWED = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "admin:login",
}

# Open to a manager who has given only the password: the second step, setting up the app (which
# sends someone who has one back to the second step), its QR code (none is being set up), and
# the way out (POST only).
SECOND_STEP_OPEN = {
    "two_factor_verify": 200,
    "two_factor_setup": 302,
    "two_factor_qr": 404,
    "logout": 405,
}

SAMPLE_BY_CONVERTER = {
    "int": "1",
    "id": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": str(uuid.uuid4()),
}


def walk(resolvers, prefix="", namespace=""):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + concrete(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", "/" + prefix + concrete(entry.pattern)


def concrete(pattern) -> str:
    """A real path for a route or regex, with sample values in place of its parameters."""
    route = str(pattern)
    converters = getattr(pattern, "converters", {})
    if pattern.__class__.__name__ == "RoutePattern":
        for name, converter in converters.items():
            kind = type(converter).__name__.replace("Converter", "").lower()
            route = re.sub(rf"<(\w+:)?{name}>", SAMPLE_BY_CONVERTER.get(kind, "x"), route)
        return route
    # A regex: the admin's app_label alternatives take their first choice, other groups "1".
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    route = re.sub(r"\(\?P<\w+>(\w+)\|[^)]*\)", r"\1", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    return route.replace("\\", "")


ALL_URLS = sorted(set(walk(get_resolver().url_patterns)))


def test_the_walk_finds_the_known_urls():
    names = {name for name, _ in ALL_URLS}
    assert {"home", "login", "logout", "admin:index"} <= names


@pytest.mark.parametrize(("name", "path"), ALL_URLS, ids=[name for name, _ in ALL_URLS])
def test_anonymous_is_sent_to_log_in(client, db, name, path):
    response = client.get(path)
    if name in ANONYMOUS_ALLOWED:
        assert response.status_code == 200
        return
    assert response.status_code in {302, 405}, f"{path} answered {response.status_code}"
    if response.status_code == 405:
        # A POST-only URL: the same POST without a session must go to the login page too.
        response = client.post(path)
        assert response.status_code == 302
    assert re.match(r"^/(admin/)?(accounts/)?login/\?next=", response["Location"]), (
        f"{path} sent an anonymous visitor to {response['Location']}"
    )


@pytest.mark.parametrize(("name", "path"), ALL_URLS, ids=[name for name, _ in ALL_URLS])
def test_manager_past_only_the_password_gets_nothing_but_the_second_step(
    unverified_client, manager, name, path
):
    add_authenticator(manager)
    unverified_client.force_login(manager)
    response = unverified_client.get(path)
    if name in SECOND_STEP_OPEN:
        assert response.status_code == SECOND_STEP_OPEN[name]
        if response.status_code == 302:
            assert response["Location"] == "/accounts/two-factor/"
        return
    # A redirect and nothing else: not a byte of the page.
    assert response.status_code == 302
    assert response.content == b""
    asked_for = response.wsgi_request.get_full_path()
    assert response["Location"] == "/accounts/two-factor/?" + urlencode({"next": asked_for})
    response = unverified_client.post(path)
    assert response.status_code == 302
    assert response.content == b""
    assert response["Location"] == "/accounts/two-factor/"


def test_manager_without_an_app_is_sent_to_set_one_up_from_every_url(unverified_client, manager):
    unverified_client.force_login(manager)
    for name, path in ALL_URLS:
        if name in SECOND_STEP_OPEN:
            continue
        response = unverified_client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/two-factor/setup/?next="), path
