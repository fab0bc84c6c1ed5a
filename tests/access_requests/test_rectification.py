"""Rectification requests (policy P11; UK GDPR Art. 16, 18, 19, 12): recorded against an entry,
decided with reasons or refused, the entry disputed until the parent is told, past recipients
told."""

import datetime

import pytest
from django.utils import timezone

from access_requests import deadlines, services
from access_requests.models import (
    RectificationNotice,
    RectificationRequest,
)
from children.models import InformationSharing, ParentStatement, Person, Record
from children.sharing import summary_disclosures
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import AccessAction, AccessLogEntry
from tests.access_requests.conftest import (
    decide_corrected,
    decide_kept,
    rectify,
    share_entry,
    verify,
    written_long_ago,
)
from tests.children.conftest import share, write

TODAY = timezone.localdate


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


def fresh(record):
    return Record.objects.get(pk=record.pk)


# Recording a request.


def test_a_request_marks_the_entry_disputed(general_record, mother, manager):
    rectification = rectify(general_record, mother, manager)
    record = fresh(general_record)
    assert record.disputed
    latest = record.history.first()
    assert latest.history_change_reason == (
        f"Disputed: correction request {rectification.pk} received"
    )
    assert rectification.state == "received"
    assert rectification.child == general_record.child
    row = AccessLogEntry.objects.filter(action=AccessAction.RECTIFICATION_STATE_CHANGED).get()
    assert row.record_id == general_record.pk
    assert row.detail == {"rectification": rectification.pk, "from": None, "to": "received"}


def test_only_the_manager_records_a_request(general_record, mother, keyperson, othermanager):
    for actor in (keyperson, othermanager):
        with pytest.raises(WorkflowError, match="Only the setting's manager"):
            rectify(general_record, mother, actor)
    assert not RectificationRequest.objects.exists()
    assert not fresh(general_record).disputed


def test_someone_without_parental_responsibility_cannot_ask(general_record, grandmother, manager):
    with pytest.raises(WorkflowError, match="does not hold parental responsibility"):
        rectify(general_record, grandmother, manager)
    assert not fresh(general_record).disputed


def test_someone_outside_the_register_cannot_ask(general_record, setting, manager):
    stranger = Person(setting=setting, first_name="Lee", last_name="Stone")
    save_as(stranger, actor=manager)
    with pytest.raises(WorkflowError, match=r"not in .* register"):
        rectify(general_record, stranger, manager)


def test_a_representative_may_ask_for_a_parent(general_record, mother, manager):
    rectification = rectify(general_record, mother, manager, representative_name="A. Solicitor")
    assert rectification.representative_name == "A. Solicitor"
    assert rectification.requester == mother


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"what_is_wrong": "  "}, "what the parent says is wrong"),
        ({"channel": "pigeon"}, "how the request was received"),
    ],
)
def test_a_request_says_what_is_wrong_and_how_it_came(
    general_record, mother, manager, extra, message
):
    with pytest.raises(WorkflowError, match=message):
        rectify(general_record, mother, manager, **extra)


def test_a_request_is_not_received_in_the_future_or_before_the_entry(
    general_record, mother, manager
):
    with pytest.raises(WorkflowError, match="future"):
        rectify(general_record, mother, manager, days_ago=-1)
    with pytest.raises(WorkflowError, match="before the day the entry is about"):
        services.rectification_create(
            record=general_record,
            requester=mother,
            received_on=days_ago(2),
            channel="letter",
            what_is_wrong="Wrong",
            actor=manager,
        )


# Deciding.


def test_deciding_waits_for_identity(rectification_received, manager):
    with pytest.raises(WorkflowError, match="Verify the parent's identity"):
        decide_corrected(rectification_received, manager)
    assert fresh(rectification_received.record).disputed


def test_a_factual_inaccuracy_is_corrected_with_the_request_named(rectification_verified, manager):
    rectification = decide_corrected(rectification_verified, manager)
    record = fresh(rectification.record)
    assert record.body == "Collected at 4pm."
    # Still restricted until the parent is told (UK GDPR Art. 18(3)).
    assert record.disputed
    assert rectification.state == "decided"
    assert rectification.outcome == "corrected"
    reasons = [row.history_change_reason for row in record.history.all()]
    assert f"Corrected on correction request {rectification.pk}" in reasons
    corrected = record.history.get(
        history_change_reason=f"Corrected on correction request {rectification.pk}"
    )
    old = corrected.prev_record
    assert old.body != "Collected at 4pm."  # the old text is kept in history
    assert rectification.decided_by == manager


def test_an_opinion_is_not_corrected(general_record, mother, manager):
    general_record.nature = "opinion"
    save_as(general_record, actor=manager)
    rectification = verify(rectify(general_record, mother, manager), manager)
    with pytest.raises(WorkflowError, match="not corrected"):
        decide_corrected(rectification, manager)
    assert fresh(general_record).disputed


def test_a_misclassified_entry_has_its_mark_changed_in_history(general_record, mother, manager):
    general_record.nature = "opinion"
    save_as(general_record, actor=manager)
    rectification = verify(rectify(general_record, mother, manager), manager)
    decide_corrected(rectification, manager, found_nature="fact", misclassified=True)
    record = fresh(general_record)
    assert record.nature == "fact"
    assert record.body == "Collected at 4pm."
    marked = record.history.get(
        history_change_reason=f"Marked fact on correction request {rectification.pk}"
    )
    assert marked.prev_record.nature == "opinion"
    rectification.refresh_from_db()
    assert rectification.misclassified
    assert rectification.found_nature == "fact"


def test_misclassified_must_match_what_was_found(rectification_verified, manager):
    with pytest.raises(WorkflowError, match="marked wrongly"):
        decide_corrected(rectification_verified, manager, misclassified=True)
    with pytest.raises(WorkflowError, match="marked wrongly"):
        decide_kept(rectification_verified, manager, found_nature="opinion")
    assert fresh(rectification_verified.record).nature == "fact"


def test_a_correction_changes_something(rectification_verified, manager):
    record = rectification_verified.record
    with pytest.raises(WorkflowError, match="the same as the entry"):
        decide_corrected(rectification_verified, manager, corrected_body=record.body)


def test_a_kept_entry_gets_the_parents_statement(rectification_verified, manager, mother):
    before = fresh(rectification_verified.record)
    rectification = decide_kept(rectification_verified, manager)
    record = fresh(rectification.record)
    assert (record.title, record.body) == (before.title, before.body)
    assert record.disputed
    statement = ParentStatement.objects.get(record=record)
    assert rectification.statement == statement
    assert statement.person == mother
    assert statement.words == "I do not agree: she was just tired that day."
    assert statement.history.first().history_change_reason == (
        f"Parent's statement on correction request {rectification.pk}"
    )


def test_a_kept_entry_needs_the_parents_words(rectification_verified, manager):
    with pytest.raises(WorkflowError, match="their words"):
        decide_kept(rectification_verified, manager, statement_words=" ")
    assert not ParentStatement.objects.exists()


def tell(rectification, manager, **extra):
    fields = {"told_on": TODAY(), "told_how": "letter", "told_of_rights": True}
    return services.rectification_tell(
        rectification=rectification, actor=manager, **(fields | extra)
    )


def test_two_requests_on_one_entry_keep_it_disputed_until_both_end(
    general_record, mother, father, manager
):
    first = verify(rectify(general_record, mother, manager), manager)
    second = rectify(general_record, father, manager, what_is_wrong="The date is wrong.")
    decide_kept(first, manager)
    tell(first, manager)
    # The first parent is told, but the second request still restricts the entry.
    assert fresh(general_record).disputed
    services.rectification_withdraw(rectification=second, actor=manager, reason="Agreed")
    record = fresh(general_record)
    assert not record.disputed
    assert record.history.first().history_change_reason == (
        f"Disputed: correction request {second.pk} withdrawn"
    )


@pytest.mark.parametrize("decide", [decide_corrected, decide_kept])
def test_the_restriction_is_lifted_only_when_the_parent_is_told(
    rectification_verified, manager, decide
):
    """UK GDPR Art. 18(3): the parent who obtained the restriction is informed before it is
    lifted. Deciding leaves the entry disputed; telling the parent clears the mark."""
    rectification = decide(rectification_verified, manager)
    record = fresh(rectification.record)
    assert record.disputed
    tell(rectification, manager)
    record = fresh(record)
    assert not record.disputed
    assert record.history.first().history_change_reason == (
        f"Disputed: correction request {rectification.pk} decided and the parent told"
    )


def test_a_decided_request_still_restricts_another_told_one(
    general_record, mother, father, manager
):
    first = verify(rectify(general_record, mother, manager), manager)
    second = verify(rectify(general_record, father, manager, what_is_wrong="Date"), manager)
    decide_kept(first, manager)
    decide_kept(second, manager, statement_words="The date is wrong.")
    tell(first, manager)
    assert fresh(general_record).disputed
    tell(second, manager)
    assert not fresh(general_record).disputed


# Telling the parent, withdrawing.


def test_telling_the_parent_closes_the_request(rectification_verified, manager):
    """Telling the parent answers the request and lifts the restriction (Art. 18(3))."""
    rectification = decide_kept(rectification_verified, manager)
    with pytest.raises(WorkflowError, match="right to complain"):
        services.rectification_tell(
            rectification=rectification,
            actor=manager,
            told_on=TODAY(),
            told_how="letter",
            told_of_rights=False,
        )
    services.rectification_tell(
        rectification=rectification,
        actor=manager,
        told_on=TODAY(),
        told_how="letter",
        told_of_rights=True,
    )
    rectification.refresh_from_db()
    assert rectification.state == "closed"
    assert rectification.told_of_rights
    assert not fresh(rectification.record).disputed
    assert services.answered_on_time(rectification) is True
    rows = AccessLogEntry.objects.filter(action=AccessAction.RECTIFICATION_STATE_CHANGED)
    assert [row.detail["to"] for row in rows.order_by("id")] == [
        "received",
        "identity_verified",
        "decided",
        "closed",
    ]


def test_a_parent_told_after_the_month_was_answered_late(general_record, mother, manager):
    rectification = verify(rectify(general_record, mother, manager, days_ago=40), manager)
    decide_kept(rectification, manager)
    services.rectification_tell(
        rectification=rectification,
        actor=manager,
        told_on=TODAY(),
        told_how="email",
        told_of_rights=True,
    )
    rectification.refresh_from_db()
    assert services.answered_on_time(rectification) is False


def test_withdrawing_ends_the_dispute(rectification_received, manager):
    with pytest.raises(WorkflowError, match="Give the reason"):
        services.rectification_withdraw(
            rectification=rectification_received, actor=manager, reason=""
        )
    services.rectification_withdraw(
        rectification=rectification_received, actor=manager, reason="Parent changed their mind"
    )
    rectification_received.refresh_from_db()
    assert rectification_received.state == "withdrawn"
    assert not fresh(rectification_received.record).disputed


def test_a_decided_request_is_not_withdrawn(rectification_verified, manager):
    decide_kept(rectification_verified, manager)
    with pytest.raises(WorkflowError, match="not yet decided"):
        services.rectification_withdraw(
            rectification=rectification_verified, actor=manager, reason="Too late"
        )


# Past recipients (Art. 19).


def test_past_recipients_are_those_the_entry_was_shared_with(
    general_record, sensitive_record, manager
):
    shared = share_entry(general_record, manager)
    share_entry(sensitive_record, manager, organisation="Health visiting")
    declined = InformationSharing(
        child=general_record.child,
        decision="not_shared",
        decided_on=TODAY(),
        decided_by=manager,
        recipient_organisation="Police",
        purpose="Asked for",
        consent="not_sought",
        framework="other",
        recorded_by=manager,
    )
    save_as(declined, actor=manager)
    assert list(services.past_recipients(general_record)) == [shared]


def test_each_recipient_of_a_correction_is_told_once(rectification_verified, manager):
    record = rectification_verified.record
    social, health = (
        share_entry(record, manager),
        share_entry(record, manager, organisation="Health"),
    )
    rectification = decide_corrected(rectification_verified, manager)
    assert services.notices_outstanding(rectification) == [social, health]
    notice = services.notice_record(
        rectification=rectification,
        sharing=social,
        actor=manager,
        outcome="notified",
        done_on=TODAY(),
        method="secure_email",
    )
    assert services.notices_outstanding(rectification) == [health]
    with pytest.raises(WorkflowError, match="already recorded"):
        services.notice_record(
            rectification=rectification,
            sharing=social,
            actor=manager,
            outcome="notified",
            done_on=TODAY(),
            method="phone",
        )
    with pytest.raises(WorkflowError, match="Say why"):
        services.notice_record(
            rectification=rectification,
            sharing=health,
            actor=manager,
            outcome="impossible",
            done_on=TODAY(),
        )
    services.notice_record(
        rectification=rectification,
        sharing=health,
        actor=manager,
        outcome="impossible",
        done_on=TODAY(),
        note="The team has closed and no successor holds the file.",
    )
    assert services.notices_outstanding(rectification) == []
    assert RectificationNotice.objects.count() == 2
    rows = AccessLogEntry.objects.filter(action=AccessAction.RECIPIENT_NOTICE_RECORDED)
    row = rows.order_by("id").first()
    assert row.detail == {
        "rectification": rectification.pk,
        "notice": notice.pk,
        "sharing": social.pk,
    }


def test_only_a_past_recipient_of_that_entry_is_told(
    rectification_verified, sensitive_record, manager
):
    other = share_entry(sensitive_record, manager)
    rectification = decide_corrected(rectification_verified, manager)
    with pytest.raises(WorkflowError, match="not a past recipient"):
        services.notice_record(
            rectification=rectification,
            sharing=other,
            actor=manager,
            outcome="notified",
            done_on=TODAY(),
            method="phone",
        )


def test_a_kept_entry_has_no_correction_to_tell(rectification_verified, manager):
    sharing = share_entry(rectification_verified.record, manager)
    rectification = decide_kept(rectification_verified, manager)
    assert services.notices_outstanding(rectification) == []
    with pytest.raises(WorkflowError, match="no correction to tell"):
        services.notice_record(
            rectification=rectification,
            sharing=sharing,
            actor=manager,
            outcome="notified",
            done_on=TODAY(),
            method="phone",
        )


# The statutory clock: the access requests' own, with the same rules.


def test_the_month_runs_from_receipt(general_record, mother, manager):
    rectification = rectify(general_record, mother, manager, days_ago=3)
    received = rectification.received_on
    assert rectification.due_on() == _one_month_after(received)


def _one_month_after(day):
    return deadlines.due_date(received=day)


def test_proof_of_identity_restarts_the_month(general_record, mother, manager):
    rectification = rectify(general_record, mother, manager, days_ago=20)
    services.identity_request(
        request=rectification, requested_on=days_ago(19), asked_for="Passport", actor=manager
    )
    rectification.refresh_from_db()
    assert rectification.waiting_for_identity
    assert rectification.due_on() is None
    services.identity_verify(
        request=rectification,
        method="Passport seen",
        identity_received_on=days_ago(5),
        actor=manager,
    )
    rectification.refresh_from_db()
    assert rectification.state == "identity_verified"
    assert rectification.due_on() == _one_month_after(days_ago(5))


@pytest.mark.parametrize("state", ["received", "identity_verified", "decided"])
def test_the_clock_is_not_stopped_for_a_clarification(rectification_received, manager, state):
    """UK GDPR Art. 12A(3)-(5) and DPA 2018 s.54(3C) stop the clock while the setting waits to
    learn which information an access request is about; a correction request has no such
    pause: one month from receipt or proof of identity, extendable by two months."""
    if state != "received":
        verify(rectification_received, manager)
    if state == "decided":
        decide_kept(rectification_received, manager)
    due = rectification_received.due_on()
    message = (
        "The clock can be stopped for a clarification only on an access request (UK GDPR "
        "Art. 12A): a correction request runs for one month from receipt or proof of "
        "identity, extendable by two months."
    )
    with pytest.raises(WorkflowError) as refused:
        services.pause_start(
            request=rectification_received,
            reason="Which day do they mean?",
            started_on=days_ago(2),
            actor=manager,
        )
    assert str(refused.value) == message
    with pytest.raises(WorkflowError) as refused:
        services.pause_end(request=rectification_received, ended_on=TODAY(), actor=manager)
    assert str(refused.value) == message
    rectification_received.refresh_from_db()
    assert rectification_received.due_on() == due


def test_an_extension_adds_months_when_told_in_the_first_month(general_record, mother, manager):
    rectification = rectify(general_record, mother, manager, days_ago=10)
    services.extension_record(
        request=rectification,
        months=2,
        reason="Several entries and two parents' accounts",
        told_on=TODAY(),
        reasons_told=True,
        actor=manager,
    )
    rectification.refresh_from_db()
    assert rectification.due_on() == deadlines.due_date(
        received=rectification.received_on, extension_months=2
    )


def test_an_extension_after_the_first_month_is_refused(general_record, mother, manager):
    rectification = rectify(general_record, mother, manager, days_ago=40)
    with pytest.raises(WorkflowError, match="within the first month"):
        services.extension_record(
            request=rectification,
            months=1,
            reason="Complex",
            told_on=TODAY(),
            reasons_told=True,
            actor=manager,
        )


def test_an_unanswered_request_becomes_overdue(general_record, mother, manager):
    rectification = rectify(general_record, mother, manager, days_ago=40)
    assert rectification.deadline().overdue


def test_the_clock_services_say_correction_requests_to_others(rectification_received, othermanager):
    with pytest.raises(WorkflowError, match="handles correction requests"):
        services.extension_record(
            request=rectification_received,
            months=1,
            reason="Complex",
            told_on=TODAY(),
            reasons_told=True,
            actor=othermanager,
        )


def test_a_sensitive_entry_can_be_disputed_too(sensitive_record, mother, manager):
    rectify(sensitive_record, mother, manager)
    assert fresh(sensitive_record).disputed


def test_a_request_on_a_recent_entry(child, keyperson, mother, manager):
    record = written_long_ago(write(child, keyperson, title="Snack time"), days=1)
    rectification = rectify(record, mother, manager, days_ago=0)
    assert rectification.received_on == TODAY()


# Refusing (UK GDPR Art. 12(4)-(5)).


def refuse(rectification, manager, **extra):
    fields = {
        "ground": "manifestly_unfounded",
        "reason": "The same request, about the same entry, was answered last week.",
        "told_on": TODAY(),
        "told_how": "letter",
        "told_of_rights": True,
    }
    return services.rectification_refuse(
        rectification=rectification, actor=manager, **(fields | extra)
    )


@pytest.mark.parametrize("state", ["received", "identity_verified"])
def test_a_refusal_is_recorded_with_the_notice_and_lifts_the_restriction(
    rectification_received, manager, state
):
    if state == "identity_verified":
        verify(rectification_received, manager)
    rectification = refuse(rectification_received, manager)
    rectification.refresh_from_db()
    assert rectification.state == "refused"
    assert rectification.refusal_ground == "manifestly_unfounded"
    assert rectification.outcome_reason.startswith("The same request")
    assert (rectification.told_on, rectification.told_how) == (TODAY(), "letter")
    assert rectification.told_of_rights
    assert not rectification.is_open
    assert services.answered_on_time(rectification) is True
    record = fresh(rectification.record)
    assert not record.disputed
    assert record.history.first().history_change_reason == (
        f"Disputed: correction request {rectification.pk} refused"
    )
    assert rectification.history.first().history_change_reason == (
        "Refused: Manifestly unfounded (Art. 12(5))"
    )
    rows = AccessLogEntry.objects.filter(action=AccessAction.RECTIFICATION_STATE_CHANGED)
    row = rows.order_by("id").last()
    assert row.detail == {"rectification": rectification.pk, "from": state, "to": "refused"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"ground": "whim"}, "Choose the ground"),
        ({"reason": "  "}, "Give the reasons"),
        ({"told_how": "pigeon"}, "Say how the parent was told"),
        ({"told_of_rights": False}, "complaints procedure, to complain to the ICO and to go to"),
        ({"told_on": TODAY() + datetime.timedelta(days=1)}, "between the day the request"),
        ({"told_on": days_ago(30)}, "between the day the request"),
        ({"ground": "no_parental_responsibility"}, "holds parental responsibility"),
    ],
)
def test_a_refusal_needs_its_ground_reasons_and_the_parent_told_of_their_rights(
    rectification_received, manager, extra, message
):
    with pytest.raises(WorkflowError, match=message):
        refuse(rectification_received, manager, **extra)
    rectification_received.refresh_from_db()
    assert rectification_received.state == "received"
    assert fresh(rectification_received.record).disputed


def test_a_requester_who_lost_parental_responsibility_is_refused_on_that_ground(
    rectification_received, manager, mother
):
    connection = mother.connections.get()
    connection.has_parental_responsibility = False
    save_as(connection, actor=manager)
    with pytest.raises(WorkflowError, match="can only be refused"):
        verify(rectification_received, manager)
    refuse(rectification_received, manager, ground="no_parental_responsibility")
    rectification_received.refresh_from_db()
    assert rectification_received.state == "refused"


def test_a_decided_request_is_not_refused(rectification_verified, manager):
    decide_kept(rectification_verified, manager)
    with pytest.raises(WorkflowError, match="not yet decided"):
        refuse(rectification_verified, manager)


def test_refusing_one_request_leaves_the_entry_disputed_by_another(
    general_record, mother, father, manager
):
    first = rectify(general_record, mother, manager)
    rectify(general_record, father, manager, what_is_wrong="The date is wrong.")
    refuse(first, manager)
    assert fresh(general_record).disputed


# Disclosures recorded as a written summary only (Art. 19).


def share_summary(record, manager, on=None, organisation="Health visiting"):
    """A disclosure about the entry's child recorded as a written summary only."""
    return share(
        record.child,
        manager,
        summary="A summary of how she has settled in.",
        decided_on=on or TODAY(),
        recipient_organisation=organisation,
    )


def test_summaries_about_the_child_since_the_entry_was_written_are_to_be_checked(
    rectification_verified, manager, child, keyperson
):
    record = rectification_verified.record
    named = share_entry(record, manager)
    summary = share_summary(record, manager)
    written = timezone.localtime(record.created_at).date()
    before = share_summary(
        record, manager, on=written - datetime.timedelta(days=1), organisation="Earlier"
    )
    other_entry = share_entry(write(child, keyperson, title="Another"), manager, organisation="X")
    assert list(services.past_recipients(record)) == [named]
    found = list(summary_disclosures(record))
    assert summary in found
    assert before not in found
    assert named not in found
    assert other_entry not in found
    rectification = decide_corrected(rectification_verified, manager)
    assert services.summaries_to_check(rectification) == [summary]
    assert services.notices_outstanding(rectification) == [named]


def test_a_summary_is_told_or_marked_as_not_including_the_entry(rectification_verified, manager):
    record = rectification_verified.record
    named = share_entry(record, manager)
    first = share_summary(record, manager)
    second = share_summary(record, manager, organisation="Speech and language")
    rectification = decide_corrected(rectification_verified, manager)
    with pytest.raises(WorkflowError, match="how you know"):
        services.notice_record(
            rectification=rectification,
            sharing=first,
            actor=manager,
            outcome="not_included",
            done_on=TODAY(),
        )
    services.notice_record(
        rectification=rectification,
        sharing=first,
        actor=manager,
        outcome="not_included",
        done_on=TODAY(),
        note="The summary was about her speech only.",
    )
    services.notice_record(
        rectification=rectification,
        sharing=second,
        actor=manager,
        outcome="notified",
        done_on=TODAY(),
        method="phone",
    )
    assert services.summaries_to_check(rectification) == []
    # A disclosure that named the entry cannot be said not to include it.
    with pytest.raises(WorkflowError, match="named the entry"):
        services.notice_record(
            rectification=rectification,
            sharing=named,
            actor=manager,
            outcome="not_included",
            done_on=TODAY(),
            note="?",
        )
    assert RectificationNotice.objects.count() == 2
