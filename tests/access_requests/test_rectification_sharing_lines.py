"""The correction request page lists the past recipients of a corrected entry from the
information-sharing log: showing those lines is a view of the log, in the access log once per
page shown (policy P5), and nothing is logged when there are none."""

from setting_records.models import AccessAction, AccessLogEntry
from tests.access_requests.conftest import decide_corrected, rectify, share_entry, verify


def viewed(before: int) -> list[tuple]:
    return [
        (row.actor, row.child, row.detail)
        for row in AccessLogEntry.objects.filter(
            id__gt=before, action=AccessAction.SHARING_VIEWED
        ).order_by("id")
    ]


def last_id() -> int:
    return AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_a_corrected_entrys_recipients_are_a_logged_view_of_the_log(
    client, manager, child, general_record, mother
):
    sharing = share_entry(general_record, manager)
    item = verify(rectify(general_record, mother, manager), manager)
    item = decide_corrected(item, manager)
    client.force_login(manager)
    for _ in range(2):
        before = last_id()
        html = client.get(item.get_absolute_url()).content.decode()
        assert "Past recipients to tell of the correction" in html
        assert viewed(before) == [
            (
                manager,
                child,
                {"via": "correction request", "rectification": item.pk, "sharings": [sharing.pk]},
            )
        ]


def test_no_recipients_no_row(client, manager, general_record, mother):
    item = verify(rectify(general_record, mother, manager), manager)
    client.force_login(manager)
    before = last_id()
    client.get(item.get_absolute_url())
    assert viewed(before) == []
    item = decide_corrected(item, manager)
    before = last_id()
    html = client.get(item.get_absolute_url()).content.decode()
    assert "Past recipients to tell of the correction" in html
    assert viewed(before) == []
