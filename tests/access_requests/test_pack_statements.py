"""Parents' statements, disputes and recipients in the record pack (policy P5, P11; UK GDPR
Art. 15(1)(c), 18), read from the PDF as a parent would read it; and a statement or a dispute
after the pack was fixed for the meeting is a change the release must show."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from access_requests import pack, services
from children.statements import statement_record
from setting_records.history import save_as
from tests.access_requests.conftest import disclose_reviewed, include_extras, share, write

STATEMENT = "Amira had a cold that week; she was not upset.\nPlease keep this with the entry."
LABEL = "Parent\N{RIGHT SINGLE QUOTATION MARK}s statement"
GUIDE = f"“{LABEL}” marks a statement"
DISPUTED = (
    "The parent has asked for this entry to be corrected; the request has not yet been answered."
)


def text_of(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


def pack_text(request) -> str:
    return text_of(pack.render_for(request, prepared_for="Farah Khan", watermark=None))


def reviewed_text(request, manager) -> str:
    """The pack once every statement and recipient recorded so far has been brought into the
    review and included (the review itself: test_pack_review_extras.py)."""
    services.entries_add_new(request=request, actor=manager)
    include_extras(request, manager)
    return pack_text(request)


def state(record, actor, words=STATEMENT, **fields):
    return statement_record(
        record=record,
        actor=actor,
        words=words,
        made_on=timezone.localdate(),
        taken_how="meeting",
        **({"made_by_name": "Farah Khan"} | fields),
    )


def dispute(record, actor):
    record.disputed = True
    save_as(record, actor=actor, reason="test: a rectification request is pending")


def share_about(child, actor, organisation, role="", *, decision="shared", days_ago=10):
    """A disclosure about ``child`` (or a decision not to share) through the sharing log's
    service, with a written summary rather than entries."""
    return share(
        child,
        actor,
        decision=decision,
        decided_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        recipient_organisation=organisation,
        recipient_role=role,
        summary="A summary of the concerns discussed.",
        lawful_basis="legal_obligation" if decision == "shared" else "",
        method="secure_email" if decision == "shared" else "",
    )


@pytest.fixture
def prepared(request_preparing, manager):
    disclose_reviewed(request_preparing, manager)
    return request_preparing


def test_a_statement_is_printed_beside_its_entry_with_who_when_and_how(
    prepared, manager, keyperson, general_record, sensitive_record
):
    state(general_record, keyperson)
    text = reviewed_text(prepared, manager)
    entry = text.index(general_record.title)
    words = text.index("Amira had a cold that week")
    following = text.index(sensitive_record.title)
    assert entry < words < following or following < entry < words
    assert f"{LABEL} Amira had a cold that week; she was not upset." in text
    today = timezone.localdate()
    assert f"Farah Khan, {today:%-d %B %Y}, in a meeting" in text
    assert GUIDE in text


def test_a_replaced_statement_is_marked_as_replaced_and_its_correction_follows(
    prepared, manager, keyperson, general_record
):
    first = state(general_record, keyperson, words="First words.")
    state(general_record, keyperson, words="Corrected words.", supersedes=first)
    text = reviewed_text(prepared, manager)
    today = timezone.localdate()
    assert f"{LABEL} (replaced on {today:%-d %B %Y}) First words." in text
    assert text.index("First words.") < text.index("Corrected words.")
    assert f"{LABEL} Corrected words." in text


def test_the_guide_explains_statements_only_when_the_pack_has_one(
    prepared, manager, keyperson, general_record
):
    text = pack_text(prepared)
    assert GUIDE not in text
    assert "have their statement added beside it" not in text.split("Your rights")[0]
    state(general_record, keyperson)
    assert GUIDE in reviewed_text(prepared, manager)


def test_a_withheld_entry_prints_none_of_its_statements(
    request_preparing, manager, keyperson, sensitive_record
):
    state(sensitive_record, keyperson, words="Words about the withheld entry.")
    dispute(sensitive_record, keyperson)
    services.entries_add_new(request=request_preparing, actor=manager)
    include_extras(request_preparing, manager)
    for entry in request_preparing.entries.select_related("record"):
        services.entry_decide(
            entry=entry,
            disclosure="withhold" if entry.record == sensitive_record else "disclose",
            withhold_reason="other" if entry.record == sensitive_record else "",
            withhold_note="Serious harm" if entry.record == sensitive_record else "",
            actor=manager,
        )
    text = pack_text(request_preparing)
    assert "Words about the withheld entry." not in text
    assert GUIDE not in text
    assert DISPUTED not in text


def test_a_disputed_entry_is_marked(prepared, keyperson, general_record, sensitive_record):
    assert DISPUTED not in pack_text(prepared)
    dispute(general_record, keyperson)
    text = pack_text(prepared)
    assert text.count(DISPUTED) == 1
    assert text.index(general_record.title) < text.index(DISPUTED)
    assert "“Correction asked for” marks a record" in text


def test_your_rights_names_the_recipients_from_the_sharing_log(prepared, manager, child):
    rights = pack_text(prepared).split("Who it has been shared with")[1]
    assert rights.startswith(" None recorded.")
    share_about(child, manager, "Calderdale Children's Services", "Social worker", days_ago=20)
    share_about(child, manager, "Police", decision="not_shared")
    share_about(child, manager, "Health visiting team", days_ago=5)
    rights = reviewed_text(prepared, manager).split("Who it has been shared with")[1]
    first = timezone.localdate() - datetime.timedelta(days=20)
    second = timezone.localdate() - datetime.timedelta(days=5)
    assert rights.startswith(
        f" Calderdale Children's Services (Social worker), {first:%-d %B %Y}"
        f" Health visiting team, {second:%-d %B %Y} How long it is kept"
    )
    # A decision not to share disclosed nothing; the person's name is not what Art. 15 asks.
    assert "Police" not in rights
    assert "Sam Jones" not in rights


def test_recipients_of_another_child_are_not_named(prepared, manager, other_child, othermanager):
    share_about(other_child, othermanager, "Somewhere else entirely")
    assert "Somewhere else entirely" not in reviewed_text(prepared, manager)


def queries_of_content(request) -> int:
    # Once first, so that the request's own requester and author are loaded (the views fetch
    # them with the request).
    pack.content_for(request, prepared_for="Farah Khan", watermark=None)
    with CaptureQueriesContext(connection) as context:
        pack.content_for(request, prepared_for="Farah Khan", watermark=None)
    return len(context)


def test_the_packs_queries_do_not_grow_with_entries_or_statements(
    request_preparing, manager, keyperson, child, general_record
):
    state(general_record, keyperson)
    share_about(child, manager, "Health visiting team")
    services.entries_add_new(request=request_preparing, actor=manager)
    include_extras(request_preparing, manager)
    # entries with records and authors, redactions, the reviewed statements with who made
    # them, meeting, the requester's register entry, the reviewed recipients
    few = queries_of_content(request_preparing)
    assert few == 6
    for number in range(6):
        record = write(child, keyperson, title=f"Later entry {number}")
        first = state(record, keyperson, words=f"Statement {number}")
        state(record, keyperson, words=f"Correction {number}", supersedes=first)
        share_about(child, manager, f"Agency {number}")
    services.entries_add_new(request=request_preparing, actor=manager)
    include_extras(request_preparing, manager)
    assert request_preparing.entries.count() == 8
    assert request_preparing.prepared_statements.count() == 13
    assert queries_of_content(request_preparing) == few


def test_the_review_list_marks_statements_and_disputes_at_no_cost_per_entry(
    client, request_preparing, manager, keyperson, child, general_record
):
    url = f"/access-requests/{request_preparing.pk}/"
    client.force_login(manager)
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    few = len(context)
    for number in range(5):
        record = write(child, keyperson, title=f"Later entry {number}")
        state(record, keyperson)
        dispute(record, keyperson)
    services.entries_add_new(request=request_preparing, actor=manager)
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        page = client.get(url).content.decode()
    assert page.count("Parent's statement</span>") == 5
    assert page.count("Disputed by a parent</span>") == 5
    # Five more entries in the list: their review fields, not a query each for the marks.
    assert len(context) == few


# A pack fixed for the meeting.


@pytest.fixture
def request_ready(prepared, manager):
    services.ready_for_meeting(request=prepared, actor=manager)
    prepared.refresh_from_db()
    return prepared


def test_a_statement_after_preparation_is_a_change(request_ready, keyperson, general_record):
    assert services.changes_since_preparation(request_ready) == []
    state(general_record, keyperson)
    assert services.changes_since_preparation(request_ready) == [
        f"A parent's statement on “{general_record.title}” was recorded since preparation."
    ]


def test_a_dispute_after_preparation_is_a_change(request_ready, keyperson, general_record):
    dispute(general_record, keyperson)
    assert services.changes_since_preparation(request_ready) == [
        f"A parent asked for “{general_record.title}” to be corrected since preparation."
    ]


def test_a_statement_before_preparation_is_in_the_frozen_pack(
    prepared, manager, keyperson, general_record
):
    state(general_record, keyperson)
    services.entries_add_new(request=prepared, actor=manager)
    include_extras(prepared, manager)
    services.ready_for_meeting(request=prepared, actor=manager)
    assert services.changes_since_preparation(prepared) == []
    content = services.pack_content(prepared, prepared_for="Farah Khan", watermark=None)
    [entry] = [e for e in content.entries if e.title == general_record.title]
    assert [s.words for s in entry.parent_statements] == [STATEMENT]
