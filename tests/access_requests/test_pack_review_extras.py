"""The manager reviews the parents' statements and the recipients before they go into a record
pack (UK GDPR Art. 15(1)(c); DPA 2018 Sch. 2 paras 2 and 16, Sch. 3 paras 7-8, 12 and 21): each
is in the review list, the requester's own statement is proposed, everything else waits for a
decision, and the PDF prints only what was included."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from access_requests import pack, review, services
from access_requests.models import PreparedRecipient, PreparedStatement
from children.statements import statement_record
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from tests.access_requests.conftest import include_extras, share, write

FATHER_WORDS = "Dan says the mother was late that day and the child was upset at home."
MOTHER_WORDS = "I was not late; the nursery let her out early."
SOCIAL_CARE = "Children's social care (MASH)"
HEALTH = "Health visiting team"


def text_of(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


def pack_text(request) -> str:
    return text_of(pack.render_for(request, prepared_for="Farah Khan", watermark=None))


def state(record, actor, person=None, words=MOTHER_WORDS, **extra):
    fields = {"person": person} if person else {"made_by_name": "A solicitor"}
    return statement_record(
        record=record,
        actor=actor,
        words=words,
        made_on=timezone.localdate(),
        taken_how="letter",
        **(fields | extra),
    )


def share_with(child, manager, organisation, role="", days_ago=10):
    return share(
        child,
        manager,
        recipient_organisation=organisation,
        recipient_role=role,
        decided_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        summary="What was discussed.",
    )


@pytest.fixture
def extras(request_received, manager, keyperson, mother, father, child, general_record):
    """Before preparation starts: the mother's (the requester's) statement and the father's on
    the general entry, and two disclosures in the sharing log."""
    return {
        "mother": state(general_record, keyperson, person=mother, words=MOTHER_WORDS),
        "father": state(general_record, keyperson, person=father, words=FATHER_WORDS),
        "social_care": share_with(child, manager, SOCIAL_CARE, "Duty social worker", 20),
        "health": share_with(child, manager, HEALTH, days_ago=5),
    }


@pytest.fixture
def preparing(extras, request_preparing, manager):
    disclose_reviewed_entries_only(request_preparing, manager)
    return request_preparing


def disclose_reviewed_entries_only(request, manager):
    for entry in request.entries.select_related("record"):
        if entry.needs_review:
            services.entry_decide(entry=entry, disclosure="disclose", actor=manager)


def prepared_statement(request, statement) -> PreparedStatement:
    return request.prepared_statements.get(statement=statement)


def prepared_recipient(request, sharing) -> PreparedRecipient:
    return request.prepared_recipients.get(sharing=sharing)


def line(sharing) -> str:
    role = f" ({sharing.recipient_role})" if sharing.recipient_role else ""
    return f"{sharing.recipient_organisation}{role}, {sharing.decided_on:%-d %B %Y}"


# Brought in, and what is proposed.


def test_statements_and_recipients_are_brought_in_when_preparation_starts(preparing, extras):
    mine = prepared_statement(preparing, extras["mother"])
    theirs = prepared_statement(preparing, extras["father"])
    assert (mine.decision, mine.proposed_by_default) == ("include", True)
    assert (theirs.decision, theirs.proposed_by_default) == ("", False)
    recipients = preparing.prepared_recipients.all()
    assert {r.sharing_id for r in recipients} == {extras["social_care"].pk, extras["health"].pk}
    assert all(r.decision == "" for r in recipients)
    assert mine.history.count() == 1


def test_a_decision_not_to_share_is_not_a_recipient(request_received, manager, child):
    share(child, manager, decision="not_shared", lawful_basis="", method="", summary="A referral")
    services.identity_verify(request=request_received, method="Passport", actor=manager)
    services.preparation_start(request=request_received, actor=manager)
    assert not request_received.prepared_recipients.exists()


def test_the_review_shows_each_statement_under_its_entry_and_each_recipient(
    client, preparing, manager, extras, general_record
):
    client.force_login(manager)
    page = client.get(f"/access-requests/{preparing.pk}/").content.decode()
    mine = prepared_statement(preparing, extras["mother"])
    theirs = prepared_statement(preparing, extras["father"])
    entry_at = page.index(f'id="entry-{preparing.entries.get(record=general_record).pk}"')
    assert entry_at < page.index(f'id="statement-{theirs.pk}"')
    assert "Dan says the mother was late" in page
    assert "The requester's own statement: proposed for the pack" in page
    assert f'name="s{mine.pk}-decision"' in page
    assert f'name="s{theirs.pk}-secret"' in page
    for sharing in (extras["social_care"], extras["health"]):
        recipient = prepared_recipient(preparing, sharing)
        assert f'name="r{recipient.pk}-decision"' in page
        assert f'name="r{recipient.pk}-secret"' not in page
    assert "Children&#x27;s social care (MASH) (Duty social worker)" in page
    assert "3 parent's statements or recipients still need a decision" in page


# Ready for the meeting.


def test_ready_for_meeting_refuses_while_a_statement_or_recipient_is_undecided(
    preparing, manager, extras, general_record
):
    with pytest.raises(WorkflowError) as refused:
        services.ready_for_meeting(request=preparing, actor=manager)
    message = str(refused.value)
    assert f"the statement by Dan Khan on “{general_record.title}”" in message
    assert f"the recipient {line(extras['social_care'])}" in message
    assert f"the recipient {line(extras['health'])}" in message
    assert "Farah" not in message  # her own statement is proposed already
    include_extras(preparing, manager)
    services.ready_for_meeting(request=preparing, actor=manager)
    preparing.refresh_from_db()
    assert preparing.state == "ready_for_meeting"


def test_a_statement_of_a_withheld_entry_needs_no_decision(
    preparing, manager, extras, general_record
):
    entry = preparing.entries.get(record=general_record)
    services.entry_decide(
        entry=entry,
        disclosure="withhold",
        withhold_reason="other",
        withhold_note="Under review",
        actor=manager,
    )
    include_extras(
        preparing,
        manager,
        **{f"s{prepared_statement(preparing, extras['father']).pk}": {"decision": ""}},
    )
    assert prepared_statement(preparing, extras["father"]).decision == ""
    services.ready_for_meeting(request=preparing, actor=manager)


def test_ones_recorded_during_preparation_stay_in_the_review_when_it_refuses(
    preparing, manager, keyperson, father, child, general_record
):
    include_extras(preparing, manager)
    late = state(general_record, keyperson, person=father, words="Said later.")
    sharing = share_with(child, manager, "Police", days_ago=1)
    with pytest.raises(WorkflowError, match="the recipient Police"):
        services.ready_for_meeting(request=preparing, actor=manager)
    # Kept, undecided, for the manager to decide in the review list.
    assert prepared_statement(preparing, late).decision == ""
    assert prepared_recipient(preparing, sharing).decision == ""
    preparing.refresh_from_db()
    assert preparing.state == "preparing"


# Saving the review.


def as_left(request) -> dict:
    """The review form as the page shows it, untouched: what a browser would post back."""
    form = review.review_form(request)
    values = {}
    for name, value in form.initial.items():
        if value is True:
            values[name] = "on"
        elif value not in (None, False):
            values[name] = value
    return values


def test_save_all_records_include_and_withhold_with_reasons(client, preparing, manager, extras):
    theirs = prepared_statement(preparing, extras["father"])
    police = prepared_recipient(preparing, extras["social_care"])
    health = prepared_recipient(preparing, extras["health"])
    client.force_login(manager)
    response = client.post(
        f"/access-requests/{preparing.pk}/review/",
        as_left(preparing)
        | {
            f"s{theirs.pk}-decision": "withhold",
            f"s{theirs.pk}-reason": "third_party",
            f"s{theirs.pk}-note": "The father's account of the mother.",
            f"s{theirs.pk}-secret": "on",
            f"r{police.pk}-reason": "child_abuse",
            f"r{police.pk}-note": "An enquiry is open.",
            f"r{health.pk}-decision": "include",
        },
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    police.refresh_from_db()
    health.refresh_from_db()
    assert (theirs.decision, theirs.withhold_reason, theirs.reason_may_be_told) == (
        "withhold",
        "third_party",
        False,
    )
    assert theirs.reviewed_by == manager
    # An exemption chosen without "withhold" still withholds.
    assert (police.decision, police.withhold_reason) == ("withhold", "child_abuse")
    assert health.decision == "include"


def test_withholding_without_a_note_is_refused_beside_it_and_nothing_is_saved(
    client, preparing, manager, extras
):
    theirs = prepared_statement(preparing, extras["father"])
    health = prepared_recipient(preparing, extras["health"])
    client.force_login(manager)
    response = client.post(
        f"/access-requests/{preparing.pk}/review/",
        as_left(preparing)
        | {
            f"s{theirs.pk}-decision": "withhold",
            f"s{theirs.pk}-reason": "third_party",
            f"r{health.pk}-decision": "include",
        },
    )
    assert response.status_code == 200
    assert "Add a note saying why the exemption applies." in response.content.decode()
    health.refresh_from_db()
    assert health.decision == ""


# The PDF.


def withhold(request, manager, extras, *, secret=False):
    include_extras(
        request,
        manager,
        **{
            f"s{prepared_statement(request, extras['father']).pk}": {
                "decision": "withhold",
                "withhold_reason": "third_party",
                "withhold_note": "The father's account of the mother.",
                "reason_may_be_told": not secret,
            },
            f"r{prepared_recipient(request, extras['social_care']).pk}": {
                "decision": "withhold",
                "withhold_reason": "child_abuse",
                "withhold_note": "An enquiry is open.",
            },
        },
    )


def test_withheld_ones_are_not_in_the_pdf_and_included_ones_are(preparing, manager, extras):
    withhold(preparing, manager, extras)
    text = pack_text(preparing)
    assert MOTHER_WORDS in text
    assert "Dan says the mother was late" not in text
    assert "Dan Khan" not in text
    assert "[a statement has been withheld — it is information about another person" in text
    rights = text.split("Who it has been shared with")[1].split("How long it is kept")[0]
    assert rights.strip() == line(extras["health"])
    assert "social care" not in text.casefold()
    assert "MASH" not in text


def test_a_statement_whose_reason_may_not_be_told_prints_the_neutral_line(
    preparing, manager, extras
):
    withhold(preparing, manager, extras, secret=True)
    text = pack_text(preparing)
    assert "[some information has been withheld]" in text
    assert "a statement has been withheld" not in text
    assert "Dan says the mother was late" not in text


def test_nothing_unreviewed_is_printed(preparing, manager, keyperson, father, child, extras):
    include_extras(preparing, manager)
    state(preparing.entries.first().record, keyperson, person=father, words="Not reviewed yet.")
    share_with(child, manager, "Not reviewed agency", days_ago=1)
    text = pack_text(preparing)
    assert "Not reviewed yet." not in text
    assert "Not reviewed agency" not in text
    assert FATHER_WORDS.split(" and ")[0] in text


# A pack fixed for the meeting.


@pytest.fixture
def ready(preparing, manager):
    include_extras(preparing, manager)
    services.ready_for_meeting(request=preparing, actor=manager)
    preparing.refresh_from_db()
    return preparing


def test_a_statements_decision_changed_after_fixing_is_a_change(
    ready, manager, extras, general_record
):
    assert services.changes_since_preparation(ready) == []
    theirs = prepared_statement(ready, extras["father"])
    theirs.decision, theirs.withhold_reason, theirs.withhold_note = "withhold", "other", "x"
    save_as(theirs, actor=manager, reason="test: changed behind the workflow's back")
    assert services.changes_since_preparation(ready) == [
        f"The decision on a parent's statement on “{general_record.title}” was changed since "
        "preparation."
    ]


def test_a_recipients_decision_changed_after_fixing_is_a_change(ready, manager, extras):
    recipient = prepared_recipient(ready, extras["health"])
    recipient.decision, recipient.withhold_reason, recipient.withhold_note = (
        "withhold",
        "crime",
        "x",
    )
    save_as(recipient, actor=manager, reason="test: changed behind the workflow's back")
    assert services.changes_since_preparation(ready) == [
        f"The decision on the recipient {line(extras['health'])} was changed since preparation."
    ]


def test_a_disclosure_after_fixing_is_a_change(ready, manager, child):
    sharing = share_with(child, manager, "School nurse", days_ago=0)
    assert services.changes_since_preparation(ready) == [
        f"The child's information was shared with {line(sharing)} since preparation."
    ]


def test_the_frozen_pack_prints_the_decisions_made_before_it_was_fixed(preparing, manager, extras):
    withhold(preparing, manager, extras)
    services.ready_for_meeting(request=preparing, actor=manager)
    content = services.pack_content(preparing, prepared_for="Farah Khan", watermark=None)
    assert content.shared_with == [line(extras["health"])]
    statements = [s for entry in content.entries for s in entry.parent_statements]
    assert [s.words for s in statements] == [MOTHER_WORDS, ""]
    assert statements[1].withheld_reason.startswith("it is information about another person")


# Query counts.


def review_queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    return len(context)


def test_the_review_pages_queries_do_not_grow_with_statements_or_recipients(
    client, preparing, manager, keyperson, father, child
):
    url = f"/access-requests/{preparing.pk}/"
    client.force_login(manager)
    few = review_queries(client, url)
    for number in range(4):
        record = write(child, keyperson, title=f"Later entry {number}")
        state(record, keyperson, person=father, words=f"Statement {number}")
        share_with(child, manager, f"Agency {number}", days_ago=number)
    services.entries_add_new(request=preparing, actor=manager)
    assert preparing.prepared_statements.count() == 6
    assert preparing.prepared_recipients.count() == 6
    assert review_queries(client, url) == few


def test_the_packs_queries_do_not_grow_with_statements_or_recipients(
    preparing, manager, keyperson, father, child
):
    include_extras(preparing, manager)

    def queries() -> int:
        pack.content_for(preparing, prepared_for="Farah Khan", watermark=None)
        with CaptureQueriesContext(connection) as context:
            pack.content_for(preparing, prepared_for="Farah Khan", watermark=None)
        return len(context)

    few = queries()
    for number in range(4):
        record = write(child, keyperson, title=f"Later entry {number}")
        state(record, keyperson, person=father, words=f"Statement {number}")
        share_with(child, manager, f"Agency {number}", days_ago=number)
    services.entries_add_new(request=preparing, actor=manager)
    include_extras(preparing, manager)
    assert queries() == few
