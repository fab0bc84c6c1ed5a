"""An entry a parent disputes is restricted (UK GDPR Art. 18): it is kept as it is, not edited,
until the manager decides the correction request; a correction comes only from that decision."""

import pytest
from django.contrib.messages import get_messages

from access_requests import services
from children import services as children_services
from children.models import Record
from setting_records.errors import WorkflowError


def edit_fields(record, **changes):
    fields = {
        name: getattr(record, name)
        for name in (
            "kind",
            "sensitivity",
            "nature",
            "title",
            "body",
            "occurred_at",
            "source",
            "third_party_name",
            "third_party_organisation",
            "third_party_role",
        )
    }
    return fields | changes


@pytest.mark.parametrize("who", ["keyperson", "manager"])
def test_a_disputed_entry_cannot_be_edited_by_anyone(request, rectification_received, who):
    actor = request.getfixturevalue(who)
    record = Record.objects.get(pk=rectification_received.record_id)
    before = (record.title, record.body, record.history.count())
    with pytest.raises(WorkflowError, match="asked for this entry to be corrected"):
        children_services.record_update(
            record=record,
            actor=actor,
            reason="Tidying up",
            **edit_fields(record, body="Quietly rewritten while disputed."),
        )
    record.refresh_from_db()
    assert (record.title, record.body, record.history.count()) == before


def test_the_edit_page_sends_back_to_the_entry_with_the_reason(
    client, keyperson, rectification_received
):
    record = rectification_received.record
    client.force_login(keyperson)
    for response in (
        client.get(f"/records/{record.pk}/edit/"),
        client.post(f"/records/{record.pk}/edit/", {"title": "Changed", "reason": "Because"}),
    ):
        assert response.status_code == 302
        assert response["Location"] == record.get_absolute_url()
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("cannot be changed until the manager has decided" in text for text in shown)
    record.refresh_from_db()
    assert record.title != "Changed"


def test_no_edit_link_is_offered_while_disputed(client, keyperson, rectification_received):
    record = rectification_received.record
    client.force_login(keyperson)
    edit_url = f"/records/{record.pk}/edit/"
    assert edit_url not in client.get(record.get_absolute_url()).content.decode()
    assert edit_url not in client.get(record.child.get_absolute_url()).content.decode()


def test_once_withdrawn_the_entry_can_be_edited_again(
    client, keyperson, manager, rectification_received
):
    services.rectification_withdraw(
        rectification=rectification_received, actor=manager, reason="The parent withdrew it"
    )
    record = Record.objects.get(pk=rectification_received.record_id)
    assert not record.disputed
    children_services.record_update(
        record=record, actor=keyperson, reason="A typo", **edit_fields(record, title="Mended")
    )
    record.refresh_from_db()
    assert record.title == "Mended"
    client.force_login(keyperson)
    assert f"/records/{record.pk}/edit/" in client.get(record.get_absolute_url()).content.decode()
