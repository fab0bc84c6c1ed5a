"""Every URL needs a login, except the few that cannot (18F tock's test_url_auth)."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Reachable without logging in, on purpose: the way in, and the way back in.
ANONYMOUS_ALLOWED = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "admin:login",
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
