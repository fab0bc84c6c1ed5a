"""Bad input is a form error or a 404, never a 500: ids past 64 bits in URLs and forms, and
usernames longer than any account's."""

from collections.abc import Iterator

import pytest
from django import forms as django_forms
from django.urls import URLPattern, URLResolver, get_resolver

from access_requests import forms as request_forms
from access_requests import review
from children import forms as child_forms
from children.models import CareTeamMember
from setting_records.fields import IdChoiceField, IdMultipleChoiceField

TOO_BIG = "9223372036854775808"  # 2**63: one past the largest 64-bit id


@pytest.mark.parametrize(
    "path",
    [
        "/children/99999999999999999999/",
        f"/children/{TOO_BIG}/",
        f"/children/{TOO_BIG}/team/",
        f"/records/{TOO_BIG}/",
        f"/records/{TOO_BIG}/history/",
        f"/access-requests/{TOO_BIG}/",
        f"/access-requests/{TOO_BIG}/pack.pdf",
        "/access-requests/99999999999999999999/withdraw/",
    ],
)
def test_an_id_past_64_bits_in_a_url_is_a_404(client, manager, path):
    client.force_login(manager)
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


@pytest.mark.parametrize("value", [TOO_BIG, "999999999999", "-1", "0", "1e3", "\u0661", "x\x00"])
def test_an_impossible_care_team_member_is_a_form_error(client, manager, child, value):
    client.force_login(manager)
    before = set(CareTeamMember.objects.values_list("pk", flat=True))
    response = client.post(f"/children/{child.pk}/team/", {"care_team": [value]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert set(CareTeamMember.objects.values_list("pk", flat=True)) == before


@pytest.mark.parametrize("value", [TOO_BIG, "999999999999", "-5"])
def test_an_impossible_key_person_is_a_form_error(client, manager, child, value):
    client.force_login(manager)
    response = client.post(f"/children/{child.pk}/team/", {"key_person": value})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    child.refresh_from_db()
    assert child.key_person is not None


def test_an_impossible_requester_is_a_form_error(client, manager, child, mother):
    client.force_login(manager)
    response = client.post(
        "/access-requests/new/",
        {"child": child.pk, "requester": TOO_BIG, "received_on": "2026-01-05", "channel": "letter"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_username_longer_than_any_account_is_refused_without_a_500(client, practitioner):
    response = client.post("/accounts/login/", {"username": "a" * 300, "password": "whatever"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert response.context["form"].has_error("username", "max_length")
    assert "_auth_user_id" not in client.session


def _form_classes():
    for module in (child_forms, request_forms, review):
        for form_class in vars(module).values():
            if isinstance(form_class, type) and issubclass(form_class, django_forms.BaseForm):
                yield form_class


def test_every_object_choice_in_a_form_is_bounded():
    unbounded = [
        f"{form_class.__name__}.{name}"
        for form_class in _form_classes()
        for name, field in form_class.base_fields.items()
        if isinstance(field, django_forms.ModelChoiceField)
        and not isinstance(field, IdChoiceField | IdMultipleChoiceField)
    ]
    assert not unbounded, f"Use setting_records.fields' choice fields: {unbounded}"
    assert isinstance(child_forms.ChildForm.base_fields["room"], IdChoiceField)


def _converters(patterns) -> Iterator[tuple[str, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name != "admin":
                yield from _converters(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            for converter in getattr(entry.pattern, "converters", {}).values():
                yield str(entry.pattern), type(converter).__name__


def test_every_id_in_a_url_is_bounded():
    assert not [
        route for route, kind in _converters(get_resolver().url_patterns) if kind == "IntConverter"
    ]
    assert ("children/<id:pk>/", "IdConverter") in set(_converters(get_resolver().url_patterns))
