import datetime

import pytest
from django.utils import timezone

from children.models import Record
from tests.children.conftest import write


def record_data(**change):
    """A valid new-entry form, with ``change`` applied."""
    return {
        "title": "Ok",
        "kind": "observation",
        "sensitivity": "general",
        "nature": "fact",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "body": "Text",
        "source": "setting",
    } | change


def test_child_page_shows_details_register_and_visible_records(
    client, practitioner, child, general_record, sensitive_record
):
    client.force_login(practitioner)
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert "Mara (Amara) Khan" in page
    assert general_record.title in page
    assert sensitive_record.title not in page
    assert "Sensitive entries are visible only to the manager" in page


def test_key_person_sees_sensitive_entries_with_badges(client, keyperson, child, sensitive_record):
    client.force_login(keyperson)
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert sensitive_record.title in page
    assert "badge--sensitive" in page


def test_list_searches_by_name_and_filters_by_room(client, manager, child, room, setting):
    client.force_login(manager)
    assert "Khan" in client.get("/children/", {"q": "mara"}).content.decode()
    assert "No children match" in client.get("/children/", {"q": "zebedee"}).content.decode()
    assert "Khan" in client.get("/children/", {"room": room.pk}).content.decode()


def test_list_refuses_a_room_that_is_not_offered(client, manager, child):
    client.force_login(manager)
    response = client.get("/children/", {"room": "999999"})
    assert response.status_code == 200
    assert "Choose a room from the list" in response.content.decode()


def test_add_record_saves_with_author(client, practitioner, child):
    client.force_login(practitioner)
    response = client.post(
        f"/children/{child.pk}/records/new/",
        record_data(title="Painted a rainbow", body="Chose every colour herself."),
    )
    record = Record.objects.get(title="Painted a rainbow")
    assert response.status_code == 302
    assert response["Location"] == f"/records/{record.pk}/"
    assert record.author == practitioner
    assert record.history.get().history_user == practitioner


def test_care_team_author_of_a_sensitive_entry_is_told_who_can_see_it(client, practitioner, child):
    client.force_login(practitioner)
    response = client.post(
        f"/children/{child.pk}/records/new/",
        record_data(title="Said something worrying", kind="concern", sensitivity="sensitive"),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/children/{child.pk}/"
    shown = [str(message) for message in response.context["messages"]]
    assert any("visible only to the manager and the child's key person" in m for m in shown)
    assert Record.objects.filter(title="Said something worrying").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sensitivity": "secret"}, "Select a valid choice"),
        ({"title": ""}, "This field is required"),
        ({"occurred_at": "yesterday-ish"}, "Enter a valid date/time"),
        ({"source": "third_party"}, "Name the person or the organisation"),
    ],
)
def test_bad_record_input_is_explained_and_nothing_is_saved(
    client, keyperson, child, change, message
):
    client.force_login(keyperson)
    response = client.post(f"/children/{child.pk}/records/new/", record_data(**change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Record.objects.exists()


def test_future_entries_are_refused(client, keyperson, child):
    client.force_login(keyperson)
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    response = client.post(
        f"/children/{child.pk}/records/new/",
        record_data(occurred_at=tomorrow.strftime("%Y-%m-%dT%H:%M")),
    )
    assert "This is in the future" in response.content.decode()
    assert not Record.objects.exists()


def test_third_party_entry_records_who_checked_confidentiality(client, keyperson, child):
    client.force_login(keyperson)
    client.post(
        f"/children/{child.pk}/records/new/",
        record_data(
            title="Health visitor's report",
            kind="meeting_note",
            sensitivity="sensitive",
            nature="opinion",
            source="third_party",
            third_party_name="Jane Doe",
            third_party_role="Health visitor",
            third_party_organisation="NHS trust",
            sharer_confidential="yes",
            subject_confidential="",
        ),
    )
    record = Record.objects.get()
    assert record.sharer_confidential is True
    assert record.sharer_checked_by == keyperson
    assert record.sharer_checked_at is not None
    assert record.subject_confidential is None
    assert record.subject_checked_by is None
    assert record.third_party_confidential is True
    page = client.get(f"/records/{record.pk}/").content.decode()
    assert 'Yes, confidential</strong> <span class="muted">checked by Keyperson' in page
    assert "Not yet checked" in page


def test_edit_keeps_old_text_in_history_with_reason(client, keyperson, general_record):
    client.force_login(keyperson)
    response = client.post(
        f"/records/{general_record.pk}/edit/",
        record_data(
            title=general_record.title,
            occurred_at=timezone.localtime(general_record.occurred_at).strftime("%Y-%m-%dT%H:%M"),
            body="Corrected text.",
            reason="Wrong day's activity",
        ),
    )
    assert response.status_code == 302
    general_record.refresh_from_db()
    assert general_record.body == "Corrected text."
    latest, first = general_record.history.all()[:2]
    assert latest.history_change_reason == "Wrong day's activity"
    assert latest.history_user == keyperson
    assert first.body.startswith("Body of a general entry")


def test_edit_needs_a_reason(client, keyperson, general_record):
    client.force_login(keyperson)
    response = client.post(
        f"/records/{general_record.pk}/edit/",
        record_data(title="New"),
    )
    assert response.status_code == 200
    general_record.refresh_from_db()
    assert general_record.title == "Built a tall tower"


def test_manager_sets_key_person_and_care_team(
    client, manager, child, keyperson, practitioner, outsider
):
    client.force_login(manager)
    response = client.post(
        f"/children/{child.pk}/team/",
        {"key_person": practitioner.pk, "care_team": [keyperson.pk, outsider.pk]},
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.key_person == practitioner
    assert set(child.care_team.all()) == {keyperson, outsider}


def test_key_person_from_another_setting_is_refused(client, manager, child, othermanager):
    client.force_login(manager)
    response = client.post(f"/children/{child.pk}/team/", {"key_person": othermanager.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    child.refresh_from_db()
    assert child.key_person.username == "keyperson"


def test_manager_gives_and_revokes_a_grant(client, manager, child, outsider):
    client.force_login(manager)
    expires = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(
        f"/children/{child.pk}/grants/",
        {"grantee": outsider.pk, "reason": "Covering the key person", "expires_on": expires},
    )
    assert response.status_code == 302
    grant = child.grants.get()
    assert grant.granted_by == manager

    client.force_login(outsider)
    assert client.get(f"/children/{child.pk}/").status_code == 200

    client.force_login(manager)
    assert client.get(f"/grants/{grant.pk}/revoke/").status_code == 200  # confirmation page
    response = client.post(f"/grants/{grant.pk}/revoke/", {"reason": "Key person is back"})
    assert response.status_code == 302

    client.force_login(outsider)
    assert client.get(f"/children/{child.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"expires_on": "2020-01-01"}, "This date has passed"),
        ({"expires_on": "not a date"}, "Enter a valid date"),
        ({"reason": ""}, "This field is required"),
        ({"grantee": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_grant_input_is_explained(client, manager, child, outsider, data, message):
    client.force_login(manager)
    valid = {
        "grantee": outsider.pk,
        "reason": "Because",
        "expires_on": timezone.localdate() + datetime.timedelta(days=3),
    }
    response = client.post(f"/children/{child.pk}/grants/", valid | data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not child.grants.exists()


def test_revoking_twice_is_refused(client, manager, grants):
    client.force_login(manager)
    grant = grants["revoked"]
    response = client.post(f"/grants/{grant.pk}/revoke/", {"reason": "again"})
    assert response.status_code == 200
    assert "already been revoked" in response.content.decode()


def test_home_puts_key_children_first(client, keyperson, practitioner, child, setting, manager):
    from children import services

    second = services.child_create(
        setting=setting,
        actor=manager,
        care_team=[keyperson],
        first_name="Zak",
        last_name="Ali",
        date_of_birth=datetime.date(2022, 1, 1),
        started_on=datetime.date(2023, 1, 1),
    )
    client.force_login(keyperson)
    page = client.get("/").content.decode()
    assert page.index("Your key children") < page.index("Mara (Amara) Khan")
    assert page.index("Other children you care for") < page.index(second.display_name)


def test_manager_dashboard_lists_children_without_key_person(client, manager, setting):
    from children import services

    services.child_create(
        setting=setting,
        actor=manager,
        first_name="Nobody",
        last_name="Assigned",
        date_of_birth=datetime.date(2022, 1, 1),
        started_on=datetime.date(2023, 1, 1),
    )
    client.force_login(manager)
    page = client.get("/").content.decode()
    assert "Children without a key person" in page
    assert "Nobody Assigned" in page


def test_records_are_listed_newest_first(client, keyperson, child):
    old = write(child, keyperson, occurred_at=timezone.now() - datetime.timedelta(days=30))
    new = write(child, keyperson, title="Newer", occurred_at=timezone.now())
    client.force_login(keyperson)
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert page.index(new.title) < page.index(old.title)


def test_record_form_offers_only_real_choices(client, keyperson, child):
    client.force_login(keyperson)
    page = client.get(f"/children/{child.pk}/records/new/").content.decode()
    assert "The setting" in page
    assert "A third party" in page
    assert "Select an option" not in page
    assert "---------" not in page


def test_list_is_paginated_and_keeps_the_search(client, manager, setting):
    from children import services

    for index in range(30):
        services.child_create(
            setting=setting,
            actor=manager,
            first_name=f"Pupil{index:02}",
            last_name="Many",
            date_of_birth=datetime.date(2022, 1, 1),
            started_on=datetime.date(2023, 1, 1),
        )
    client.force_login(manager)
    first = client.get("/children/", {"q": "many"})
    assert len(first.context["page"].object_list) == 25
    assert "q=many&amp;page=2" in first.content.decode()
    second = client.get("/children/", {"q": "many", "page": 2})
    assert len(second.context["page"].object_list) == 5
    # A nonsense page number shows the first page rather than an error.
    assert client.get("/children/", {"page": "lots"}).status_code == 200


def test_home_shows_the_first_twelve_key_children_and_counts_the_rest(
    client, keyperson, manager, setting
):
    from children import services

    for index in range(15):
        services.child_create(
            setting=setting,
            actor=manager,
            key_person=keyperson,
            first_name=f"Kid{index:02}",
            last_name="Many",
            date_of_birth=datetime.date(2022, 1, 1),
            started_on=datetime.date(2023, 1, 1),
        )
    client.force_login(keyperson)
    response = client.get("/")
    assert len(response.context["own"].key_children) == 12
    assert "3 more in the children list" in response.content.decode()
