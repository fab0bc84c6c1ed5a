"""Preparing a pack: nothing withheld silently, nothing withheld leaked.

The released copy's text is read back with pypdf, so these tests read what a parent reads.
"""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from access_requests import services
from access_requests.models import Disclosure, PreparedEntry, Redaction, State
from access_requests.pack import content_for
from children import services as children_services
from children.models import Person
from setting_records.errors import WorkflowError
from tests.access_requests.conftest import disclose_reviewed, write

NOTE = "Shared in confidence; disclosing it would identify the person who gave it."
THIRD_PARTY_LINE = "[withheld — it is information about another person"


def pdf_text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


def prepare(request, manager):
    services.identity_verify(request=request, method="Passport seen", actor=manager)
    services.preparation_start(request=request, actor=manager)
    request.refresh_from_db()  # the state, and no stale cached requester or child
    return request


def entry_for(request, record) -> PreparedEntry:
    return request.entries.select_related("record").get(record=record)


def pack_text(request) -> str:
    from access_requests.pdf import render_pack

    return pdf_text(render_pack(content_for(request, prepared_for="Farah Khan", watermark=None)))


def hold_and_release(request, manager, mother) -> str:
    services.ready_for_meeting(request=request, actor=manager)
    services.meeting_schedule(
        request=request,
        scheduled_at=timezone.now() - datetime.timedelta(days=3),
        place="Office",
        actor=manager,
    )
    services.attendee_add(request=request, person=mother, actor=manager)
    services.meeting_record_held(
        request=request,
        held_at=timezone.now() - datetime.timedelta(hours=1),
        contents_explained=True,
        actor=manager,
    )
    release = services.pack_release(
        request=request, recipient_person=request.requester, actor=manager
    )
    released = services.released_bytes(release)
    assert released is not None
    return pdf_text(released)


@pytest.fixture
def social_worker_record(child, manager):
    return write(
        child,
        manager,
        "sensitive",
        kind="incident",
        title="Update from Amara's social worker",
        body="Hannah Brooks said the care plan review is brought forward to 3 March.",
        source="third_party",
        third_party_name="Hannah Brooks",
        third_party_organisation="Calderdale Council",
        sharer_confidential=True,
        subject_confidential=False,
    )


@pytest.fixture
def naming_record(child, keyperson, setting, manager):
    other = children_services.child_create(
        setting=setting,
        actor=manager,
        first_name="Noah",
        last_name="Campbell",
        date_of_birth=datetime.date(2022, 1, 1),
        started_on=datetime.date(2023, 1, 1),
    )
    assert other.pk
    return write(
        child,
        keyperson,
        "general",
        title="Chase in the garden",
        body="Amara played chase with Noah Campbell. Noah Campbell fell over and Amara helped.",
    )


# Every entry left out has a reason, and the pack says so in its place.


def test_leaving_an_entry_out_needs_an_exemption_and_a_note(
    request_received, manager, general_record
):
    prepare(request_received, manager)
    entry = entry_for(request_received, general_record)
    with pytest.raises(WorkflowError, match="reason for withholding"):
        services.entry_decide(entry=entry, included=False, disclosure="", actor=manager)
    with pytest.raises(WorkflowError, match="Add a note"):
        services.entry_decide(
            entry=entry, disclosure="withhold", withhold_reason="crime", actor=manager
        )
    entry.refresh_from_db()
    assert not entry.withheld

    services.entry_decide(
        entry=entry,
        included=False,
        disclosure="",
        withhold_reason="crime",
        withhold_note="The police asked us not to disclose it during their inquiry.",
        actor=manager,
    )
    entry.refresh_from_db()
    assert entry.disclosure == Disclosure.WITHHOLD
    text = pack_text(request_received)
    assert "[withheld — sharing it would be likely to prejudice the prevention or detection" in (
        text
    )
    assert "Schedule 2, paragraph 2" in text
    assert "Built a tall tower" not in text


def test_a_reason_that_may_not_be_told_gives_a_neutral_line(
    request_received, manager, general_record
):
    prepare(request_received, manager)
    services.entry_decide(
        entry=entry_for(request_received, general_record),
        disclosure="withhold",
        withhold_reason="crime",
        withhold_note="Telling the reason would tip off the person under investigation.",
        reason_may_be_told=False,
        actor=manager,
    )
    entry = entry_for(request_received, general_record)
    assert entry.reason_may_be_told is False
    text = pack_text(request_received)
    assert "[some information has been withheld]" in text
    assert "crime" not in text
    assert "paragraph 2" not in text


def test_serious_harm_on_a_setting_entry_is_honoured(
    request_received, manager, general_record, sensitive_record
):
    prepare(request_received, manager)
    # The old page sent a reason without a decision for the setting's own entries.
    services.entry_decide(
        entry=entry_for(request_received, sensitive_record),
        disclosure="",
        withhold_reason="serious_harm",
        withhold_note="The GP advised that it would be likely to cause serious harm.",
        actor=manager,
    )
    assert entry_for(request_received, sensitive_record).withheld
    text = pack_text(request_received)
    assert "Bruise noticed on arrival" not in text
    assert "Body of a sensitive entry" not in text
    assert "health professional advised" in text


# What a withheld entry prints: its date and the reason, nothing else.


def test_a_released_copy_names_nothing_of_a_withheld_entry(
    request_received, manager, mother, general_record, social_worker_record, naming_record
):
    prepare(request_received, manager)
    services.entry_decide(
        entry=entry_for(request_received, social_worker_record),
        disclosure="withhold",
        withhold_reason="third_party",
        withhold_note=NOTE,
        actor=manager,
    )
    services.redaction_add(
        entry=entry_for(request_received, naming_record),
        passage="Noah Campbell",
        reason="third_party",
        note="Another child's name.",
        actor=manager,
    )
    disclose_reviewed(request_received, manager)

    text = hold_and_release(request_received, manager, mother)

    day = timezone.localdate(social_worker_record.occurred_at)
    assert f"{day:%-d %B %Y}: {THIRD_PARTY_LINE}" in text
    for leak in ["social worker", "Hannah", "Brooks", "Calderdale", "care plan", "Incident"]:
        assert leak not in text, leak
    assert "incident" not in text.lower()
    # The redacted entry: the rest is there, the passage nowhere, the record untouched.
    assert f"Amara played chase with {THIRD_PARTY_LINE}" in text
    assert "Noah" not in text
    assert "fell over and Amara helped." in text
    naming_record.refresh_from_db()
    assert "Noah Campbell fell over" in naming_record.body
    # The parent is told, and has the Your rights page.
    assert "Some information has been withheld from this pack" in text
    assert "Your rights" in text
    assert "ico.org.uk/make-a-complaint" in text
    assert "0303 123 1113" in text


def test_a_passage_not_in_the_text_is_refused(request_received, manager, general_record):
    prepare(request_received, manager)
    entry = entry_for(request_received, general_record)
    with pytest.raises(WorkflowError, match="not in the entry's text"):
        services.redaction_add(
            entry=entry, passage="Someone else", reason="third_party", note="x", actor=manager
        )
    with pytest.raises(WorkflowError, match="Add a note"):
        services.redaction_add(
            entry=entry, passage="Body of", reason="third_party", note=" ", actor=manager
        )
    assert not Redaction.objects.exists()


def test_a_redacted_entry_changed_afterwards_is_withheld_whole(
    request_received, manager, naming_record
):
    prepare(request_received, manager)
    services.redaction_add(
        entry=entry_for(request_received, naming_record),
        passage="Noah Campbell",
        reason="third_party",
        note="Another child's name.",
        actor=manager,
    )
    children_services.record_update(
        record=naming_record,
        actor=manager,
        reason="Typo",
        kind="observation",
        sensitivity="general",
        nature="fact",
        title="Chase in the garden",
        body="Amara played chase with Noah C. and helped him up.",
        occurred_at=naming_record.occurred_at,
        source="setting",
    )
    text = pack_text(request_received)
    assert "Noah" not in text
    assert "Chase in the garden" not in text
    assert "[some information has been withheld]" in text


def test_removing_a_redaction_prints_the_passage_again(request_received, manager, naming_record):
    prepare(request_received, manager)
    redaction = services.redaction_add(
        entry=entry_for(request_received, naming_record),
        passage="Noah Campbell",
        reason="third_party",
        note="Another child's name.",
        actor=manager,
    )
    services.redaction_remove(redaction=redaction, actor=manager)
    assert "Noah Campbell" in pack_text(request_received)
    assert Redaction.history.filter(history_type="-").count() == 1


# Which entries are reviewed.


def test_sensitive_and_naming_setting_entries_need_a_decision(
    request_received, manager, general_record, sensitive_record, naming_record
):
    prepare(request_received, manager)
    assert not entry_for(request_received, general_record).needs_review
    assert entry_for(request_received, sensitive_record).needs_review
    naming = entry_for(request_received, naming_record)
    assert naming.names_third_party
    assert naming.needs_review
    with pytest.raises(WorkflowError, match="2 entries still need a decision"):
        services.ready_for_meeting(request=request_received, actor=manager)
    disclose_reviewed(request_received, manager)
    services.ready_for_meeting(request=request_received, actor=manager)
    request_received.refresh_from_db()
    assert request_received.state == State.READY_FOR_MEETING


def test_a_professional_in_their_role_is_disclosed_by_default(request_received, manager, child):
    record = write(
        child,
        manager,
        "general",
        title="Health visitor's two-year check",
        body="Rachel Moore completed the two-year check: all in line with age.",
        source="third_party",
        third_party_name="Rachel Moore",
        third_party_role="Health visitor",
        third_party_organisation="Calderdale Health Visiting Team",
        sharer_confidential=False,
        subject_confidential=False,
    )
    prepare(request_received, manager)
    entry = entry_for(request_received, record)
    assert entry.disclosure == Disclosure.PROFESSIONAL
    assert entry.disclosed_by_default
    assert not entry.needs_review
    assert "Rachel Moore, Health visitor" in pack_text(request_received)
    with pytest.raises(WorkflowError, match="reason for withholding"):
        services.entry_decide(entry=entry, disclosure="withhold", actor=manager)
    entry.refresh_from_db()
    assert entry.disclosure == Disclosure.PROFESSIONAL


def test_a_professional_in_the_register_is_disclosed_by_default(
    request_received, manager, child, setting
):
    children_services.connection_add(
        child=child,
        person=Person(first_name="Hannah", last_name="Brooks", organisation="Calderdale Council"),
        relationship="local_authority",
        actor=manager,
        has_parental_responsibility=False,
    )
    record = write(
        child,
        manager,
        "general",
        title="Visit",
        body="Visit from the council.",
        source="third_party",
        third_party_name="Hannah Brooks",
        sharer_confidential=False,
        subject_confidential=False,
    )
    prepare(request_received, manager)
    assert entry_for(request_received, record).disclosure == Disclosure.PROFESSIONAL


def test_third_party_information_needs_a_ground_to_go_out(
    request_received, manager, social_worker_record
):
    prepare(request_received, manager)
    with pytest.raises(WorkflowError, match="only with consent"):
        services.entry_decide(
            entry=entry_for(request_received, social_worker_record),
            disclosure="disclose",
            actor=manager,
        )


# The family's own data, and the meeting's date.


def test_the_pack_holds_the_requesters_own_data(request_received, manager, child, mother):
    Person.objects.filter(pk=mother.pk).update(phone="07700 900555", email="farah@example.org")
    prepare(request_received, manager)
    text = pack_text(request_received)
    assert "About you and your family" in text
    for expected in [
        "Name Farah Khan",
        "Mother",
        "Parental responsibility Yes — evidence seen: Birth certificate",
        "Phone 07700 900555",
        "farah@example.org",
    ]:
        assert expected in text


def test_family_notes_are_in_the_pack(request_received, manager, child, setting):
    from children.models import Family

    family = Family.objects.create(
        setting=setting, name="Khan household", notes="Dad works nights."
    )
    type(child).objects.filter(pk=child.pk).update(family=family)
    request_received.child.refresh_from_db()
    prepare(request_received, manager)
    assert "Dad works nights." in pack_text(request_received)


def test_meeting_date_is_the_day_it_was_held(request_received, manager, mother, general_record):
    type(request_received).objects.filter(pk=request_received.pk).update(
        received_on=timezone.localdate() - datetime.timedelta(days=10)
    )
    request_received.refresh_from_db()
    prepare(request_received, manager)
    services.ready_for_meeting(request=request_received, actor=manager)
    scheduled = timezone.now() - datetime.timedelta(days=5)
    held = timezone.now() - datetime.timedelta(days=1)
    services.meeting_schedule(
        request=request_received, scheduled_at=scheduled, place="Office", actor=manager
    )
    content = content_for(request_received, prepared_for="x", watermark=None)
    assert content.meeting_date is None  # arranged, not yet held
    services.attendee_add(request=request_received, person=mother, actor=manager)
    services.meeting_record_held(
        request=request_received, held_at=held, contents_explained=True, actor=manager
    )
    content = content_for(request_received, prepared_for="x", watermark=None)
    assert content.meeting_date == timezone.localdate(held)


def test_the_pack_content_is_plain_data(request_received, manager, naming_record):
    import dataclasses
    import json

    prepare(request_received, manager)
    content = content_for(request_received, prepared_for="x", watermark=None)
    json.dumps(dataclasses.asdict(content), default=str)


# The review list: one form, "Save all".


def review_url(request):
    return reverse("access_requests:review", args=[request.pk])


def test_save_all_keeps_what_was_typed_and_shows_each_error_beside_its_entry(
    client, request_received, manager, general_record, sensitive_record
):
    prepare(request_received, manager)
    sensitive = entry_for(request_received, sensitive_record)
    general = entry_for(request_received, general_record)
    client.force_login(manager)
    response = client.post(
        review_url(request_received),
        {
            f"e{sensitive.pk}-decision": "withhold",
            f"e{sensitive.pk}-reason": "child_abuse",
            f"e{sensitive.pk}-note": "",
            f"e{general.pk}-passage": "Words that are not there",
            f"e{general.pk}-passage_reason": "third_party",
            f"e{general.pk}-passage_note": "Typed note kept",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Add a note saying why the exemption applies." in page
    assert "That passage is not in the entry" in page
    assert "Typed note kept" in page
    assert "Words that are not there" in page
    # Each error inside its own entry's card.
    start = page.index(f'id="entry-{sensitive.pk}"')
    assert "Add a note" in page[start : page.index("</li>", start)]
    start = page.index(f'id="entry-{general.pk}"')
    assert "That passage is not in the entry" in page[start : page.index("</li>", start)]
    sensitive.refresh_from_db()
    assert sensitive.disclosure == ""
    assert not Redaction.objects.exists()


def test_save_all_saves_decisions_and_passages_together(
    client, request_received, manager, general_record, sensitive_record
):
    prepare(request_received, manager)
    sensitive = entry_for(request_received, sensitive_record)
    general = entry_for(request_received, general_record)
    client.force_login(manager)
    response = client.post(
        review_url(request_received),
        {
            f"e{sensitive.pk}-decision": "withhold",
            f"e{sensitive.pk}-reason": "child_abuse",
            f"e{sensitive.pk}-note": "Not in the child's best interests.",
            f"e{sensitive.pk}-secret": "on",
            f"e{general.pk}-decision": "",
            f"e{general.pk}-passage": "Body of",
            f"e{general.pk}-passage_reason": "third_party",
            f"e{general.pk}-passage_note": "A name.",
        },
    )
    assert response.status_code == 302
    sensitive.refresh_from_db()
    assert sensitive.withheld
    assert sensitive.withhold_reason == "child_abuse"
    assert sensitive.reason_may_be_told is False
    assert sensitive.reviewed_by == manager
    redaction = Redaction.objects.get()
    assert (redaction.entry_id, redaction.passage) == (general.pk, "Body of")
    general.refresh_from_db()
    assert general.reviewed_by is None  # unchanged rows are not saved again

    response = client.post(
        review_url(request_received),
        {
            f"e{sensitive.pk}-decision": "disclose",
            f"e{general.pk}-remove": [str(redaction.pk)],
        },
    )
    assert response.status_code == 302
    assert not Redaction.objects.exists()
    sensitive.refresh_from_db()
    assert not sensitive.withheld


def test_the_review_partial_lists_every_entry_with_its_badges(
    client, request_received, manager, sensitive_record, social_worker_record, naming_record
):
    from django.template.loader import render_to_string

    from access_requests.review import review_context

    prepare(request_received, manager)
    html = render_to_string(
        "access_requests/includes/review.html",
        {"item": request_received, **review_context(request_received)},
    )
    for expected in [
        "Bruise noticed on arrival",
        "Hannah Brooks said the care plan",
        "Sensitive",
        "Third party: Hannah Brooks",
        "Confidential",
        "Names another person",
        social_worker_record.get_absolute_url(),
        "Save all",
        "3 entries still need a decision",
    ]:
        assert expected in html


def test_review_is_the_managers_alone_and_get_goes_to_the_page(
    client, request_received, manager, keyperson, sensitive_record
):
    prepare(request_received, manager)
    entry = entry_for(request_received, sensitive_record)
    client.force_login(keyperson)
    data = {f"e{entry.pk}-decision": "disclose"}
    assert client.post(review_url(request_received), data).status_code == 404
    entry.refresh_from_db()
    assert entry.disclosure == ""
    client.force_login(manager)
    response = client.get(review_url(request_received))
    assert response.status_code == 302
    assert response["Location"].endswith(f"{request_received.get_absolute_url()}#review")


def test_review_refused_outside_preparation(client, request_received, manager, general_record):
    client.force_login(manager)
    response = client.post(review_url(request_received), {})
    assert response.status_code == 200
    assert "only while the information is being prepared" in response.content.decode()


def test_a_professionals_confidential_information_is_not_disclosed_by_default(
    request_received, manager, child
):
    record = write(
        child,
        manager,
        "sensitive",
        title="Update from the social worker",
        body="The plan is not to be discussed with the birth family.",
        source="third_party",
        third_party_name="Hannah Brooks",
        third_party_role="Social worker",
        subject_confidential=True,
    )
    prepare(request_received, manager)
    entry = entry_for(request_received, record)
    assert entry.disclosure == ""
    assert entry.needs_review
