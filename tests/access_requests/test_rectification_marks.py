"""An entry's marks travel with it (policy P11; UK GDPR Art. 18): a parent's statement and the
disputed mark show wherever an entry is listed or headed, including the pages around
rectification, the third-party review and the sharing log."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from children.statements import statement_record
from tests.access_requests.conftest import rectify, share_entry

STATEMENT_BADGE = '<span class="badge badge--statement">Parent\'s statement</span>'
DISPUTED_BADGE = '<span class="badge badge--disputed">Disputed by a parent</span>'


@pytest.fixture
def marked(third_party_record, mother, manager):
    """A third-party entry that was shared, has a parent's statement, and is disputed."""
    sharing = share_entry(third_party_record, manager)
    statement_record(
        record=third_party_record,
        actor=manager,
        words="That is not what the health visitor told me.",
        made_on=timezone.localdate(),
        taken_how="meeting",
        person=mother,
    )
    rectification = rectify(third_party_record, mother, manager)
    return {"record": third_party_record, "sharing": sharing, "rectification": rectification}


PAGES = {
    "correction request": lambda m: m["rectification"].get_absolute_url(),
    "correction requests": lambda m: reverse("access_requests:rectification_list"),
    "third-party review": lambda m: reverse("children:third_party_review"),
    "disclosure": lambda m: m["sharing"].get_absolute_url(),
}


@pytest.mark.parametrize("name", [*PAGES, "sharing form"])
def test_a_disputed_entry_with_a_statement_is_marked_both_ways(client, manager, marked, name):
    client.force_login(manager)
    if name == "sharing form":
        url = reverse("children:sharing_add", args=[marked["record"].child_id])
        html = client.get(url).content.decode()
        # The form's entry choice names both marks in its label.
        record = marked["record"]
        day = timezone.localtime(record.occurred_at)
        marks = "— disputed by a parent — has a parent's statement"
        assert escape(f"{record.title} ({day:%d/%m/%Y}) {marks}") in html
        return
    response = client.get(PAGES[name](marked))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(marked["record"].title) in html
    assert STATEMENT_BADGE in html
    assert DISPUTED_BADGE in html


def test_pages_without_marks_show_none(client, manager, third_party_record, mother):
    """The marks come from the entry, not the page: an entry with neither shows neither."""
    sharing = share_entry(third_party_record, manager)
    client.force_login(manager)
    for url in (sharing.get_absolute_url(), reverse("children:third_party_review")):
        html = client.get(url).content.decode()
        assert STATEMENT_BADGE not in html
        assert DISPUTED_BADGE not in html
