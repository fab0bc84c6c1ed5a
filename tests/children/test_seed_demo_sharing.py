"""The demo's information-sharing log: disclosures of each kind and a decision not to share,
made through the service (history and the access log as real use leaves them)."""

import pytest

from children.models import InformationSharing, SharedEntry
from children.sharing import past_recipients
from setting_records import access
from setting_records.models import AccessAction, AccessLogEntry, User


@pytest.fixture
def demo(demo_files) -> dict[str, User]:
    # seed_demo runs once for this module (tests/conftest.py: seeded_demo); each test reads it
    # in its own savepoint.
    return {user.username: user for user in User.objects.all()}


# The demo's corrected entry was shared before the parent disputed it (access_requests/
# demo_rectification.py): its past recipient, to be told of the correction (Art. 19).
EARLY_HELP = "Local authority early help team"


def test_demo_log_has_each_kind_of_disclosure_and_a_decision_not_to_share(demo):
    log = {
        item.child.first_name: item
        for item in InformationSharing.objects.exclude(recipient_organisation=EARLY_HELP)
    }
    assert set(log) == {"Ruby", "Oliver", "Harry", "Alfie"}
    assert not log["Ruby"].is_shared
    assert log["Ruby"].summary
    assert log["Ruby"].purpose
    referral = log["Oliver"]
    assert (referral.framework, referral.consent, referral.lawful_basis) == (
        "referral",
        "not_sought",
        "legal_obligation",
    )
    assert referral.consent_reason
    assert (log["Harry"].framework, log["Harry"].consent) == ("team_around_the_family", "given")
    assert (log["Alfie"].recipient_role, log["Alfie"].method) == ("Health visitor", "secure_email")
    # The key person recorded Harry's, the manager Oliver's.
    assert log["Harry"].recorded_by.username == "sam"
    assert log["Oliver"].recorded_by.username == "manager"


def test_demo_disclosures_name_the_childs_entries_and_left_history_and_log_rows(demo):
    for entry in SharedEntry.objects.select_related("sharing", "record"):
        assert entry.record.child_id == entry.sharing.child_id
        assert entry.title == entry.record.title
    assert SharedEntry.objects.count() >= 5
    # Four from the sharing demo and the corrected entry's earlier disclosure.
    assert InformationSharing.objects.filter(recipient_organisation=EARLY_HELP).count() == 1
    assert InformationSharing.history.filter(history_user_id__isnull=False).count() == 5
    assert AccessLogEntry.objects.filter(action=AccessAction.SHARING_RECORDED).count() == 5
    concern = SharedEntry.objects.get(record__title="Unsettled after the weekend").record
    assert [item.child.first_name for item in past_recipients(concern)] == ["Oliver"]


def test_demo_log_is_seen_by_manager_and_key_people_only(demo):
    assert access.visible_sharings(demo["manager"]).count() == 5
    # keyperson is key person of Ruby and Leo: sees Ruby's decision and Leo's early help
    # disclosure only.
    seen = access.visible_sharings(demo["keyperson"])
    assert sorted(s.child.first_name for s in seen) == ["Leo", "Ruby"]
    for username in ("practitioner", "outsider", "othermanager"):
        assert not access.visible_sharings(demo[username]).exists()
