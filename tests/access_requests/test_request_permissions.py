"""Access requests are the managers' alone: everyone else gets 404 on every page and PDF."""

import pytest
from django.urls import get_resolver, reverse

from access_requests import services
from access_requests.models import AccessRequest, PackRelease, RectificationRequest
from tests.access_requests.conftest import decide_kept, rectify, verify
from tests.children.test_permissions import EVERYONE, ROLE_FIXTURE, ROLES

MANAGERS = {"manager", "othermanager"}


def expect(ok, forbidden=frozenset(), status_ok=200):
    return {
        role: 302
        if role == "anonymous"
        else status_ok
        if role in ok
        else 403
        if role in forbidden
        else 404
        for role in ROLES
    }


# (url name, which request, expected status by role). Steps are POST-only: see below.
MATRIX = [
    ("access_requests:list", None, expect(MANAGERS)),
    ("access_requests:new", None, expect(MANAGERS)),
    ("access_requests:detail", "received", expect({"manager"})),
    ("access_requests:detail", "released", expect({"manager"})),
    ("access_requests:preview", "received", expect(set(), {"manager"})),
    ("access_requests:preview", "preparing", expect({"manager"})),
    ("access_requests:pack", "preparing", expect(set(), {"manager"})),
    ("access_requests:pack", "released", expect({"manager"})),
    # Correction requests (P11): the managers' alone, like access requests.
    ("access_requests:rectification_list", None, expect(MANAGERS)),
    ("access_requests:rectification_new", "entry", expect({"manager"})),
    ("access_requests:rectification", "rectification", expect({"manager"})),
    ("access_requests:rectification", "decided", expect({"manager"})),
]
POST_ONLY = {
    "access_requests:step",
    "access_requests:review",
    "access_requests:rectification_step",
}


@pytest.fixture
def world(request_released, child, mother, manager, general_record, sensitive_record):
    """Three requests for the same child: just received, being prepared, and released; and
    two correction requests, one received (about a sensitive entry) and one decided."""

    def new():
        return services.request_create(
            child=child,
            requester=mother,
            received_on=request_released.received_on,
            channel="email",
            actor=manager,
        )

    received, preparing = new(), new()
    services.identity_verify(request=preparing, method="Passport", actor=manager)
    services.preparation_start(request=preparing, actor=manager)
    rectification = rectify(sensitive_record, mother, manager)
    decided = decide_kept(verify(rectify(general_record, mother, manager), manager), manager)
    return {
        "received": received,
        "preparing": preparing,
        "released": request_released,
        "entry": general_record,
        "rectification": rectification,
        "decided": decided,
    }


ROWS = [pytest.param(name, key, statuses, id=f"{name}-{key}") for name, key, statuses in MATRIX]


@pytest.mark.parametrize(("name", "key", "statuses"), ROWS)
def test_request_matrix(client, request, world, name, key, statuses):
    """Each role in turn, a browser each, against one world per URL (the world, with a request
    in every state and a released pack, is the costly part): the answers must be the row's."""
    url = reverse(name, args=[world[key].pk]) if key else reverse(name)
    answers = {}
    for role in statuses:
        browser = type(client)()
        if role != "anonymous":
            browser.force_login(request.getfixturevalue(ROLE_FIXTURE.get(role, role)))
        response = browser.get(url)
        answers[role] = response.status_code
        if response.status_code == 200 and name in {
            "access_requests:preview",
            "access_requests:pack",
        }:
            assert response["Content-Type"] == "application/pdf", role
            assert response.content.startswith(b"%PDF"), role
    assert answers == statuses


@pytest.mark.parametrize("role", sorted(EVERYONE - {"manager"}))
def test_steps_are_404_to_everyone_but_the_manager(client, request, world, role):
    client.force_login(request.getfixturevalue(ROLE_FIXTURE.get(role, role)))
    item = world["preparing"]
    entry = item.entries.first()
    before = list(AccessRequest.objects.values_list("pk", "state"))
    assert client.post(reverse("access_requests:step", args=[item.pk, "ready"])).status_code == 404
    url = reverse("access_requests:review", args=[item.pk])
    assert client.post(url, {f"e{entry.pk}-decision": "withhold"}).status_code == 404
    assert list(AccessRequest.objects.values_list("pk", "state")) == before
    assert PackRelease.objects.count() == 1


@pytest.mark.parametrize("role", sorted(EVERYONE - {"manager"}))
def test_correction_steps_and_new_requests_are_404_to_everyone_but_the_manager(
    client, request, world, mother, role
):
    client.force_login(request.getfixturevalue(ROLE_FIXTURE.get(role, role)))
    item = world["rectification"]
    before = list(RectificationRequest.objects.values_list("pk", "state"))
    for step, data in [
        ("verify-identity", {"method": "Passport"}),
        ("withdraw", {"reason": "Sorted", "confirmed": "yes"}),
    ]:
        url = reverse("access_requests:rectification_step", args=[item.pk, step])
        assert client.post(url, data).status_code == 404
    url = reverse("access_requests:rectification_new", args=[world["entry"].pk])
    data = {"requester": mother.pk, "received_on": "2026-01-01", "channel": "letter"}
    assert client.post(url, data | {"what_is_wrong": "Wrong"}).status_code == 404
    assert list(RectificationRequest.objects.values_list("pk", "state")) == before


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_a_get_on_a_step_goes_to_the_request_page_for_the_manager_only(
    client, request, world, role
):
    """Steps change things only on POST; a GET (a reload, a bookmark) shows the request page
    to the manager and is a 404 to everyone else, like the page itself."""
    client.force_login(request.getfixturevalue(ROLE_FIXTURE.get(role, role)))
    item = world["preparing"]
    response = client.get(reverse("access_requests:step", args=[item.pk, "ready"]))
    if role == "manager":
        assert response.status_code == 302
        assert response["Location"] == item.get_absolute_url()
    else:
        assert response.status_code == 404
    item.refresh_from_db()
    assert item.state == "preparing"


def test_every_request_url_is_in_the_matrix():
    names = {
        f"access_requests:{p.name}"
        for r in get_resolver().url_patterns
        if getattr(r, "namespace", None) == "access_requests"
        for p in r.url_patterns
    }
    assert names == {name for name, _, _ in MATRIX} | POST_ONLY
