"""Rectification requests (policy P11; UK GDPR Art. 16, 18, 19, 12): a parent says an entry is
wrong; the manager decides, with reasons, and tells the parent and every past recipient; or
refuses the request (Art. 12(4)-(5)).

The clock (proof of identity, extension) is the access requests' own: ``identity_request``,
``identity_verify`` and ``extension_record`` in ``clock.py`` take either kind of request. The
clock is not stopped for a clarification: that applies to access requests only (Art. 12A(3)-(5),
DPA 2018 s.54(3C)), and ``pause_start`` refuses a correction request.

From receipt until the parent is told the decision the entry is *disputed*: Art. 18(1)(a)
restricts its use while its accuracy is checked, and Art. 18(3) has the parent who obtained the
restriction informed before it is lifted, so deciding leaves it restricted and telling the
parent lifts it (as do withdrawing and refusing the request). ``Record.disputed`` is kept here
alone, in the same transaction as the request, under a lock of the entry row so that two
requests about one entry cannot leave it wrong.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from access_requests.models import (
    PENDING_RECTIFICATION_STATES,
    RESTRICTING_RECTIFICATION_STATES,
    Channel,
    NoticeOutcome,
    RectificationNotice,
    RectificationOutcome,
    RectificationRequest,
    RectificationState,
    RefusalGround,
)
from access_requests.services.workflow import (
    _date_in_words,
    _locked,
    _require_manager,
    _require_state,
    _why,
    pr_connection,
    requester_without_pr,
)
from children import services as children_services
from children.models import (
    InformationSharing,
    Nature,
    Person,
    Record,
    SharingMethod,
)

# Who the entry went to, from the sharing log: who must be told of a correction (Art. 19), and
# the disclosures recorded as a written summary only that may have included it.
from children.sharing import past_recipients, summary_disclosures
from children.statements import statement_record
from setting_records import access_log
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import AccessAction, User

HANDLES = "correction requests"

# Where each state may go next (``_move`` is the one place a request moves).
TRANSITIONS: dict[str, set[str]] = {
    RectificationState.RECEIVED: {
        RectificationState.IDENTITY_VERIFIED,
        RectificationState.WITHDRAWN,
        RectificationState.REFUSED,
    },
    RectificationState.IDENTITY_VERIFIED: {
        RectificationState.DECIDED,
        RectificationState.WITHDRAWN,
        RectificationState.REFUSED,
    },
    RectificationState.DECIDED: {RectificationState.CLOSED},
    RectificationState.CLOSED: set(),
    RectificationState.WITHDRAWN: set(),
    RectificationState.REFUSED: set(),
}


def _move(
    rectification: RectificationRequest, to: str, *, actor: User, reason: str
) -> RectificationRequest:
    if to not in TRANSITIONS[rectification.state]:
        raise WorkflowError(
            f"A request that is “{rectification.get_state_display()}” cannot become "
            f"“{RectificationState(to).label}”."
        )
    previous = rectification.state
    rectification.state = to
    save_as(rectification, actor=actor, reason=reason)
    access_log.append(
        action=AccessAction.RECTIFICATION_STATE_CHANGED,
        actor=actor,
        record=rectification.record,
        detail={"rectification": rectification.pk, "from": previous, "to": to},
    )
    return rectification


def _locked_record(record_id: int) -> Record:
    """The entry row, locked: every change of its disputed mark goes through this lock."""
    return Record.objects.select_for_update().select_related("child__setting").get(pk=record_id)


def _keep_disputed(record: Record, *, actor: User, reason: str) -> None:
    """Mark the entry disputed while any request about it restricts it (received, identity
    verified, or decided with the parent not yet told: Art. 18(1)(a), 18(3)), and clear the mark
    when none does; the change, if any, is kept in the entry's history."""
    restricted = RectificationRequest.objects.filter(
        record_id=record.pk, state__in=RESTRICTING_RECTIFICATION_STATES
    ).exists()
    if record.disputed != restricted:
        record.disputed = restricted
        save_as(record, actor=actor, reason=reason, update_fields=["disputed"])


@transaction.atomic
def rectification_create(
    *,
    record: Record,
    requester: Person,
    received_on: datetime.date,
    channel: str,
    what_is_wrong: str,
    actor: User,
    what_it_should_say: str = "",
    representative_name: str = "",
) -> RectificationRequest:
    """Record a parent's request to correct an entry (UK GDPR Art. 16), and mark the entry
    disputed until the parent is told the decision (Art. 18(1)(a), 18(3)).

    The requester is a person in the child's register who holds parental responsibility; the
    request may be made for them by someone else (``representative_name``), never for someone
    without it (the right is the child's, exercised by those with parental responsibility)."""
    record = _locked_record(record.pk)
    child = record.child
    _require_manager(actor, child, HANDLES)
    if requester.setting_id != child.setting_id:
        raise WorkflowError(f"{requester} is not known at {child}'s setting.")
    connection = pr_connection(child, requester)
    if connection is None:
        raise WorkflowError(f"{requester} is not in {child}'s register.")
    if not connection.has_parental_responsibility:
        raise WorkflowError(
            f"{requester} does not hold parental responsibility for {child}: only someone who "
            "does, or someone acting for them, can ask for an entry to be corrected."
        )
    if channel not in Channel.values:
        raise WorkflowError("Say how the request was received.")
    if not what_is_wrong.strip():
        raise WorkflowError("Write down what the parent says is wrong.")
    if received_on > timezone.localdate():
        raise WorkflowError("The date received cannot be in the future.")
    # Not "before it was written": entries copied in from paper are written after the fact.
    if received_on < timezone.localtime(record.occurred_at).date():
        raise WorkflowError("The request cannot be received before the day the entry is about.")
    rectification = RectificationRequest(
        record=record,
        child=child,
        requester=requester,
        received_on=received_on,
        channel=channel,
        what_is_wrong=what_is_wrong.strip(),
        what_it_should_say=what_it_should_say.strip(),
        representative_name=representative_name.strip(),
        created_by=actor,
    )
    save_as(rectification, actor=actor, reason="Request received")
    access_log.append(
        action=AccessAction.RECTIFICATION_STATE_CHANGED,
        actor=actor,
        record=record,
        detail={"rectification": rectification.pk, "from": None, "to": rectification.state},
    )
    _keep_disputed(
        record, actor=actor, reason=f"Disputed: correction request {rectification.pk} received"
    )
    return rectification


@transaction.atomic
def rectification_decide(
    *,
    rectification: RectificationRequest,
    actor: User,
    outcome: str,
    found_nature: str,
    misclassified: bool,
    reasons: str,
    corrected_title: str | None = None,
    corrected_body: str | None = None,
    statement_words: str = "",
    statement_made_on: datetime.date | None = None,
    statement_taken_how: str = "",
) -> RectificationRequest:
    """Decide a request, with reasons (policy P11).

    - ``corrected``: a factual inaccuracy (UK GDPR Art. 16). The entry's title and text are
      corrected; history keeps the old words and names the request. Past recipients are then
      told (Art. 19, ``notice_record``).
    - ``kept``: an opinion or professional judgement, or a different view of events. The entry
      stays as it is and the parent's view is attached as their statement.

    The entry's fact/opinion mark is where the decision starts; ``misclassified`` says the
    manager found it marked wrongly, and the mark is changed (kept in history).

    The entry stays disputed: the restriction is lifted only once the parent who obtained it
    has been told (UK GDPR Art. 18(3), ``rectification_tell``).
    """
    rectification = _locked(rectification)
    _require_manager(actor, rectification.child, HANDLES)
    if rectification.state == RectificationState.RECEIVED:
        raise WorkflowError(
            "Verify the parent's identity and parental responsibility before deciding."
        )
    _require_state(
        rectification, {RectificationState.IDENTITY_VERIFIED}, "a request is decided once."
    )
    record = _locked_record(rectification.record_id)
    number = rectification.pk
    if outcome not in RectificationOutcome.values:
        raise WorkflowError("Choose the decision: corrected, or kept with the parent's statement.")
    if found_nature not in Nature.values:
        raise WorkflowError("Say whether the entry is a fact or an opinion.")
    if misclassified != (found_nature != record.nature):
        raise WorkflowError(
            f"The entry is marked “{record.get_nature_display()}”: say it was marked wrongly "
            "only when you find it is the other."
        )
    if not reasons.strip():
        raise WorkflowError("Give the reasons for the decision.")
    if outcome == RectificationOutcome.CORRECTED:
        # Only a factual inaccuracy is corrected; an opinion is kept with the parent's view.
        if found_nature != Nature.FACT:
            raise WorkflowError(
                "An opinion or professional judgement is not corrected: keep it and attach the "
                "parent's statement, or find that the entry is a fact."
            )
        title = (corrected_title or "").strip()
        body = (corrected_body or "").strip()
        if not title or not body:
            raise WorkflowError("Give the corrected title and text of the entry.")
        if title == record.title and body == record.body:
            raise WorkflowError(
                "The corrected entry is the same as the entry: change what is wrong, or keep "
                "the entry with the parent's statement."
            )
    else:
        if not statement_words.strip():
            raise WorkflowError("Write down the parent's view in their words.")
        if statement_made_on is None:
            raise WorkflowError("Give the day the parent gave their view.")
        made_on = statement_made_on
    if misclassified:
        children_services.record_correct(
            record=record,
            actor=actor,
            nature=found_nature,
            reason=f"Marked {Nature(found_nature).label.lower()} on correction request {number}",
        )
    if outcome == RectificationOutcome.CORRECTED:
        children_services.record_correct(
            record=record,
            actor=actor,
            title=title,
            body=body,
            reason=f"Corrected on correction request {number}",
        )
    else:
        rectification.statement = statement_record(
            record=record,
            actor=actor,
            words=statement_words,
            made_on=made_on,
            taken_how=statement_taken_how,
            person=rectification.requester,
            reason=f"Parent's statement on correction request {number}",
        )
    rectification.outcome = outcome
    rectification.found_nature = found_nature
    rectification.misclassified = misclassified
    rectification.decision_reasons = reasons.strip()
    rectification.decided_by = actor
    rectification.decided_at = timezone.now()
    rectification.record = record
    return _move(
        rectification,
        RectificationState.DECIDED,
        actor=actor,
        reason=_why(f"Decided: {RectificationOutcome(outcome).label}"),
    )


@transaction.atomic
def rectification_tell(
    *,
    rectification: RectificationRequest,
    actor: User,
    told_on: datetime.date,
    told_how: str,
    told_of_rights: bool,
) -> RectificationRequest:
    """Record that the parent was told the decision and of their right to complain: the
    setting's complaints procedure and the ICO (UK GDPR Art. 12(4), 77). This answers the
    request: on time when ``told_on`` is on or before the due date (Art. 12(3)).

    Telling the parent lifts the restriction on the entry (Art. 18(3): the parent who obtained
    it is informed before it is lifted), unless another request about it still restricts it."""
    rectification = _locked(rectification)
    _require_manager(actor, rectification.child, HANDLES)
    _require_state(
        rectification,
        {RectificationState.DECIDED},
        "the parent is told once the request is decided.",
    )
    if told_how not in Channel.values:
        raise WorkflowError("Say how the parent was told.")
    if not told_of_rights:
        raise WorkflowError(
            "Tell the parent of their right to complain (the setting's complaints procedure "
            "and the ICO), and record that they were told."
        )
    decided_on = timezone.localtime(rectification.decided_at).date()
    if told_on < decided_on or told_on > timezone.localdate():
        raise WorkflowError(
            f"The parent is told between the decision ({_date_in_words(decided_on)}) and today."
        )
    record = _locked_record(rectification.record_id)
    rectification.told_on = told_on
    rectification.told_how = told_how
    rectification.told_of_rights = True
    rectification.record = record
    _move(rectification, RectificationState.CLOSED, actor=actor, reason="Parent told the decision")
    _keep_disputed(
        record,
        actor=actor,
        reason=f"Disputed: correction request {rectification.pk} decided and the parent told",
    )
    return rectification


@transaction.atomic
def rectification_withdraw(
    *, rectification: RectificationRequest, actor: User, reason: str
) -> RectificationRequest:
    """The parent withdrew the request before it was decided; the entry is no longer
    disputed unless another request about it still restricts it."""
    rectification = _locked(rectification)
    _require_manager(actor, rectification.child, HANDLES)
    _require_state(
        rectification,
        PENDING_RECTIFICATION_STATES,
        "only a request not yet decided can be withdrawn.",
    )
    if not reason.strip():
        raise WorkflowError("Give the reason.")
    record = _locked_record(rectification.record_id)
    rectification.outcome_reason = reason.strip()
    rectification.record = record
    _move(
        rectification,
        RectificationState.WITHDRAWN,
        actor=actor,
        reason=_why(f"Withdrawn: {reason}"),
    )
    _keep_disputed(
        record, actor=actor, reason=f"Disputed: correction request {rectification.pk} withdrawn"
    )
    return rectification


@transaction.atomic
def rectification_refuse(
    *,
    rectification: RectificationRequest,
    actor: User,
    ground: str,
    reason: str,
    told_on: datetime.date,
    told_how: str,
    told_of_rights: bool,
) -> RectificationRequest:
    """Refuse a request not yet decided, recording that the parent was told why and of their
    rights (UK GDPR Art. 12(4)): the reasons for not acting, and that they may complain to the
    Information Commissioner and seek a judicial remedy (DPA 2018 s.167). The grounds: the
    requester does not hold parental responsibility, their identity could not be confirmed
    (Art. 12(6)), or the request is manifestly unfounded or excessive (Art. 12(5)).

    Refusing ends the restriction on the entry, unless another request about it still
    restricts it."""
    rectification = _locked(rectification)
    _require_manager(actor, rectification.child, HANDLES)
    _require_state(
        rectification,
        PENDING_RECTIFICATION_STATES,
        "only a request not yet decided can be refused.",
    )
    if ground not in RefusalGround.values:
        raise WorkflowError("Choose the ground for refusing.")
    if ground == RefusalGround.NO_PARENTAL_RESPONSIBILITY and not requester_without_pr(
        rectification
    ):
        raise WorkflowError(
            f"{rectification.requester} holds parental responsibility for "
            f"{rectification.child}: choose another ground."
        )
    if not reason.strip():
        raise WorkflowError("Give the reasons told to the parent.")
    if told_how not in Channel.values:
        raise WorkflowError("Say how the parent was told.")
    if not told_of_rights:
        raise WorkflowError(
            "Tell the parent of their right to use the setting's complaints procedure, to "
            "complain to the ICO and to go to court, and record that they were told."
        )
    if told_on < rectification.received_on or told_on > timezone.localdate():
        raise WorkflowError(
            "The parent is told between the day the request was received "
            f"({_date_in_words(rectification.received_on)}) and today."
        )
    record = _locked_record(rectification.record_id)
    rectification.refusal_ground = ground
    rectification.outcome_reason = reason.strip()
    rectification.told_on = told_on
    rectification.told_how = told_how
    rectification.told_of_rights = True
    rectification.record = record
    _move(
        rectification,
        RectificationState.REFUSED,
        actor=actor,
        reason=_why(f"Refused: {RefusalGround(ground).label}"),
    )
    _keep_disputed(
        record, actor=actor, reason=f"Disputed: correction request {rectification.pk} refused"
    )
    return rectification


def notices_outstanding(rectification: RectificationRequest) -> list[InformationSharing]:
    """The past recipients of a corrected entry not yet told (or noted as not told)."""
    if rectification.outcome != RectificationOutcome.CORRECTED:
        return []
    done = set(rectification.notices.values_list("sharing_id", flat=True))
    return [s for s in past_recipients(rectification.record) if s.pk not in done]


def summaries_to_check(rectification: RectificationRequest) -> list[InformationSharing]:
    """The disclosures recorded as a written summary only (no entries named) about the child
    on or after the entry was written, not yet checked: each may have included the entry, so
    its recipient is told too unless the summary did not include it (Art. 19)."""
    if rectification.outcome != RectificationOutcome.CORRECTED:
        return []
    done = set(rectification.notices.values_list("sharing_id", flat=True))
    return [s for s in summary_disclosures(rectification.record) if s.pk not in done]


@transaction.atomic
def notice_record(
    *,
    rectification: RectificationRequest,
    sharing: InformationSharing,
    actor: User,
    outcome: str,
    done_on: datetime.date,
    method: str = "",
    note: str = "",
) -> RectificationNotice:
    """Record telling one past recipient of a corrected entry about the correction, or why
    that was impossible or would take disproportionate effort (UK GDPR Art. 19). Once per
    recipient: the request row is locked, and a unique constraint backs it.

    The recipients are the disclosures that named the entry, and those recorded as a written
    summary only that may have included it (``summary_disclosures``); for these the manager
    may instead record that the summary did not include the entry (``NOT_INCLUDED``, with
    how they know in ``note``)."""
    rectification = _locked(rectification)
    _require_manager(actor, rectification.child, HANDLES)
    _require_state(
        rectification,
        {RectificationState.DECIDED, RectificationState.CLOSED},
        "recipients are told once the entry has been corrected.",
    )
    if rectification.outcome != RectificationOutcome.CORRECTED:
        raise WorkflowError("The entry was kept, not corrected: there is no correction to tell.")
    named = past_recipients(rectification.record).filter(pk=sharing.pk).exists()
    summary = not named and summary_disclosures(rectification.record).filter(pk=sharing.pk).exists()
    if not named and not summary:
        raise WorkflowError("The entry was not shared with them: they are not a past recipient.")
    if rectification.notices.filter(sharing=sharing).exists():
        raise WorkflowError(f"Telling {sharing.recipient_label} is already recorded.")
    if outcome not in NoticeOutcome.values:
        raise WorkflowError("Say whether they were told.")
    if outcome == NoticeOutcome.NOT_INCLUDED and not summary:
        raise WorkflowError(
            f"The disclosure to {sharing.recipient_label} named the entry: say whether they "
            "were told."
        )
    if outcome == NoticeOutcome.NOT_INCLUDED:
        method = ""
        if not note.strip():
            raise WorkflowError("Say how you know the summary did not include the entry.")
    elif outcome == NoticeOutcome.NOTIFIED:
        if method not in SharingMethod.values:
            raise WorkflowError("Say how they were told.")
        note = note.strip()
    else:
        method = method if method in SharingMethod.values else ""
        if not note.strip():
            raise WorkflowError("Say why they could not be told, or why it is disproportionate.")
    decided_on = timezone.localtime(rectification.decided_at).date()
    if done_on < decided_on or done_on > timezone.localdate():
        raise WorkflowError(
            f"Give a day between the decision ({_date_in_words(decided_on)}) and today."
        )
    notice = RectificationNotice(
        rectification=rectification,
        sharing=sharing,
        outcome=outcome,
        done_on=done_on,
        method=method,
        note=note.strip(),
        recorded_by=actor,
    )
    save_as(notice, actor=actor, reason=f"Recipient noted on correction request {rectification.pk}")
    access_log.append(
        action=AccessAction.RECIPIENT_NOTICE_RECORDED,
        actor=actor,
        record=rectification.record,
        detail={"rectification": rectification.pk, "notice": notice.pk, "sharing": sharing.pk},
    )
    return notice


def answered_on_time(rectification: RectificationRequest) -> bool | None:
    """Whether the parent was told by the due date (UK GDPR Art. 12(3)); None until told."""
    if rectification.told_on is None:
        return None
    due = rectification.due_on()
    return due is None or rectification.told_on <= due
