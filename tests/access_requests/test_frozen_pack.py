"""The pack is fixed when it becomes ready for the meeting, and the copy released is that pack."""

import dataclasses
import datetime
import json

import pytest
from django.utils import timezone

from access_requests import services, snapshot
from access_requests.models import FrozenPack, PackRelease, State
from access_requests.pdf import PackContent, PackEntry, PackStatement
from children import services as children_services
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from tests.access_requests.conftest import disclose_reviewed, write


def amend(record, actor, body):
    fields = {
        name: getattr(record, name)
        for name in ("kind", "sensitivity", "nature", "title", "occurred_at", "source")
    }
    children_services.record_update(record=record, actor=actor, reason="Typo", **fields, body=body)


def hold_meeting(request, manager, person):
    services.meeting_schedule(
        request=request,
        scheduled_at=timezone.now() - datetime.timedelta(hours=2),
        place="Office",
        actor=manager,
        reason="To go through the pack again",
    )
    if not request.meeting.attendees.filter(person=person).exists():
        services.attendee_add(request=request, person=person, actor=manager)
    services.meeting_record_held(
        request=request,
        held_at=timezone.now() - datetime.timedelta(hours=1),
        contents_explained=True,
        actor=manager,
    )
    request.refresh_from_db()


@pytest.fixture
def request_ready(request_preparing, manager):
    disclose_reviewed(request_preparing, manager)
    services.ready_for_meeting(request=request_preparing, actor=manager)
    request_preparing.refresh_from_db()
    return request_preparing


# Serialising generically


@dataclasses.dataclass(frozen=True)
class Inner:
    when: datetime.datetime
    words: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Outer:
    day: datetime.date
    maybe: str | None
    inner: list[Inner]
    extra: dict[str, int] = dataclasses.field(default_factory=dict)


def test_any_dataclass_round_trips_through_json():
    value = Outer(
        day=datetime.date(2026, 2, 28),
        maybe=None,
        inner=[Inner(when=timezone.now(), words=["a", "b"])],
        extra={"x": 1},
    )
    plain = json.loads(snapshot.canonical_json(snapshot.to_plain(value)))
    assert plain["day"] == "2026-02-28"
    assert snapshot.from_plain(Outer, plain) == value


def test_the_pack_content_round_trips_and_a_missing_new_field_takes_its_default():
    content = PackContent(
        reference="AR-2026-0001",
        child_name="Amara Khan",
        child_date_of_birth=datetime.date(2022, 2, 1),
        prepared_for="Farah Khan",
        prepared_by="Manager",
        meeting_date=None,
        setting_name="Little Acorns",
        entries=[
            PackEntry(
                title="Tower",
                kind_label="Observation",
                occurred_at=timezone.now(),
                author_name="Key Person",
                nature_label="Fact",
                source_label="The setting",
                body="Built a tower.",
                parent_statements=[
                    PackStatement(
                        made_by="Farah Khan",
                        made_on=timezone.localdate(),
                        taken_how="In a meeting",
                        words="I agree.",
                        replaced_on=timezone.localdate(),
                    )
                ],
                disputed=True,
            )
        ],
    )
    plain = snapshot.to_plain(content)
    assert snapshot.from_plain(PackContent, plain) == content
    del plain["entries"][0]["parent_statements"]
    assert snapshot.from_plain(PackContent, plain).entries[0].parent_statements == []
    assert snapshot.digest(plain) == snapshot.digest(json.loads(json.dumps(plain)))


# Freezing


def test_ready_for_the_meeting_fixes_the_content_with_its_fingerprint(
    request_ready, manager, general_record
):
    frozen = FrozenPack.objects.get(request=request_ready)
    assert frozen.frozen_by == manager
    assert frozen.sha256 == snapshot.digest(frozen.content)
    assert general_record.title in json.dumps(frozen.content)
    assert {row["record"] for row in frozen.entries} >= {general_record.pk}
    assert services.changes_since_preparation(request_ready) == []


def test_a_changed_entry_is_shown_and_the_working_copy_stays_as_discussed(
    request_ready, manager, keyperson, general_record, mother
):
    amend(general_record, keyperson, "Something else entirely.")
    changes = services.changes_since_preparation(request_ready)
    assert changes == [f"“{general_record.title}” was changed since preparation."]
    content = services.pack_content(request_ready, prepared_for="Farah Khan", watermark="W")
    bodies = [entry.body for entry in content.entries]
    assert "Something else entirely." not in bodies
    assert general_record.body not in bodies  # the in-memory record still holds the old text
    hold_meeting(request_ready, manager, mother)
    with pytest.raises(WorkflowError, match="since preparation"):
        services.pack_release(
            request=request_ready, recipient_person=request_ready.requester, actor=manager
        )
    assert not PackRelease.objects.exists()


def test_an_entry_written_after_freezing_blocks_release(request_ready, manager, keyperson, mother):
    hold_meeting(request_ready, manager, mother)
    write(request_ready.child, keyperson, title="Written after the meeting was prepared")
    assert services.changes_since_preparation(request_ready) == [
        "“Written after the meeting was prepared” was written since preparation."
    ]
    assert "1 change since preparation" in " ".join(services.release_blockers(request_ready))


def test_a_changed_decision_blocks_release(request_ready, manager, mother, general_record):
    hold_meeting(request_ready, manager, mother)
    entry = request_ready.entries.get(record=general_record)
    entry.included = False
    entry.disclosure = "withhold"
    entry.withhold_reason = "other"
    entry.withhold_note = "Taken out after the pack was fixed"
    save_as(entry, actor=manager, reason="Changed behind the workflow's back")
    assert services.changes_since_preparation(request_ready) == [
        f"The decision on “{general_record.title}” was changed since preparation."
    ]
    with pytest.raises(WorkflowError, match="since preparation"):
        services.pack_release(
            request=request_ready, recipient_person=request_ready.requester, actor=manager
        )


def test_preparing_again_refreezes_and_needs_the_meeting_again(
    request_ready, manager, keyperson, mother, monkeypatch
):
    hold_meeting(request_ready, manager, mother)
    late = write(request_ready.child, keyperson, title="Late entry")
    with pytest.raises(WorkflowError, match="Say why"):
        services.preparation_reopen(request=request_ready, reason=" ", actor=manager)
    services.preparation_reopen(request=request_ready, reason="A late entry", actor=manager)
    request_ready.refresh_from_db()
    assert request_ready.state == State.PREPARING
    assert request_ready.entries.filter(record=late).exists()
    assert request_ready.meeting.held_at is None
    first = FrozenPack.objects.get(request=request_ready)
    assert first.superseded_at is not None

    services.ready_for_meeting(request=request_ready, actor=manager)
    second = services.current_frozen(request_ready)
    assert second != first
    assert "Late entry" in json.dumps(second.content)
    with pytest.raises(WorkflowError, match="only after the meeting"):
        services.pack_release(
            request=request_ready, recipient_person=request_ready.requester, actor=manager
        )
    hold_meeting(request_ready, manager, mother)

    import access_requests.pdf

    rendered = []
    real = access_requests.pdf.render_pack
    monkeypatch.setattr(
        access_requests.pdf,
        "render_pack",
        lambda content: rendered.append(content) or real(content),
    )
    release = services.pack_release(
        request=request_ready, recipient_person=request_ready.requester, actor=manager
    )
    assert release.frozen == second
    # Exactly the frozen content, with the recipient's name and the meeting's details.
    sent = snapshot.to_plain(rendered[0])
    assert sent["prepared_for"] == "Farah Khan"
    assert services._frozen_plain(rendered[0]) == second.content


def test_released_copy_is_the_frozen_content_not_the_live_records(
    request_ready, manager, mother, general_record, monkeypatch
):
    hold_meeting(request_ready, manager, mother)
    # A change that bypasses every service (and so every updated_at) still cannot leak out:
    # the copy is made from the frozen content, and the content check notices the change.
    from children.models import Record

    Record.objects.filter(pk=general_record.pk).update(body="Changed in the database")
    assert services.changes_since_preparation(request_ready) == [
        "The pack's content was changed since preparation."
    ]
    content = services.pack_content(request_ready, prepared_for="Farah Khan", watermark=None)
    assert "Changed in the database" not in [entry.body for entry in content.entries]


def test_a_tampered_frozen_pack_is_refused(request_ready, manager, mother):
    hold_meeting(request_ready, manager, mother)
    frozen = services.current_frozen(request_ready)
    FrozenPack.objects.filter(pk=frozen.pk).update(
        content={**frozen.content, "child_name": "Someone else"}
    )
    with pytest.raises(WorkflowError, match="does not match its fingerprint"):
        services.pack_release(
            request=request_ready, recipient_person=request_ready.requester, actor=manager
        )
    assert not PackRelease.objects.exists()


def test_the_working_copy_page_is_the_frozen_pack(
    client, request_ready, manager, keyperson, general_record, monkeypatch
):
    import access_requests.pdf

    rendered = []
    monkeypatch.setattr(
        access_requests.pdf, "render_pack", lambda content: rendered.append(content) or b"%PDF"
    )
    amend(general_record, keyperson, "Not what was prepared.")
    client.force_login(manager)
    response = client.get(f"/access-requests/{request_ready.pk}/preview.pdf")
    assert response.status_code == 200
    assert "Not what was prepared." not in [entry.body for entry in rendered[0].entries]
    assert rendered[0].watermark
    page = client.get(f"/access-requests/{request_ready.pk}/").content.decode()
    assert "changed since preparation" in page
