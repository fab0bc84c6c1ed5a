"""What the access log records about children: views of sensitive entries and of history,
and every change of who may see them. References only, never record text."""

import datetime

from django.utils import timezone

from children import services
from setting_records.models import AccessAction, AccessLogEntry


def logged(action):
    return AccessLogEntry.objects.filter(action=action)


def test_viewing_a_sensitive_entry_is_logged(client, keyperson, sensitive_record):
    client.force_login(keyperson)
    client.get(f"/records/{sensitive_record.pk}/")
    entry = logged(AccessAction.RECORD_VIEWED).get()
    assert (entry.actor, entry.record, entry.child) == (
        keyperson,
        sensitive_record,
        sensitive_record.child,
    )
    assert entry.setting == sensitive_record.child.setting
    assert sensitive_record.body not in str(entry.detail)


def test_viewing_a_general_entry_is_not(client, keyperson, general_record):
    client.force_login(keyperson)
    client.get(f"/records/{general_record.pk}/")
    assert not logged(AccessAction.RECORD_VIEWED).exists()


def test_a_refused_view_logs_nothing(client, practitioner, sensitive_record):
    client.force_login(practitioner)
    assert client.get(f"/records/{sensitive_record.pk}/").status_code == 404
    assert not logged(AccessAction.RECORD_VIEWED).exists()


def test_the_child_page_shows_no_sensitive_text(client, keyperson, child, sensitive_record):
    client.force_login(keyperson)
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert sensitive_record.title in page
    assert sensitive_record.body not in page
    assert not logged(AccessAction.RECORD_VIEWED).exists()


def test_history_views_are_logged(client, keyperson, child, sensitive_record):
    client.force_login(keyperson)
    client.get(f"/children/{child.pk}/history/")
    client.get(f"/records/{sensitive_record.pk}/history/")
    assert logged(AccessAction.CHILD_HISTORY_VIEWED).get().child == child
    assert logged(AccessAction.RECORD_HISTORY_VIEWED).get().record == sensitive_record


def test_access_changes_are_logged(child, manager, practitioner, keyperson, outsider):
    services.key_person_assign(child=child, key_person=practitioner, actor=manager)
    services.care_team_set(child=child, members=[outsider], actor=manager)
    grant = services.grant_give(
        child=child,
        grantee=keyperson,
        reason="Handover",
        expires_on=timezone.localdate() + datetime.timedelta(days=3),
        actor=manager,
    )
    services.grant_revoke(grant=grant, actor=manager, reason="Done")
    actions = list(
        AccessLogEntry.objects.filter(child=child, actor=manager)
        .order_by("id")
        .values_list("action", "detail")
    )
    assert actions[-4:] == [
        ("key_person_changed", {"from": keyperson.pk, "to": practitioner.pk}),
        ("care_team_changed", {"added": [outsider.pk], "removed": [practitioner.pk]}),
        (
            "grant_given",
            {
                "grant": grant.pk,
                "grantee": keyperson.pk,
                "expires_on": grant.expires_on.isoformat(),
            },
        ),
        ("grant_revoked", {"grant": grant.pk, "grantee": keyperson.pk}),
    ]


def test_the_manager_sees_who_looked_at_the_child(client, manager, keyperson, sensitive_record):
    client.force_login(keyperson)
    client.get(f"/records/{sensitive_record.pk}/")
    client.force_login(manager)
    page = client.get(f"/children/{sensitive_record.child_id}/access-log/").content.decode()
    assert "Viewed the sensitive entry" in page
    assert "Keyperson" in page
    assert sensitive_record.title in page


def test_record_history_shows_what_changed_who_and_why(client, keyperson, general_record):
    services.record_update(
        record=general_record,
        actor=keyperson,
        reason="Wrong tower",
        kind="observation",
        sensitivity="general",
        nature="fact",
        title="Built a short tower",
        body=general_record.body,
        occurred_at=general_record.occurred_at,
    )
    client.force_login(keyperson)
    page = client.get(f"/records/{general_record.pk}/history/").content.decode()
    assert "Built a tall tower" in page  # before
    assert "Built a short tower" in page  # after
    assert "Wrong tower" in page
    assert page.count("Keyperson") >= 2


def test_care_team_does_not_see_versions_from_while_sensitive(
    client, keyperson, practitioner, child
):
    from tests.children.conftest import write

    record = write(child, keyperson, "sensitive", title="Secret title", body="Secret body")
    services.record_update(
        record=record,
        actor=keyperson,
        reason="Not sensitive after all",
        kind="observation",
        sensitivity="general",
        nature="fact",
        title="Open title",
        body="Open body",
        occurred_at=record.occurred_at,
    )
    client.force_login(practitioner)
    page = client.get(f"/records/{record.pk}/history/").content.decode()
    assert "Open body" in page
    assert "Secret" not in page
    # Not told that there was anything before: no placeholder, no count.
    assert "not shown" not in page
    assert "sensitive" not in page.lower()
